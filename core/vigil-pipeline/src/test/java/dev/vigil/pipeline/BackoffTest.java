package dev.vigil.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), new SplittableRandom(42));

    @Test
    void theCeilingDoublesFromInitialUpToMax() {
        assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(200).toNanos());
        assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofMillis(800).toNanos());
        assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(backoff.ceiling(40)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(backoff.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void delaysAreFullJitterBelowTheCeiling() {
        for (int attempt = 0; attempt < 8; attempt++) {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                Duration d = backoff.delay(attempt, null);
                assertThat(d.toNanos()).isBetween(0L, backoff.ceiling(attempt));
                seen.add(d.toNanos());
            }
            assertThat(seen).hasSizeGreaterThan(150);
        }
    }

    @Test
    void retryAfterWinsAndIsCapped() {
        assertThat(backoff.delay(0, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
        assertThat(backoff.delay(5, Duration.ofDays(1))).isEqualTo(Backoff.MAX_RETRY_AFTER);
    }
}
