package dev.vigil.outputs.http;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.FalcoAlert;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** How chat outputs present an alert: colours by priority and a summary line. */
final class Look {
    private Look() {}

    /** The colour of a priority as {@code #rrggbb}, the same scheme chat users know from Falcosidekick. */
    static String color(Priority p) {
        return switch (p) {
            case EMERGENCY, ERROR -> "#e20b0b";
            case ALERT, CRITICAL -> "#ff5400";
            case WARNING -> "#ffc700";
            case NOTICE -> "#5bffb5";
            case INFORMATIONAL -> "#68c2ff";
            case DEBUG -> "#ccfff2";
        };
    }

    /** The output line, or the rule when the alert has none. */
    static String summary(FalcoAlert a) {
        return a.output().isEmpty() ? a.rule() : a.output();
    }

    /** A name and value shown in a chat card. */
    record Fact(String name, String value) {}

    /**
     * The facts of an alert in display order: rule, priority, source, hostname and tags (when set),
     * every output field by name (null shown as Falco prints it, {@code <NA>}), then the time.
     */
    static List<Fact> facts(FalcoAlert a) {
        List<Fact> out = new ArrayList<>();
        out.add(new Fact("rule", a.rule()));
        out.add(new Fact("priority", a.priority().displayName()));
        out.add(new Fact("source", a.source()));
        if (a.hostname() != null && !a.hostname().isEmpty()) {
            out.add(new Fact("hostname", a.hostname()));
        }
        if (!a.tags().isEmpty()) {
            out.add(new Fact("tags", String.join(", ", a.tags())));
        }
        for (Map.Entry<String, Object> e : new TreeMap<>(a.outputFields()).entrySet()) {
            out.add(new Fact(e.getKey(), e.getValue() == null ? "<NA>" : Json.text(e.getValue())));
        }
        out.add(new Fact("time", a.time()));
        return out;
    }
}
