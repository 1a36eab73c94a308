package dev.vigil.event;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An alert in Falco's shape: the rule that matched, its priority, source and tags, the formatted
 * output line and the values of the fields that output names.
 *
 * @param timestampNanos event time, nanoseconds since the epoch
 * @param output the text line: time prefix, priority and rule output
 * @param message the rule output alone, without prefix
 * @param outputFields field name to typed value ({@code null} for absent), in output order
 */
public record Alert(
        long timestampNanos,
        String hostname,
        String rule,
        Priority priority,
        String source,
        List<String> tags,
        String output,
        String message,
        Map<String, Object> outputFields) {
    public Alert {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(source, "source");
        tags = List.copyOf(tags);
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(message, "message");
        outputFields = Collections.unmodifiableMap(new LinkedHashMap<>(outputFields));
    }
}
