package dev.vigil.outputs.http;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An Events API v2 {@code trigger} per alert. Unlike Falcosidekick, the severity follows the
 * priority and {@code dedup_key} is the alert uuid, so a resent alert does not open a second
 * incident; {@code custom_details} carries the output fields plus rule, priority, tags, hostname
 * and source. PagerDuty answers 202 when it accepted the event.
 */
final class PagerDutySink extends PostEachSink {
    static final URI US = URI.create("https://events.pagerduty.com/v2/enqueue");
    static final URI EU = URI.create("https://events.eu.pagerduty.com/v2/enqueue");
    private static final int SUMMARY_MAX = 1024;
    /** The details written before the output fields, which do not replace them. */
    private static final Set<String> DETAILS = Set.of("rule", "priority", "source", "hostname", "tags");

    private final String routingKey;

    private PagerDutySink(HttpTransport http, URI url, String routingKey) {
        super(http, url);
        this.routingKey = routingKey;
    }

    static PagerDutySink create(OutputSettings s) throws ConfigException {
        String key = s.require("routingkey");
        String region = s.oneOf("region", "us", Set.of("us", "eu"));
        URI url = s.url("url", false);
        if (url == null) {
            url = region.equals("eu") ? EU : US;
        }
        return new PagerDutySink(HttpTransport.create(s), url, key);
    }

    static String severity(Priority p) {
        return switch (p) {
            case EMERGENCY, ALERT, CRITICAL -> "critical";
            case ERROR -> "error";
            case WARNING -> "warning";
            default -> "info";
        };
    }

    @Override
    byte[] body(FalcoAlert a) {
        String summary = Look.summary(a);
        if (summary.length() > SUMMARY_MAX) {
            summary = summary.substring(0, SUMMARY_MAX - 3) + "...";
        }
        String text = summary;
        Instant at = Instant.ofEpochSecond(0, a.timeNanos()).truncatedTo(ChronoUnit.MILLIS);
        return Json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("routing_key", routingKey);
            g.writeStringField("event_action", "trigger");
            if (a.uuid() != null) {
                g.writeStringField("dedup_key", a.uuid());
            }
            g.writeStringField("client", "Vigil");
            g.writeObjectFieldStart("payload");
            g.writeStringField("summary", text);
            g.writeStringField("source", a.hostname() == null || a.hostname().isEmpty() ? "vigil" : a.hostname());
            g.writeStringField("severity", severity(a.priority()));
            g.writeStringField("timestamp", at.toString());
            g.writeStringField("component", a.source());
            g.writeStringField("class", a.rule());
            g.writeObjectFieldStart("custom_details");
            g.writeStringField("rule", a.rule());
            g.writeStringField("priority", a.priority().displayName());
            g.writeStringField("source", a.source());
            g.writeStringField("hostname", a.hostname() == null ? "" : a.hostname());
            g.writeArrayFieldStart("tags");
            for (String t : a.tags()) {
                g.writeString(t);
            }
            g.writeEndArray();
            for (Map.Entry<String, Object> e : new TreeMap<>(a.outputFields()).entrySet()) {
                if (!DETAILS.contains(e.getKey())) {
                    g.writeFieldName(e.getKey());
                    Json.value(g, e.getValue());
                }
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        });
    }
}
