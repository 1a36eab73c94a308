package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil forward} end to end: a real process serving Falcosidekick's input contract, real
 * HTTP deliveries to a local receiver, outages, SIGKILL with spooled alerts, dead letters, routing.
 */
class ForwardCommandTest {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Receiver receiver;
    private ForwarderProcess forwarder;

    static String alert(String rule, String priority, String ns) {
        return """
                {"hostname":"node-1","output":"10:00:00.000000000: %s shell in container (ns=%s)","priority":"%s","rule":"%s",\
                "source":"syscall","tags":["container","shell"],"time":"2026-11-26T10:00:00.123456789Z",\
                "output_fields":{"container.id":"abc123","k8s.ns.name":"%s","proc.cmdline":"sh -i","evt.num":42}}"""
                .formatted(priority, ns, priority, rule, ns);
    }

    private HttpResponse<String> post(URI uri, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The metrics once they contain {@code line} (the counters follow the destination's answer closely, not at once). */
    private String awaitMetrics(String line) throws Exception {
        return awaitMetrics(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(line)));
    }

    /** The metrics once {@code pattern} is found in them, or the last ones after 30 s. */
    private String awaitMetrics(java.util.regex.Pattern pattern) throws Exception {
        long end = System.nanoTime() + 30_000_000_000L;
        String m = get(forwarder.uri("/metrics")).body();
        while (!pattern.matcher(m).find() && System.nanoTime() < end) {
            Thread.sleep(20); // poll interval of a deadline loop
            m = get(forwarder.uri("/metrics")).body();
        }
        return m;
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void servesFalcosidekicksInputContract() throws Exception {
        receiver = new Receiver();
        forwarder = ForwarderProcess.start(tmp, "--spool", tmp.resolve("spool").toString(),
                "--output", "webhook:name=hook,url=" + receiver.url("/hook"));

        HttpResponse<String> ok = post(forwarder.uri("/"), alert("Terminal shell in container", "Warning", "payments"), null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEmpty();
        List<Receiver.Request> got = receiver.await(1, r -> r.path().equals("/hook"), 30_000);
        assertThat(got).hasSize(1);
        String body = got.getFirst().body();
        assertThat(body).contains("\"rule\":\"Terminal shell in container\"", "\"priority\":\"Warning\"",
                "\"k8s.ns.name\":\"payments\"", "\"evt.num\":42");
        assertThat(body).containsPattern("\"uuid\":\"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\"");

        HttpResponse<String> bad = post(forwarder.uri("/"), "{\"rule\":\"x\",\"priority\":\"loud\",\"time\":\"2026-11-26T10:00:00Z\","
                + "\"output_fields\":{\"a\":1}}", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("Please send a valid request body", "unknown \"priority\" 'loud'");
        assertThat(post(forwarder.uri("/"), "{not json", null).statusCode()).isEqualTo(400);
        assertThat(post(forwarder.uri("/"), "", null).body()).contains("empty body");
        String noFields = "{\"rule\":\"x\",\"priority\":\"Error\",\"time\":\"2026-11-26T10:00:00Z\",\"output_fields\":{}}";
        assertThat(post(forwarder.uri("/"), noFields, null).body()).contains("output_fields");
        assertThat(get(forwarder.uri("/")).statusCode()).as("GET /").isEqualTo(405);

        assertThat(get(forwarder.uri("/ping")).body()).isEqualTo("pong\n");
        HttpResponse<String> health = get(forwarder.uri("/healthz"));
        assertThat(health.body()).contains("\"status\": \"ok\"");
        assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");

        assertThat(post(forwarder.uri("/test"), "", null).statusCode()).isEqualTo(200);
        assertThat(receiver.await(1, r -> r.body().contains("\"rule\":\"Test rule\""), 30_000)).hasSize(1);

        String metrics = awaitMetrics("vigil_output_delivered_total{output=\"hook\",type=\"webhook\"} 2");
        assertThat(metrics).contains("# TYPE vigil_forward_requests_total counter")
                .containsPattern("vigil_forward_requests_total\\{status=\"accepted\"} 1\\b")
                .containsPattern("vigil_forward_requests_total\\{status=\"invalid\"} [4-9]\\b")
                .containsPattern("vigil_output_delivered_total\\{output=\"hook\",type=\"webhook\"} 2\\b");
        assertThat(forwarder.stop()).as("exit code after SIGTERM").isZero();
        assertThat(forwarder.stderr()).contains("vigil: stopped:");
    }

    @Test
    void tokenAndMutualTls() throws Exception {
        receiver = new Receiver();
        TestPki pki = TestPki.create(Files.createDirectories(tmp.resolve("pki")));
        Path token = Files.writeString(tmp.resolve("token"), "s3cret\n");
        forwarder = ForwarderProcess.start(tmp, "--no-spool", "--output", "webhook:url=" + receiver.url("/hook"),
                "--tls-cert", pki.dir().resolve("server-chain.pem").toString(), "--tls-key", pki.dir().resolve("server.key").toString(),
                "--client-ca", pki.dir().resolve("ca.pem").toString(), "--token-file", token.toString());
        URI root = forwarder.uri("/");
        assertThat(root.getScheme()).isEqualTo("https");
        HttpClient good = pki.client("client", "ca");
        String a = alert("Terminal shell in container", "Warning", "payments");
        HttpRequest.Builder req = HttpRequest.newBuilder(root).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(a));
        assertThat(good.send(req.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("no token").isEqualTo(401);
        assertThat(good.send(req.copy().header("Authorization", "Bearer wrong").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("wrong token").isEqualTo(403);
        assertThat(good.send(req.copy().header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(good.send(HttpRequest.newBuilder(forwarder.uri("/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("probes need no token").isEqualTo(200);
        HttpClient rogue = pki.client("rogue", "otherca");
        assertThat(sendFails(rogue, req.copy().header("Authorization", "Bearer s3cret").build()))
                .as("a client certificate from another CA fails the handshake").isTrue();
        assertThat(receiver.await(1, r -> true, 30_000)).hasSize(1);
    }

    private static boolean sendFails(HttpClient c, HttpRequest r) {
        try {
            c.send(r, HttpResponse.BodyHandlers.ofString());
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    @Test
    void routesByMinimumPriorityAndFilter() throws Exception {
        receiver = new Receiver();
        forwarder = ForwarderProcess.start(tmp, "--no-spool",
                "--output", "webhook:name=payments,url=" + receiver.url("/payments")
                        + ",filter=output_fields[k8s.ns.name] = payments and tags intersects (shell)",
                "--output", "webhook:name=critical,minimumpriority=critical,url=" + receiver.url("/critical"));
        post(forwarder.uri("/"), alert("R1", "Warning", "payments"), null);
        post(forwarder.uri("/"), alert("R2", "Critical", "billing"), null);
        post(forwarder.uri("/"), alert("R3", "Critical", "payments"), null);
        List<Receiver.Request> payments = receiver.await(2, r -> r.path().equals("/payments"), 30_000);
        List<Receiver.Request> critical = receiver.await(2, r -> r.path().equals("/critical"), 30_000);
        assertThat(payments).extracting(r -> rule(r.body())).containsExactlyInAnyOrder("R1", "R3");
        assertThat(critical).extracting(r -> rule(r.body())).containsExactlyInAnyOrder("R2", "R3");
        assertThat(forwarder.stop()).isZero();
        assertThat(receiver.requests()).hasSize(4);
    }

    private static String rule(String body) {
        Matcher m = Pattern.compile("\"rule\":\"([^\"]*)\"").matcher(body);
        return m.find() ? m.group(1) : null;
    }

    private static String uuid(String body) {
        Matcher m = Pattern.compile("\"uuid\":\"([^\"]*)\"").matcher(body);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void destinationDownThenSigkillThenRestartLosesNothing() throws Exception {
        receiver = new Receiver();
        receiver.answer(503);
        Path spool = tmp.resolve("spool");
        String output = "webhook:name=hook,retry.initial=50ms,retry.max=200ms,url=" + receiver.url("/hook");
        forwarder = ForwarderProcess.start(tmp, "--spool", spool.toString(), "--output", output);
        int n = 50;
        for (int i = 0; i < n; i++) {
            assertThat(post(forwarder.uri("/"), alert("R" + i, "Error", "payments"), null).statusCode()).isEqualTo(200);
        }
        // accepted means spooled: SIGKILL now, with the destination still down (and refusing)
        assertThat(get(forwarder.uri("/metrics")).body())
                .containsPattern("vigil_output_spooled_total\\{output=\"hook\",type=\"webhook\"} " + n + "\\b");
        assertThat(awaitMetrics(java.util.regex.Pattern.compile("vigil_output_retried_total\\{output=\"hook\",type=\"webhook\"} [1-9]")))
                .containsPattern("vigil_output_retried_total\\{output=\"hook\",type=\"webhook\"} [1-9]");
        forwarder.kill();
        assertThat(receiver.requests()).isEmpty();

        receiver.answer(200);
        forwarder = ForwarderProcess.start(tmp, "--spool", spool.toString(), "--output", output);
        List<Receiver.Request> got = receiver.await(n, r -> true, 60_000);
        Set<String> rules = new HashSet<>();
        got.forEach(r -> rules.add(rule(r.body())));
        assertThat(rules).as("every alert accepted before the SIGKILL").hasSize(n);
        assertThat(got).allSatisfy(r -> assertThat(uuid(r.body())).isNotNull());
        assertThat(forwarder.stop()).isZero();
    }

    @Test
    void refusedAlertsGoToTheDeadLetterFileWithTheReason() throws Exception {
        receiver = new Receiver();
        receiver.answer(400);
        Path spool = tmp.resolve("spool");
        forwarder = ForwarderProcess.start(tmp, "--spool", spool.toString(), "--output", "webhook:name=hook,url=" + receiver.url("/hook"));
        post(forwarder.uri("/"), alert("Refused", "Error", "payments"), null);
        Path dead = spool.resolve("hook").resolve("deadletter.jsonl");
        long end = System.nanoTime() + 30_000_000_000L;
        while ((!Files.exists(dead) || Files.readString(dead).isBlank()) && System.nanoTime() < end) {
            Thread.sleep(20); // poll interval of a deadline loop
        }
        String line = Files.readString(dead);
        assertThat(line).contains("\"output\":\"hook\"", "HTTP 400", "\"rule\":\"Refused\"");
        assertThat(awaitMetrics("vigil_output_deadlettered_total{output=\"hook\",type=\"webhook\"} 1"))
                .containsPattern("vigil_output_deadlettered_total\\{output=\"hook\",type=\"webhook\"} 1\\b");
    }

    @Test
    void aFullMemoryQueueIsAnsweredWith503NotASilentDrop() throws Exception {
        receiver = new Receiver();
        receiver.answer(503);
        forwarder = ForwarderProcess.start(tmp, "--no-spool", "--output", "webhook:name=hook,queue=2,url=" + receiver.url("/hook"));
        int ok = 0;
        int unavailable = 0;
        for (int i = 0; i < 20; i++) {
            int code = post(forwarder.uri("/"), alert("R" + i, "Error", "payments"), null).statusCode();
            if (code == 200) {
                ok++;
            } else if (code == 503) {
                unavailable++;
            }
        }
        assertThat(ok + unavailable).isEqualTo(20);
        assertThat(ok).as("the worker's batch and the queue").isBetween(1, 4);
        String metrics = awaitMetrics("vigil_forward_requests_total{status=\"unavailable\"} " + unavailable);
        assertThat(metrics).containsPattern("vigil_output_dropped_total\\{output=\"hook\",type=\"webhook\",reason=\"queue_full\"} " + unavailable);
    }

    @Test
    void configurationMistakesAreNamed() {
        CliTest.Result unknownType = CliTest.run("forward", "--no-spool", "--output", "slak:webhookurl=http://x/");
        assertThat(unknownType.code()).isEqualTo(2);
        assertThat(unknownType.err()).contains("unknown type 'slak'", "slack");
        CliTest.Result unknownKey = CliTest.run("forward", "--no-spool", "--output", "webhook:url=http://127.0.0.1:9/,ur1=x");
        assertThat(unknownKey.code()).isEqualTo(2);
        assertThat(unknownKey.err()).contains("output 'webhook'", "ur1");
        CliTest.Result badFilter = CliTest.run("forward", "--no-spool", "--output", "webhook:url=http://127.0.0.1:9/,filter=rule = = x");
        assertThat(badFilter.code()).isEqualTo(2);
        assertThat(badFilter.err()).contains("output 'webhook'", "filter", "column");
        CliTest.Result none = CliTest.run("forward", "--no-spool");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no outputs");
        CliTest.Result list = CliTest.run("forward", "--list-outputs");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("slack", "opensearch", "kafka", "webhook", "minimumpriority");
    }

    @Test
    void theAgentDeliversItsAlertsThroughTheSameOutputs() throws Exception {
        receiver = new Receiver();
        CliTest.Result r = CliTest.run("run", "--demo", "--json", "--no-spool", "--output", "webhook:name=hook,url=" + receiver.url("/hook"));
        assertThat(r.code()).as(r.err()).isZero();
        long printed = r.out().lines().filter(l -> l.startsWith("{")).count();
        assertThat(printed).isPositive();
        assertThat(receiver.requests()).as("close() delivers what was queued").hasSize((int) printed);
        assertThat(r.err()).contains("alerts also go to hook (webhook)");
    }
}
