package dev.vigil.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * How a sink wants envelopes grouped: at most {@code maxItems} and {@code maxBytes} per send, and
 * a batch waits at most {@code linger} for more items once it has one.
 */
public record Batching(int maxItems, long maxBytes, Duration linger) {
    /** One envelope per send, no waiting. */
    public static final Batching SINGLE = new Batching(1, Long.MAX_VALUE, Duration.ZERO);

    public Batching {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be at least 1");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1");
        }
        Objects.requireNonNull(linger, "linger");
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must not be negative");
        }
    }
}
