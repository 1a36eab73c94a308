package dev.vigil.bench;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * End to end through HTTPS: starts {@code vigil audit serve} (the app jar) as a child process with a
 * self-signed certificate made by keytool and a bearer token, and POSTs {@code EventList} batches the
 * way kube-apiserver's webhook backend does (up to 400 events per batch, one request at a time per
 * connection, application/json, Authorization: Bearer) from C concurrent connections, first for a
 * warm-up, then for the measured period. The events are the recorded ones of the fixture directory,
 * as written there, each with a fresh auditID so that none is a re-send. Reports events/s, MiB/s of
 * request bodies, batch latency p50/p99, errors, and the server's CPU and RSS; then stops the
 * server and runs {@code vigil audit verify} on the store. Exit status 1 when a request failed or
 * the store is not intact.
 *
 * <pre>
 * java -cp testing/vigil-benchmarks/target/benchmarks.jar dev.vigil.bench.AuditWebhookBench \
 *     --jar apps/vigil/target/vigil.jar --seconds 20 --warmup 5 --connections 2
 * </pre>
 */
public final class AuditWebhookBench {
    private static final Pattern AUDIT_ID = Pattern.compile("\"auditID\":\\s*\"([^\"]*)\"");
    /** The fixed part of each generated auditID; the last 12 hex digits are a counter. */
    private static final String ID_PREFIX = "b3c4a000-0000-4000-8000-";
    private static final int ID_DIGITS = 12;

