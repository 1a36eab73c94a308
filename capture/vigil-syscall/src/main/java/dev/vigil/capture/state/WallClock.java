package dev.vigil.capture.state;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Converts the probe's CLOCK_MONOTONIC timestamps to wall-clock time. The offset between the two
 * clocks is sampled at creation and re-sampled every {@link #REFRESH_NANOS} (NTP slews the wall
 * clock; the monotonic clock does not jump). A {@linkplain #manual manual} clock never samples: its
 * offset is what its owner sets (a capture file replays the offsets the recording clock used).
 * Thread-safe.
 */
public final class WallClock {
    static final long REFRESH_NANOS = 10_000_000_000L;

    private final LongSupplier wallNanos;
    private final LongSupplier monoNanos;
    private final boolean manual;
    private volatile long offset;
    private volatile long sampledAt;

    /**
     * @param wallNanos the wall clock, nanoseconds since the epoch
     * @param monoNanos the monotonic clock the records use ({@link System#nanoTime()})
     */
    public WallClock(LongSupplier wallNanos, LongSupplier monoNanos) {
        this.wallNanos = wallNanos;
        this.monoNanos = monoNanos;
        this.manual = false;
        sample();
    }

    private WallClock(long offsetNanos) {
        this.manual = true;
        this.offset = offsetNanos;
        this.monoNanos = System::nanoTime;
        this.wallNanos = () -> System.nanoTime() + offset;
    }

    /** A clock whose wall time is always monotonic time plus {@code offsetNanos}, until {@link #setOffset} changes it. */
    public static WallClock manual(long offsetNanos) {
        return new WallClock(offsetNanos);
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
        if (!manual && monotonicNanos - sampledAt > REFRESH_NANOS) {
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

    /** Wall-clock minus monotonic time, nanoseconds: what {@link #toWallNanos} adds now. */
    public long offsetNanos() {
        return offset;
    }

    /** Sets the offset of a {@linkplain #manual manual} clock. */
    public void setOffset(long offsetNanos) {
        if (!manual) {
            throw new IllegalStateException("only a manual clock's offset can be set");
        }
        offset = offsetNanos;
    }
}
