import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Open-loop load for `vigil admission serve`, as kube-apiserver would call it: AdmissionReviews
 * (the fixture files, round robin) POSTed at a fixed rate over HTTPS keep-alive connections. Each
 * request's latency counts from the moment it was due, not from when it was sent, so a stalled
 * server is not hidden by a client that waits for it. Prints p50/p90/p99/p99.9/max per phase.
 * Usage: java AdmissionLoad.java URL CA.pem FIXTURE_DIR RATE WARMUP_S MEASURE_S
 */
public class AdmissionLoad {
    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        Path ca = Path.of(args[1]);
        List<byte[]> bodies = new ArrayList<>();
        try (var s = Files.list(Path.of(args[2]))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                bodies.add(Files.readAllBytes(p));
            }
        }
        int rate = Integer.parseInt(args[3]);
        int warmup = Integer.parseInt(args[4]);
        int measure = Integer.parseInt(args[5]);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(ca)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        System.out.println("bodies: " + bodies.size() + " AdmissionReviews, " + bodies.stream().mapToInt(b -> b.length).min().orElse(0) + ".."
                + bodies.stream().mapToInt(b -> b.length).max().orElse(0) + " bytes; rate " + rate + "/s");
        run(client, url, bodies, rate, warmup, "warm-up");
        run(client, url, bodies, rate, measure, "measured");
    }

    /** Connections (and sending threads), as kube-apiserver keeps a pool of keep-alive connections to a webhook. */
    static final int CONNECTIONS = Integer.getInteger("connections", 32);

    static void run(HttpClient client, URI url, List<byte[]> bodies, int rate, int seconds, String phase) throws Exception {
        int n = rate * seconds;
        long[] latency = new long[n];
        AtomicLong errors = new AtomicLong();
        AtomicLong denied = new AtomicLong();
        AtomicLong next = new AtomicLong();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000;
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < CONNECTIONS; w++) {
            workers.add(Thread.ofVirtual().start(() -> {
                for (long i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    long due = start + i * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait); // the open-loop schedule: request i is due at start + i * interval
                    }
                    HttpRequest req = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get((int) (i % bodies.size())))).timeout(Duration.ofSeconds(10)).build();
                    try {
                        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException(r.statusCode() + " " + r.body());
                        }
                        if (r.body().contains("\"allowed\":false")) {
                            denied.incrementAndGet();
                        }
                    } catch (Exception e) {
                        if (errors.incrementAndGet() == 1) {
                            System.out.println("first error: " + e);
                        }
                    }
                    latency[(int) i] = System.nanoTime() - due;
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latency);
        System.out.printf("%s: %d requests in %.1f s (%.0f/s), %d denied, %d errors; latency ms p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f%n",
                phase, n, secs, n / secs, denied.get(), errors.get(), ms(latency, 0.50), ms(latency, 0.90), ms(latency, 0.99),
                ms(latency, 0.999), latency[n - 1] / 1e6);
    }

    static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