    private AuditWebhookBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = args(argv);
        Path jar = Path.of(a.getOrDefault("jar", "apps/vigil/target/vigil.jar"));
        Path events = Path.of(a.getOrDefault("events", "../shared/fixtures/k8s-audit/events"));
        String java = a.getOrDefault("java", ProcessHandle.current().info().command().orElse("java"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "5"));
        int connections = Integer.parseInt(a.getOrDefault("connections", "1"));
        int batchSize = Integer.parseInt(a.getOrDefault("batch", "400"));
        String serverOpts = a.getOrDefault("server-jvm-opts", "");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + ": no app jar (build it: ./mvnw -o -pl apps/vigil -am package -DskipTests)");
        }
        Path work = Files.createTempDirectory("vigil-audit-bench");
        try {
            run(work, jar, events, java, seconds, warmup, connections, batchSize, serverOpts);
        } finally {
            delete(work);
        }
    }

    private static void run(Path work, Path jar, Path eventsDir, String java, int seconds, int warmup, int connections, int batchSize,
            String serverOpts) throws Exception {
        List<byte[]> texts = eventTexts(eventsDir);
        Batch template = Batch.of(texts, batchSize);
        System.out.printf("events: %d recorded events from %s, batches of %d events, %.1f KiB each (%.0f B per event on average)%n",
                texts.size(), eventsDir, batchSize, template.body.length / 1024.0, (double) template.body.length / batchSize);

        SSLContext tls = certificate(work, java);
        String token = "bench-" + Long.toHexString(System.nanoTime());
        Files.writeString(work.resolve("token"), token + "\n");
        Path store = work.resolve("store");
        List<String> cmd = new ArrayList<>(List.of(java));
        if (!serverOpts.isBlank()) {
            cmd.addAll(Arrays.asList(serverOpts.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-jar", jar.toString(), "audit", "serve", "--listen", "127.0.0.1:0", "--store", store.toString(),
                "--tls-cert", work.resolve("cert.pem").toString(), "--tls-key", work.resolve("key.pem").toString(),
                "--token-file", work.resolve("token").toString()));
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> serverLog = new ArrayList<>();
        Thread[] logReader = new Thread[1];
        URI uri = listenAddress(server, serverLog, logReader);
        System.out.println("server: pid " + server.pid() + ", " + uri);

        HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        AtomicLong ids = new AtomicLong();
        Load warm = load(client, uri, token, template, ids, connections, warmup);
        System.out.printf("warm-up: %d s, %d batches, %d errors%n", warmup, warm.batches, warm.errors);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long ticks0 = cpuTicks(server.pid());
        long self0 = os.getProcessCpuTime();
        Load m = load(client, uri, token, template, ids, connections, seconds);
        long ticks1 = cpuTicks(server.pid());
        long self1 = os.getProcessCpuTime();
        long[] mem = memory(server.pid());

        double secs = m.nanos / 1e9;
        long ev = m.batches * (long) batchSize;
        double cpu = (ticks1 - ticks0) / (double) clockTicks() / secs;
        long[] lat = m.latencies;
        Arrays.sort(lat);
        System.out.printf("measured: %d s, %d connection(s): %,.0f events/s, %.1f MiB/s, batches %d (%.1f/s), latency p50 %.1f ms p99 %.1f ms, "
                        + "errors %d%n", seconds, connections, ev / secs, m.bytes / secs / (1 << 20), m.batches, m.batches / secs,
                percentile(lat, 50) / 1e6, percentile(lat, 99) / 1e6, m.errors);
        System.out.printf("server: CPU %.0f%% of one core (%.2f cores), RSS %d MiB, peak RSS %d MiB; this client: CPU %.2f cores%n",
                cpu * 100, cpu, mem[0] >> 10, mem[1] >> 10, (self1 - self0) / 1e9 / secs);
        if (m.firstError != null) {
            System.out.println("first error: " + m.firstError);
        }

        server.destroy(); // SIGTERM: the server finishes its requests, closes the store and prints its counters
        if (!server.waitFor(60, TimeUnit.SECONDS)) {
            server.destroyForcibly();
            throw new IllegalStateException("the server did not stop within 60 s");
        }
        logReader[0].join(10_000);
        serverLog.stream().filter(l -> l.contains("stopped")).forEach(l -> System.out.println("server: " + l));
        Process verify = new ProcessBuilder(java, "-jar", jar.toString(), "audit", "verify", store.toString()).redirectErrorStream(true).start();
        String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int code = verify.waitFor();
        System.out.println("verify: " + out);
        long stored = warm.batches * (long) batchSize + ev;
        Matcher rec = Pattern.compile("(\\d+) records").matcher(out);
        boolean intact = code == 0 && out.contains("intact") && rec.find() && Long.parseLong(rec.group(1)) == stored;
        if (!intact || m.errors + warm.errors > 0) {
            System.out.println("FAILED: " + (!intact ? "the store is not intact or does not hold the " + stored + " acknowledged events" : "requests failed"));
            System.exit(1);
        }
    }

    /** One batch body with the positions of each event's auditID counter digits, rewritten for every request. */
    private record Batch(byte[] body, int[] idDigits) {
        static Batch of(List<byte[]> events, int size) {
            StringBuilder b = new StringBuilder("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[");
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                String e = new String(events.get(i % events.size()), StandardCharsets.UTF_8);
                Matcher m = AUDIT_ID.matcher(e);
                if (i > 0) {
                    b.append(',');
                }
                if (m.find()) {
                    b.append(e, 0, m.start(1)).append(ID_PREFIX);
                    at.add(b.length());
                    b.append("0".repeat(ID_DIGITS)).append(e, m.end(1), e.length());
                } else {
                    b.append(e);
                }
            }
            b.append("]}");
            // positions are in chars; the prefix of each is ASCII up to the digits only if the text before is ASCII: convert
            String s = b.toString();
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            int[] pos = new int[at.size()];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = s.substring(0, at.get(i)).getBytes(StandardCharsets.UTF_8).length;
            }
            return new Batch(bytes, pos);
        }

        /** A copy of the body with fresh auditIDs {@code first, first + 1, ...}. */
        byte[] next(long first) {
            byte[] out = body.clone();
            for (int i = 0; i < idDigits.length; i++) {
                long n = first + i;
                for (int d = ID_DIGITS - 1; d >= 0; d--) {
                    out[idDigits[i] + d] = (byte) Character.forDigit((int) (n & 0xf), 16);
                    n >>>= 4;
                }
            }
            return out;
        }
    }

    private record Load(long batches, long errors, long bytes, long nanos, long[] latencies, String firstError) {}

    /** {@code connections} clients each POSTing one batch after the other for {@code seconds}. */
    private static Load load(HttpClient client, URI uri, String token, Batch template, AtomicLong ids, int connections, int seconds)
            throws Exception {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<CompletableFuture<Load>> workers = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            workers.add(CompletableFuture.supplyAsync(() -> {
                long batches = 0;
                long errors = 0;
                long bytes = 0;
                String firstError = null;
                long[] lat = new long[1024];
                while (System.nanoTime() < end) {
                    byte[] body = template.next(ids.getAndAdd(template.idDigits.length));
                    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                        long t = System.nanoTime() - t0;
                        if (r.statusCode() != 200) {
                            errors++;
                            firstError = firstError == null ? r.statusCode() + " " + r.body().trim() : firstError;
                            continue;
                        }
                        if (batches == lat.length) {
                            lat = Arrays.copyOf(lat, lat.length * 2);
                        }
                        lat[(int) batches++] = t;
                        bytes += body.length;
                    } catch (IOException | InterruptedException e) {
                        errors++;
                        firstError = firstError == null ? e.toString() : firstError;
                    }
                }
                return new Load(batches, errors, bytes, 0, Arrays.copyOf(lat, (int) batches), firstError);
            }, runnable -> Thread.ofPlatform().daemon().start(runnable)));
        }
        long batches = 0;
        long errors = 0;
        long bytes = 0;
        String firstError = null;
        List<long[]> lats = new ArrayList<>();
        for (CompletableFuture<Load> w : workers) {
            Load l = w.get();
            batches += l.batches;
            errors += l.errors;
            bytes += l.bytes;
            lats.add(l.latencies);
            firstError = firstError == null ? l.firstError : firstError;
        }
        long nanos = System.nanoTime() - start;
        long[] all = lats.stream().flatMapToLong(Arrays::stream).toArray();
        return new Load(batches, errors, bytes, nanos, all, firstError);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** The text of every recorded event in the directory (recursively), as written there. */
    static List<byte[]> eventTexts(Path dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                AuditEventParser.Collector c = new AuditEventParser.Collector();
                new AuditEventParser().read(Files.readAllBytes(f), c);
                for (AuditEvent e : c.events()) {
                    var t = e.sourceText();
                    byte[] b = new byte[t.remaining()];
                    t.get(b);
                    out.add(b);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no audit events found");
        }
        return out;
    }

    /** Makes a self-signed EC certificate for 127.0.0.1 with keytool; writes cert.pem and key.pem; returns a client context trusting it. */
    private static SSLContext certificate(Path work, String java) throws Exception {
        Path keytool = Path.of(java).resolveSibling("keytool");
        Path ks = work.resolve("server.p12");
        char[] pass = "changeit".toCharArray();
        exec(List.of(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass",
                new String(pass), "-keypass", new String(pass)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, pass);
        }
        Certificate cert = store.getCertificate("server");
        var key = store.getKey("server", pass);
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(work.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(work.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static void exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** Reads the server's output (stdout and stderr) until it names its address; keeps reading it into {@code log} afterwards. */
    private static URI listenAddress(Process server, List<String> log, Thread[] reader) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        Pattern serving = Pattern.compile("serving the audit webhook on (https://\\S+)");
        String line;
        while ((line = r.readLine()) != null) {
            log.add(line);
            Matcher m = serving.matcher(line);
            if (m.find()) {
                reader[0] = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        String l;
                        while ((l = r.readLine()) != null) {
                            synchronized (log) {
                                log.add(l);
                            }
                        }
                    } catch (IOException ignored) {
                        // the server exited
                    }
                });
                return URI.create(m.group(1));
            }
        }
        throw new IOException("the server exited before serving: " + String.join("\n", log));
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    private static long clockTicks() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        p.waitFor();
        return Long.parseLong(s);
    }

    /** VmRSS and VmHWM in KiB. */
    private static long[] memory(long pid) throws IOException {
        long rss = 0;
        long hwm = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("\\D", ""));
            } else if (l.startsWith("VmHWM:")) {
                hwm = Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return new long[] {rss, hwm};
    }

    private static Map<String, String> args(String[] argv) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("usage: AuditWebhookBench [--jar vigil.jar] [--events DIR] [--seconds N] [--warmup N] "
                        + "[--connections C] [--batch N] [--java PATH] [--server-jvm-opts '...'], got " + argv[i]);
            }
            out.put(argv[i].substring(2), argv[++i]);
        }
        return out;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
