package dev.vigil.event;

import java.util.Arrays;
import java.util.Objects;

/**
 * An event whose field values were given directly (a replay line, a rule test case, a benchmark),
 * rather than extracted from kernel or audit data. Values are stored by slot; the object can be
 * cleared and refilled, so one instance serves a whole stream.
 */
public final class SnapshotEvent implements Event {
    private final FieldSlots slots;
    private String source = FieldCatalog.SYSCALL;
    private long timestampNanos;
    private int typeCode = -1;
    private Object[] values;

    public SnapshotEvent(FieldSlots slots) {
        this.slots = Objects.requireNonNull(slots, "slots");
        this.values = new Object[Math.max(16, slots.size())];
    }

    public FieldSlots slots() {
        return slots;
    }

    /** Removes every value; source, time and type are reset. */
    public void clear() {
        Arrays.fill(values, null);
        source = FieldCatalog.SYSCALL;
        timestampNanos = 0;
        typeCode = -1;
    }

    public void setSource(String source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    public void setTimestampNanos(long timestampNanos) {
        this.timestampNanos = timestampNanos;
    }

    public void setTypeCode(int typeCode) {
        this.typeCode = typeCode;
    }

    /** Sets the value of a slot; {@code null} makes the field absent. */
    public void set(int slot, Object value) {
        if (slot >= values.length) {
            values = Arrays.copyOf(values, Math.max(slot + 1, values.length * 2));
        }
        values[slot] = value;
    }

    /** Sets the value of a field expression, interning it. */
    public void set(FieldRef ref, Object value) {
        set(slots.slotOf(ref), value);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public long timestampNanos() {
        return timestampNanos;
    }

    @Override
    public int typeCode() {
        return typeCode;
    }

    @Override
    public Object value(int slot) {
        return slot < values.length ? values[slot] : null;
    }
}
