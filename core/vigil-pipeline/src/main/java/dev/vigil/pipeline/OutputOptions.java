package dev.vigil.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What the application gives every {@link Output} besides its settings and sink.
 *
 * @param spoolRoot        the directory holding one spool directory per output ({@code spoolRoot/<name>/});
 *                         {@code null} means memory-only mode (no spool, no default dead-letter file)
 * @param filter           the routing filter compiled from the output's {@code filter} key; {@code null}
 *                         accepts everything. Called on the offering thread, so it must be thread-safe.
 * @param internalAlerts   receives Vigil's own alerts about this output (spool full, dead letters),
 *                         at most one per output and rule per minute; {@code null} discards them.
 *                         Called on the thread that noticed the problem, with no pipeline lock held.
 * @param shutdownDeadline how long {@link Output#close()} keeps delivering before it stops
 * @param clock            wall time for dedup windows, dead-letter timestamps and rate limits
 */
public record OutputOptions(Path spoolRoot, Predicate<FalcoAlert> filter, Consumer<FalcoAlert> internalAlerts,
        Duration shutdownDeadline, InstantSource clock) {

    /** The shutdown deadline when none is given. */
    public static final Duration DEFAULT_SHUTDOWN_DEADLINE = Duration.ofSeconds(5);

    public OutputOptions {
        shutdownDeadline = shutdownDeadline == null ? DEFAULT_SHUTDOWN_DEADLINE : shutdownDeadline;
        if (shutdownDeadline.isNegative()) {
            throw new IllegalArgumentException("shutdownDeadline must not be negative");
        }
        clock = clock == null ? InstantSource.system() : clock;
    }

    /** No spool, no filter, no internal alerts, the default deadline, the system clock. */
    public static OutputOptions memoryOnly() {
        return new OutputOptions(null, null, null, null, null);
    }

    /** As {@link #memoryOnly()} with a spool under {@code spoolRoot}. */
    public static OutputOptions spooled(Path spoolRoot) {
        return new OutputOptions(spoolRoot, null, null, null, null);
    }

    public OutputOptions withFilter(Predicate<FalcoAlert> newFilter) {
        return new OutputOptions(spoolRoot, newFilter, internalAlerts, shutdownDeadline, clock);
    }

    public OutputOptions withInternalAlerts(Consumer<FalcoAlert> consumer) {
        return new OutputOptions(spoolRoot, filter, consumer, shutdownDeadline, clock);
    }

    public OutputOptions withShutdownDeadline(Duration deadline) {
        return new OutputOptions(spoolRoot, filter, internalAlerts, deadline, clock);
    }

    public OutputOptions withClock(InstantSource newClock) {
        return new OutputOptions(spoolRoot, filter, internalAlerts, shutdownDeadline, newClock);
    }
}
