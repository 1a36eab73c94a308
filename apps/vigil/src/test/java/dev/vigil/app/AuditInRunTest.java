package dev.vigil.app;

import static dev.vigil.app.ReplayK8sAuditTest.rules;
import static dev.vigil.app.ReplayK8sAuditTest.trace;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `vigil run --config` with an audit section: the live agent, the audit webhook and a followed
 * audit log in one process, the k8s_audit alerts delivered through the agent's outputs. Needs
 * what `vigil run` needs (root, eBPF), as in CI.
 */
class AuditInRunTest {
    @TempDir
    Path tmp;

    @Test
    void theAgentRunsTheAuditPipelineFromItsConfigFile() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.writeString(tmp.resolve("audit.log"), Files.readString(trace("exec_pod.json")).strip() + "\n");
        Path token = Files.writeString(tmp.resolve("token"), "t0k\n");
        try (Receiver receiver = new Receiver()) {
            Path config = Files.writeString(tmp.resolve("vigil.yaml"), """
                    spool: %s
                    customfields: {cluster: test}
                    outputs:
                      - type: webhook
                        name: hook
                        url: %s
                        filter: source = k8s_audit
                    audit:
                      store: %s
                      rules: [%s]
                      serve: {listen: "127.0.0.1:%d", plainhttp: true, tokenfile: %s}
                      follow: {log: %s, pollinterval: 100ms}
                    """.formatted(tmp.resolve("spool"), receiver.url("/hook"), tmp.resolve("store"), rules(), port, token, log));
            CompletableFuture<CliTest.Result> run = CompletableFuture.supplyAsync(
                    () -> CliTest.run("run", "--config", config.toString(), "--duration", "8s", "--stats-interval", "1h"));

            // the followed log's event arrives on its own; post a privileged pod to the webhook once it listens
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!listening(port) && !run.isDone() && System.nanoTime() < end) {
                Thread.sleep(20); // poll interval of a deadline loop
            }
            assertThat(run.isDone()).as("vigil run ended early: %s", run.isDone() ? run.get().err() : "").isFalse();
            String event = Files.readString(trace("create_nginx_pod_privileged.json")).strip();
            HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/k8s-audit")).header("Authorization", "Bearer t0k")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":["
                            + event + "]}")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);

            List<Receiver.Request> got = receiver.await(2, r -> true, 30_000);
            assertThat(got).extracting(Receiver.Request::body).anySatisfy(b -> assertThat(b).contains("\"rule\":\"Attach/Exec Pod\""))
                    .anySatisfy(b -> assertThat(b).contains("\"rule\":\"Create Privileged Pod\""))
                    .allSatisfy(b -> assertThat(b).contains("\"source\":\"k8s_audit\"", "\"cluster\":\"test\""));

            CliTest.Result r = run.get(60, TimeUnit.SECONDS);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("serving the audit webhook on http://127.0.0.1:" + port, "following the audit log",
                    "audit webhook stopped: batches 1, events stored 1", "audit detection: 2 events evaluated, 2 alerts");
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
