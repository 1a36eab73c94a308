package dev.vigil.rules.output;

import dev.vigil.event.Alert;
import dev.vigil.event.AlertJson;
import dev.vigil.event.Event;
import dev.vigil.rules.CompiledRule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds alerts in Falco's shape from a matching rule and the event: the text line is the ISO 8601
 * time, {@code ": "}, the priority's full name and the rule output; {@code output_fields} carries
 * {@code evt.time.iso8601} (nanoseconds) and every field of the output.
 */
public final class AlertFormatter {
    private final String hostname;

    public AlertFormatter(String hostname) {
        this.hostname = Objects.requireNonNull(hostname, "hostname");
    }

    /** The host name Falco would report: {@code VIGIL_HOSTNAME}, {@code FALCO_HOSTNAME}, or the machine's. */
    public static String defaultHostname() {
        String env = System.getenv("VIGIL_HOSTNAME");
        if (env == null || env.isBlank()) {
            env = System.getenv("FALCO_HOSTNAME");
        }
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    public Alert alert(CompiledRule rule, Event e) {
        String message = rule.outputFormat().format(e);
        StringBuilder line = new StringBuilder();
        line.append(AlertJson.iso8601(e.timestampNanos())).append(": ").append(rule.priority().displayName()).append(' ');
        AlertJson.escape(line, message);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("evt.time.iso8601", e.timestampNanos());
        fields.putAll(rule.outputFormat().fields(e));
        return new Alert(e.timestampNanos(), hostname, rule.name(), rule.priority(), rule.source(), rule.tags(),
                line.toString(), message, fields);
    }
}
