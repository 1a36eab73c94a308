package dev.vigil.event;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The event-type table: every event name a syscall rule may test with {@code evt.type}, each with a
 * dense code (its position in the table) and the number of Falco event codes that carry the name
 * (enter, exit and legacy versions), which is what Falco counts when it warns that a rule matches
 * too many event types. Read from the {@code event-types.tsv} resource; immutable.
 */
public final class EventTypes {
    private static final EventTypes INSTANCE = load();

    private final List<String> names;
    private final int[] weights;
    private final Map<String, Integer> codes;

    private EventTypes(List<String> names, int[] weights) {
        this.names = Collections.unmodifiableList(names);
        this.weights = weights;
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.putIfAbsent(names.get(i), i);
        }
        this.codes = m;
    }

    public static EventTypes get() {
        return INSTANCE;
    }

    /** The number of event types (codes run from 0 to size-1). */
    public int size() {
        return names.size();
    }

    /** The code of an event name, or -1 when unknown. */
    public int code(String name) {
        Integer c = codes.get(name);
        return c == null ? -1 : c;
    }

    public String name(int code) {
        return names.get(code);
    }

    /** How many Falco event codes carry the name of {@code code} (at least 1). */
    public int weight(int code) {
        return weights[code];
    }

    public List<String> names() {
        return names;
    }

    private static EventTypes load() {
        try (InputStream in = EventTypes.class.getResourceAsStream("event-types.tsv")) {
            if (in == null) {
                throw new IllegalStateException("missing resource event-types.tsv");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> names = new ArrayList<>();
            List<Integer> w = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cols = line.split("\t");
                if (names.contains(cols[0])) {
                    continue;
                }
                names.add(cols[0].trim());
                int weight = cols.length > 1 ? Integer.parseInt(cols[1].trim()) : 1;
                w.add(Math.max(1, weight));
            }
            int[] weights = new int[w.size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = w.get(i);
            }
            return new EventTypes(names, weights);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
