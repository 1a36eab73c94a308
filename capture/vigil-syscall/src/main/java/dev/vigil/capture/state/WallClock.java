package dev.vigil.capture.state;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Converts the probe's CLOCK_MONOTONIC timestamps to wall-clock time. The offset between the two
 * clocks is sampled at creation and re-sampled every {@link #REFRESH_NANOS} (NTP slews the wall
 * clock; the monotonic clock does not jump). Thread-safe.
 */
public final class WallClock {
    static final long REFRESH_NANOS = 10_000_000_000L;

    private final LongSupplier wallNanos;
    private final LongSupplier monoNanos;
    private volatile long offset;
    private volatile long sampledAt;

    /**
     * @param wallNanos the wall clock, nanoseconds since the epoch
     * @param monoNanos the monotonic clock the records use ({@link System#nanoTime()})
     */
    public WallClock(LongSupplier wallNanos, LongSupplier monoNanos) {
        this.wallNanos = wallNanos;
        this.monoNanos = monoNanos;
        sample();
    }

    /** The system clocks. */
    public static WallClock system() {
        return new WallClock(() -> {
            Instant i = Instant.now();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        }, System::nanoTime);
    }

    private void sample() {
        long m1 = monoNanos.getAsLong();
        long w = wallNanos.getAsLong();
        long m2 = monoNanos.getAsLong();
        offset = w - (m1 + (m2 - m1) / 2);
        sampledAt = m2;
    }

    /** Wall-clock nanoseconds of a monotonic timestamp (a recent one: it also paces the re-sampling). */
    public long toWallNanos(long monotonicNanos) {
        if (monotonicNanos - sampledAt > REFRESH_NANOS) {
            sample();
        }
        return monotonicNanos + offset;
    }

    /** The current wall-clock time in nanoseconds. */
    public long nowWallNanos() {
        return wallNanos.getAsLong();
    }

    /** The current monotonic time in nanoseconds. */
    public long nowMonoNanos() {
        return monoNanos.getAsLong();
    }
}
