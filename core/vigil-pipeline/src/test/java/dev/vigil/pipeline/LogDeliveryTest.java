package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogDeliveryTest {
    @TempDir
    Path spoolRoot;

    static LogRecord record(int i) {
        return new LogRecord("2026-01-02T03:04:05.123456789Z", "line " + i, "stdout", "ns", "pod-a", "uid-1", "app", 2,
                "node-1", "/var/log/pods/ns_pod-a_uid-1/app/2.log", "00ff", i * 100L, false, false);
    }

    static Envelope envelope(int i) {
        return Envelope.ofBody(record(i).toBody());
    }

    @Test
    void aRecordSurvivesEncodingAndParsingWithAwkwardText() throws Exception {
        LogRecord r = new LogRecord("2026-01-02T03:04:05Z", "quote \" back \\ tab\t nl\n bell\u0007 é 日本", null, null, null,
                null, null, -1, "node", "/var/log/syslog", "ab", 7, true, true);
        byte[] body = r.toBody();
        assertThat(body[0]).isEqualTo(LogRecord.MARK);
        assertThat(new String(body, 1, body.length - 1, StandardCharsets.UTF_8))
                .startsWith("{\"@timestamp\":\"2026-01-02T03:04:05Z\",\"message\":\"quote \\\" back \\\\ tab\\t nl\\n bell\\u0007 é 日本\"")
                .doesNotContain("kubernetes").doesNotContain("stream").endsWith(",\"malformed\":true,\"truncated\":true}");
        Envelope e = Envelope.ofBody(body);
        assertThat(e.isLog()).isTrue();
        assertThat(e.log()).isEqualTo(r);
        assertThat(r.id()).isEqualTo("ab-7");
        assertThat(r.timeNanos(0)).isEqualTo(java.time.Instant.parse("2026-01-02T03:04:05Z").getEpochSecond() * 1_000_000_000L);
        assertThat(record(3).timeNanos(0) % 1_000_000_000L).isEqualTo(123456789L);
        assertThat(Envelope.ofBody(record(1).toBody()).log()).isEqualTo(record(1));
        assertThat(Fixtures.envelope(1).isLog()).isFalse();
    }

    @Test
    void aFullQueueMakesTheSourceWaitAndNothingIsDropped() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        ScriptedSink sink = new ScriptedSink().thenWaitFor(gate);
        try (Output out = Output.start(settings("logs", "queue", "2"), sink, OutputOptions.memoryOnly())) {
            List<Envelope> items = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                items.add(envelope(i));
            }
            // the worker holds item 0 in the sink; the queue takes two more, then the wait ends
            Output.Taken first = out.offerWaiting(items, Duration.ofMillis(300));
            assertThat(first.count()).isEqualTo(3);
            assertThat(out.acknowledged()).isZero();
            AtomicReference<Output.Taken> rest = new AtomicReference<>();
            Thread producer = Thread.ofPlatform().start(() -> {
                try {
                    rest.set(out.offerWaiting(items.subList(3, 6), Duration.ofSeconds(20)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            gate.countDown();
            producer.join(20_000);
            assertThat(rest.get().count()).isEqualTo(3);
            await("all six acknowledged", () -> out.acknowledged() >= rest.get().mark());
            assertThat(out.counters().snapshot().dropped().values().stream().mapToLong(Long::longValue).sum()).isZero();
            assertThat(sink.delivered).extracting(e -> body(e)).containsExactly("line 0", "line 1", "line 2", "line 3",
                    "line 4", "line 5");
        }
    }

    @Test
    void deadLetteredRecordsAreAcknowledgedToo() throws Exception {
        ScriptedSink sink = new ScriptedSink().otherwise(SendResult.reject("mapping error"));
        try (Output out = Output.start(settings("logs"), sink, OutputOptions.memoryOnly())) {
            Output.Taken t = out.offerWaiting(List.of(envelope(0), envelope(1)), Duration.ofSeconds(5));
            await("dead letters acknowledged", () -> out.acknowledged() >= t.mark());
            assertThat(out.counters().snapshot().deadLettered()).isEqualTo(2);
        }
    }

    @Test
    void aSpooledRecordIsAcknowledgedOnceOnDiskWhileTheSinkIsDown() throws Exception {
        ScriptedSink sink = new ScriptedSink().otherwise(SendResult.retry("down"));
        try (Output out = Output.start(settings("logs", "spool.full", "drop_oldest", "spool.maxbytes", "1MiB"), sink,
                OutputOptions.spooled(spoolRoot))) {
            Output.Taken t = out.offerWaiting(List.of(envelope(0), envelope(1)), Duration.ofSeconds(5));
            assertThat(t.count()).isEqualTo(2);
            await(Duration.ofSeconds(20), "spool synced", () -> out.acknowledged() >= t.mark());
            assertThat(sink.delivered).isEmpty();
            // a waiting offer never evicts under drop_oldest: it waits and then gives up
            List<Envelope> big = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                big.add(envelope(i));
            }
            Output.Taken partial = out.offerWaiting(big, Duration.ofMillis(200));
            assertThat(partial.count()).isLessThan(big.size());
            assertThat(out.counters().snapshot().dropped().getOrDefault(OutputCounters.SPOOL_FULL, 0L)).isZero();
        }
    }

    @Test
    void runsOfRecordsWrittenToTheSpoolInOneGoAreReadBackInOrderAfterARestart() throws Exception {
        List<Envelope> items = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            items.add(envelope(i));
        }
        ScriptedSink down = new ScriptedSink().otherwise(SendResult.retry("down"));
        // small segments: runs are cut where a segment is full
        try (Output out = Output.start(settings("logs", "spool.maxbytes", "8MiB"), down, OutputOptions.spooled(spoolRoot))) {
            int n = 0;
            while (n < items.size()) {
                n += out.offerWaiting(items.subList(n, Math.min(items.size(), n + 700)), Duration.ofSeconds(5)).count();
            }
            assertThat(out.counters().snapshot().spooled()).isEqualTo(items.size());
        }
        ScriptedSink up = new ScriptedSink();
        try (Output out = Output.start(settings("logs"), up, OutputOptions.spooled(spoolRoot))) {
            await(Duration.ofSeconds(30), "every record delivered", () -> up.delivered.size() >= items.size());
            List<String> got = up.delivered.stream().map(LogDeliveryTest::body).toList();
            List<String> want = items.stream().map(LogDeliveryTest::body).toList();
            assertThat(got).containsExactlyElementsOf(want);
        }
    }

    private static String body(Envelope e) {
        try {
            return e.log().message();
        } catch (AlertFormatException ex) {
            throw new AssertionError(ex);
        }
    }
}
