package dev.vigil.outputs.kafka;

import dev.vigil.pipeline.FalcoAlert;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;

/**
 * Which part of an alert becomes the Kafka message key: {@code rule}, {@code hostname},
 * {@code uuid}, {@code priority}, {@code source} or {@code output_fields.<field>} (the field name
 * is case-sensitive). Records with the same key land on the same partition, so a key keeps, for
 * example, all alerts of one host in order. An alert without the chosen value gets no key.
 */
final class KeyTemplate {
    static final String FIELD_PREFIX = "output_fields.";
    static final String CHOICES = "rule, hostname, uuid, priority, source or output_fields.<field>";

    private final String spec;
    private final Function<FalcoAlert, Object> part;

    private KeyTemplate(String spec, Function<FalcoAlert, Object> part) {
        this.spec = spec;
        this.part = part;
    }

    /** The template named by {@code text}, or null for an unknown one. */
    static KeyTemplate parse(String text) {
        String t = text.trim();
        if (t.regionMatches(true, 0, FIELD_PREFIX, 0, FIELD_PREFIX.length())) {
            String field = t.substring(FIELD_PREFIX.length());
            return field.isEmpty() ? null : new KeyTemplate(FIELD_PREFIX + field, a -> a.field(field));
        }
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "rule" -> new KeyTemplate("rule", FalcoAlert::rule);
            case "hostname" -> new KeyTemplate("hostname", FalcoAlert::hostname);
            case "uuid" -> new KeyTemplate("uuid", FalcoAlert::uuid);
            case "priority" -> new KeyTemplate("priority", a -> a.priority().displayName());
            case "source" -> new KeyTemplate("source", FalcoAlert::source);
            default -> null;
        };
    }

    /** The key bytes (UTF-8 text of the value) for {@code alert}, or null when it has no such value. */
    byte[] key(FalcoAlert alert) {
        Object v = part.apply(alert);
        if (v == null) {
            return null;
        }
        String s = v.toString();
        return s.isEmpty() ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return spec;
    }
}
