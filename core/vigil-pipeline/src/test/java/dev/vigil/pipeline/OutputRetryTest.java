package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static dev.vigil.pipeline.Fixtures.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputRetryTest {
    private static final SendResult.Status OK = SendResult.Status.DELIVERED;
    private static final SendResult.Status RETRY = SendResult.Status.RETRY;
    private static final SendResult.Status REJECT = SendResult.Status.REJECT;

    @TempDir
    Path dir;

    @Test
    void retryableFailuresAreRetriedUntilDelivered() throws Exception {
        ScriptedSink sink = new ScriptedSink()
                .then(SendResult.ofHttpStatus(503, "busy"))
                .then(SendResult.ofHttpStatus(502, null))
                .then(SendResult.retry("connection refused"));
        try (Output out = Output.start(settings("r", "batch.size", "10", "retry.initial", "5ms", "retry.max", "20ms"), sink,
                OutputOptions.memoryOnly())) {
            for (int i = 0; i < 10; i++) {
                out.offer(envelope(i));
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactlyElementsOf(Fixtures.uuids(0, 10));
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.delivered()).isEqualTo(10);
            assertThat(s.retried()).isGreaterThanOrEqualTo(3);
            assertThat(s.deadLettered()).isZero();
            assertThat(s.lastError()).isEqualTo("connection refused");
            assertThat(s.lastErrorTime()).isNotNull();
            // the first batch was sent four times, unchanged
            List<String> first = sink.uuidsOfCall(0);
            for (int call = 1; call <= 3; call++) {
                assertThat(sink.uuidsOfCall(call)).isEqualTo(first);
            }
        }
    }

    @Test
    void aRetryAfterFromTheDestinationIsHonoured() throws Exception {
        ScriptedSink sink = new ScriptedSink().then(SendResult.retry("HTTP 429", Duration.ofMillis(300)));
        try (Output out = Output.start(settings("r", "retry.initial", "1ms", "retry.max", "2ms"), sink,
                OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.calls()).isEqualTo(2);
            assertThat(sink.callNanos.get(1) - sink.callNanos.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
        }
    }

    @Test
    void aPerItemResultResendsOnlyTheFailedItems() throws Exception {
        Path dead = dir.resolve("dead.jsonl");
        ScriptedSink sink = new ScriptedSink().then(SendResult.perItem(
                new SendResult.Status[] {OK, RETRY, REJECT, RETRY},
                new String[] {null, "es_rejected_execution_exception", "mapper_parsing_exception", "timeout"}));
        try (Output out = Output.start(settings("es", "batch.size", "4", "batch.linger", "1h", "retry.initial", "1ms",
                "deadletter", dead.toString()), sink, OutputOptions.memoryOnly())) {
            for (int i = 0; i < 4; i++) {
                out.offer(envelope(i));
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.calls()).isEqualTo(2);
            assertThat(sink.uuidsOfCall(1)).containsExactly(uuid(1), uuid(3));
            assertThat(sink.deliveredUuids()).containsExactly(uuid(0), uuid(1), uuid(3));
            List<String> lines = Files.readAllLines(dead);
            assertThat(lines).hasSize(1);
            assertThat(lines.getFirst()).contains("\"reason\":\"mapper_parsing_exception\"").contains(uuid(2));
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.delivered()).isEqualTo(3);
            assertThat(s.deadLettered()).isEqualTo(1);
            assertThat(s.retried()).isEqualTo(2);
        }
    }

    @Test
    void aSinkThatThrowsIsRetriedAndTheWorkerLives() throws Exception {
        ScriptedSink sink = new ScriptedSink().then(b -> {
            throw new IllegalStateException("boom");
        });
        try (Output out = Output.start(settings("r", "retry.initial", "1ms"), sink, OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            out.offer(envelope(1));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactly(uuid(0), uuid(1));
            assertThat(out.counters().snapshot().lastError()).contains("IllegalStateException: boom");
            assertThat(out.workerStopped()).isFalse();
        }
    }

    @Test
    void anItemFailingPastMaxElapsedGoesToTheDeadLetters() throws Exception {
        Path dead = dir.resolve("dead.jsonl");
        ScriptedSink sink = new ScriptedSink().otherwise(SendResult.ofHttpStatus(500, "down"));
        try (Output out = Output.start(settings("r", "retry.initial", "5ms", "retry.max", "10ms", "retry.maxelapsed", "100ms",
                "deadletter", dead.toString()), sink, OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.counters().snapshot().deadLettered()).isEqualTo(1);
            assertThat(sink.calls()).isGreaterThan(1);
            assertThat(Files.readAllLines(dead).getFirst()).contains("\"reason\":\"gave up after 100ms: HTTP 500: down\"");
        }
    }

    @Test
    void inMemoryModeFlushSaysWhenItemsAreStillPending() throws Exception {
        ScriptedSink sink = new ScriptedSink().otherwise(SendResult.retry("down"));
        try (Output out = Output.start(settings("r", "retry.initial", "1ms", "retry.max", "2ms"), sink,
                OutputOptions.memoryOnly().withShutdownDeadline(Duration.ZERO))) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofMillis(50))).isFalse();
            assertThat(out.counters().queued()).isEqualTo(1);
        }
    }

    @Test
    void aDestinationDownForAWhileLosesNothing() throws Exception {
        AtomicBoolean up = new AtomicBoolean();
        ScriptedSink sink = new ScriptedSink().otherwise(b -> up.get() ? SendResult.ok() : SendResult.retry("connection refused"));
        try (Output out = Output.start(settings("down", "batch.size", "10", "retry.initial", "1ms", "retry.max", "20ms"), sink,
                OutputOptions.spooled(dir), 2048)) {
            ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t * 50;
                senders.add(Thread.ofPlatform().start(() -> {
                    for (int i = base; i < base + 50; i++) {
                        if (out.offer(envelope(i)) == Offer.ACCEPTED) {
                            accepted.add(uuid(i));
                        }
                    }
                }));
            }
            for (Thread s : senders) {
                s.join();
            }
            await("failed attempts", () -> out.counters().snapshot().retried() >= 20);
            up.set(true);
            assertThat(out.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(accepted).hasSize(200);
            assertThat(sink.deliveredUuids()).containsExactlyInAnyOrderElementsOf(accepted);
            assertThat(out.counters().queued()).isZero();
            assertThat(out.counters().snapshot().spoolBytes()).isZero();
        }
        try (var files = Files.list(dir.resolve("down"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".seg")).count()).isEqualTo(1);
        }
    }
}
