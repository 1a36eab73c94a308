package dev.vigil.pipeline;

import dev.vigil.event.Priority;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Vigil's own alerts about one output (source {@code internal}, priority Error), rate-limited to
 * one per rule per {@link #INTERVAL_MILLIS} of the injected clock, so a full spool under a flood
 * makes one alert a minute, not one per drop. Thread-safe: the limit is a compare-and-set per rule,
 * and the consumer is called on the caller's thread with no pipeline lock held.
 */
final class InternalAlerts {
    static final String SPOOL_FULL = "Vigil output spool full";
    static final String QUEUE_FULL = "Vigil output queue full";
    static final String SPOOL_ERROR = "Vigil output spool error";
    static final String DEAD_LETTER = "Vigil output dead letter";
    static final long INTERVAL_MILLIS = 60_000;

    private final String output;
    private final String type;
    private final Consumer<FalcoAlert> consumer;
    private final InstantSource clock;
    private final Map<String, AtomicLong> nextAllowed = new ConcurrentHashMap<>();

    InternalAlerts(String output, String type, Consumer<FalcoAlert> consumer, InstantSource clock) {
        this.output = output;
        this.type = type;
        this.consumer = consumer;
        this.clock = clock;
    }

    /**
     * Raises {@code rule} unless it was raised less than a minute ago. {@code fields} is only
     * evaluated when the alert goes out; {@code vigil.output} and {@code vigil.output.type} are added.
     */
    void raise(String rule, Supplier<String> text, Supplier<Map<String, Object>> fields) {
        if (consumer == null) {
            return;
        }
        long now = clock.millis();
        AtomicLong next = nextAllowed.computeIfAbsent(rule, r -> new AtomicLong(Long.MIN_VALUE));
        long due = next.get();
        if (now < due || !next.compareAndSet(due, now + INTERVAL_MILLIS)) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("vigil.output", output);
        f.put("vigil.output.type", type);
        f.putAll(fields.get());
        FalcoAlert a = new FalcoAlert(AlertIds.next(), Math.multiplyExact(now, 1_000_000L), Priority.ERROR,
                rule, "internal", List.of("vigil"), null,
                "Vigil output '" + output + "' (" + type + "): " + text.get(), f);
        try {
            consumer.accept(a);
        } catch (RuntimeException e) {
            System.err.println("vigil: output '" + output + "': the internal alert consumer failed: " + e);
        }
    }
}
