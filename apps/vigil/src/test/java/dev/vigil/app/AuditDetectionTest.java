package dev.vigil.app;

import static dev.vigil.app.CliTest.run;
import static dev.vigil.app.ReplayK8sAuditTest.rules;
import static dev.vigil.app.ReplayK8sAuditTest.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.k8saudit.protect.AuditProtector;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.k8saudit.store.StoreOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** k8s_audit rules over the events Vigil stores, with alerts through the outputs. */
class AuditDetectionTest {
    @TempDir
    Path tmp;

    @Test
    void ingestRunsTheRulesOverStoredEventsAndDeliversTheAlerts() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Path log = tmp.resolve("audit.log");
            Files.writeString(log, String.join("\n", Files.readAllLines(trace("exec_pod.json")))
                    + "\n" + String.join("\n", Files.readAllLines(trace("create_nginx_pod_privileged.json"))) + "\n");
            String output = "webhook:name=hook,url=" + receiver.url("/hook");
            CliTest.Result r = run("audit", "ingest", "--store", tmp.resolve("store").toString(), "--rules", rules(),
                    "--no-spool", "--output", output, log.toString());
            assertThat(r.code()).as(r.err()).isZero();
            List<String> alerts = r.out().lines().filter(l -> l.startsWith("{")).toList();
            assertThat(alerts).hasSize(2);
            assertThat(String.join("\n", alerts)).contains("\"rule\":\"Attach/Exec Pod\"", "\"rule\":\"Create Privileged Pod\"");
            assertThat(receiver.requests()).as("delivered before exit").hasSize(2);
            assertThat(receiver.requests().getFirst().body()).contains("\"source\":\"k8s_audit\"", "\"uuid\":");
            assertThat(r.err()).contains("detection: 2 events evaluated, 2 alerts");

            // the same log again: duplicates are not stored, so no alert is raised twice
            CliTest.Result again = run("audit", "ingest", "--store", tmp.resolve("store").toString(), "--rules", rules(),
                    "--no-spool", "--output", output, log.toString());
            assertThat(again.out()).contains("duplicates 2").doesNotContain("\"rule\"");
            assertThat(receiver.requests()).hasSize(2);
        }
    }

    @Test
    void secretsAreJudgedAsStoredAtMetadataLevel() throws Exception {
        // a Secret created with its body logged (a policy logging secrets at Request level): the protector strips the
        // body before detection sees the event, so no alert can carry the secret's data
        String event = Files.readString(trace("create_kube_system_secret.json")).strip();
        String logged = event.replace("\"level\":\"Metadata\"", "\"level\":\"RequestResponse\"");
        String withBody = logged.substring(0, logged.length() - 1)
                + ",\"requestObject\":{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"data\":{\"token\":\"c2VjcmV0LXZhbHVl\"}}}";
        Path log = Files.writeString(tmp.resolve("secret.log"), withBody + "\n");
        Path rule = Files.writeString(tmp.resolve("secret-rule.yaml"), """
                - rule: Secret created
                  desc: any secret creation, with what the event says of its data
                  condition: ka.verb = create and ka.target.resource = secrets
                  output: secret created (name=%ka.target.name body=%jevt.value[/requestObject/data/token] level=%jevt.value[/level])
                  priority: WARNING
                  source: k8s_audit
                """);
        CliTest.Result r = run("audit", "ingest", "--store", tmp.resolve("store").toString(), "--rules", rule.toString(), log.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("protected 1");
        List<String> alerts = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertThat(alerts).singleElement().asString().contains("body=<NA>", "level=Metadata").doesNotContain("c2VjcmV0LXZhbHVl");
    }

    @Test
    void outputsWithoutRulesAreAMistake() {
        CliTest.Result r = run("audit", "ingest", "--store", tmp.resolve("store").toString(), "--no-spool", "--output", "stdout",
                trace("exec_pod.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("need --rules");
        CliTest.Result syscallOnly = run("audit", "ingest", "--store", tmp.resolve("store").toString(), "--rules",
                CliTest.repo().resolve("rules/vigil_rules.yaml").toString(), trace("exec_pod.json").toString());
        assertThat(syscallOnly.code()).isEqualTo(2);
        assertThat(syscallOnly.err()).contains("no enabled k8s_audit rule");
    }

    @Test
    void theWebhookReceiverRaisesAlertsForEachStoredBatch() throws Exception {
        try (Receiver receiver = new Receiver()) {
            AuditServe cmd = new AuditServe();
            new CommandLine(cmd).parseArgs("--listen", "127.0.0.1:0", "--store", tmp.resolve("store").toString(), "--plain-http",
                    "--token-file", Files.writeString(tmp.resolve("token"), "t0k\n").toString(), "--rules", rules(), "--no-spool",
                    "--output", "webhook:url=" + receiver.url("/hook"));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            AuditDetection.Detector detector = cmd.detection.start(new PrintWriter(out, true), new PrintWriter(err, true));
            try (AuditStore store = AuditStore.open(tmp.resolve("store"), StoreOptions.defaults(), new AuditProtector());
                    AuditWebhook server = new AuditWebhook(cmd.config(), store)) {
                server.afterStore(detector::detect);
                server.start();
                String event = String.join("", Files.readAllLines(trace("exec_pod.json")));
                String batch = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[" + event + "]}";
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + "/k8s-audit"))
                        .header("Authorization", "Bearer t0k").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(batch)).timeout(Duration.ofSeconds(30)).build();
                HttpResponse<String> resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
                assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
                assertThat(out.toString()).contains("\"rule\":\"Attach/Exec Pod\"");
                // a re-sent batch is stored once and alerts once
                HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
            } finally {
                detector.close();
            }
            assertThat(receiver.await(1, x -> true, 30_000)).hasSize(1);
            assertThat(detector.summary()).contains("1 events evaluated, 1 alerts");
        }
    }

    @Test
    void serveStopsOnSigtermWithItsCountersAndTheStoreIntact() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "t0k\n");
        Path store = tmp.resolve("store");
        try (ForwarderProcess serve = ForwarderProcess.auditServe(tmp, "--store", store.toString(), "--plain-http",
                "--token-file", token.toString(), "--rules", rules())) {
            String event = String.join("", Files.readAllLines(trace("exec_pod.json")));
            String batch = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[" + event + "]}";
            HttpRequest req = HttpRequest.newBuilder(serve.uri("/k8s-audit")).header("Authorization", "Bearer t0k")
                    .POST(HttpRequest.BodyPublishers.ofString(batch)).timeout(Duration.ofSeconds(30)).build();
            HttpClient c = HttpClient.newHttpClient();
            assertThat(c.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(c.send(req, HttpResponse.BodyHandlers.ofString()).body()).as("re-sent").contains("\"duplicates\":1");
            HttpRequest bad = HttpRequest.newBuilder(serve.uri("/k8s-audit")).POST(HttpRequest.BodyPublishers.ofString(batch)).build();
            assertThat(c.send(bad, HttpResponse.BodyHandlers.ofString()).statusCode()).as("no token").isEqualTo(401);

            assertThat(serve.stop()).as("exit code after SIGTERM").isZero();
            assertThat(serve.stdout()).contains("vigil: stopped: batches 2, events stored 1, duplicates 1, protected 0, rejected 1",
                    "\"rule\":\"Attach/Exec Pod\"");
            assertThat(serve.stderr()).contains("detection: 1 events evaluated, 1 alerts");
        }
        CliTest.Result verify = run("audit", "verify", store.toString());
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    }
}
