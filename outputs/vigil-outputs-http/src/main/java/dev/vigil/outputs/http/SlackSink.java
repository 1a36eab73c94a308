package dev.vigil.outputs.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Slack's incoming-webhook message: optional top-level {@code text} from {@code messageformat},
 * {@code username}, {@code icon_url}, {@code channel}, and one attachment with {@code fallback},
 * the priority's {@code color}, the output as {@code text} (outputformat all or text), the alert's
 * {@code fields} (all or fields; short when the value is under 36 characters) and a footer.
 */
final class SlackSink extends PostEachSink {
    private final String channel;
    private final String username;
    private final String iconUrl;
    private final boolean withText;
    private final boolean withFields;
    private final Template message;

    private SlackSink(HttpTransport http, URI url, String channel, String username, String iconUrl, String format, Template message) {
        super(http, url);
        this.channel = channel;
        this.username = username;
        this.iconUrl = iconUrl;
        this.withText = !format.equals("fields");
        this.withFields = !format.equals("text");
        this.message = message;
    }

    static SlackSink create(OutputSettings s) throws ConfigException {
        URI url = s.url("webhookurl", true);
        String format = s.oneOf("outputformat", "all", Set.of("all", "text", "fields"));
        return new SlackSink(HttpTransport.create(s), url, s.string("channel", null), s.string("username", "Vigil"),
                s.string("iconurl", null), format, Template.of(s, "messageformat"));
    }

    @Override
    byte[] body(FalcoAlert a) {
        return Json.bytes(g -> {
            g.writeStartObject();
            if (message != null) {
                g.writeStringField("text", message.render(a, false));
            }
            g.writeStringField("username", username);
            if (iconUrl != null) {
                g.writeStringField("icon_url", iconUrl);
            }
            if (channel != null) {
                g.writeStringField("channel", channel);
            }
            g.writeArrayFieldStart("attachments");
            g.writeStartObject();
            g.writeStringField("fallback", Look.summary(a));
            g.writeStringField("color", Look.color(a.priority()));
            if (withText) {
                g.writeStringField("text", Look.summary(a));
            }
            if (withFields) {
                fields(g, a);
            }
            g.writeStringField("footer", "Vigil");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void fields(JsonGenerator g, FalcoAlert a) throws IOException {
        g.writeArrayFieldStart("fields");
        for (Look.Fact f : Look.facts(a)) {
            g.writeStartObject();
            g.writeStringField("title", f.name());
            g.writeStringField("value", f.value());
            g.writeBooleanField("short", f.value().length() < 36);
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
