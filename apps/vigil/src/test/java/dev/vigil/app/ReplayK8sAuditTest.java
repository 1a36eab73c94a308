package dev.vigil.app;

import static dev.vigil.app.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil replay --source k8s_audit}: Falco's k8s audit rules over audit logs, end to end. */
class ReplayK8sAuditTest {
    static Path k8s(String relative) {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize()
                .resolve("fixtures/k8s-audit").resolve(relative);
        assertThat(p).exists();
        return p;
    }

    static String rules() {
        return k8s("falco/k8s_audit_rules.yaml").toString();
    }

    static Path trace(String name) {
        return k8s("events/falco-trace-files/" + name);
    }

    @Test
    void execIntoAPodGivesOneJsonAlert() {
        CliTest.Result r = run("replay", "--source", "k8s_audit", "--rules", rules(), trace("exec_pod.json").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines()).singleElement().asString()
                .contains("\"rule\":\"Attach/Exec Pod\"", "\"priority\":\"Notice\"", "\"source\":\"k8s_audit\"",
                        "\"ka.uri.param[command]\":\"bash\"", "\"ka.target.subresource\":\"exec\"",
                        "\"time\":\"2018-10-26T13:38:34.902914000Z\"");
        assertThat(r.err()).contains("vigil: 1 events, 1 alerts");
    }

    @Test
    void textAlertLine() {
        CliTest.Result r = run("replay", "--source", "k8s_audit", "--text", "--rules", rules(),
                trace("create_nginx_pod_privileged.json").toString());
        assertThat(r.out()).isEqualTo("2018-10-25T14:09:12.581541000+0000: Warning Pod started with privileged container "
                + "(user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-5cdcc99dbf-rgw6z "
                + "resource=pods ns=default images=(nginx) init_images=<NA> ephemeral_images=<NA>)\n");
    }

    @Test
    void aWholeLogWithAMalformedLineAndAPrettyPrintedEvent(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.list(k8s("events/falco-trace-files"))) {
            for (Path p : s.sorted().toList()) {
                if (!p.getFileName().toString().equals("fal_01_003.json")) {
                    Files.readAllLines(p).stream().filter(l -> !l.isBlank()).forEach(lines::add);
                }
            }
        }
        assertThat(lines).hasSize(51);
        lines.add(3, "{\"kind\": 0}");
        Path log = dir.resolve("audit.log");
        Files.write(log, lines);
        CliTest.Result r = run("replay", "--source", "k8s_audit", "--text", "--rules", rules(), log.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains(log + ":4: not a Kubernetes audit event", "vigil: 51 events, ", "1 malformed lines skipped");
        assertThat(r.out()).contains("Warning Pod started with privileged container", "Notice Attach/Exec to pod",
                "Informational K8s Secret Created", "Warning K8s configmap with private credential");

        // the same event pretty-printed over many lines, as one document
        String exec = Files.readString(trace("exec_pod.json"));
        Path pretty = dir.resolve("exec.json");
        Files.writeString(pretty, Json.indented(AuditEventParser.parse(exec).getFirst().root()) + "\n");
        assertThat(Files.readAllLines(pretty)).hasSizeGreaterThan(20);
        CliTest.Result p = run("replay", "--source", "k8s_audit", "--text", "-r", rules(), pretty.toString());
        assertThat(p.err()).contains("vigil: 1 events, 1 alerts");
        assertThat(p.out()).contains("Notice Attach/Exec to pod (user=minikube-user pod=nginx-deployment-7998647bdf-phvq7 "
                + "resource=pods ns=default action=exec command=bash)");
    }

    @Test
    void anUnknownSourceIsAUsageError() {
        CliTest.Result r = run("replay", "--source", "cloudtrail", "--rules", rules(), trace("exec_pod.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown --source 'cloudtrail'");
    }

    @Test
    void eventListsFromAWebhookBatch(@TempDir Path dir) throws IOException {
        String a = Files.readString(trace("create_secret.json")).strip();
        String b = Files.readString(trace("delete_secret.json")).strip();
        Path batch = dir.resolve("batch.json");
        Files.writeString(batch, "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[" + a + "," + b + "]}\n");
        CliTest.Result r = run("replay", "--source", "k8s_audit", "--text", "--rules", rules(), batch.toString());
        assertThat(r.out().lines()).containsExactly(
                "2020-04-21T17:57:05.548299000+0000: Informational K8s Secret Created (user=minikube-user secret=example-secret ns=default "
                        + "resource=secrets resp=201 decision=allow reason=)",
                "2020-04-21T17:58:49.696309000+0000: Informational K8s Secret Deleted (user=minikube-user secret=example-secret ns=default "
                        + "resource=secrets resp=200 decision=allow reason=)");
    }
}
