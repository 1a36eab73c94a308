package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.alert;
import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.settings;
import static dev.vigil.pipeline.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DedupTest {
    private static FalcoAlert shell(int i, String proc, String container) {
        return alert(i, Priority.WARNING, "Shell in container", Map.of("proc.name", proc, "container.id", container,
                "proc.pid", (long) (1000 + i)));
    }

    @Test
    void repeatsInsideTheWindowAreHeldAndSummarisedWhenItEnds() throws Exception {
        Fixtures.MutableClock clock = new Fixtures.MutableClock();
        ScriptedSink sink = new ScriptedSink();
        OutputOptions o = OutputOptions.memoryOnly().withClock(clock);
        try (Output out = Output.start(settings("d", "dedup.window", "60s", "dedup.keys", "proc.name;container.id"), sink, o)) {
            assertThat(out.offer(Envelope.of(shell(0, "bash", "c1")))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.offer(Envelope.of(shell(1, "bash", "c1")))).isEqualTo(Offer.DEDUPLICATED);
            assertThat(out.offer(Envelope.of(shell(2, "bash", "c1")))).isEqualTo(Offer.DEDUPLICATED);
            assertThat(out.offer(Envelope.of(shell(3, "bash", "c1")))).isEqualTo(Offer.DEDUPLICATED);
            assertThat(out.offer(Envelope.of(shell(4, "sh", "c1")))).isEqualTo(Offer.ACCEPTED); // another key
            assertThat(out.offer(Envelope.of(shell(5, "bash", "c2")))).isEqualTo(Offer.ACCEPTED); // another key
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactly(uuid(0), uuid(4), uuid(5));

            clock.advance(Duration.ofSeconds(61));
            await("the summary", () -> sink.delivered.size() == 4);
            FalcoAlert summary = sink.delivered.get(3).alert();
            FalcoAlert lastHeld = shell(3, "bash", "c1");
            assertThat(summary.output()).isEqualTo(lastHeld.output() + " (3 more in 60 s)");
            assertThat(summary.outputFields()).containsEntry("vigil.dedup.count", 3L).containsEntry("vigil.dedup.window_s", 60L)
                    .containsEntry("proc.pid", 1003L);
            assertThat(summary.uuid()).isNotNull().isNotIn(uuid(0), uuid(1), uuid(2), uuid(3));
            assertThat(summary.rule()).isEqualTo(lastHeld.rule());
            assertThat(summary.priority()).isEqualTo(lastHeld.priority());
            assertThat(summary.timeNanos()).isEqualTo(lastHeld.timeNanos());

            // the window is over: the next one passes and opens a new window
            assertThat(out.offer(Envelope.of(shell(6, "bash", "c1")))).isEqualTo(Offer.ACCEPTED);
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.deduplicated()).isEqualTo(3);
            assertThat(s.accepted()).isEqualTo(5); // four alerts and one summary
        }
    }

    @Test
    void closingTheOutputSendsTheSummariesOfOpenWindows() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        Output out = Output.start(settings("d", "dedup.window", "1h"), sink, OutputOptions.memoryOnly().withClock(new Fixtures.MutableClock()));
        out.offer(Envelope.of(shell(0, "bash", "c1")));
        out.offer(Envelope.of(shell(1, "zsh", "c9"))); // no dedup.keys: rule and priority make the key
        out.close();
        assertThat(sink.delivered).hasSize(2);
        assertThat(sink.delivered.get(1).alert().output()).endsWith(" (1 more in 3600 s)");
    }

    @Test
    void aWindowWithoutRepeatsEndsSilently() {
        Fixtures.MutableClock clock = new Fixtures.MutableClock();
        Dedup d = new Dedup(Duration.ofSeconds(10), List.of("proc.name"), 100, clock);
        assertThat(d.admit(shell(0, "bash", "c1")).pass()).isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(d.expire()).isEmpty();
        assertThat(d.size()).isZero();
    }

    @Test
    void priorityIsPartOfTheKey() {
        Dedup d = new Dedup(Duration.ofSeconds(10), List.of(), 100, new Fixtures.MutableClock());
        assertThat(d.admit(alert(0, Priority.WARNING, "r", Map.of("a", "1"))).pass()).isTrue();
        assertThat(d.admit(alert(1, Priority.CRITICAL, "r", Map.of("a", "1"))).pass()).isTrue();
        assertThat(d.admit(alert(2, Priority.CRITICAL, "r", Map.of("a", "2"))).pass()).isFalse();
    }

    @Test
    void theOldestKeyIsEvictedWithItsSummaryWhenTooManyAreTracked() {
        Dedup d = new Dedup(Duration.ofMillis(1500), List.of("proc.name"), 2, new Fixtures.MutableClock());
        assertThat(d.admit(shell(0, "a", "c")).pass()).isTrue();
        assertThat(d.admit(shell(1, "a", "c")).pass()).isFalse();
        assertThat(d.admit(shell(2, "b", "c")).summaries()).isEmpty();
        Dedup.Admission third = d.admit(shell(3, "c", "c"));
        assertThat(third.pass()).isTrue();
        assertThat(third.summaries()).singleElement().satisfies(s -> {
            assertThat(s.output()).endsWith(" (1 more in 1.5 s)");
            assertThat(s.field("proc.name")).isEqualTo("a");
            assertThat(s.field("vigil.dedup.window_s")).isEqualTo(new java.math.BigDecimal("1.5"));
        });
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.admit(shell(4, "a", "c")).pass()).isTrue(); // "a" was forgotten
    }

    @Test
    void theTestRuleIsNeverHeld() throws Exception {
        try (Output out = Output.start(settings("d", "dedup.window", "1h"), new ScriptedSink(), OutputOptions.memoryOnly())) {
            for (int i = 0; i < 3; i++) {
                assertThat(out.offer(Envelope.of(alert(i, Priority.DEBUG, "Test rule", Map.of("a", "b"))))).isEqualTo(Offer.ACCEPTED);
            }
        }
    }
}
