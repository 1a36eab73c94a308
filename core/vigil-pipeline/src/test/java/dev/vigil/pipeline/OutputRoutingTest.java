package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.alert;
import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static dev.vigil.pipeline.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What offer() decides before queueing, the memory queue's limit, and configuration errors. */
class OutputRoutingTest {
    @TempDir
    Path dir;

    private static Envelope withPriority(int i, Priority p) {
        return Envelope.of(alert(i, p, "Shell in container", Map.of("proc.name", "bash")));
    }

    private static Envelope testRule(int i) {
        return Envelope.of(alert(i, Priority.DEBUG, "Test rule", Map.of("proc.name", "falcosidekick")));
    }

    @Test
    void minimumPriorityFiltersLessSevereAlerts() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(settings("p", "minimumpriority", "Warning"), sink, OutputOptions.memoryOnly())) {
            assertThat(out.offer(withPriority(0, Priority.NOTICE))).isEqualTo(Offer.FILTERED);
            assertThat(out.offer(withPriority(1, Priority.DEBUG))).isEqualTo(Offer.FILTERED);
            assertThat(out.offer(withPriority(2, Priority.WARNING))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.offer(withPriority(3, Priority.EMERGENCY))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactly(uuid(2), uuid(3));
            assertThat(out.counters().snapshot().filtered()).isEqualTo(2);
        }
    }

    @Test
    void priorityNamesAreCaseInsensitiveAndInfoIsInformational() throws Exception {
        try (Output out = Output.start(settings("p", "minimumpriority", "INFO"), new ScriptedSink(), OutputOptions.memoryOnly())) {
            assertThat(out.offer(withPriority(0, Priority.DEBUG))).isEqualTo(Offer.FILTERED);
            assertThat(out.offer(withPriority(1, Priority.INFORMATIONAL))).isEqualTo(Offer.ACCEPTED);
        }
    }

    @Test
    void theRoutingFilterDecides() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        OutputOptions o = OutputOptions.memoryOnly().withFilter(a -> "sh".equals(a.field("proc.name")));
        try (Output out = Output.start(settings("f", "filter", "proc.name = sh"), sink, o)) {
            assertThat(out.offer(Envelope.of(alert(0, Priority.ERROR, "r", Map.of("proc.name", "bash"))))).isEqualTo(Offer.FILTERED);
            assertThat(out.offer(Envelope.of(alert(1, Priority.ERROR, "r", Map.of("proc.name", "sh"))))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactly(uuid(1));
        }
    }

    @Test
    void aFailingFilterLetsTheAlertThroughAndSaysWhy() throws Exception {
        OutputOptions o = OutputOptions.memoryOnly().withFilter(a -> {
            throw new IllegalArgumentException("no such field");
        });
        try (Output out = Output.start(settings("f", "filter", "x"), new ScriptedSink(), o)) {
            assertThat(out.offer(envelope(0))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.counters().snapshot().lastError()).contains("routing filter").contains("no such field");
        }
    }

    @Test
    void theTestRuleBypassesMinimumPriorityAndFilter() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        OutputOptions o = OutputOptions.memoryOnly().withFilter(a -> false);
        try (Output out = Output.start(settings("t", "minimumpriority", "critical", "filter", "never"), sink, o)) {
            assertThat(out.offer(testRule(0))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.offer(withPriority(1, Priority.EMERGENCY))).isEqualTo(Offer.FILTERED);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactly(uuid(0));
        }
    }

    @Test
    void anEnvelopeThatIsNotAnAlertIsNotRouted() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(settings("logs", "minimumpriority", "critical"), sink, OutputOptions.memoryOnly())) {
            Envelope line = Envelope.ofBody("kernel: eth0 link up".getBytes(StandardCharsets.UTF_8));
            assertThat(out.offer(line)).isEqualTo(Offer.ACCEPTED);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.delivered).hasSize(1);
        }
    }

    @Test
    void aFullMemoryQueueDropsAndCountsQueueFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ScriptedSink sink = new ScriptedSink().then(b -> {
            release.await();
            return SendResult.ok();
        });
        List<FalcoAlert> internal = new CopyOnWriteArrayList<>();
        try (Output out = Output.start(settings("q", "queue", "2"), sink, OutputOptions.memoryOnly().withInternalAlerts(internal::add))) {
            assertThat(out.offer(envelope(0))).isEqualTo(Offer.ACCEPTED);
            await("the first item in the sink", () -> sink.calls() == 1);
            assertThat(out.offer(envelope(1))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.offer(envelope(2))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.offer(envelope(3))).isEqualTo(Offer.DROPPED);
            assertThat(out.offer(envelope(4))).isEqualTo(Offer.DROPPED);
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.dropped()).containsEntry(OutputCounters.QUEUE_FULL, 2L);
            assertThat(s.queued()).isEqualTo(3);
            assertThat(s.accepted()).isEqualTo(3);
            assertThat(internal).singleElement().satisfies(a -> {
                assertThat(a.rule()).isEqualTo(InternalAlerts.QUEUE_FULL);
                assertThat(a.outputFields()).containsEntry("vigil.output", "q").containsEntry("vigil.queue", 2L);
            });
            release.countDown();
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactly(uuid(0), uuid(1), uuid(2));
        }
    }

    @Test
    void memoryModeCountsWhatTheShutdownDeadlineLeft() throws Exception {
        ScriptedSink sink = new ScriptedSink().otherwise(SendResult.retry("down"));
        Output out = Output.start(settings("m", "retry.initial", "1ms", "retry.max", "2ms"), sink,
                OutputOptions.memoryOnly().withShutdownDeadline(Duration.ofMillis(50)));
        for (int i = 0; i < 3; i++) {
            out.offer(envelope(i));
        }
        out.close();
        assertThat(out.counters().dropped(OutputCounters.SHUTDOWN)).isEqualTo(3);
        assertThat(out.workerStopped()).isTrue();
        assertThat(sink.closed).isTrue();
    }

    @Test
    void closeDeliversWhatItCanThenRejectsNewOffers() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        Output out = Output.start(settings("c", "batch.size", "100", "batch.linger", "1h"), sink, OutputOptions.memoryOnly());
        out.offer(envelope(0));
        out.offer(envelope(1));
        out.close();
        assertThat(sink.deliveredUuids()).containsExactly(uuid(0), uuid(1));
        assertThat(out.offer(envelope(2))).isEqualTo(Offer.REJECTED);
        assertThat(out.counters().snapshot().rejected()).isEqualTo(1);
        assertThat(out.workerStopped()).isTrue();
        assertThat(sink.closed).isTrue();
        out.close(); // idempotent
    }

    @Test
    void theWorkerIsAPlatformThreadNamedAfterTheOutput() throws Exception {
        CopyOnWriteArrayList<Thread> seen = new CopyOnWriteArrayList<>();
        ScriptedSink sink = new ScriptedSink().otherwise(b -> {
            seen.add(Thread.currentThread());
            return SendResult.ok();
        });
        try (Output out = Output.start(settings("slack-secops"), sink, OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.name()).isEqualTo("slack-secops");
            assertThat(out.type()).isEqualTo("webhook");
        }
        assertThat(seen.getFirst().getName()).isEqualTo("vigil-output-slack-secops");
        assertThat(seen.getFirst().isVirtual()).isFalse();
    }

    @Test
    void unknownKeysAreReportedAfterTheSinkReadItsOwn() throws Exception {
        OutputSettings s = settings("x", "webhookurl", "https://example.com/hook", "minimumpriorty", "warning", "batch.sise", "5");
        s.url("webhookurl", true); // what the sink factory does
        assertThatThrownBy(() -> Output.start(s, new ScriptedSink(), OutputOptions.memoryOnly()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("output 'x' (webhook, --output): unknown key(s) batch.sise, minimumpriorty (known: ")
                .hasMessageContaining("minimumpriority")
                .hasMessageContaining("webhookurl")
                .hasMessageContaining("batch.size");
    }

    @Test
    void badValuesNameTheOutputAndTheKey() {
        assertConfigError(settings("x", "spool.full", "sometimes"), OutputOptions.spooled(dir), "spool.full", "sometimes");
        assertConfigError(settings("x", "minimumpriority", "loud"), OutputOptions.memoryOnly(), "minimumpriority", "loud");
        assertConfigError(settings("x", "retry.initial", "2s", "retry.max", "1s"), OutputOptions.memoryOnly(), "retry.max", "less than");
        assertConfigError(settings("x", "queue", "0"), OutputOptions.memoryOnly(), "queue", "out of range");
        assertConfigError(settings("x", "batch.linger", "soon"), OutputOptions.memoryOnly(), "batch.linger", "not a duration");
        assertConfigError(settings("x", "spool", "true"), OutputOptions.memoryOnly(), "spool", "without a spool directory");
        assertConfigError(settings("x", "spool.maxbytes", "1k"), OutputOptions.spooled(dir), "spool.maxbytes", "minimum");
        assertConfigError(settings("x", "dedup.keys", "proc.name"), OutputOptions.memoryOnly(), "dedup.keys", "dedup.window");
        assertConfigError(settings("x", "filter", "proc.name=sh"), OutputOptions.memoryOnly(), "filter", "no compiled routing filter");
    }

    private static void assertConfigError(OutputSettings s, OutputOptions o, String key, String problem) {
        assertThatThrownBy(() -> Output.start(s, new ScriptedSink(), o))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("output 'x' (webhook, --output): " + key)
                .hasMessageContaining(problem);
    }

    @Test
    void spoolFalseMeansMemoryModeEvenWithASpoolRoot() throws Exception {
        try (Output out = Output.start(settings("nospool", "spool", "false"), new ScriptedSink(), OutputOptions.spooled(dir))) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.counters().snapshot().spooled()).isZero();
        }
        assertThat(dir.resolve("nospool")).doesNotExist();
    }

    @Test
    void outputNamesBecomeSafeDirectoryNames() {
        assertThat(OutputConfig.directoryName("slack-secops_1.a")).isEqualTo("slack-secops_1.a");
        assertThat(OutputConfig.directoryName("../etc")).isEqualTo("%2E.%2Fetc");
        assertThat(OutputConfig.directoryName("a b/c")).isEqualTo("a%20b%2Fc");
    }
}
