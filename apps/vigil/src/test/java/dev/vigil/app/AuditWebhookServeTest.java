package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.protect.AuditProtector;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.k8saudit.store.StoreKeys;
import dev.vigil.k8saudit.store.StoreOptions;
import dev.vigil.k8saudit.store.StoreVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vigil audit serve}: real HTTPS round trips on 127.0.0.1 with a CA, server and client
 * certificates made by keytool in a temporary directory, and the JDK HttpClient as kube-apiserver.
 */
class AuditWebhookServeTest {
    @TempDir
    static Path pkiDir;
    static TestPki certs;
    static Path pki;
    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestPki.create(pkiDir);
        pki = pkiDir;
    }

    private static HttpClient client(String clientCert, String clientCa) throws Exception {
        return certs.client(clientCert, clientCa);
    }

    // ---- server under test ----

    record Served(AuditWebhook server, AuditStore store, Path dir, URI uri) {}

    /** Starts {@code vigil audit serve} with these extra options (parsed by picocli) on 127.0.0.1 and a free port. */
    private Served serve(long maxBody, String... options) throws Exception {
        Path dir = tmp.resolve("store");
        AuditServe cmd = new AuditServe();
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--store", dir.toString()));
        args.addAll(List.of(options));
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        AuditWebhook.Config c = cmd.config();
        if (maxBody > 0) {
            c = new AuditWebhook.Config(c.listen(), c.path(), c.tls(), c.clientCertRequired(), c.clientCertWanted(), c.tokenHash(), maxBody);
        }
        AuditStore store = AuditStore.open(dir, StoreOptions.defaults(), new AuditProtector());
        open.add(store);
        AuditWebhook server = new AuditWebhook(c, store);
        open.add(0, server);
        server.start();
        String scheme = c.tls() == null ? "http" : "https";
        return new Served(server, store, dir, URI.create(scheme + "://127.0.0.1:" + server.address().getPort() + c.path()));
    }

    private Served serveTls(String... options) throws Exception {
        List<String> a = new ArrayList<>(List.of("--tls-cert", pki.resolve("server-chain.pem").toString(), "--tls-key", pki.resolve("server.key").toString()));
        a.addAll(List.of(options));
        return serve(0, a.toArray(String[]::new));
    }

    private Path tokenFile(String token) throws IOException {
        Path f = tmp.resolve("token");
        Files.writeString(f, token + "\n");
        return f;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static HttpResponse<String> post(HttpClient client, URI uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static StoreVerifier.Report verify(Path dir) throws IOException {
        return StoreVerifier.verify(dir, StoreKeys.readPublic(dir.resolve(StoreKeys.PUBLIC_FILE)));
    }

    // ---- fixtures ----

    /** The falco trace-file fixture events (the one malformed file left out), as JSON texts. */
    static List<String> fixtureEvents() throws Exception {
        Path dir = AuditStoreCliTest.events().resolve("falco-trace-files");
        List<String> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        for (AuditEvent e : AuditEventParser.parse(line)) {
                            out.add(e.json());
                        }
                    } catch (AuditEventParser.AuditFormatException malformed) {
                        // fal_01_003.json: the malformed one, exercised by the ingest tests
                    }
                }
            }
        }
        assertThat(out).as("fixture events in %s", dir).hasSize(51);
        return out;
    }

    static String eventList(String apiVersion, List<String> items) {
        return "{\"kind\":\"EventList\",\"apiVersion\":\"" + apiVersion + "\",\"metadata\":{},\"items\":[" + String.join(",", items) + "]}";
    }

    // ---- tests ----

    @Test
    void tokenAuthStoresTheFixtureBatchDurablyOnceAndVerifies() throws Exception {
        Served s = serveTls("--token-file", tokenFile("s3cr3t-token").toString());
        HttpClient c = client(null, null);
        String batch = eventList("audit.k8s.io/v1", fixtureEvents());

        assertThat(post(c, s.uri(), null, batch).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = post(c, s.uri(), "s3cr3t-tokem", batch);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).contains("bearer token");

        HttpResponse<String> ok = post(c, s.uri(), "s3cr3t-token", batch);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("\"stored\":51,\"duplicates\":0");
        // durability: the server is still running and never closed the store; a separate reader sees the events
        StoreVerifier.Report r = verify(s.dir());
        assertThat(r.intact()).as(String.valueOf(r.problem())).isTrue();
        assertThat(r.records()).isEqualTo(51);

        // kube-apiserver re-sends a batch after a timeout: stored once
        HttpResponse<String> again = post(c, s.uri(), "s3cr3t-token", batch);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"stored\":0,\"duplicates\":51");
        assertThat(verify(s.dir()).records()).isEqualTo(51);
        assertThat(s.server().counters()).startsWith("batches 2, events stored 51, duplicates 51, protected 0, rejected 2")
                .contains("401 no credentials: 1", "403 bad token: 1");

        s.server().close();
        s.store().close();
        CliTest.Result v = CliTest.run("audit", "verify", s.dir().toString());
        assertThat(v.code()).as(v.out() + v.err()).isZero();
        assertThat(v.out()).contains("intact: 1 segments, 51 records (seq 1..51)");
    }

    @Test
    void v1beta1EventListIsAccepted() throws Exception {
        Served s = serveTls("--token-file", tokenFile("t").toString());
        HttpResponse<String> ok = post(client(null, null), s.uri(), "t", eventList("audit.k8s.io/v1beta1", fixtureEvents().subList(0, 3)));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(verify(s.dir()).records()).isEqualTo(3);
    }

    @Test
    void mutualTlsAcceptsTheClientCertificateOfTheCaOnly() throws Exception {
        Served s = serveTls("--client-ca", pki.resolve("ca.pem").toString());
        String batch = eventList("audit.k8s.io/v1", fixtureEvents().subList(0, 5));
        HttpResponse<String> ok = post(client("client", "ca"), s.uri(), null, batch);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("\"stored\":5");

        assertRefused(client(null, null), s.uri(), batch); // no client certificate
        assertRefused(client("rogue", "otherca"), s.uri(), batch); // signed by another CA
        assertThat(verify(s.dir()).records()).isEqualTo(5);
    }

    @Test
    void clientCaAndTokenTogetherAcceptEither() throws Exception {
        Served s = serveTls("--client-ca", pki.resolve("ca.pem").toString(), "--token-file", tokenFile("tok").toString());
        List<String> ev = fixtureEvents();
        assertThat(post(client("client", "ca"), s.uri(), null, eventList("audit.k8s.io/v1", ev.subList(0, 2))).statusCode()).isEqualTo(200);
        assertThat(post(client(null, null), s.uri(), "tok", eventList("audit.k8s.io/v1", ev.subList(2, 4))).statusCode()).isEqualTo(200);
        assertThat(post(client(null, null), s.uri(), null, eventList("audit.k8s.io/v1", ev.subList(4, 6))).statusCode()).isEqualTo(401);
        assertThat(verify(s.dir()).records()).isEqualTo(4);
    }

    /** The TLS handshake fails (or, at worst, a 401): nothing is stored. */
    private static void assertRefused(HttpClient c, URI uri, String body) throws Exception {
        try {
            HttpResponse<String> r = post(c, uri, null, body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        } catch (IOException expected) {
            // handshake_failure / bad_certificate / connection closed by the server
        }
    }

    @Test
    void malformedRequestsGetTheir4xxWithTheReason() throws Exception {
        Served s = serveTls("--token-file", tokenFile("t").toString());
        HttpClient c = client(null, null);
        String good = fixtureEvents().getFirst();
        assertStatus(post(c, s.uri(), "t", "this is not json"), 400, "not JSON");
        assertStatus(post(c, s.uri(), "t", "{\"kind\":\"EventList\",\"items\":[}"), 400, "not JSON");
        assertStatus(post(c, s.uri(), "t", ""), 400, "empty body");
        assertStatus(post(c, s.uri(), "t", good), 400, "not an EventList: kind is \"Event\"");
        assertStatus(post(c, s.uri(), "t", "[" + good + "]"), 400, "not an EventList: the body is a JSON array");
        assertStatus(post(c, s.uri(), "t", "{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":[]}"), 400, "apiVersion is \"v1\"");
        assertStatus(post(c, s.uri(), "t", "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\"}"), 400, "\"items\" is missing");
        assertStatus(post(c, s.uri(), "t", eventList("audit.k8s.io/v1", List.of(good, "42"))), 400, "bad event at index 1: ");
        assertStatus(post(c, s.uri(), "t", eventList("audit.k8s.io/v1", List.of(good, good, "{\"kind\":\"Event\",\"auditID\":\"x\"}"))),
                400, "bad event at index 2: the event has no stageTimestamp");
        HttpResponse<String> get = c.send(HttpRequest.newBuilder(s.uri()).header("Authorization", "Bearer t").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertStatus(get, 405, "method GET not allowed");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> text = c.send(HttpRequest.newBuilder(s.uri()).header("Authorization", "Bearer t").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(eventList("audit.k8s.io/v1", List.of(good)))).build(), HttpResponse.BodyHandlers.ofString());
        assertStatus(text, 415, "Content-Type text/plain is not JSON");
        assertStatus(post(c, s.uri().resolve("/elsewhere"), "t", eventList("audit.k8s.io/v1", List.of(good))), 404, "POSTed to /k8s-audit");
        // a batch rejected part-way stores nothing: kube-apiserver retries the whole batch
        assertThat(verify(s.dir()).records()).isZero();
        HttpResponse<String> health = c.send(HttpRequest.newBuilder(s.uri().resolve("/healthz")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertStatus(health, 200, "ok");
        assertThat(s.server().counters()).contains("400 not JSON: 3", "400 bad event: 2", "405 method: 1", "415 content type: 1");
    }

    private static void assertStatus(HttpResponse<String> r, int status, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains(reason);
    }

    @Test
    void aBatchAboveTenMebibytesIsAcceptedAndTheLimitAnswers413() throws Exception {
        Served s = serveTls("--token-file", tokenFile("t").toString());
        String template = fixtureEvents().getFirst();
        AuditEvent first = AuditEventParser.parse(template).getFirst();
        String pad = "x".repeat(6000);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            items.add(template.replace(first.auditId(), "big-" + i).replaceFirst("\\{", "{\"annotations\":{\"pad\":\"" + pad + "\"},"));
        }
        String batch = eventList("audit.k8s.io/v1", items);
        assertThat(batch.length()).isGreaterThan(10 * 1024 * 1024);
        HttpResponse<String> ok = post(client(null, null), s.uri(), "t", batch);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("\"stored\":2000,");
        assertThat(verify(s.dir()).records()).isEqualTo(2000);
    }

    /**
     * {@code ./vigil audit serve} runs with the heap its launcher gives it: three batches just under the
     * 64 MiB body limit, sent at once, are all stored (a child JVM with that heap and the launcher's GC).
     */
    @Test
    void theLaunchersHeapHoldsThreeBatchesNearTheBodyLimitAtOnce() throws Exception {
        java.util.regex.Matcher heap = java.util.regex.Pattern.compile("heap=(\\d+m) # the audit webhook")
                .matcher(Files.readString(Path.of("../../vigil")));
        assertThat(heap.find()).as("the launcher's heap for audit serve").isTrue();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-Xmx" + heap.group(1), "-cp", System.getProperty("java.class.path"), "dev.vigil.app.Main", "audit", "serve",
                "--listen", "127.0.0.1:0", "--store", tmp.resolve("big").toString(), "--plain-http", "--token-file",
                tokenFile("t").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            URI uri = null;
            while (uri == null && (line = out.readLine()) != null) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("serving the audit webhook on (http://\\S+)").matcher(line);
                if (m.find()) {
                    uri = URI.create(m.group(1));
                }
            }
            assertThat(uri).as("the server's address").isNotNull();
            Thread.ofPlatform().daemon().start(() -> { // keep its output flowing until it exits
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (IOException closed) {
                    // the process ended
                }
            });
            String template = fixtureEvents().getFirst();
            AuditEvent first = AuditEventParser.parse(template).getFirst();
            String pad = "x".repeat(65_000);
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int b = 0; b < 3; b++) {
                List<String> items = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    items.add(template.replace(first.auditId(), "big-" + b + "-" + i)
                            .replaceFirst("\\{", "{\"annotations\":{\"pad\":\"" + pad + "\"},"));
                }
                String batch = eventList("audit.k8s.io/v1", items);
                assertThat(batch.length()).isBetween(60 * 1024 * 1024, 64 * 1024 * 1024);
                replies.add(c.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer t")
                        .POST(HttpRequest.BodyPublishers.ofString(batch)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var r : replies) {
                HttpResponse<String> reply = r.get(180, TimeUnit.SECONDS);
                assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                assertThat(reply.body()).contains("\"stored\":1000,");
            }
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(verify(tmp.resolve("big")).records()).isEqualTo(3000);
    }

    @Test
    void metricsListenServesTheReceiversAndDetectionsCounters() throws Exception {
        Path rules = Path.of(System.getProperty("vigil.shared.dir", "../../../shared"), "fixtures/falco-rules/upstream/k8s_audit_rules.yaml");
        assertThat(rules).isRegularFile();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.vigil.app.Main", "audit", "serve",
                "--listen", "127.0.0.1:0", "--store", tmp.resolve("metrics").toString(), "--plain-http", "--token-file",
                tokenFile("t").toString(), "--metrics-listen", "127.0.0.1:0", "--rules", rules.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            URI webhook = null;
            URI metrics = null;
            String line;
            while ((webhook == null || metrics == null) && (line = out.readLine()) != null) {
                seen.append(line).append('\n');
                java.util.regex.Matcher w = java.util.regex.Pattern.compile("serving the audit webhook on (http://\\S+)").matcher(line);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("audit metrics at (http://\\S+)").matcher(line);
                if (w.find()) {
                    webhook = URI.create(w.group(1));
                }
                if (m.find()) {
                    metrics = URI.create(m.group(1));
                }
            }
            assertThat(webhook).as("the webhook's address in:%n%s", seen).isNotNull();
            assertThat(metrics).as("the metrics address in:%n%s", seen).isNotNull();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    out.transferTo(java.io.Writer.nullWriter());
                } catch (IOException closed) {
                    // the process ended
                }
            });
            HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String batch = eventList("audit.k8s.io/v1", fixtureEvents());
            assertThat(post(c, webhook, "t", batch).statusCode()).isEqualTo(200);
            assertThat(post(c, webhook, "t", batch).statusCode()).isEqualTo(200);
            assertThat(post(c, webhook, "wrong", batch).statusCode()).isEqualTo(403);
            HttpResponse<String> scrape = c.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("vigil_audit_webhook_batches_total 2", "vigil_audit_webhook_events_stored_total 51",
                    "vigil_audit_webhook_duplicates_total 51", "vigil_audit_webhook_rejected_total{reason=\"403 bad token\"} 1",
                    "vigil_audit_detection_events_total 51");
            assertThat(scrape.body()).containsPattern("(?m)^vigil_audit_detection_alerts_total [1-9]");
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aTakenMetricsPortEndsTheCommandBeforeServing() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CliTest.Result r = CliTest.run("audit", "serve", "--listen", "127.0.0.1:0", "--store", tmp.resolve("taken").toString(),
                    "--plain-http", "--token-file", tokenFile("t").toString(), "--metrics-listen", "127.0.0.1:" + taken.getLocalPort());
            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
            assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for metrics");
            assertThat(r.out()).doesNotContain("serving the audit webhook");
        }
    }

    @Test
    void theBodyLimitIsAtLeast64MebibytesAndAnswers413Above() throws Exception {
        AuditServe cmd = new AuditServe();
        new CommandLine(cmd).parseArgs("--listen", "127.0.0.1:0", "--store", tmp.resolve("x").toString(), "--plain-http", "--token-file",
                tokenFile("t").toString());
        assertThat(cmd.config().maxBody()).isEqualTo(64L * 1024 * 1024);
        CliTest.Result small = CliTest.run("audit", "serve", "--listen", "127.0.0.1:0", "--store", tmp.resolve("x").toString(),
                "--plain-http", "--token-file", tokenFile("t").toString(), "--max-body", "10");
        assertThat(small.code()).isEqualTo(2);
        assertThat(small.err()).contains("--max-body must be at least 64");

        Served s = serve(4096, "--plain-http", "--token-file", tokenFile("t").toString());
        String big = eventList("audit.k8s.io/v1", fixtureEvents());
        assertStatus(post(HttpClient.newHttpClient(), s.uri(), "t", big), 413, "larger than 4096 bytes");
    }

    @Test
    void plainHttpOnlyOnLoopback() throws Exception {
        Path token = tokenFile("t");
        CliTest.Result r = CliTest.run("audit", "serve", "--listen", "0.0.0.0:0", "--store", tmp.resolve("x").toString(),
                "--plain-http", "--token-file", token.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--plain-http is only allowed on a loopback address", "not 0.0.0.0");
        assertThat(tmp.resolve("x")).doesNotExist();

        CliTest.Result noTls = CliTest.run("audit", "serve", "--listen", "0.0.0.0:0", "--store", tmp.resolve("x").toString(),
                "--token-file", token.toString());
        assertThat(noTls.code()).isEqualTo(2);
        assertThat(noTls.err()).contains("--tls-cert and --tls-key are required");

        CliTest.Result noAuth = CliTest.run("audit", "serve", "--listen", "127.0.0.1:0", "--store", tmp.resolve("x").toString(),
                "--plain-http");
        assertThat(noAuth.code()).isEqualTo(2);
        assertThat(noAuth.err()).contains("--client-ca", "--token-file");

        Served s = serve(0, "--plain-http", "--token-file", token.toString());
        HttpResponse<String> ok = post(HttpClient.newHttpClient(), s.uri(), "t", eventList("audit.k8s.io/v1", fixtureEvents().subList(0, 2)));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }

    @Test
    void keyAndCertificateErrorsNameTheFile() throws Exception {
        Path token = tokenFile("t");
        Path pkcs1 = tmp.resolve("rsa.key");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        CliTest.Result r = CliTest.run("audit", "serve", "--listen", "127.0.0.1:0", "--store", tmp.resolve("x").toString(),
                "--token-file", token.toString(), "--tls-cert", pki.resolve("server-chain.pem").toString(), "--tls-key", pkcs1.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains(pkcs1 + " (--tls-key): a \"RSA PRIVATE KEY\" is not supported", "openssl pkcs8 -topk8");
        CliTest.Result missing = CliTest.run("audit", "serve", "--listen", "127.0.0.1:0", "--store", tmp.resolve("x").toString(),
                "--token-file", token.toString(), "--tls-cert", tmp.resolve("nope.pem").toString(), "--tls-key", pki.resolve("server.key").toString());
        assertThat(missing.err()).contains(tmp.resolve("nope.pem") + " (--tls-cert): no such file");
        CliTest.Result swapped = CliTest.run("audit", "serve", "--listen", "127.0.0.1:0", "--store", tmp.resolve("x").toString(),
                "--token-file", token.toString(), "--tls-cert", pki.resolve("server.key").toString(), "--tls-key", pki.resolve("server-chain.pem").toString());
        assertThat(swapped.err()).contains("(--tls-cert): no PEM certificate in it");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
