package dev.vigil.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The alert forwarding harness: a real OpenSearch node in this JVM, {@code vigil forward} as a
 * child process delivering to it with batching, and C keep-alive connections posting one Falco
 * alert per request (as Falco's {@code http_output} does) for a warm-up and a measured window.
 * Reports requests/s accepted, errors, input latency percentiles, delivered/s (the forwarder's
 * delivered counter over the window, and end to end: until OpenSearch's {@code _count} reaches
 * every accepted alert), the forwarder's CPU and peak RSS. Runs every connection count with the
 * durable spool and with {@code --no-spool}. Exits 1 when something failed (forwarder did not
 * start or died, errors, alerts missing in OpenSearch), 2 on bad usage; a missed target is only
 * reported.
 *
 * <p>Usage (from the repository root; testing/harness/forward-bench.sh builds and runs it):
 * {@code java -cp CLASSPATH dev.vigil.bench.ForwardBench [--seconds 20] [--warmup 5]
 * [--connections 4,16] [--modes spool,nospool] [--batch batch.size=1000,batch.linger=1s]
 * [--forwarder-jvm "-XX:+UseSerialGC ..."] [--jfr DIR] [--jar apps/vigil/target/vigil.jar] [--sink opensearch|stub] [--keep]};
 * {@code --sink stub} delivers to {@link StubBulk} instead of an embedded OpenSearch node.
 */
public final class ForwardBench {
    static final String INDEX = "vigil-bench";
    static final double TARGET_RATE = 50_000;
    static final double TARGET_P99_MS = 5;

    private final Options opt;
    private final PrintStream out = System.out;

    private ForwardBench(Options opt) {
        this.opt = opt;
    }

    /** Command-line settings. */
    record Options(int seconds, int warmup, List<Integer> connections, List<String> modes, Path jar, String java,
            String batch, List<String> forwarderJvm, Path jfr, Duration drainTimeout, boolean keep, boolean stub) {

        static Options parse(String[] args) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("--seconds", "20");
            m.put("--warmup", "5");
            m.put("--connections", "4,16");
            m.put("--modes", "spool,nospool");
            m.put("--jar", "apps/vigil/target/vigil.jar");
            m.put("--java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            m.put("--batch", "");
            m.put("--forwarder-jvm", "-Xmx256m -XX:+UseSerialGC");
            m.put("--jfr", "");
            m.put("--drain-timeout", "120");
            m.put("--sink", "opensearch");
            boolean keep = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--keep")) {
                    keep = true;
                } else if (m.containsKey(args[i]) && i + 1 < args.length) {
                    m.put(args[i], args[++i]);
                } else {
                    throw new IllegalArgumentException("unknown or incomplete option " + args[i] + "; options: " + m.keySet()
                            + " --keep");
                }
            }
            List<String> modes = List.of(m.get("--modes").split(","));
            for (String mode : modes) {
                if (!mode.equals("spool") && !mode.equals("nospool")) {
                    throw new IllegalArgumentException("--modes takes spool and/or nospool, not " + mode);
                }
            }
            List<Integer> conns = Arrays.stream(m.get("--connections").split(",")).map(String::trim).map(Integer::valueOf).toList();
            if (conns.stream().anyMatch(c -> c < 1 || c > 1024)) {
                throw new IllegalArgumentException("--connections: 1 to 1024");
            }
            String jvm = m.get("--forwarder-jvm").trim();
            return new Options(Integer.parseInt(m.get("--seconds")), Integer.parseInt(m.get("--warmup")), conns, modes,
                    Path.of(m.get("--jar")).toAbsolutePath(), m.get("--java"), m.get("--batch").trim(),
                    jvm.isEmpty() ? List.of() : List.of(jvm.split("\\s+")),
                    m.get("--jfr").isBlank() ? null : Path.of(m.get("--jfr")).toAbsolutePath(),
                    Duration.ofSeconds(Long.parseLong(m.get("--drain-timeout"))), keep, stub(m.get("--sink")));
        }

        private static boolean stub(String sink) {
            if (!sink.equals("opensearch") && !sink.equals("stub")) {
                throw new IllegalArgumentException("--sink takes opensearch (an embedded node) or stub (a _bulk endpoint answering at once)");
            }
            return sink.equals("stub");
        }
    }

    /** One run: a connection count and a mode. */
    static final class Run {
        final int connections;
        final String mode;
        final List<String> failures = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        LoadDriver.Outcome outcome;
        double windowSeconds;
        long acceptedTotal;
        long minPerSecond = Long.MAX_VALUE;
        long maxPerSecond;
        double deliveredInWindow = -1;
        double metricAccepted = -1;
        double drainSeconds = -1;
        double endToEndRate = -1;
        long indexed = -1;
        double cpuPercent = -1;
        double cpuPercentWithDrain = -1;
        double harnessCpuPercent = -1;
        double loadCpuPercent = -1;
        double otherCpuPercent = -1;
        long rssPeakKiB = -1;
        int exitCode = Integer.MIN_VALUE;
        List<String> counters = List.of();

        Run(int connections, String mode) {
            this.connections = connections;
            this.mode = mode;
        }

        double acceptedRate() {
            return outcome == null ? 0 : outcome.accepted() / windowSeconds;
        }

        double p99Millis() {
            return outcome == null ? Double.NaN : outcome.latency().quantile(0.99) / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        Options opt;
        try {
            opt = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ForwardBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!Files.isRegularFile(opt.jar())) {
            System.err.println("ForwardBench: " + opt.jar() + " is missing; build it with ./mvnw -q -o -pl apps/vigil -am package -DskipTests");
            System.exit(2);
        }
        System.exit(new ForwardBench(opt).runAll());
    }

    private int runAll() throws Exception {
        Path work = Files.createTempDirectory("vigil-forward-bench");
        List<Run> runs = new ArrayList<>();
        try {
            if (opt.stub()) {
                try (StubBulk stub = new StubBulk()) {
                    out.printf("== stub _bulk endpoint at %s (answers {\"errors\":false,\"items\":[...]} at once; no OpenSearch)%n",
                            stub.url());
                    runAll(new Target(stub.url(), stub::documents, stub::reset), work, runs);
                }
            } else {
                out.printf("== OpenSearch: starting an embedded node in %s%n", work.resolve("opensearch"));
                long t = System.nanoTime();
                try (BenchNode node = BenchNode.start(work.resolve("opensearch"))) {
                    node.vigilTemplate("-1");
                    out.printf("   up at %s in %.1f s; index template vigil*: 1 shard, 0 replicas, refresh_interval -1 "
                            + "(explicit _refresh before each _count)%n", node.url(), (System.nanoTime() - t) / 1e9);
                    calibrate(node);
                    runAll(new Target(node.url(), () -> node.refreshedCount(INDEX), () -> node.deleteIndex(INDEX)), work, runs);
                }
            }
        } finally {
            if (opt.keep()) {
                out.println("work directory kept: " + work);
            } else {
                delete(work);
            }
        }
        return printSummary(runs);
    }

    /** Where the output delivers: its URL, how many documents it holds, and how to empty it before a run. */
    record Target(String url, Count count, Reset reset) {
        interface Count {
            long get() throws IOException, InterruptedException;
        }

        interface Reset {
            void run() throws IOException, InterruptedException;
        }
    }

    private void runAll(Target target, Path work, List<Run> runs) {
        for (int c : opt.connections()) {
            for (String mode : opt.modes()) {
                Run run = new Run(c, mode);
                runs.add(run);
                try {
                    runOne(target, work, run);
                } catch (Exception e) {
                    run.failures.add(e.toString());
                }
                printRun(run);
            }
        }
    }

    /**
     * What OpenSearch alone takes on this machine: the same alerts in _bulk requests of 1000 from
     * one connection (as the forwarder's default batches), with no forwarder and no load running;
     * 50 requests to warm up, then 150 measured. Once with ids OpenSearch generates (its
     * append-only fast path), once with {@code create} and a UUID {@code _id} as the OpenSearch
     * output sends them (every document costs an id lookup).
     */
    private void calibrate(BenchNode node) throws IOException, InterruptedException {
        AlertMix mix = new AlertMix(512, "127.0.0.1", 7);
        for (boolean ids : new boolean[] {false, true}) {
            String index = "vigil-calibrate";
            bulks(node, mix, index, ids, 0, 50);
            long self0 = ProcStat.cpuTicks(ProcessHandle.current().pid());
            long machine0 = ProcStat.machineBusyTicks();
            long t0 = System.nanoTime();
            bulks(node, mix, index, ids, 50, 150);
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpu = 100 * ProcStat.cpuSeconds(ProcStat.cpuTicks(ProcessHandle.current().pid()) - self0) / secs;
            double others = Math.max(0, 100 * ProcStat.cpuSeconds(ProcStat.machineBusyTicks() - machine0) / secs - cpu);
            long count = node.refreshedCount(index);
            if (count != 200_000) {
                throw new IOException("calibration: " + count + " documents instead of 200000");
            }
            out.printf(Locale.ROOT, "   OpenSearch alone (warm, no forwarder, %s): 150,000 alerts in _bulk requests of 1000 from one "
                    + "connection in %.1f s = %,.0f alerts/s; CPU: harness JVM %.0f%%, other processes %.0f%% of one core%n",
                    ids ? "create with a UUID _id" : "generated ids", secs, 150_000 / secs, cpu, others);
            node.deleteIndex(index);
        }
    }

    private static void bulks(BenchNode node, AlertMix mix, String index, boolean ids, int from, int count)
            throws IOException, InterruptedException {
        byte[] buf = new byte[mix.maxRequestBytes()];
        for (int b = from; b < from + count; b++) {
            StringBuilder bulk = new StringBuilder(1000 * (100 + buf.length));
            for (int i = 0; i < 1000; i++) {
                int len = mix.body((b * 1000 + i) % mix.size(), b * 1000L + i, buf, 0);
                bulk.append("{\"create\":{\"_index\":\"").append(index)
                        .append(ids ? "\",\"_id\":\"" + java.util.UUID.randomUUID() + "\"}}\n" : "\"}}\n").append(new String(buf, 0, len, java.nio.charset.StandardCharsets.UTF_8)).append('\n');
            }
            String reply = node.must("POST", "/_bulk", bulk.toString());
            if (reply.contains("\"errors\":true")) {
                throw new IOException("calibration _bulk had item errors: " + reply.substring(0, Math.min(600, reply.length())));
            }
        }
    }

    private void runOne(Target node, Path work, Run run) throws Exception {
        node.reset().run();
        Path dir = Files.createDirectories(work.resolve(run.mode + "-" + run.connections));
        List<String> cmd = new ArrayList<>(List.of(opt.java(), "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(opt.forwarderJvm());
        if (opt.jfr() != null) {
            Files.createDirectories(opt.jfr());
            cmd.add("-XX:StartFlightRecording=settings=profile,filename="
                    + opt.jfr().resolve("forwarder-" + run.mode + "-" + run.connections + ".jfr"));
        }
        cmd.addAll(List.of("-jar", opt.jar().toString(), "forward", "--listen", "127.0.0.1:0"));
        if (run.mode.equals("spool")) {
            cmd.addAll(List.of("--spool", dir.resolve("spool").toString()));
        } else {
            cmd.add("--no-spool");
        }
        String output = "opensearch:hostport=" + node.url() + ",suffix=none,index=" + INDEX
                + (opt.batch().isEmpty() ? "" : "," + opt.batch());
        cmd.addAll(List.of("--output", output));
        out.printf("%n== %d connections, %s%n   %s%n", run.connections,
                run.mode.equals("spool") ? "durable spool" : "no spool (memory queue)", String.join(" ", cmd));
        try (Forwarder fwd = Forwarder.start(cmd, Path.of("").toAbsolutePath(), dir.resolve("forwarder.log"), Duration.ofSeconds(60))) {
            BenchNode.Reply health = fwd.get("healthz");
            if (!health.ok()) {
                throw new IOException("/healthz -> " + health.status() + ": " + health.body());
            }
            AlertMix mix = new AlertMix(512, "127.0.0.1:" + fwd.socketAddress().getPort(), 42);
            out.printf("   forwarder pid %d at %s; %d distinct alerts of %d bytes on average%n", fwd.pid(), fwd.socketAddress(),
                    mix.size(), mix.meanBodyBytes());
            measure(node, fwd, mix, run);
            run.rssPeakKiB = fwd.peakRssKiB();
            run.exitCode = fwd.stop(Duration.ofSeconds(30));
            if (run.exitCode == -9) {
                run.failures.add("the forwarder did not stop within 30 s of SIGTERM (killed)");
            }
            if (!run.failures.isEmpty()) {
                out.println("   forwarder stderr ends with:\n" + fwd.tail().indent(6).stripTrailing());
            }
        }
    }

    private void measure(Target node, Forwarder fwd, AlertMix mix, Run run) throws Exception {
        LoadDriver load = new LoadDriver(fwd.socketAddress(), mix, run.connections, fwd::alive);
        long selfPid = ProcessHandle.current().pid();
        load.start();
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(opt.warmup());
        waitUntil(warmEnd);
        double deliveredAtStart = fwd.metric("vigil_output_delivered_total");
        long cpu0 = fwd.cpuTicks();
        long self0 = ProcStat.cpuTicks(selfPid);
        long load0 = load.cpuNanos();
        long machine0 = ProcStat.machineBusyTicks();
        long t0 = System.nanoTime();
        load.measure();
        long acceptedBefore = load.acceptedSoFar();
        for (int s = 1; s <= opt.seconds() && fwd.alive(); s++) {
            waitUntil(t0 + TimeUnit.SECONDS.toNanos(s));
            long now = load.acceptedSoFar();
            run.minPerSecond = Math.min(run.minPerSecond, now - acceptedBefore);
            run.maxPerSecond = Math.max(run.maxPerSecond, now - acceptedBefore);
            acceptedBefore = now;
        }
        long load1 = load.cpuNanos();
        run.outcome = load.stop();
        long t1 = System.nanoTime();
        run.windowSeconds = (t1 - t0) / 1e9;
        if (!fwd.alive()) {
            run.failures.add("the forwarder exited during the load:\n" + fwd.tail().indent(6).stripTrailing());
            return;
        }
        long cpu1 = fwd.cpuTicks();
        long machine1 = ProcStat.machineBusyTicks();
        run.harnessCpuPercent = 100 * ProcStat.cpuSeconds(ProcStat.cpuTicks(selfPid) - self0) / run.windowSeconds;
        run.loadCpuPercent = 100 * ((load1 - load0) / 1e9) / run.windowSeconds;
        double deliveredAtEnd = fwd.metric("vigil_output_delivered_total");
        run.metricAccepted = fwd.metric("vigil_forward_requests_total{status=\"accepted\"");
        run.acceptedTotal = load.acceptedSoFar();
        run.cpuPercent = 100 * ProcStat.cpuSeconds(cpu1 - cpu0) / run.windowSeconds;
        run.otherCpuPercent = Math.max(0, 100 * ProcStat.cpuSeconds(machine1 - machine0) / run.windowSeconds - run.cpuPercent
                - run.harnessCpuPercent);
        if (deliveredAtStart >= 0 && deliveredAtEnd >= 0) {
            run.deliveredInWindow = (deliveredAtEnd - deliveredAtStart) / run.windowSeconds;
        } else {
            run.notes.add("no vigil_output_delivered_total in /metrics: delivered/s in the window not measured");
        }
        if (run.outcome.errorCount() > 0) {
            run.failures.add("errors: " + run.outcome.errors());
        }
        if (run.metricAccepted >= 0 && (long) run.metricAccepted != run.acceptedTotal) {
            run.notes.add("the forwarder counted " + (long) run.metricAccepted + " accepted, the clients " + run.acceptedTotal);
        }
        // delivery: until every accepted alert is searchable in OpenSearch
        long deadline = t1 + opt.drainTimeout().toNanos();
        long count = node.count().get();
        while (count < run.acceptedTotal && System.nanoTime() < deadline && fwd.alive() && !settled(fwd, count)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            count = node.count().get();
        }
        long t2 = System.nanoTime();
        run.indexed = count;
        run.counters = fwd.nonZero("vigil_output_", "vigil_forward_");
        run.cpuPercentWithDrain = 100 * ProcStat.cpuSeconds(fwd.cpuTicks() - cpu0) / ((t2 - t0) / 1e9);
        if (count < run.acceptedTotal) {
            run.failures.add(String.format(Locale.ROOT, "only %,d of %,d accepted alerts in OpenSearch after %.0f s%s", count,
                    run.acceptedTotal, (t2 - t1) / 1e9, settled(fwd, count) ? " (the forwarder holds none: the rest were lost)" : ""));
            return;
        }
        if (count > run.acceptedTotal) {
            run.notes.add(String.format(Locale.ROOT, "%,d documents for %,d accepted alerts", count, run.acceptedTotal));
        }
        run.drainSeconds = (t2 - t1) / 1e9;
        // everything accepted since t0 plus what was still queued at t0 has been delivered by t2
        double pendingAtStart = deliveredAtStart >= 0 ? run.acceptedTotal - run.outcome.accepted() - deliveredAtStart : 0;
        run.endToEndRate = (run.outcome.accepted() + Math.max(0, pendingAtStart)) / ((t2 - t0) / 1e9);
    }

    /** Whether the forwarder has nothing queued and OpenSearch holds all it delivered: waiting longer changes nothing. */
    private static boolean settled(Forwarder fwd, long indexed) {
        double queued = fwd.metric("vigil_output_queued");
        double delivered = fwd.metric("vigil_output_delivered_total");
        return queued == 0 && delivered >= 0 && indexed >= delivered;
    }

    /** Parks until {@code nanoTime} reaches {@code deadline} (pacing the run, not waiting for a condition). */
    private static void waitUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private void printRun(Run r) {
        if (r.outcome != null) {
            LogHistogram h = r.outcome.latency();
            out.printf(Locale.ROOT, "   accepted   %,d in %.1f s = %,.0f req/s (per second: min %,d, max %,d); errors %d%s%n",
                    r.outcome.accepted(), r.windowSeconds, r.acceptedRate(), r.minPerSecond == Long.MAX_VALUE ? 0 : r.minPerSecond,
                    r.maxPerSecond, r.outcome.errorCount(), r.outcome.errors().isEmpty() ? "" : " " + r.outcome.errors());
            out.printf(Locale.ROOT, "   latency    p50 %s  p99 %s  p99.9 %s  max %s (%,d requests)%n", ms(h.quantile(0.5)),
                    ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max()), h.count());
        }
        if (r.deliveredInWindow >= 0) {
            out.printf(Locale.ROOT, "   delivered  %,.0f alerts/s during the window (forwarder's vigil_output_delivered_total)%n",
                    r.deliveredInWindow);
        }
        if (r.endToEndRate >= 0) {
            out.printf(Locale.ROOT, "   delivered  all %,d accepted alerts searchable %.1f s after the load stopped: "
                    + "%,.0f alerts/s end to end%n", r.acceptedTotal, r.drainSeconds, r.endToEndRate);
        }
        if (r.cpuPercent >= 0) {
            out.printf(Locale.ROOT, "   forwarder  CPU %.0f%% of one core during the window (%.0f%% including the drain), "
                    + "%.2f core-seconds per 100,000 alerts; peak RSS %s%n", r.cpuPercent, r.cpuPercentWithDrain,
                    r.acceptedRate() > 0 ? r.cpuPercent / r.acceptedRate() * 1000 : 0, r.rssPeakKiB < 0 ? "?" : r.rssPeakKiB / 1024 + " MiB");
            out.printf(Locale.ROOT, "   harness    CPU %.0f%% of one core: load connections %.0f%%, OpenSearch and the rest %.0f%% "
                    + "(%d cores in all)%n", r.harnessCpuPercent, r.loadCpuPercent, r.harnessCpuPercent - r.loadCpuPercent,
                    Runtime.getRuntime().availableProcessors());
        }
        if (!r.counters.isEmpty()) {
            out.println("   counters   " + String.join("\n              ", r.counters));
        }
        if (r.exitCode != Integer.MIN_VALUE) {
            out.printf("   forwarder exit code after SIGTERM: %d%n", r.exitCode);
        }
        r.notes.forEach(n -> out.println("   note: " + n));
        r.failures.forEach(f -> out.println("   FAILED: " + f));
    }

    private int printSummary(List<Run> runs) {
        out.printf("%n== Summary (%d s measured after %d s warm-up per run; targets: >= %,.0f alerts/s accepted and "
                + "delivered, input p99 < %.0f ms)%n%n", opt.seconds(), opt.warmup(), TARGET_RATE, TARGET_P99_MS);
        out.println("| connections | spool | accepted/s | errors | p50 | p99 | p99.9 | max | delivered/s in window "
                + "| delivered/s end to end | drain | forwarder CPU | peak RSS | other processes' CPU | targets |");
        out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        boolean failed = false;
        for (Run r : runs) {
            failed |= !r.failures.isEmpty();
            if (r.outcome == null) {
                out.printf("| %d | %s | failed: %s |%n", r.connections, r.mode, r.failures.getFirst().lines().findFirst().orElse(""));
                continue;
            }
            LogHistogram h = r.outcome.latency();
            boolean rateMet = r.acceptedRate() >= TARGET_RATE && r.endToEndRate >= TARGET_RATE;
            boolean latencyMet = r.p99Millis() < TARGET_P99_MS;
            out.printf(Locale.ROOT, "| %d | %s | %,.0f | %d | %s | %s | %s | %s | %s | %s | %s | %.0f%% | %s | %.0f%% | %s |%n", r.connections,
                    r.mode.equals("spool") ? "durable" : "none", r.acceptedRate(), r.outcome.errorCount(), ms(h.quantile(0.5)),
                    ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max()),
                    r.deliveredInWindow < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", r.deliveredInWindow),
                    r.endToEndRate < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", r.endToEndRate),
                    r.drainSeconds < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f s", r.drainSeconds), r.cpuPercent,
                    r.rssPeakKiB < 0 ? "?" : r.rssPeakKiB / 1024 + " MiB", r.otherCpuPercent,
                    !r.failures.isEmpty() ? "FAILED" : rateMet && latencyMet ? "met" : "missed: "
                            + (rateMet ? "" : "rate") + (rateMet || latencyMet ? "" : ", ") + (latencyMet ? "" : "p99"));
        }
        out.println();
        if (failed) {
            out.println("RESULT: something failed (see FAILED lines above)");
            return 1;
        }
        out.println("RESULT: all runs completed without errors and with every accepted alert in OpenSearch");
        return 0;
    }

    private static String ms(long nanos) {
        return nanos >= 10_000_000 ? String.format(Locale.ROOT, "%.0f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** Removes the work directory: the forwarder's spools and logs, and OpenSearch's data. */
    private static void delete(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException failure) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
