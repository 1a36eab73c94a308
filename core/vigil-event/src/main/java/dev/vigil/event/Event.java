package dev.vigil.event;

/**
 * One event as the rules engine sees it: a source, a time, an event-type code and field values
 * addressed by slot (see {@link FieldSlots}). Implementations are usually reused from one event to
 * the next; the engine never keeps a reference past one evaluation.
 *
 * <p>A field with no value is <em>absent</em> ({@link #value(int)} returns {@code null}); every
 * comparison on an absent field is false, even {@code !=}.
 *
 * <p>Value representation by {@link FieldType}: strings as {@link String}; integers, times, ports
 * as {@link Long}; booleans as {@link Boolean}; addresses as {@link IpAddress}; networks as
 * {@link IpNetwork}; bytes as {@code byte[]}; list fields and ancestor lists as {@link java.util.List}
 * of those.
 */
public interface Event {
    /** The event source ({@code syscall}, {@code k8s_audit}). */
    String source();

    /** Event time, nanoseconds since the epoch. */
    long timestampNanos();

    /** The code of the event type in {@link EventTypes}, or -1 when unknown. */
    int typeCode();

    /** The value of the field bound to {@code slot}, or {@code null} when absent. */
    Object value(int slot);

    /** Whether the field bound to {@code slot} has a value. */
    default boolean has(int slot) {
        return value(slot) != null;
    }

    /** The numeric value of a present integer, time, port or boolean field (booleans as 0/1). */
    default long longValue(int slot) {
        Object v = value(slot);
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }
}
