package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil run --metrics-listen}: while the live agent runs, /metrics shows the events it
 * evaluated, the alerts of each rule and the outputs' counters (root and eBPF, like the other live tests).
 */
class RunMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void theLiveAgentServesItsCountersAndTheOutputsToPrometheus() throws Exception {
        assertThat(Files.readString(Path.of("/proc/self/status"))).as("must run as root (capture needs CAP_BPF+CAP_PERFMON)")
                .containsPattern("(?m)^Uid:\\s+0\\s");
        Path marker = Files.writeString(tmp.resolve("rm-marker"), "x");
        Path rules = Files.writeString(tmp.resolve("rules.yaml"), """
                - rule: RM marker open
                  desc: the test opens its marker file
                  condition: evt.type in (open, openat) and fd.name = %s
                  output: marker opened (%%fd.name)
                  priority: WARNING
                """.formatted(marker));
        Path out = tmp.resolve("alerts.jsonl");
        // the audit pipeline beside the agent: its receiver's counters are served too
        Path token = Files.writeString(tmp.resolve("audit.token"), "rm-token\n");
        Path config = Files.writeString(tmp.resolve("vigil.yaml"), """
                audit:
                  store: %s
                  serve:
                    listen: 127.0.0.1:0
                    tokenfile: %s
                    plainhttp: true
                """.formatted(tmp.resolve("audit"), token));
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.execute(new String[] {"run", "--rules",
                rules.toString(), "--metrics-listen", "127.0.0.1:0", "--duration", "12s", "--stats-interval", "1h", "--no-spool",
                "--output", "file:path=" + out, "--config", config.toString()}, new PrintWriter(new StringWriter()),
                new PrintWriter(err, true)));
        Pattern address = Pattern.compile("metrics at (http://\\S+/metrics)");
        LiveAgentTest.waitFor(() -> address.matcher(err.toString()).find() || run.isDone(), Duration.ofSeconds(30), err::toString);
        Matcher m = address.matcher(err.toString());
        assertThat(m.find()).as(err.toString()).isTrue();
        URI uri = URI.create(m.group(1));
        Matcher webhook = Pattern.compile("serving the audit webhook on (http://\\S+)").matcher(err.toString());
        assertThat(webhook.find()).as(err.toString()).isTrue();
        try (HttpClient client = HttpClient.newHttpClient()) {
            String batch = AuditWebhookServeTest.eventList("audit.k8s.io/v1", AuditWebhookServeTest.fixtureEvents().subList(0, 5));
            HttpResponse<String> stored = client.send(HttpRequest.newBuilder(URI.create(webhook.group(1)))
                    .header("Authorization", "Bearer rm-token").POST(HttpRequest.BodyPublishers.ofString(batch)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
            String[] last = {""};
            LiveAgentTest.waitFor(() -> {
                try {
                    // an open the rule sees, by another process (the agent ignores its own, this JVM)
                    new ProcessBuilder("cat", marker.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                    last[0] = r.statusCode() + "\n" + r.body();
                    return r.statusCode() == 200 && value(r.body(), "vigil_agent_rule_alerts_total\\{rule=\"RM marker open\"}") >= 1
                            && value(r.body(), "vigil_agent_alerts_total") >= 1 && value(r.body(), "vigil_agent_events_total") > 0
                            && value(r.body(), "vigil_output_delivered_total\\{output=\"file\",type=\"file\"}") >= 1;
                } catch (Exception e) {
                    last[0] = e.toString();
                    return false;
                }
            }, Duration.ofSeconds(20), () -> last[0]);
            String body = last[0];
            assertThat(value(body, "vigil_agent_events_total")).isPositive();
            assertThat(value(body, "vigil_agent_alerts_total")).isPositive();
            assertThat(value(body, "vigil_agent_rules_running")).as("%s%n%s", body, err).isEqualTo(1);
            assertThat(body).contains("# TYPE vigil_agent_kernel_drops_total counter", "vigil_forward_alerts_total");
            assertThat(value(body, "vigil_audit_webhook_events_stored_total")).isEqualTo(5);
            assertThat(value(body, "vigil_audit_webhook_batches_total")).isEqualTo(1);
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(uri.resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).isEqualTo("ok\n");
        }
        assertThat(run.get()).as(err.toString()).isZero();
        assertThat(Files.readString(out)).contains("RM marker open");
    }

    /** The value of the first sample matching {@code name} (a regex), or -1. */
    private static long value(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)").matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
