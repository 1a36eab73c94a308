package dev.vigil.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Interns field expressions ({@link FieldRef#canonical()}) to dense slot numbers shared by the
 * rules engine and the producers of events, so that a field value is read by array index on the
 * hot path. Slots are never removed. Thread-safe.
 */
public final class FieldSlots {
    private final Map<String, Integer> bySpelling = new ConcurrentHashMap<>();
    private final List<FieldRef> refs = new ArrayList<>();

    /** The slot of a field expression, assigning the next free one on first use. */
    public synchronized int slotOf(FieldRef ref) {
        Integer s = bySpelling.get(ref.canonical());
        if (s != null) {
            return s;
        }
        int slot = refs.size();
        refs.add(ref);
        bySpelling.put(ref.canonical(), slot);
        return slot;
    }

    /** The slot of an already interned expression, or -1. */
    public int find(String canonical) {
        Integer s = bySpelling.get(canonical);
        return s == null ? -1 : s;
    }

    public synchronized FieldRef ref(int slot) {
        return refs.get(slot);
    }

    public synchronized int size() {
        return refs.size();
    }

    /** A snapshot of every interned field expression, by slot. */
    public synchronized List<FieldRef> all() {
        return List.copyOf(refs);
    }
}
