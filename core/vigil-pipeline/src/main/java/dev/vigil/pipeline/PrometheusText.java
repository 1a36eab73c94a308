package dev.vigil.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a Prometheus text exposition (format 0.0.4): samples are grouped into families, each
 * family printed once with its {@code # HELP} and {@code # TYPE} lines, in the order families were
 * first used. Label values and help texts are escaped as the format requires.
 *
 * <p>Not thread-safe: build one per scrape.
 */
public final class PrometheusText {
    private final Map<String, Family> families = new LinkedHashMap<>();

    private record Family(String type, String help, List<String> samples) {}

    /** Adds a counter sample; {@code labels} alternate name and value. */
    public PrometheusText counter(String name, String help, double value, String... labels) {
        return sample("counter", name, help, value, labels);
    }

    /** Adds a gauge sample; {@code labels} alternate name and value. */
    public PrometheusText gauge(String name, String help, double value, String... labels) {
        return sample("gauge", name, help, value, labels);
    }

    private PrometheusText sample(String type, String name, String help, double value, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels must alternate name and value");
        }
        Family f = families.computeIfAbsent(name, n -> new Family(type, help, new ArrayList<>()));
        if (!f.type.equals(type)) {
            throw new IllegalArgumentException(name + " is already a " + f.type);
        }
        StringBuilder sb = new StringBuilder(name);
        if (labels.length > 0) {
            sb.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(labels[i]).append("=\"");
                escape(sb, labels[i + 1], true);
                sb.append('"');
            }
            sb.append('}');
        }
        sb.append(' ').append(number(value));
        f.samples.add(sb.toString());
        return this;
    }

    /** The exposition text, ending with a newline (empty when nothing was added). */
    public String render() {
        StringBuilder sb = new StringBuilder();
        families.forEach((name, f) -> {
            sb.append("# HELP ").append(name).append(' ');
            escape(sb, f.help, false);
            sb.append("\n# TYPE ").append(name).append(' ').append(f.type).append('\n');
            f.samples.forEach(s -> sb.append(s).append('\n'));
        });
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** Escapes backslash and newline (and, in label values, the double quote). */
    static void escape(StringBuilder sb, String s, boolean labelValue) {
        String text = s == null ? "" : s;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '"' -> sb.append(labelValue ? "\\\"" : "\"");
                default -> sb.append(c);
            }
        }
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
