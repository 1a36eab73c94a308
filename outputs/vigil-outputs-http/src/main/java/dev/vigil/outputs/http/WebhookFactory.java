package dev.vigil.outputs.http;

/** {@code webhook}: HTTP POST or PUT of each alert to a URL, as its JSON or through a {{placeholder}} template. */
public final class WebhookFactory extends BaseFactory {
    public WebhookFactory() {
        super("webhook", "HTTP POST or PUT of each alert to a URL, as its JSON or through a {{placeholder}} template",
                http("url", "address", "method", "template", "contenttype"),
                WebhookSink::create);
    }
}
