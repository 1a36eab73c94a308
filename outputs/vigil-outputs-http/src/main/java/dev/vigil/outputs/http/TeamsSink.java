package dev.vigil.outputs.http;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import java.net.URI;
import java.util.Set;

/**
 * The legacy MessageCard: {@code summary} and the section's {@code text} are the output,
 * {@code themeColor} the priority's colour without '#', {@code activityTitle} "Vigil",
 * {@code activitySubtitle} the alert time, {@code facts} the alert's fields (outputformat all or
 * facts).
 */
final class TeamsSink extends PostEachSink {
    private final String image;
    private final boolean withText;
    private final boolean withFacts;

    private TeamsSink(HttpTransport http, URI url, String image, String format) {
        super(http, url);
        this.image = image;
        this.withText = !format.equals("facts");
        this.withFacts = !format.equals("text");
    }

    static TeamsSink create(OutputSettings s) throws ConfigException {
        URI url = s.url("webhookurl", true);
        String format = s.oneOf("outputformat", "all", Set.of("all", "text", "facts"));
        return new TeamsSink(HttpTransport.create(s), url, s.string("activityimage", null), format);
    }

    @Override
    byte[] body(FalcoAlert a) {
        return Json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("@type", "MessageCard");
            g.writeStringField("@context", "https://schema.org/extensions");
            g.writeStringField("summary", Look.summary(a));
            g.writeStringField("themeColor", Look.color(a.priority()).substring(1));
            g.writeArrayFieldStart("sections");
            g.writeStartObject();
            g.writeStringField("activityTitle", "Vigil");
            g.writeStringField("activitySubtitle", a.time());
            if (image != null) {
                g.writeStringField("activityImage", image);
            }
            if (withText) {
                g.writeStringField("text", Look.summary(a));
            }
            if (withFacts) {
                g.writeArrayFieldStart("facts");
                for (Look.Fact f : Look.facts(a)) {
                    g.writeStartObject();
                    g.writeStringField("name", f.name());
                    g.writeStringField("value", f.value());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
