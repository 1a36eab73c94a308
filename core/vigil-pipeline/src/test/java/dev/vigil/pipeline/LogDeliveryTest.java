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
        try (Output out = Output.start(settings("logs", "spool.full", "drop_oldest", "spool.maxbytes", "1MiB", "spool.stall", "0"), sink,
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
        try (Output out = Output.start(settings("logs", "spool.maxbytes", "8MiB", "spool.stall", "0"), down,
                OutputOptions.spooled(spoolRoot))) {
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

    private static List<Envelope> envelopes(int from, int to) {
        List<Envelope> items = new ArrayList<>();
        for (int i = from; i < to; i++) {
            items.add(envelope(i));
        }
        return items;
    }

    private static List<String> bodies(List<Envelope> items) {
        return items.stream().map(LogDeliveryTest::body).toList();
    }

    /** Offers every item, waiting as long as it takes; returns the mark after the last. */
    private static long offerAll(Output out, List<Envelope> items) throws InterruptedException {
        int n = 0;
        long mark = 0;
        while (n < items.size()) {
            Output.Taken t = out.offerWaiting(items.subList(n, items.size()), Duration.ofSeconds(5));
            n += t.count();
            mark = t.mark();
        }
        return mark;
    }

    @Test
    void withADestinationThatKeepsUpTheSpoolWritesNothingAndAcknowledgesOnDelivery() throws Exception {
        ScriptedSink sink = new ScriptedSink(new Batching(500, 1 << 20, Duration.ZERO));
        try (Output out = Output.start(settings("logs", "queue", "1000"), sink, OutputOptions.spooled(spoolRoot))) {
            List<Envelope> items = envelopes(0, 20_000);
            long mark = offerAll(out, items);
            await("every record acknowledged", () -> out.acknowledged() >= mark);
            assertThat(bodies(sink.delivered)).containsExactlyElementsOf(bodies(items));
            assertThat(out.counters().snapshot().spooled()).isZero();
            assertThat(spoolBytesOnDisk()).isZero();
        }
    }

    @Test
    void aStalledDestinationMakesThePendingRecordsAndTheNextOnesGoToDiskInOrder() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();
        ScriptedSink sink = new ScriptedSink(new Batching(100, 1 << 20, Duration.ZERO))
                .otherwise(b -> up.get() ? SendResult.ok() : SendResult.retry("down"));
        try (Output out = Output.start(settings("logs", "queue", "300", "spool.stall", "200ms", "retry.initial", "20ms",
                "retry.max", "50ms"), sink,
                OutputOptions.spooled(spoolRoot))) {
            // the worker holds the first batch; 300 more wait in memory; after 200 ms without progress
            // they and the rest go to disk, and are acknowledged once synced although nothing was delivered
            List<Envelope> items = envelopes(0, 2_000);
            long mark = offerAll(out, items);
            assertThat(out.counters().snapshot().spooled()).isEqualTo(items.size());
            await("records on disk acknowledged before delivery", () -> out.acknowledged() >= mark);
            assertThat(sink.delivered).isEmpty();
            // back up: the disk drains, then memory is used again, and the order is the offer order
            up.set(true);
            await("the spooled records delivered", () -> sink.delivered.size() >= items.size());
            List<Envelope> more = envelopes(2_000, 4_000);
            long mark2 = offerAll(out, more);
            await("everything delivered", () -> out.acknowledged() >= mark2 && sink.delivered.size() >= 4_000);
            assertThat(bodies(sink.delivered)).containsExactlyElementsOf(bodies(envelopes(0, 4_000)));
            assertThat(out.counters().snapshot().spooled()).isEqualTo(items.size());
        }
    }

    /**
     * A destination that goes down and comes back again and again while a source offers records: the
     * spool moves between memory and disk many times, and every record arrives once, in offer order.
     */
    @Test
    void aFlappingDestinationGetsEveryRecordOnceInOrder() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        ScriptedSink sink = new ScriptedSink(new Batching(64, 1 << 20, Duration.ZERO))
                .otherwise(b -> up.get() ? SendResult.ok() : SendResult.retry("down"));
        List<Envelope> items = envelopes(0, 30_000);
        try (Output out = Output.start(settings("logs", "queue", "500", "spool.stall", "20ms", "retry.initial", "5ms",
                "retry.max", "10ms", "spool.maxbytes", "2MiB"), sink, OutputOptions.spooled(spoolRoot))) {
            int n = 0;
            long mark = 0;
            while (n < items.size()) {
                if (random.nextInt(40) == 0) {
                    up.set(!up.get());
                }
                int want = Math.min(items.size() - n, 1 + random.nextInt(300));
                Output.Taken t = out.offerWaiting(items.subList(n, n + want), Duration.ofMillis(50));
                n += t.count();
                mark = t.mark();
                if (t.count() == 0) {
                    up.set(true); // full and down: let it drain
                }
            }
            up.set(true);
            long last = mark;
            await(Duration.ofSeconds(60), "every record delivered", () -> out.acknowledged() >= last
                    && sink.delivered.size() >= items.size());
            assertThat(bodies(sink.delivered)).containsExactlyElementsOf(bodies(items));
            assertThat(out.counters().snapshot().spooled()).as("some records went to disk").isPositive()
                    .as("and not all of them").isLessThan(items.size());
        }
    }

    @Test
    void pendingRecordsAreNeverAcknowledgedUntilDeliveredAndAreNotFoundAfterACrash() throws Exception {
        ScriptedSink sink = hanging(new CountDownLatch(1));
        Output out = Output.start(settings("logs", "spool.stall", "1h"), sink, OutputOptions.spooled(spoolRoot));
        try {
            Output.Taken t = out.offerWaiting(envelopes(0, 50), Duration.ofSeconds(5));
            assertThat(t.count()).isEqualTo(50);
            assertThat(out.acknowledged()).isZero();
            assertThat(out.counters().snapshot().spooled()).isZero();
            assertThat(out.counters().snapshot().queued()).isEqualTo(50);
        } finally {
            out.crashForTest();
        }
        ScriptedSink after = new ScriptedSink();
        try (Output again = Output.start(settings("logs"), after, OutputOptions.spooled(spoolRoot))) {
            assertThat(again.counters().snapshot().queued()).isZero();
            assertThat(after.delivered).isEmpty();
        }
    }

    @Test
    void aFlushAtItsDeadlineWritesPendingRecordsSoTheyAreAcknowledged() throws Exception {
        ScriptedSink sink = hanging(new CountDownLatch(1));
        Output out = Output.start(settings("logs", "spool.stall", "1h"), sink, OutputOptions.spooled(spoolRoot));
        try {
            Output.Taken t = out.offerWaiting(envelopes(0, 20), Duration.ofSeconds(5));
            assertThat(out.flush(Duration.ofMillis(100))).isTrue();
            assertThat(out.acknowledged()).isGreaterThanOrEqualTo(t.mark());
            assertThat(out.counters().snapshot().spooled()).isEqualTo(20);
        } finally {
            out.crashForTest();
        }
        ScriptedSink after = new ScriptedSink();
        try (Output again = Output.start(settings("logs"), after, OutputOptions.spooled(spoolRoot))) {
            await("the twenty delivered after the restart", () -> after.delivered.size() >= 20);
            assertThat(bodies(after.delivered)).containsExactlyElementsOf(bodies(envelopes(0, 20)));
        }
    }

    @Test
    void anAlertAfterPendingRecordsWritesThemFirstSoTheOrderHolds() throws Exception {
        CountDownLatch up = new CountDownLatch(1);
        ScriptedSink sink = hanging(up);
        List<String> want = new ArrayList<>();
        try (Output out = Output.start(settings("logs", "spool.stall", "1h"), sink, OutputOptions.spooled(spoolRoot))) {
            List<Envelope> logs = envelopes(0, 10);
            out.offerWaiting(logs, Duration.ofSeconds(5));
            assertThat(out.offer(Fixtures.envelope(1))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.counters().snapshot().spooled()).isEqualTo(11);
            want.addAll(bodies(logs));
            up.countDown();
            await("all eleven delivered", () -> sink.delivered.size() >= 11);
            List<String> got = new ArrayList<>();
            for (Envelope e : sink.delivered) {
                got.add(e.isLog() ? body(e) : "alert");
            }
            want.add("alert");
            assertThat(got).containsExactlyElementsOf(want);
        }
    }

    @Test
    void aSpillAfterRecordsResolvedInMemoryStartsItsOwnSegmentAndSurvivesARestart() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(settings("logs", "spool.stall", "1h"), sink, OutputOptions.spooled(spoolRoot))) {
            long mark = offerAll(out, envelopes(0, 100)); // delivered from memory, never written
            await("first hundred delivered", () -> out.acknowledged() >= mark);
            sink.otherwise(SendResult.retry("down"));
        }
        // the retried record of a closed output is not delivered; write new ones straight to disk
        ScriptedSink down = new ScriptedSink().otherwise(SendResult.retry("down"));
        try (Output out = Output.start(settings("logs", "spool.stall", "0"), down, OutputOptions.spooled(spoolRoot))) {
            offerAll(out, envelopes(100, 150));
        }
        ScriptedSink up = new ScriptedSink();
        try (Output out = Output.start(settings("logs"), up, OutputOptions.spooled(spoolRoot))) {
            await("the spooled fifty delivered", () -> up.delivered.size() >= 50);
            assertThat(bodies(up.delivered)).containsExactlyElementsOf(bodies(envelopes(100, 150)));
        }
    }

    /** A sink whose every call waits for {@code gate}, then delivers: the destination hangs until then. */
    private static ScriptedSink hanging(CountDownLatch gate) {
        return new ScriptedSink().otherwise(b -> {
            gate.await();
            return SendResult.ok();
        });
    }

    private long spoolBytesOnDisk() throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(spoolRoot)) {
            long sum = 0;
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.toString().endsWith(".seg")) {
                    sum += java.nio.file.Files.size(p);
                }
            }
            return sum;
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
