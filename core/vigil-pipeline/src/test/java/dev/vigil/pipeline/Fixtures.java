package dev.vigil.pipeline;

import dev.vigil.event.Priority;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Alerts, settings, a settable clock and polling with a deadline, shared by the pipeline tests. */
final class Fixtures {
    static final long T0 = Instant.parse("2026-11-26T10:00:00Z").getEpochSecond() * 1_000_000_000L;

    private Fixtures() {}

    /** Alert number {@code i}: all alerts of this family have the same JSON size. */
    static FalcoAlert alert(int i) {
        return alert(i, Priority.WARNING, "Shell in container", Map.of("proc.name", "bash", "seq", String.format("%06d", i)));
    }

    static FalcoAlert alert(int i, Priority p, String rule, Map<String, Object> fields) {
        return new FalcoAlert(uuid(i), T0 + i, p, rule, "syscalls", List.of("container", "shell"), "node-1",
                "A shell was spawned (proc.name=" + fields.get("proc.name") + ")", new LinkedHashMap<>(fields));
    }

    static String uuid(int i) {
        return new UUID(0, i).toString();
    }

    static Envelope envelope(int i) {
        return Envelope.of(alert(i));
    }

    static List<String> uuids(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(uuid(i));
        }
        return out;
    }

    /** Settings of output {@code name} of type webhook; {@code kv} alternates key and value. */
    static OutputSettings settings(String name, String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new OutputSettings(name, "webhook", m, "--output");
    }

    /** Polls {@code condition} every millisecond until it holds; fails after {@code timeout}. */
    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    static void await(String what, BooleanSupplier condition) {
        await(Duration.ofSeconds(20), what, condition);
    }

    /** A clock the test moves by hand. */
    static final class MutableClock implements InstantSource {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T10:00:00Z"));

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }
    }
}
