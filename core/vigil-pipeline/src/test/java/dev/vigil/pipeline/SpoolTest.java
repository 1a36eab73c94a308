package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static dev.vigil.pipeline.Fixtures.uuids;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk spool through its Output: restart, crash, torn records, limits. */
class SpoolTest {
    private static final SendResult DOWN = SendResult.retry("connection refused");

    @TempDir
    Path root;

    private OutputOptions options() {
        return OutputOptions.spooled(root).withShutdownDeadline(Duration.ofMillis(100));
    }

    private static OutputSettings fast(String... more) {
        List<String> kv = new ArrayList<>(List.of("retry.initial", "1ms", "retry.max", "5ms"));
        kv.addAll(List.of(more));
        return settings("s", kv.toArray(String[]::new));
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("s"))) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    /** Offers alerts {@code [from, to)} to an output whose destination is down, then closes it. */
    private void spoolWhileDown(int from, int to) throws Exception {
        try (Output out = Output.start(fast(), new ScriptedSink().otherwise(DOWN), options(), 1024)) {
            for (int i = from; i < to; i++) {
                assertThat(out.offer(envelope(i))).isEqualTo(Offer.ACCEPTED);
            }
            assertThat(out.counters().snapshot().spooled()).isEqualTo(to - from);
        }
    }

    /** What a test checks on a restarted output before it drains. */
    private interface AtStart {
        void check(Output out) throws Exception;
    }

    /** Starts a new output on the spool with a healthy destination, lets it deliver everything, closes it. */
    private ScriptedSink restartAndDrain(AtStart atStart) throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(fast(), sink, options(), 1024)) {
            atStart.check(out);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
        }
        return sink;
    }

    private ScriptedSink restartAndDrain() throws Exception {
        return restartAndDrain(out -> { });
    }

    @Test
    void aNewOutputOnTheSameSpoolDeliversWhatWasLeftFirst() throws Exception {
        spoolWhileDown(0, 50);
        assertThat(segments()).hasSizeGreaterThan(1);
        CountDownLatch gate = new CountDownLatch(1);
        ScriptedSink sink = new ScriptedSink().thenWaitFor(gate);
        try (Output out = Output.start(fast(), sink, options(), 1024)) {
            assertThat(out.counters().queued()).isEqualTo(50);
            for (int i = 50; i < 60; i++) {
                out.offer(envelope(i));
            }
            gate.countDown();
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(0, 60));
            assertThat(out.counters().queued()).isZero();
        }
        assertThat(segments()).hasSize(1);
        // everything was acknowledged: a third start has nothing to send
        ScriptedSink third = new ScriptedSink();
        try (Output out = Output.start(fast(), third, options(), 1024)) {
            assertThat(out.counters().queued()).isZero();
            assertThat(out.flush(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(third.calls()).isZero();
    }

    @Test
    void afterACrashOnlyUnacknowledgedItemsAreSentAgain() throws Exception {
        ScriptedSink first = new ScriptedSink();
        for (int i = 0; i < 10; i++) {
            first.then(SendResult.ok());
        }
        first.otherwise(DOWN);
        Output crashed = Output.start(fast(), first, options(), 1024);
        for (int i = 0; i < 30; i++) {
            crashed.offer(envelope(i));
        }
        // the 11th call means the 10th item's batch was committed and the 11th is in flight
        await("ten deliveries and a failing eleventh", () -> first.calls() >= 12);
        crashed.crashForTest();
        assertThat(first.deliveredUuids()).containsExactlyElementsOf(uuids(0, 10));

        ScriptedSink second = restartAndDrain();
        assertThat(second.deliveredUuids()).containsExactlyElementsOf(uuids(10, 30));
    }

    @Test
    void aCrashWhileABatchIsInFlightRedeliversThatBatch() throws Exception {
        AtomicBoolean inSend = new AtomicBoolean();
        ScriptedSink first = new ScriptedSink().otherwise(b -> {
            inSend.set(true);
            Thread.currentThread().join(); // hangs until interrupted, like a stuck connection
            return SendResult.ok();
        });
        Output crashed = Output.start(fast("batch.size", "5", "batch.linger", "1h"), first, options(), 1024);
        for (int i = 0; i < 12; i++) {
            crashed.offer(envelope(i));
        }
        await("a batch in flight", inSend::get);
        crashed.crashForTest();

        ScriptedSink second = restartAndDrain();
        assertThat(second.deliveredUuids()).containsExactlyElementsOf(uuids(0, 12));
    }

    @Test
    void aTornRecordAtTheEndIsCutOffAndCounted() throws Exception {
        spoolWhileDown(0, 5);
        Path last = segments().getLast();
        long valid = Files.size(last);
        try (var ch = java.nio.channels.FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            // a header announcing 400 bytes, then only 10 of them: the process died mid-write
            ByteBuffer torn = ByteBuffer.allocate(18).putInt(400).putInt(0x12345678).put(new byte[10]).flip();
            ch.write(torn);
        }
        ScriptedSink sink = restartAndDrain(out -> {
            assertThat(out.counters().dropped(OutputCounters.SPOOL_TORN)).isEqualTo(1);
            assertThat(Files.size(last)).isEqualTo(valid);
            out.offer(envelope(5));
        });
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(0, 6));
    }

    @Test
    void aZeroFilledTailIsNotARecord() throws Exception {
        spoolWhileDown(0, 3);
        Path last = segments().getLast();
        Files.write(last, new byte[4096], StandardOpenOption.APPEND);
        ScriptedSink sink = restartAndDrain(out -> assertThat(out.counters().dropped(OutputCounters.SPOOL_TORN)).isEqualTo(1));
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(0, 3));
    }

    @Test
    void aDamagedPositionFileMeansResendingNotFailing() throws Exception {
        spoolWhileDown(0, 4);
        Files.write(root.resolve("s").resolve("position"), "garbage, not a position".getBytes());
        assertThat(restartAndDrain().deliveredUuids()).containsExactlyElementsOf(uuids(0, 4));
    }

    @Test
    void aCorruptRecordInAnOlderSegmentSkipsTheRestOfThatSegment() throws Exception {
        spoolWhileDown(0, 12);
        List<Path> segs = segments();
        assertThat(segs).hasSizeGreaterThanOrEqualTo(3);
        Path middle = segs.get(1);
        long records = countRecords(middle);
        try (var ch = java.nio.channels.FileChannel.open(middle, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'X'}), 20); // inside the first record's body
        }
        ScriptedSink sink = restartAndDrain(out -> assertThat(out.counters().dropped(OutputCounters.SPOOL_CORRUPT)).isEqualTo(1));
        assertThat(sink.delivered).hasSize((int) (12 - records));
        assertThat(sink.deliveredUuids()).isSubsetOf(uuids(0, 12));
    }

    private static long countRecords(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        long n = 0;
        while (b.remaining() >= Spool.HEADER_BYTES) {
            int len = b.getInt();
            b.position(b.position() + 4 + len);
            n++;
        }
        return n;
    }

    @Test
    void acknowledgedSegmentsAreDeleted() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(fast("batch.size", "3"), sink, options(), 1024)) {
            for (int i = 0; i < 30; i++) {
                out.offer(envelope(i));
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(segments()).hasSize(1);
        }
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(0, 30));
    }

    /** A spool.maxbytes that holds exactly {@code n} of the test alerts (at least 4096 bytes). */
    private static int capacity() {
        int record = Spool.HEADER_BYTES + envelope(0).size();
        return Math.max(10, (int) Math.ceil(4096.0 / record));
    }

    private static String maxBytesFor(int records) {
        return Long.toString((long) records * (Spool.HEADER_BYTES + envelope(0).size()));
    }

    @Test
    void aFullSpoolDropsTheNewestByDefault() throws Exception {
        int cap = capacity();
        List<FalcoAlert> internal = new CopyOnWriteArrayList<>();
        AtomicBoolean up = new AtomicBoolean();
        ScriptedSink sink = new ScriptedSink().otherwise(b -> up.get() ? SendResult.ok() : DOWN);
        try (Output out = Output.start(fast("spool.maxbytes", maxBytesFor(cap)), sink,
                options().withInternalAlerts(internal::add), 1024)) {
            List<Offer> offers = new ArrayList<>();
            for (int i = 0; i < cap + 5; i++) {
                offers.add(out.offer(envelope(i)));
            }
            assertThat(offers.subList(0, cap)).containsOnly(Offer.ACCEPTED);
            assertThat(offers.subList(cap, cap + 5)).containsOnly(Offer.DROPPED);
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.dropped()).containsEntry(OutputCounters.SPOOL_FULL, 5L);
            assertThat(s.spoolBytes()).isEqualTo(Long.parseLong(maxBytesFor(cap)));
            assertThat(internal).hasSize(1); // one a minute, not one a drop
            FalcoAlert a = internal.getFirst();
            assertThat(a.rule()).isEqualTo(InternalAlerts.SPOOL_FULL);
            assertThat(a.source()).isEqualTo("internal");
            assertThat(a.priority()).isEqualTo(dev.vigil.event.Priority.ERROR);
            assertThat(a.outputFields()).containsEntry("vigil.output", "s").containsEntry("vigil.dropped", 1L)
                    .containsEntry("vigil.spool.full", "drop_newest");
            up.set(true);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
        }
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(0, cap));
    }

    @Test
    void dropOldestKeepsTheNewestAndDropsEvenAnItemInFlight() throws Exception {
        int cap = capacity();
        AtomicBoolean up = new AtomicBoolean();
        ScriptedSink sink = new ScriptedSink().otherwise(b -> up.get() ? SendResult.ok() : DOWN);
        try (Output out = Output.start(fast("spool.maxbytes", maxBytesFor(cap), "spool.full", "drop_oldest"), sink, options(),
                1024)) {
            out.offer(envelope(0));
            await("the first item in flight", () -> sink.calls() > 0);
            for (int i = 1; i < cap + 5; i++) {
                assertThat(out.offer(envelope(i))).isEqualTo(Offer.ACCEPTED);
            }
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.dropped()).containsEntry(OutputCounters.SPOOL_FULL, 5L);
            assertThat(s.queued()).isEqualTo(cap);
            assertThat(s.spoolBytes()).isEqualTo(Long.parseLong(maxBytesFor(cap)));
            up.set(true);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.counters().snapshot().delivered()).isEqualTo(cap);
        }
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(5, cap + 5));
    }

    @Test
    void anItemLargerThanTheWholeSpoolDoesNotEvictTheOthers() throws Exception {
        try (Output out = Output.start(fast("spool.maxbytes", "4096", "spool.full", "drop_oldest"),
                new ScriptedSink().otherwise(DOWN), options(), 1024)) {
            assertThat(out.offer(envelope(0))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.offer(Envelope.ofBody(new byte[5000]))).isEqualTo(Offer.DROPPED);
            assertThat(out.counters().queued()).isEqualTo(1);
            assertThat(out.counters().dropped(OutputCounters.SPOOL_FULL)).isEqualTo(1);
        }
    }

    @Test
    void rejectRefusesWhileFullSoTheSenderRetries() throws Exception {
        int cap = capacity();
        AtomicBoolean up = new AtomicBoolean();
        ScriptedSink sink = new ScriptedSink().otherwise(b -> up.get() ? SendResult.ok() : DOWN);
        try (Output out = Output.start(fast("spool.maxbytes", maxBytesFor(cap), "spool.full", "reject"), sink, options(), 1024)) {
            for (int i = 0; i < cap; i++) {
                assertThat(out.offer(envelope(i))).isEqualTo(Offer.ACCEPTED);
            }
            assertThat(out.offer(envelope(cap))).isEqualTo(Offer.REJECTED);
            assertThat(out.offer(envelope(cap + 1))).isEqualTo(Offer.REJECTED);
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.rejected()).isEqualTo(2);
            assertThat(s.dropped().values()).containsOnly(0L);
            up.set(true);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            // the sender's retry now fits
            assertThat(out.offer(envelope(cap))).isEqualTo(Offer.ACCEPTED);
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
        }
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(uuids(0, cap + 1));
    }

    @Test
    void twoOutputsCannotShareASpoolDirectory() throws Exception {
        try (Output first = Output.start(fast(), new ScriptedSink(), options(), 1024)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Output.start(fast(), new ScriptedSink(), options(), 1024))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("output 's'")
                    .hasMessageContaining("in use");
            assertThat(first.offer(envelope(0))).isEqualTo(Offer.ACCEPTED);
        }
    }

    @Test
    void flushForcesWhatCannotBeDeliveredAndSaysItIsSafe() throws Exception {
        try (Output out = Output.start(fast(), new ScriptedSink().otherwise(DOWN), options(), 1024)) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofMillis(50))).isTrue();
            assertThat(out.counters().queued()).isEqualTo(1);
        }
    }

    @Test
    void theHandOffCacheHoldsNoEnvelopesOnceTheWorkerIsACacheBehind() throws Exception {
        Path dir = root.resolve("cache");
        try (Spool spool = Spool.open(dir, 1L << 30, 1L << 20, Spool.FullPolicy.REJECT, 10, new OutputCounters("c", "t"), e -> { })) {
            for (int i = 0; i < 25; i++) {
                assertThat(spool.append(envelope(i))).isEqualTo(Backlog.Appended.ACCEPTED);
            }
            assertThat(spool.cached()).as("the first 10 stay cached, the rest is only on disk").isEqualTo(10);
            List<Backlog.Item> first = spool.take(15, Long.MAX_VALUE, 0, 0);
            assertThat(first).extracting(it -> it.envelope().alert().uuid()).isEqualTo(uuids(0, 15));
            spool.commit(first);
            assertThat(spool.append(envelope(25))).isEqualTo(Backlog.Appended.ACCEPTED);
            assertThat(spool.cached()).as("still behind: not cached").isZero();
            List<Backlog.Item> rest = spool.take(100, Long.MAX_VALUE, 0, 0);
            assertThat(rest).extracting(it -> it.envelope().alert().uuid()).isEqualTo(uuids(15, 26));
            spool.commit(rest);
            assertThat(spool.append(envelope(26))).isEqualTo(Backlog.Appended.ACCEPTED);
            assertThat(spool.cached()).as("caught up: cached again").isEqualTo(1);
            assertThat(spool.take(100, Long.MAX_VALUE, 0, 0)).singleElement()
                    .satisfies(it -> assertThat(it.envelope().alert().uuid()).isEqualTo(Fixtures.uuid(26)));
        }
    }
}
