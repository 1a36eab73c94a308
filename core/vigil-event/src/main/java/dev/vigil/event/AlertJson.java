package dev.vigil.event;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an {@link Alert} as Falco's JSON alert: keys in alphabetical order ({@code hostname},
 * {@code output}, {@code output_fields}, {@code priority}, {@code rule}, {@code source},
 * {@code tags}, {@code time}), field values typed ({@code null} for absent), time in UTC with nine
 * fractional digits.
 */
public final class AlertJson {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private AlertJson() {}

    public static String write(Alert a) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"hostname\":");
        string(sb, a.hostname());
        sb.append(",\"output\":");
        string(sb, a.output());
        sb.append(",\"output_fields\":");
        value(sb, new TreeMap<>(a.outputFields()));
        sb.append(",\"priority\":");
        string(sb, a.priority().displayName());
        sb.append(",\"rule\":");
        string(sb, a.rule());
        sb.append(",\"source\":");
        string(sb, a.source());
        sb.append(",\"tags\":");
        value(sb, a.tags());
        sb.append(",\"time\":");
        string(sb, utc(a.timestampNanos()));
        sb.append('}');
        return sb.toString();
    }

    /** {@code 2026-11-26T10:00:00.123456789Z}. */
    public static String utc(long nanos) {
        long secs = Math.floorDiv(nanos, 1_000_000_000L);
        long frac = Math.floorMod(nanos, 1_000_000_000L);
        return SECONDS.format(Instant.ofEpochSecond(secs)) + "." + String.format("%09d", frac) + "Z";
    }

    /** Falco's ISO 8601 prefix form: {@code 2016-08-04T16:17:57.881781397+0000}. */
    public static String iso8601(long nanos) {
        long secs = Math.floorDiv(nanos, 1_000_000_000L);
        long frac = Math.floorMod(nanos, 1_000_000_000L);
        return SECONDS.format(Instant.ofEpochSecond(secs)) + "." + String.format("%09d", frac) + "+0000";
    }

    private static void value(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    value(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    value(sb, l.get(i));
                }
                sb.append(']');
            }
            default -> string(sb, v.toString());
        }
    }

    /** Appends a JSON string literal. */
    public static void string(StringBuilder sb, String s) {
        sb.append('"');
        escape(sb, s);
        sb.append('"');
    }

    /** JSON string escaping without the quotes (also used for Falco's text line). */
    public static void escape(StringBuilder sb, String s) {
        int n = s.length();
        int run = 0; // start of the current stretch of characters that need no escaping
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            if (i > run) {
                sb.append(s, run, i);
            }
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> sb.append(String.format("\\u%04x", (int) c));
            }
            run = i + 1;
        }
        if (run < n) {
            sb.append(s, run, n);
        }
    }

}
