package dev.vigil.outputs.http;

import dev.vigil.event.AlertJson;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A text with {@code {{name}}} placeholders, filled from an alert: {@code rule}, {@code priority},
 * {@code source}, {@code hostname}, {@code time}, {@code uuid}, {@code output}, {@code tags}
 * (comma-joined), {@code output_fields.<field>} (empty when absent or null) and {@code json} (the
 * whole alert as JSON, always inserted as it is). Spaces inside the braces are ignored.
 */
final class Template {
    static final Set<String> NAMES = Set.of("rule", "priority", "source", "hostname", "time", "uuid", "output", "tags", "json");
    private static final String FIELD = "output_fields.";

    /** Literal text is a String, a placeholder a Slot. */
    private final List<Object> parts;

    private record Slot(String name) {}

    private Template(List<Object> parts) {
        this.parts = parts;
    }

    /** Parses the value of {@code key}, or returns null when it is not set. */
    static Template of(OutputSettings s, String key) throws ConfigException {
        String text = s.string(key, null);
        if (text == null || text.isEmpty()) {
            return null;
        }
        List<Object> parts = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int open = text.indexOf("{{", from);
            if (open < 0) {
                parts.add(text.substring(from));
                break;
            }
            int close = text.indexOf("}}", open + 2);
            if (close < 0) {
                throw s.error(key, "'{{' at offset " + open + " is not closed by '}}'");
            }
            if (open > from) {
                parts.add(text.substring(from, open));
            }
            String name = text.substring(open + 2, close).strip();
            if (!NAMES.contains(name) && !(name.startsWith(FIELD) && name.length() > FIELD.length())) {
                throw s.error(key, "unknown placeholder {{" + name + "}} (known: " + String.join(", ", new java.util.TreeSet<>(NAMES))
                        + ", output_fields.<field>)");
            }
            parts.add(new Slot(name));
            from = close + 2;
        }
        return new Template(List.copyOf(parts));
    }

    /** The text for {@code a}; with {@code jsonEscape}, values are escaped for a JSON string (quotes not added). */
    String render(FalcoAlert a, boolean jsonEscape) {
        StringBuilder sb = new StringBuilder(256);
        for (Object p : parts) {
            if (p instanceof Slot(String name)) {
                if (name.equals("json")) {
                    sb.append(a.toJson());
                    continue;
                }
                String v = value(a, name);
                if (jsonEscape) {
                    AlertJson.escape(sb, v);
                } else {
                    sb.append(v);
                }
            } else {
                sb.append((String) p);
            }
        }
        return sb.toString();
    }

    private static String value(FalcoAlert a, String name) {
        return switch (name) {
            case "rule" -> a.rule();
            case "priority" -> a.priority().displayName();
            case "source" -> a.source();
            case "hostname" -> a.hostname() == null ? "" : a.hostname();
            case "time" -> a.time();
            case "uuid" -> a.uuid() == null ? "" : a.uuid();
            case "output" -> a.output();
            case "tags" -> String.join(",", a.tags());
            default -> Json.text(a.field(name.substring(FIELD.length())));
        };
    }
}
