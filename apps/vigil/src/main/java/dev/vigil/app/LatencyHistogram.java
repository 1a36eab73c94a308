package dev.vigil.app;

/**
 * A fixed-size histogram of latencies in nanoseconds with eight buckets per power of two (about
 * 9% resolution), for percentiles without allocation on the event path. Not thread-safe.
 */
final class LatencyHistogram {
    private static final int SUB = 8;
    private final long[] counts = new long[64 * SUB];
    private long total;

    void record(long nanos) {
        counts[index(Math.max(1, nanos))]++;
        total++;
    }

    static int index(long v) {
        int exp = 63 - Long.numberOfLeadingZeros(v);
        if (exp < 3) {
            return (int) v;
        }
        int sub = (int) ((v >>> (exp - 3)) & (SUB - 1));
        return exp * SUB + sub;
    }

    /** The upper bound of the bucket holding {@code index}. */
    static long upper(int index) {
        int exp = index / SUB;
        int sub = index % SUB;
        if (exp < 3) {
            return index;
        }
        return ((long) (SUB + sub + 1) << (exp - 3)) - 1;
    }

    long count() {
        return total;
    }

    /** The latency below which {@code fraction} of the recorded values fall (bucket upper bound). */
    long percentile(double fraction) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upper(i);
            }
        }
        return upper(counts.length - 1);
    }
}
