package dev.vigil.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.LogRecord;
import dev.vigil.pipeline.Output;
import dev.vigil.pipeline.OutputOptions;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.Sink;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper on real files in a temporary /var/log/pods layout, into an output with a collecting sink. */
class LogShipperTest {
    @TempDir
    Path tmp;

    private final List<Running> running = new ArrayList<>();

    /** Keeps every record it is given; can hold the first send until a gate opens. */
    static final class Collector implements Sink {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public Batching batching() {
            return new Batching(100, 1 << 20, Duration.ZERO);
        }

        @Override
        public SendResult send(List<Envelope> batch) throws InterruptedException {
            gate.await();
            for (Envelope e : batch) {
                try {
                    records.add(e.log());
                } catch (AlertFormatException ex) {
                    throw new AssertionError(ex);
                }
            }
            return SendResult.ok();
        }

        List<String> messages() {
            return records.stream().map(LogRecord::message).toList();
        }
    }

    record Running(LogShipper shipper, Output output, Thread thread) {
        void stop() throws InterruptedException {
            shipper.stop();
            thread.join(20_000);
            output.close();
        }
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Running r : running) {
            r.stop();
        }
    }

    private Path pods() {
        return tmp.resolve("pods");
    }

    private Path containerDir() throws Exception {
        return Files.createDirectories(pods().resolve("shop_cart-7d9f_0d3c-uid").resolve("app"));
    }

    private Running start(Collector sink, Pattern multiline, String... kv) throws Exception {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        Output out = Output.start(new OutputSettings("logs", "test", m, "test"), sink, OutputOptions.memoryOnly());
        LogShipper.Settings s = new LogShipper.Settings(pods(), List.of(tmp.resolve("node") + "/*.log"),
                tmp.resolve("checkpoints"), "node-1", multiline, Duration.ofMillis(50), Duration.ofMillis(50),
                Duration.ofMillis(300), 4096);
        LogShipper shipper = new LogShipper(s, List.of(out));
        Thread t = Thread.ofPlatform().name("shipper").start(() -> {
            try {
                shipper.run(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Running r = new Running(shipper, out, t);
        running.add(r);
        return r;
    }

    private Running start(Collector sink) throws Exception {
        return start(sink, null);
    }

    private void stop(Running r) throws InterruptedException {
        running.remove(r);
        r.stop();
    }

    static String cri(String stream, char tag, String msg) {
        return "2026-11-26T10:00:00.000000001Z " + stream + " " + tag + " " + msg + "\n";
    }

    static String numbered(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(cri("stdout", 'F', "line " + i));
        }
        return sb.toString();
    }

    static List<String> lines(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add("line " + i);
        }
        return out;
    }

    static void append(Path f, String text) throws Exception {
        Files.writeString(f, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            new CountDownLatch(1).await(10, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void criPartialsAreJoinedAcrossReadsAndRecordsCarryThePodMetadata() throws Exception {
        Path log = containerDir().resolve("2.log");
        append(log, cri("stdout", 'F', "first") + cri("stdout", 'P', "a long ") + cri("stderr", 'F', "oops"));
        Collector sink = new Collector();
        start(sink);
        await("two records", () -> sink.records.size() == 2);
        append(log, cri("stdout", 'P', "line in ") + "2026-11-26T10:00:00.000000001Z stdout F three pa");
        append(log, "rts\nnot a cri line\n");
        await("four records", () -> sink.records.size() == 4);
        assertThat(sink.messages()).containsExactly("first", "oops", "a long line in three parts", "not a cri line");
        LogRecord joined = sink.records.get(2);
        assertThat(joined).extracting(LogRecord::namespace, LogRecord::pod, LogRecord::podUid, LogRecord::container,
                LogRecord::restart, LogRecord::stream, LogRecord::host, LogRecord::malformed)
                .containsExactly("shop", "cart-7d9f", "0d3c-uid", "app", 2, "stdout", "node-1", false);
        assertThat(joined.offset()).isEqualTo(cri("stdout", 'F', "first").length());
        assertThat(joined.timestamp()).isEqualTo("2026-11-26T10:00:00.000000001Z");
        assertThat(sink.records.get(1).stream()).isEqualTo("stderr");
        assertThat(sink.records.get(3).malformed()).isTrue();
    }

    @Test
    void nodeLogsByGlobAndDockerJsonLines() throws Exception {
        Path node = Files.createDirectories(tmp.resolve("node"));
        append(node.resolve("kubelet.log"), "I1126 kubelet started\r\nsecond\n");
        append(node.resolve("ignored.txt"), "not matched\n");
        append(containerDir().resolve("0.log"),
                "{\"log\":\"docker \",\"stream\":\"stdout\",\"time\":\"2016-10-05T00:00:30.082640485Z\"}\n"
                        + "{\"log\":\"line\\n\",\"stream\":\"stdout\",\"time\":\"2016-10-05T00:00:30.1Z\"}\n");
        Collector sink = new Collector();
        start(sink);
        await("three records", () -> sink.records.size() == 3);
        assertThat(sink.messages()).containsExactlyInAnyOrder("I1126 kubelet started", "second", "docker line");
        LogRecord kubelet = sink.records.stream().filter(r -> r.message().equals("second")).findFirst().orElseThrow();
        assertThat(kubelet.pod()).isNull();
        assertThat(kubelet.file()).endsWith("kubelet.log");
        assertThat(kubelet.malformed()).isFalse();
    }

    @Test
    void renameRotationWhileWritingLosesAndRepeatsNothing() throws Exception {
        Path dir = containerDir();
        Path log = dir.resolve("0.log");
        append(log, numbered(0, 50));
        Collector sink = new Collector();
        start(sink);
        // the shipper follows the live file before kubelet starts rotating it
        await("the live file's first lines", () -> sink.records.size() >= 50);
        for (int gen = 1; gen <= 4; gen++) {
            append(log, numbered(gen * 100 - 50, gen * 100));
            Files.move(log, dir.resolve("0.log.2026112" + gen + "-100000"));
            append(log, numbered(gen * 100, gen * 100 + 50));
        }
        List<String> expected = new ArrayList<>(lines(0, 50));
        for (int gen = 1; gen <= 4; gen++) {
            expected.addAll(lines(gen * 100 - 50, gen * 100 + 50));
        }
        await("all lines", () -> sink.records.size() >= expected.size());
        List<String> got = sink.messages();
        // nothing lost, nothing twice
        assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
        // the followed file is read to its end before anything written after its rotation, and every file in order.
        // Across the files rotated faster than the scan interval (four here within a few milliseconds), a name may
        // already lead to a newer file when it is looked at, so their relative order is not promised.
        assertThat(got.subList(0, 100)).containsExactlyElementsOf(lines(0, 100));
        for (LogRecord r : sink.records) {
            List<String> ofFile = sink.records.stream().filter(x -> x.file().equals(r.file())).map(LogRecord::message).toList();
            assertThat(ofFile).as(r.file()).isSortedAccordingTo(java.util.Comparator.comparingInt(m -> Integer.parseInt(m.substring(5))));
        }
    }

    @Test
    void copyTruncateStartsOverAndAFileDeletedWhileReadIsReadToItsEnd() throws Exception {
        Path node = Files.createDirectories(tmp.resolve("node"));
        Path app = node.resolve("app.log");
        append(app, "one\ntwo\n");
        Collector sink = new Collector();
        start(sink);
        await("two lines", () -> sink.records.size() == 2);
        try (FileChannel ch = FileChannel.open(app, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        append(app, "three\n");
        await("three lines", () -> sink.records.size() == 3);
        assertThat(sink.messages()).containsExactly("one", "two", "three");

        // a writer keeps its handle; the file is deleted and written further through it
        Path doomed = node.resolve("doomed.log");
        try (FileChannel w = FileChannel.open(doomed, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            w.write(ByteBuffer.wrap("a\n".getBytes(StandardCharsets.UTF_8)));
            await("a", () -> sink.messages().contains("a"));
            Files.delete(doomed);
            w.write(ByteBuffer.wrap("b\nc\n".getBytes(StandardCharsets.UTF_8)));
        }
        await("b and c", () -> sink.messages().contains("c"));
        assertThat(sink.messages()).containsExactly("one", "two", "three", "a", "b", "c");
    }

    @Test
    void aRestartResumesFromTheCheckpointEvenIntoACompressedRotatedFile() throws Exception {
        Path dir = containerDir();
        Path log = dir.resolve("0.log");
        append(log, numbered(0, 10));
        Collector first = new Collector();
        Running r = start(first);
        await("ten lines", () -> first.records.size() == 10);
        stop(r);
        // while stopped: more lines, then kubelet rotates and compresses, and writes a new file
        append(log, numbered(10, 20));
        Path rotated = dir.resolve("0.log.20261126-100000");
        Files.move(log, rotated);
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(dir.resolve("0.log.20261126-100000.gz")))) {
            gz.write(Files.readAllBytes(rotated));
        }
        Files.delete(rotated);
        append(log, numbered(20, 30));
        Collector second = new Collector();
        start(second);
        await("twenty lines", () -> second.records.size() >= 20);
        assertThat(second.messages()).containsExactlyElementsOf(lines(10, 30));
        Path checkpoints = tmp.resolve("checkpoints").resolve(Checkpoints.FILE);
        await("the compressed file marked done", () -> {
            try {
                return Files.readString(checkpoints).contains("\"done\":true");
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void multilineGroupsStackTraces() throws Exception {
        Path log = containerDir().resolve("0.log");
        append(log, cri("stdout", 'F', "2026 ERROR boom") + cri("stdout", 'F', "\tat a.B(B.java:1)")
                + cri("stdout", 'F', "\tat c.D(D.java:2)") + cri("stdout", 'F', "2026 INFO fine"));
        Collector sink = new Collector();
        start(sink, Pattern.compile("^\\d{4} "));
        await("two records", () -> sink.records.size() == 2);
        assertThat(sink.messages()).containsExactly("2026 ERROR boom\n\tat a.B(B.java:1)\n\tat c.D(D.java:2)", "2026 INFO fine");
    }

    @Test
    void aFullBufferPausesReadingInsteadOfDropping() throws Exception {
        Path log = containerDir().resolve("0.log");
        append(log, numbered(0, 2000));
        Collector sink = new Collector();
        sink.gate = new CountDownLatch(1);
        Running r = start(sink, null, "queue", "10");
        await("a pause", () -> r.shipper().metrics().backpressureWaits() > 0);
        sink.gate.countDown();
        await("all lines", () -> sink.records.size() >= 2000);
        assertThat(sink.messages()).containsExactlyElementsOf(lines(0, 2000));
        assertThat(r.output().counters().snapshot().dropped().values().stream().mapToLong(Long::longValue).sum()).isZero();
        String metrics = r.shipper().metrics().render(List.of(r.output()));
        assertThat(metrics).contains("vigil_logs_lines_read_total 2000", "vigil_logs_backpressure_waits_total",
                "vigil_output_delivered_total{output=\"logs\",type=\"test\"} 2000");
    }
}
