package dev.vigil.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AlertIdsTest {
    @Test
    void idsAreVersionFourUuidsAndNeverRepeatAcrossThreads() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        int perThread = 20_000;
        List<Thread> threads = IntStream.range(0, 8).mapToObj(t -> Thread.ofVirtual().start(() -> {
            for (int i = 0; i < perThread; i++) {
                seen.add(AlertIds.next());
            }
        })).toList();
        threads.forEach(t -> {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(seen).hasSize(8 * perThread);
        Set<Long> highs = new HashSet<>();
        for (String id : seen) {
            UUID u = UUID.fromString(id);
            assertThat(u.version()).isEqualTo(4);
            assertThat(u.variant()).isEqualTo(2);
            assertThat(u.toString()).isEqualTo(id);
            highs.add(u.getMostSignificantBits());
        }
        assertThat(highs).as("one random high half per process").hasSize(1);
    }
}
