package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil logs} end to end: in process with the file output, and as a child JVM killed with SIGKILL. */
class LogsCommandTest {
    private static final Pattern LINE = Pattern.compile("\"message\":\"line (\\d+)\"");

    @TempDir
    Path tmp;

    static String cri(String msg) {
        return "2026-11-26T10:00:00.000000001Z stdout F " + msg + "\n";
    }

    private Path containerLog() throws Exception {
        return Files.createDirectories(tmp.resolve("pods/shop_cart-7d9f_0d3c-uid/app")).resolve("0.log");
    }

    @Test
    void shipsContainerAndNodeLogsToAFileWithAMalformedLineFlagged() throws Exception {
        Files.writeString(containerLog(), cri("hello") + "garbage line\n");
        Path node = Files.createDirectories(tmp.resolve("node"));
        Files.writeString(node.resolve("kubelet.log"), "kubelet up\n");
        Path out = tmp.resolve("OUT.jsonl");
        CliTest.Result r = CliTest.run("logs", "--pods-dir", tmp.resolve("pods").toString(), "--node-logs", node + "/*.log",
                "--checkpoints", tmp.resolve("cp").toString(), "--node-name", "node-7", "--no-spool",
                "--output", "file:path=" + out, "--duration", "2s", "--scan-interval", "100ms",
                "--metrics-file", tmp.resolve("metrics.prom").toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"message\":\"hello\"", "\"namespace\":\"shop\"",
                "\"pod\":\"cart-7d9f\"", "\"container\":\"app\"", "\"restart\":0", "\"host\":\"node-7\"",
                "\"@timestamp\":\"2026-11-26T10:00:00.000000001Z\""));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"message\":\"garbage line\"", "\"malformed\":true"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"message\":\"kubelet up\"").doesNotContain("kubernetes"));
        assertThat(Files.readString(tmp.resolve("metrics.prom"))).contains("vigil_logs_malformed_total 1",
                "vigil_output_delivered_total");
        assertThat(tmp.resolve("cp/checkpoints.json")).exists();
    }

    @Test
    void theConfigFilesLogsSectionRunsWithVigilLogsAndInsideVigilRun() throws Exception {
        Files.writeString(containerLog(), cri("from a pod"));
        Path out = tmp.resolve("OUT.jsonl");
        Path config = Files.writeString(tmp.resolve("vigil.yaml"), """
                outputs:
                  - {type: file, path: %s}
                logs:
                  podsdir: %s
                  checkpoints: %s
                  nodename: node-9
                  scaninterval: 100ms
                """.formatted(out, tmp.resolve("pods"), tmp.resolve("cp")));
        CliTest.Result r = CliTest.run("logs", "--config", config.toString(), "--no-spool", "--duration", "2s");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllLines(out)).singleElement().asString().contains("\"message\":\"from a pod\"", "\"host\":\"node-9\"");

        // inside the agent: the checkpoint left by `vigil logs` is honoured, only the new line comes
        Files.writeString(containerLog(), cri("while the agent runs"), StandardOpenOption.APPEND);
        CliTest.Result run = CliTest.run("run", "--config", config.toString(), "--no-spool", "--duration", "3s",
                "--stats-interval", "1h");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("vigil: shipping logs from " + tmp.resolve("pods"), "vigil: logs stopped: 1 lines");
        // the agent's own alerts (activity on this host) share the output: only log records count here
        assertThat(Files.readAllLines(out).stream().filter(l -> !l.contains("\"rule\":")).toList()).hasSize(2).last().asString()
                .contains("\"message\":\"while the agent runs\"");
    }

    private Process child(Path out) throws Exception {
        return child("file:path=" + out + ",batch.size=50");
    }

    private Process child(String output) throws Exception {
        return child(output, "--no-spool");
    }

    private Process child(String output, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.vigil.app.Main", "logs",
                "--pods-dir", tmp.resolve("pods").toString(), "--checkpoints", tmp.resolve("cp").toString(),
                "--scan-interval", "100ms", "--output", output));
        cmd.addAll(List.of(more));
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(tmp.resolve("child.err").toFile()).start();
    }

    private static Map<Integer, Integer> delivered(Path out) throws Exception {
        Map<Integer, Integer> seen = new HashMap<>();
        if (Files.exists(out)) {
            for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                Matcher m = LINE.matcher(l);
                if (m.find()) {
                    seen.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
                }
            }
        }
        return seen;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < end).as("timed out waiting for " + what).isTrue();
            new CountDownLatch(1).await(20, TimeUnit.MILLISECONDS);
        }
    }

    /** The offset in the checkpoint file (0 when there is none yet). */
    private long checkpointed() {
        try {
            Matcher m = Pattern.compile("\"offset\":(\\d+)").matcher(Files.readString(tmp.resolve("cp/checkpoints.json")));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Every offset in the checkpoint file, by file name (empty when there is none yet). */
    private Map<String, Long> checkpointOffsets() {
        Map<String, Long> offsets = new HashMap<>();
        try {
            String json = Files.readString(tmp.resolve("cp/checkpoints.json"));
            Matcher m = Pattern.compile("\"path\":\"([^\"]+)\"[^}]*?\"offset\":(\\d+)").matcher(json);
            while (m.find()) {
                offsets.put(m.group(1), Long.parseLong(m.group(2)));
            }
        } catch (java.io.IOException e) {
            // not written yet
        }
        return offsets;
    }

    private static boolean has(Path out, int n) {
        try {
            return delivered(out).size() >= n;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void afterKillNineAndARestartEveryNumberedLineArrives() throws Exception {
        Path log = containerLog();
        Path out = tmp.resolve("OUT.jsonl");
        int total = 20_000;
        Process first = child(out);
        StringBuilder sb = new StringBuilder();
        int written = 0;
        try {
            // keep writing while the shipper runs, and kill it in the middle of the stream
            while (written < total / 2) {
                sb.setLength(0);
                for (int i = 0; i < 500; i++, written++) {
                    sb.append(cri("line " + written));
                }
                Files.writeString(log, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            await("some lines shipped and checkpointed", () -> has(out, 1000) && checkpointed() > 0);
        } finally {
            first.destroyForcibly(); // SIGKILL
            first.waitFor(20, TimeUnit.SECONDS);
        }
        int before = delivered(out).size();
        assertThat(before).isLessThanOrEqualTo(total / 2);
        long offset = checkpointed();
        byte[] content = Files.readAllBytes(log);
        int acknowledged = 0;
        for (int i = 0; i < offset; i++) {
            acknowledged += content[i] == '\n' ? 1 : 0;
        }
        while (written < total) {
            sb.setLength(0);
            for (int i = 0; i < 500; i++, written++) {
                sb.append(cri("line " + written));
            }
            Files.writeString(log, sb, StandardOpenOption.APPEND);
        }
        Process second = child(out);
        try {
            await("every line", () -> has(out, total));
        } finally {
            second.destroy(); // SIGTERM: flush and save
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Map<Integer, Integer> seen = delivered(out);
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            if (!seen.containsKey(i)) {
                missing.add(i);
            }
        }
        assertThat(missing).isEmpty();
        long duplicates = seen.values().stream().filter(c -> c > 1).count();
        // only lines delivered after the last checkpoint saved before the kill can come twice
        assertThat(duplicates).isLessThanOrEqualTo(before - acknowledged);
        assertThat(acknowledged).isPositive();
        assertThat(second.exitValue()).isZero();
    }

    /**
     * A destination that answers 503 for a while, then 200 (the {@code elasticsearch} output against a local
     * {@code _bulk}): while it refuses, the checkpoints stay at the start; afterwards every line of both files is
     * stored, each file's lines first stored in their order, and the checkpoints reach the ends of the files.
     */
    @Test
    void aDestinationDownForAWhileThenBackGetsEveryLineInOrderAndCheckpointsWait() throws Exception {
        Path pod = tmp.resolve("pods/shop_cart-7d9f_0d3c-uid");
        Map<String, Path> files = Map.of("app", Files.createDirectories(pod.resolve("app")).resolve("0.log"),
                "side", Files.createDirectories(pod.resolve("side")).resolve("0.log"));
        int perFile = 3000;
        Pattern doc = Pattern.compile("\"message\":\"(app|side) (\\d+)\"");
        AtomicBoolean up = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        Map<String, List<Integer>> stored = new HashMap<>(Map.of("app", new ArrayList<>(), "side", new ArrayList<>()));
        HttpServer es = bulkStub(up, body -> {
            synchronized (stored) {
                Matcher m = doc.matcher(body);
                while (m.find()) {
                    stored.get(m.group(1)).add(Integer.parseInt(m.group(2)));
                }
            }
        }, refused);
        writeNumbered(files, 0, perFile / 2);
        Process p = child("elasticsearch:hostport=http://127.0.0.1:" + es.getAddress().getPort()
                // one _bulk in flight, so that arrival order is file order (with two, batches may arrive swapped)
                + ",index=logs,batch.size=200,batch.linger=20ms,batch.inflight=1,retry.initial=20ms,retry.max=100ms,retry.maxelapsed=1h");
        try {
            await("the destination refused a few times", () -> refused.get() >= 5);
            writeNumbered(files, perFile / 2, perFile); // more lines while it is down
            long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < end) { // checkpoints are saved every 250 ms: they must stay at the start
                assertThat(checkpointOffsets().values()).allMatch(o -> o == 0);
                new CountDownLatch(1).await(50, TimeUnit.MILLISECONDS);
            }
            assertThat(refused.get()).isGreaterThanOrEqualTo(10);
            up.set(true);
            await("every line stored", () -> {
                synchronized (stored) {
                    return stored.values().stream().allMatch(l -> l.stream().distinct().count() == perFile);
                }
            });
            long[] sizes = {Files.size(files.get("app")), Files.size(files.get("side"))};
            await("checkpoints at the ends of the files", () -> {
                Map<String, Long> cp = checkpointOffsets();
                return Long.valueOf(sizes[0]).equals(cp.get(files.get("app").toString()))
                        && Long.valueOf(sizes[1]).equals(cp.get(files.get("side").toString()));
            });
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            es.stop(0);
        }
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("child.err"))).isZero();
        synchronized (stored) {
            for (Map.Entry<String, List<Integer>> e : stored.entrySet()) {
                List<Integer> firsts = e.getValue().stream().distinct().toList();
                assertThat(firsts).as(e.getKey() + ": first arrivals in file order").isSorted().hasSize(perFile);
                assertThat(firsts.getFirst()).isZero();
                assertThat(firsts.getLast()).isEqualTo(perFile - 1);
            }
        }
    }

    /**
     * The default delivery, with the spool: while the destination answers, lines pass through memory
     * only; once it has refused everything for longer than {@code spool.stall}, the lines go to the
     * spool on disk, the checkpoints reach the ends of the files although nothing was stored, and the
     * metrics endpoint shows them spooled; once it is back, every line arrives, in file order.
     */
    @Test
    void withTheSpoolADestinationDownMakesLinesGoToDiskAndTheCheckpointsMoveOn() throws Exception {
        Path pod = tmp.resolve("pods/shop_cart-7d9f_0d3c-uid");
        Map<String, Path> files = Map.of("app", Files.createDirectories(pod.resolve("app")).resolve("0.log"));
        int total = 4000;
        Pattern doc = Pattern.compile("\"message\":\"app (\\d+)\"");
        AtomicBoolean up = new AtomicBoolean(true);
        List<Integer> stored = new ArrayList<>();
        HttpServer es = bulkStub(up, body -> {
            synchronized (stored) {
                Matcher m = doc.matcher(body);
                while (m.find()) {
                    stored.add(Integer.parseInt(m.group(1)));
                }
            }
        }, new AtomicInteger());
        writeNumbered(files, 0, total / 4);
        Process p = child("elasticsearch:hostport=http://127.0.0.1:" + es.getAddress().getPort()
                + ",index=logs,batch.size=200,batch.linger=20ms,batch.inflight=1,retry.initial=20ms,retry.max=100ms,"
                + "retry.maxelapsed=1h,spool.stall=300ms", "--spool", tmp.resolve("spool").toString(),
                "--metrics-listen", "127.0.0.1:0");
        try {
            await("the metrics address", () -> metricsUrl() != null);
            await("the first quarter stored from memory", () -> {
                synchronized (stored) {
                    return stored.size() >= total / 4;
                }
            });
            assertThat(metric("vigil_output_spooled_total")).isZero();
            up.set(false);
            writeNumbered(files, total / 4, total);
            long size = Files.size(files.get("app"));
            await("checkpoint at the end of the file while the destination is down",
                    () -> Long.valueOf(size).equals(checkpointOffsets().get(files.get("app").toString())));
            assertThat(metric("vigil_output_spooled_total")).isPositive();
            assertThat(metric("vigil_logs_unacknowledged_records")).isZero();
            up.set(true);
            await("every line stored", () -> {
                synchronized (stored) {
                    return stored.stream().distinct().count() == total;
                }
            });
            await("the spool drained", () -> metric("vigil_output_spool_bytes") == 0);
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            es.stop(0);
        }
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("child.err"))).isZero();
        synchronized (stored) {
            assertThat(stored.stream().distinct().toList()).as("first arrivals in file order").isSorted().hasSize(total);
        }
    }

    /**
     * A started local {@code _bulk} endpoint: while {@code up} is false it answers 503 (counted in
     * {@code refused}), else it hands each body to {@code stored} and answers success.
     */
    private static HttpServer bulkStub(AtomicBoolean up, java.util.function.Consumer<String> stored, AtomicInteger refused)
            throws java.io.IOException {
        HttpServer es = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        es.createContext("/_bulk", ex -> {
            try (ex) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                byte[] answer;
                if (!up.get()) {
                    refused.incrementAndGet();
                    answer = "{\"error\":\"unavailable\"}".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(503, answer.length);
                } else {
                    stored.accept(body);
                    answer = "{\"took\":1,\"errors\":false,\"items\":[]}".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, answer.length);
                }
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(answer);
                }
            }
        });
        es.start();
        return es;
    }

    /** The metrics URL the child printed, or null before it did. */
    private String metricsUrl() {
        try {
            Matcher m = Pattern.compile("logs metrics at (http://\\S+/metrics)").matcher(Files.readString(tmp.resolve("child.err")));
            return m.find() ? m.group(1) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** One unlabelled or first-labelled sample from the child's /metrics. */
    private long metric(String name) {
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            var res = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(metricsUrl())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\d+)").matcher(res.body());
            assertThat(m.find()).as(name + " in " + res.body()).isTrue();
            return Long.parseLong(m.group(2));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void writeNumbered(Map<String, Path> files, int from, int to) throws Exception {
        for (Map.Entry<String, Path> f : files.entrySet()) {
            StringBuilder sb = new StringBuilder();
            for (int i = from; i < to; i++) {
                sb.append(cri(f.getKey() + " " + i));
            }
            Files.writeString(f.getValue(), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
