package dev.vigil.pipeline;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the wait before retry {@code n} (0-based) is uniformly
 * random in {@code [0, min(max, initial * 2^n)]}, which spreads the retries of many outputs and
 * agents hitting one recovering destination. A {@code Retry-After} from the destination is honoured
 * as given (no jitter), up to {@link #MAX_RETRY_AFTER}.
 *
 * <p>Used by the worker thread only.
 */
final class Backoff {
    /** The longest {@code Retry-After} honoured; a larger one is cut to it. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private final long initialNanos;
    private final long maxNanos;
    private final RandomGenerator random;

    Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** The wait before retry {@code attempt}; {@code retryAfter} (may be null) wins when given. */
    Duration delay(int attempt, Duration retryAfter) {
        if (retryAfter != null && !retryAfter.isNegative()) {
            return retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
        }
        return Duration.ofNanos(random.nextLong(ceiling(attempt) + 1));
    }

    /** {@code min(max, initial * 2^attempt)} without overflow. */
    long ceiling(int attempt) {
        if (attempt >= 62 || initialNanos > (maxNanos >> Math.min(attempt, 62))) {
            return maxNanos;
        }
        return Math.min(maxNanos, initialNanos << attempt);
    }
}
