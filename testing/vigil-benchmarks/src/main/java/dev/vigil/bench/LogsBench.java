package dev.vigil.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Node log shipping benchmark (testing/harness/logs-bench.sh): writes CRI log files under a
 * /var/log/pods-like tree, then ships them once with {@code vigil logs} (the built jar, a child
 * process) into each sink, and once with rsyslog (imfile → omfile, its own foreground process
 * and config) for a side-by-side ratio. Each run starts on the complete files and ends when the
 * sink has every line: for vigil when its metrics file says every record was delivered, for
 * rsyslog when its output file has every line. Reports MiB/s and lines/s of input, CPU time and
 * peak RSS (VmHWM) of the shipper.
 */
public final class LogsBench {
    private static final String[] PATHS = {"/api/v1/items", "/api/v1/cart", "/healthz", "/api/v1/orders", "/static/app.js"};
    private static final String[] LOGGERS = {"cart.service", "order.worker", "payment.client", "inventory.sync"};

    private final Map<String, String> opt;
    private final Path work;
    private final Path pods;
    private long lines;
    private long records;
    private long inputBytes;

    private LogsBench(Map<String, String> opt) throws IOException {
        this.opt = opt;
        this.work = opt.containsKey("work") ? Path.of(opt.get("work")) : Files.createTempDirectory("logs-bench");
        this.pods = work.resolve("pods");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("mib", "256", "pods", "8", "containers", "2",
                "sinks", "file,null", "modes", "nospool", "java", "java", "jar", "apps/vigil/target/vigil.jar",
                "vigil-jvm", "-Xmx256m -XX:+UseSerialGC", "timeout", "600", "rsyslog", "rsyslogd"));
        for (int i = 0; i < args.length; i++) {
            String k = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (k.equals("keep") || k.equals("no-rsyslog")) {
                opt.put(k, "true");
            } else if ((opt.containsKey(k) || k.equals("work") || k.equals("jfr")) && i + 1 < args.length) {
                opt.put(k, args[++i]);
            } else {
                System.err.println("LogsBench: unknown or incomplete option " + args[i] + "; options: --mib N --pods N --containers N"
                        + " --sinks file,null --modes nospool,spool --vigil-jvm OPTS --jar PATH --java PATH --rsyslog PATH"
                        + " --no-rsyslog --work DIR --keep --jfr DIR --timeout SECONDS");
                System.exit(2);
            }
        }
        LogsBench b = new LogsBench(opt);
        int rc = b.run();
        System.exit(rc);
    }

    private int run() throws Exception {
        System.out.printf(Locale.ROOT, "machine: %d cores, %s, load average %s%n", Runtime.getRuntime().availableProcessors(),
                cpuModel(), Files.readString(Path.of("/proc/loadavg")).trim());
        long t = System.nanoTime();
        generate(Integer.parseInt(opt.get("mib")) * (1L << 20), Integer.parseInt(opt.get("pods")),
                Integer.parseInt(opt.get("containers")));
        System.out.printf(Locale.ROOT, "input: %s, %d files, %.1f MiB, %d lines (%d records after joining P/F), %.1f bytes/line; "
                + "written in %.1f s%n", pods, Integer.parseInt(opt.get("pods")) * Integer.parseInt(opt.get("containers")),
                mib(inputBytes), lines, records, (double) inputBytes / lines, (System.nanoTime() - t) / 1e9);
        System.out.println();
        System.out.println("shipper  sink      mode     seconds  ready-s  MiB/s  MiB/s-rdy  lines/s    CPU-s  CPU%   VmHWM-MiB  out-MiB  check");
        int failures = 0;
        for (String mode : opt.get("modes").split(",")) {
            for (String sink : opt.get("sinks").split(",")) {
                settle();
                failures += vigil(sink.trim(), mode.trim()) ? 0 : 1;
            }
        }
        if (!opt.containsKey("no-rsyslog")) {
            settle();
            failures += rsyslog() ? 0 : 1;
        }
        if (!opt.containsKey("keep")) {
            delete(work);
        } else {
            System.out.println("kept " + work);
        }
        return failures == 0 ? 0 : 1;
    }

    /**
     * Writes back what earlier runs left dirty in the page cache (their gigabytes of output), so that
     * each run starts from the same state instead of paying for its predecessor's writeback.
     */
    private static void settle() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    // ---------------------------------------------------------------- input

    /** Writes ~{@code total} bytes of CRI lines over pods × containers files, with P/F partial lines now and then. */
    private void generate(long total, int podCount, int containers) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        int files = podCount * containers;
        OutputStream[] outs = new OutputStream[files];
        for (int p = 0; p < podCount; p++) {
            for (int c = 0; c < containers; c++) {
                Path dir = pods.resolve("shop_" + "cart-" + p + "-7d9f_" + "0d3c1f2e-" + p + "-uid").resolve(c == 0 ? "app" : "sidecar-" + c);
                Files.createDirectories(dir);
                outs[p * containers + c] = new BufferedOutputStream(Files.newOutputStream(dir.resolve("0.log")), 1 << 20);
            }
        }
        StringBuilder sb = new StringBuilder(512);
        long seq = 0;
        while (inputBytes < total) {
            OutputStream out = outs[(int) (seq % files)];
            long ms = seq / 10;
            String ts = String.format(Locale.ROOT, "2026-11-26T10:%02d:%02d.%09dZ", (ms / 60_000) % 60, (ms / 1000) % 60,
                    (ms % 1000) * 1_000_000 + seq % 1_000_000);
            String stream = rnd.nextInt(10) == 0 ? "stderr" : "stdout";
            String msg = message(sb, rnd, seq);
            if (rnd.nextInt(40) == 0) { // a long line the runtime cut into a P piece and the final F piece
                int cut = msg.length() / 2;
                inputBytes += write(out, ts + " " + stream + " P " + msg.substring(0, cut) + "\n");
                inputBytes += write(out, ts + " " + stream + " F " + msg.substring(cut) + "\n");
                lines += 2;
            } else {
                inputBytes += write(out, ts + " " + stream + " F " + msg + "\n");
                lines++;
            }
            records++;
            seq++;
        }
        for (OutputStream o : outs) {
            o.close();
        }
    }

    private static String message(StringBuilder sb, SplittableRandom rnd, long seq) {
        sb.setLength(0);
        switch (rnd.nextInt(3)) {
            case 0 -> sb.append("10.42.").append(rnd.nextInt(256)).append('.').append(rnd.nextInt(256))
                    .append(" - - [26/Nov/2026:10:00:00 +0000] \"GET ").append(PATHS[rnd.nextInt(PATHS.length)]).append('/')
                    .append(rnd.nextInt(100_000)).append(" HTTP/1.1\" 200 ").append(rnd.nextInt(20_000)).append(" rt=0.0")
                    .append(rnd.nextInt(100)).append(" seq=").append(seq);
            case 1 -> sb.append("{\"level\":\"info\",\"logger\":\"").append(LOGGERS[rnd.nextInt(LOGGERS.length)])
                    .append("\",\"msg\":\"order placed\",\"order_id\":").append(rnd.nextInt(1_000_000)).append(",\"user\":\"u")
                    .append(rnd.nextInt(50_000)).append("\",\"seq\":").append(seq).append('}');
            default -> sb.append("INFO  [http-nio-8080-exec-").append(rnd.nextInt(200))
                    .append("] c.e.shop.CartController : added item ").append(rnd.nextInt(100_000)).append(" to cart ")
                    .append(rnd.nextInt(100_000)).append(" seq=").append(seq);
        }
        return sb.toString();
    }

    private static int write(OutputStream out, String line) throws IOException {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        out.write(b);
        return b.length;
    }

    // ---------------------------------------------------------------- vigil

    private boolean vigil(String sink, String mode) throws Exception {
        Path dir = work.resolve("vigil-" + sink + "-" + mode);
        Files.createDirectories(dir);
        Path out = sink.equals("null") ? Path.of("/dev/null") : dir.resolve("out.jsonl");
        Path metrics = dir.resolve("metrics.prom");
        Path stderr = dir.resolve("stderr.txt");
        List<String> cmd = new ArrayList<>();
        cmd.add(opt.get("java"));
        cmd.addAll(Arrays.asList(opt.get("vigil-jvm").trim().split("\\s+")));
        if (opt.containsKey("jfr")) {
            Files.createDirectories(Path.of(opt.get("jfr")));
            cmd.add("-XX:StartFlightRecording=filename=" + Path.of(opt.get("jfr")).toAbsolutePath().resolve("vigil-" + sink + "-"
                    + mode + ".jfr") + ",settings=profile,dumponexit=true");
        }
        cmd.addAll(List.of("-jar", opt.get("jar"), "logs", "--pods-dir", pods.toString(), "--checkpoints",
                dir.resolve("checkpoints").toString(), "--node-name", "bench-node", "--output",
                "file:path=" + out + ",maxsize=1000g,maxfiles=0", "--metrics-file", metrics.toString(),
                "--metrics-interval", "50ms", "--shutdown-timeout", "30s"));
        if (mode.equals("spool")) {
            cmd.addAll(List.of("--spool", dir.resolve("spool").toString()));
        } else {
            cmd.add("--no-spool");
        }
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(stderr.toFile()).start();
        long ready = -1;
        long done = -1;
        long deadline = start + TimeUnit.SECONDS.toNanos(Long.parseLong(opt.get("timeout")));
        long hwm = 0;
        long cpu = 0;
        long[] figures = {0, 0};
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (ready < 0 && Files.exists(stderr) && Files.readString(stderr).contains("vigil: shipping logs")) {
                ready = System.nanoTime();
            }
            figures = delivered(metrics);
            if (figures[0] >= records) {
                done = System.nanoTime();
                hwm = ProcStat.statusKiB(p.pid(), "VmHWM");
                cpu = ProcStat.cpuTicks(p.pid());
                break;
            }
            Thread.sleep(20);
        }
        p.destroy(); // SIGTERM: delivers, saves the checkpoints
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        if (done < 0) {
            System.out.printf(Locale.ROOT, "vigil    %-8s  %-7s  FAILED: %d of %d records delivered (%d dropped) in time; see %s%n", sink, mode,
                    figures[0], records, figures[1], stderr);
            return false;
        }
        String check = "ok";
        long outBytes = 0;
        if (!sink.equals("null")) {
            outBytes = Files.size(out);
            long n = countLines(out);
            check = n == records ? "ok, " + n + " lines" : "MISMATCH: " + n + " lines for " + records + " records";
        }
        row("vigil", sink, mode, start, ready, done, cpu, hwm, outBytes, check);
        return check.startsWith("ok") && figures[1] == 0;
    }

    /** {delivered, dropped} summed over the outputs from a Prometheus text file; zeros while it is not there. */
    private static long[] delivered(Path metrics) {
        long[] r = {0, 0};
        try {
            for (String line : Files.readAllLines(metrics)) {
                if (line.startsWith("vigil_output_delivered_total")) {
                    r[0] += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                } else if (line.startsWith("vigil_output_dropped_total")) {
                    r[1] += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not written yet, or being replaced
        }
        return r;
    }

    // ---------------------------------------------------------------- rsyslog

    private boolean rsyslog() throws Exception {
        Path dir = work.resolve("rsyslog");
        Files.createDirectories(dir.resolve("work"));
        Path out = dir.resolve("out.jsonl");
        Path conf = dir.resolve("rsyslog.conf");
        Path stderr = dir.resolve("stderr.txt");
        Files.writeString(conf, """
                global(workDirectory="%s")
                module(load="imfile" mode="inotify")
                template(name="doc" type="list") {
                  constant(value="{\\"message\\":\\"") property(name="msg" format="json")
                  constant(value="\\",\\"file\\":\\"") property(name="$!metadata!filename" format="json")
                  constant(value="\\",\\"host\\":\\"") property(name="hostname" format="json")
                  constant(value="\\"}\\n")
                }
                ruleset(name="ship") {
                  action(type="omfile" file="%s" template="doc")
                }
                input(type="imfile" file="%s/*/*/*.log" tag="pods" addMetadata="on" ruleset="ship")
                """.formatted(dir.resolve("work"), out, pods));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(opt.get("rsyslog"), "-n", "-f", conf.toString(), "-i", dir.resolve("rsyslogd.pid").toString())
                .redirectErrorStream(true).redirectOutput(stderr.toFile()).start();
        long deadline = start + TimeUnit.SECONDS.toNanos(Long.parseLong(opt.get("timeout")));
        long done = -1;
        long hwm = 0;
        long cpu = 0;
        long n = 0;
        long pos = 0;
        byte[] buf = new byte[1 << 20];
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(out)) {
                try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
                    f.seek(pos);
                    int r;
                    while ((r = f.read(buf)) > 0) {
                        for (int i = 0; i < r; i++) {
                            if (buf[i] == '\n') {
                                n++;
                            }
                        }
                        pos += r;
                    }
                }
            }
            if (n >= lines) {
                done = System.nanoTime();
                hwm = ProcStat.statusKiB(p.pid(), "VmHWM");
                cpu = ProcStat.cpuTicks(p.pid());
                break;
            }
            Thread.sleep(20);
        }
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        if (done < 0) {
            System.out.printf(Locale.ROOT, "rsyslog  FAILED: %d of %d lines in time; see %s%n", n, lines, stderr);
            return false;
        }
        row("rsyslog", "omfile", "-", start, -1, done, cpu, hwm, pos, "ok, " + n + " lines (raw lines: no CRI parsing or P/F joining)");
        return true;
    }

    // ---------------------------------------------------------------- report

    private void row(String who, String sink, String mode, long start, long ready, long done, long cpuTicks, long hwmKiB,
            long outBytes, String check) {
        double secs = (done - start) / 1e9;
        double cpu = ProcStat.cpuSeconds(cpuTicks);
        System.out.printf(Locale.ROOT, "%-8s %-9s %-8s %7.2f  %7.2f  %5.1f  %9.1f  %9.0f  %6.2f  %4.0f  %9.1f  %7.1f  %s%n", who, sink, mode, secs,
                ready < 0 ? 0.0 : (ready - start) / 1e9, mib(inputBytes) / secs,
                ready < 0 ? mib(inputBytes) / secs : mib(inputBytes) / ((done - ready) / 1e9), lines / secs, cpu, 100 * cpu / secs,
                hwmKiB / 1024.0, mib(outBytes), check);
    }

    private static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }

    private static long countLines(Path f) throws IOException {
        long n = 0;
        byte[] buf = new byte[1 << 20];
        try (var in = Files.newInputStream(f)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                for (int i = 0; i < r; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static String cpuModel() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (l.startsWith("model name")) {
                return l.substring(l.indexOf(':') + 1).trim();
            }
        }
        return "unknown CPU";
    }

    private static void delete(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
