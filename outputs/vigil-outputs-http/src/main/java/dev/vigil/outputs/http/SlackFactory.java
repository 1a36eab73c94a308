package dev.vigil.outputs.http;

/** {@code slack}: Slack incoming webhook, an attachment per alert coloured by priority. */
public final class SlackFactory extends BaseFactory {
    public SlackFactory() {
        super("slack", "Slack incoming webhook, an attachment per alert coloured by priority",
                http("webhookurl", "channel", "username", "iconurl", "outputformat", "messageformat"),
                SlackSink::create);
    }
}
