package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil admission serve}: real HTTPS round trips, plain HTTP only on loopback, audit-mode alerts through the outputs. */
class AdmissionServeTest {
    @TempDir
    static Path pkiDir;
    static TestPki certs;
    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final List<AdmissionCommands.Serve> serving = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestPki.create(pkiDir);
    }

    @AfterEach
    void stop() {
        serving.forEach(s -> s.stop.countDown());
        pool.close();
    }

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = AdmissionServeTest.class.getResourceAsStream("/admission/" + name + ".json")) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    record Running(AdmissionCommands.Serve serve, Future<Integer> exit, StringWriter out, StringWriter err, URI uri) {}

    /** Runs {@code vigil admission serve ARGS} on a free port and waits until it listens. */
    private Running serve(String... args) throws Exception {
        AdmissionCommands.Serve serve = new AdmissionCommands.Serve();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(serve);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Future<Integer> exit = pool.submit(() -> cl.execute(args));
        serving.add(serve);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (serve.running == null) {
            assertThat(System.nanoTime()).as("serving; err: %s", err).isLessThan(deadline);
            assertThat(exit.isDone()).as("exited early: %s", err).isFalse();
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // poll interval of the deadline loop
        }
        boolean https = !List.of(args).contains("--plain-http");
        return new Running(serve, exit, out, err, URI.create((https ? "https" : "http") + "://127.0.0.1:" + serve.running.address().getPort()));
    }

    private static HttpResponse<String> post(HttpClient client, URI uri, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri.resolve("/validate")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void httpsRoundTripAllowsAndDenies() throws Exception {
        Running r = serve("--listen", "127.0.0.1:0", "--tls-cert", pkiDir.resolve("server-chain.pem").toString(),
                "--tls-key", pkiDir.resolve("server.key").toString());
        HttpClient client = certs.client(null, null);
        HttpResponse<String> denied = post(client, r.uri(), fixture("deployment-denied"));
        assertThat(denied.statusCode()).isEqualTo(200);
        assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(denied.body()).contains("\"uid\":\"705ab4f5-6393-11e8-b7cc-42010a800004\"", "\"allowed\":false", "\"code\":403",
                "container \\\"sidecar\\\" (image registry.example/proxy:2) is privileged");
        HttpResponse<String> allowed = post(client, r.uri(), fixture("cronjob-allowed"));
        assertThat(allowed.body()).contains("\"allowed\":true").doesNotContain("status");
        HttpResponse<String> bad = post(client, r.uri(), "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(client.send(HttpRequest.newBuilder(r.uri().resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("ok\n");
        assertThat(client.send(HttpRequest.newBuilder(r.uri().resolve("/validate")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(405);
        r.serve().stop.countDown();
        assertThat(r.exit().get(30, TimeUnit.SECONDS)).isZero();
        assertThat(r.out().toString()).contains("admission webhook on https://127.0.0.1:", "mode enforce",
                "stopped: allowed 1, denied 1, alerts 0, bad requests 2");
    }

    @Test
    void plainHttpOnlyOnLoopbackAndTlsOtherwise() {
        CliTest.Result remote = CliTest.run("admission", "serve", "--listen", "0.0.0.0:0", "--plain-http");
        assertThat(remote.code()).isEqualTo(2);
        assertThat(remote.err()).contains("--plain-http is only allowed on a loopback address");
        CliTest.Result noTls = CliTest.run("admission", "serve", "--listen", "127.0.0.1:0");
        assertThat(noTls.code()).isEqualTo(2);
        assertThat(noTls.err()).contains("--tls-cert and --tls-key are required");
        CliTest.Result badMode = CliTest.run("admission", "serve", "--plain-http", "--listen", "127.0.0.1:0", "--mode", "strict");
        assertThat(badMode.err()).contains("unknown mode 'strict'");
        CliTest.Result badCheck = CliTest.run("admission", "serve", "--plain-http", "--listen", "127.0.0.1:0", "--no-check", "seccomp");
        assertThat(badCheck.err()).contains("--no-check: unknown check 'seccomp'");
    }

    @Test
    void auditModeAlertsThroughTheOutputsButNotOnDryRun() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Running r = serve("--listen", "127.0.0.1:0", "--plain-http", "--mode", "audit", "--no-spool",
                    "--output", "webhook:url=" + receiver.url("/alerts"));
            HttpClient client = HttpClient.newHttpClient();
            String dry = new String(fixture("pod-ephemeralcontainers-denied"), StandardCharsets.UTF_8).replace("\"dryRun\": false", "\"dryRun\": true");
            HttpResponse<String> dryAnswer = post(client, r.uri(), dry.getBytes(StandardCharsets.UTF_8));
            assertThat(dryAnswer.body()).contains("\"allowed\":true");
            HttpResponse<String> answer = post(client, r.uri(), fixture("pod-ephemeralcontainers-denied"));
            assertThat(answer.body()).contains("\"allowed\":true");
            List<Receiver.Request> got = receiver.await(2, q -> q.body().contains("Vigil admission"), 30_000);
            assertThat(got).hasSize(2);
            assertThat(got).extracting(Receiver.Request::body).anySatisfy(b -> assertThat(b).contains(
                    "\"rule\":\"Vigil admission: mutable root filesystem\"", "\"priority\":\"Warning\"", "\"source\":\"k8s_admission\"",
                    "\"k8s.ns.name\":\"shop\"", "\"ka.target.kind\":\"Pod\"", "\"ka.target.name\":\"web-debugged\"",
                    "\"container.name\":\"debugger\"", "\"container.image\":\"busybox:1.36\"", "\"ka.user.name\":\"alice@example.com\""));
            r.serve().stop.countDown();
            assertThat(r.exit().get(30, TimeUnit.SECONDS)).isZero();
            assertThat(receiver.requests()).hasSize(2); // the dry run sent none
            assertThat(r.out().toString()).contains("stopped: allowed 2, denied 0, alerts 1");
        }
    }

    @Test
    void policyFileMistakesNameTheLine() throws Exception {
        Path policy = java.nio.file.Files.writeString(tmp.resolve("p.yaml"), "mode: warn\nchecks: [readonly-root, nope]\n");
        CliTest.Result r = CliTest.run("admission", "serve", "--plain-http", "--listen", "127.0.0.1:0", "--policy", policy.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(policy + ":2:25: unknown check 'nope'");
    }
}
