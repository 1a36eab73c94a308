package dev.vigil.outputs.http;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/** One request per alert; the body is the alert JSON, or the template filled in. */
final class WebhookSink extends PostEachSink {
    private final String method;
    private final Template template;
    private final String contentType;
    private final boolean json;

    private WebhookSink(HttpTransport http, URI url, String method, Template template, String contentType) {
        super(http, url);
        this.method = method;
        this.template = template;
        this.contentType = contentType;
        this.json = contentType.toLowerCase(Locale.ROOT).contains("json");
    }

    static WebhookSink create(OutputSettings s) throws ConfigException {
        URI url;
        if (s.has("url")) {
            url = s.url("url", true);
        } else if (s.has("address")) {
            url = s.url("address", true);
        } else {
            throw s.error("url", "required (or its alias address)");
        }
        String method = s.oneOf("method", "post", Set.of("post", "put")).toUpperCase(Locale.ROOT);
        Template template = Template.of(s, "template");
        String contentType = s.string("contenttype", "application/json");
        return new WebhookSink(HttpTransport.create(s), url, method, template, contentType);
    }

    @Override
    byte[] body(FalcoAlert a) {
        return template == null ? a.toJsonBytes() : template.render(a, json).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    String method() {
        return method;
    }

    @Override
    String contentType() {
        return contentType;
    }
}
