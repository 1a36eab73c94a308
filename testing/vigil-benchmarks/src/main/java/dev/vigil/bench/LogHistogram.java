package dev.vigil.bench;

/**
 * Latencies in nanoseconds in geometric buckets 4% wide (bucket {@code i} holds values up to
 * 1.04^(i+1)), plus the exact maximum. One per load thread, merged at the end; not thread-safe.
 */
final class LogHistogram {
    private static final double GROWTH = 1.04;
    private static final double LN_GROWTH = Math.log(GROWTH);
    /** 1.04^800 ns is far beyond any timeout. */
    private final long[] buckets = new long[800];
    private long n;
    private long max;

    void add(long nanos) {
        int i = nanos <= 1 ? 0 : (int) (Math.log(nanos) / LN_GROWTH);
        buckets[Math.min(i, buckets.length - 1)]++;
        n++;
        max = Math.max(max, nanos);
    }

    void addAll(LogHistogram other) {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] += other.buckets[i];
        }
        n += other.n;
        max = Math.max(max, other.max);
    }

    long count() {
        return n;
    }

    long max() {
        return max;
    }

    /** The value at quantile {@code q} (0..1): the upper edge of its bucket, never above the maximum. */
    long quantile(double q) {
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return Math.min(max, (long) Math.ceil(Math.pow(GROWTH, i + 1)));
            }
        }
        return max;
    }
}
