package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil scan} and {@code vigil admission manifests}, end to end through the command line. */
class ScanCommandTest {
    static final String BAD = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db, namespace: data}
            spec:
              template:
                spec:
                  containers:
                    - name: postgres
                      image: postgres:17
            """;
    static final String GOOD = """
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok"},
             "spec": {"containers": [{"name": "c", "image": "alpine",
               "securityContext": {"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false}}]}}
            """;

    @Test
    void directoriesFilesAndExitCodes(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("charts/db"));
        Files.writeString(dir.resolve("charts/db/statefulset.yaml"), BAD);
        Files.writeString(dir.resolve("charts/pod.json"), GOOD);
        Files.writeString(dir.resolve("charts/README.md"), "not scanned: " + BAD);
        CliTest.Result r = CliTest.run("scan", dir.resolve("charts").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out().lines()).containsExactly(
                dir.resolve("charts/db/statefulset.yaml") + ":8:11: error [readonly-root] StatefulSet data/db: container \"postgres\" (image "
                        + "postgres:17) does not set securityContext.readOnlyRootFilesystem: true",
                dir.resolve("charts/db/statefulset.yaml") + ":8:11: error [privilege-escalation] StatefulSet data/db: container \"postgres\" "
                        + "(image postgres:17) does not set securityContext.allowPrivilegeEscalation: false",
                "2 violations, 0 problems in 2 objects of 2 inputs");
        assertThat(CliTest.run("scan", dir.resolve("charts/pod.json").toString()).code()).isZero();
        assertThat(CliTest.run("scan", "--exempt-namespace", "data", dir.resolve("charts").toString()).code()).isZero();
        assertThat(CliTest.run("scan", "--check", "privileged,hostpath-writable", dir.resolve("charts").toString()).code()).isZero();
        CliTest.Result warn = CliTest.run("scan", "--mode", "warn", "--no-check", "privilege-escalation", dir.resolve("charts").toString());
        assertThat(warn.code()).isEqualTo(1);
        assertThat(warn.out()).contains(": warning [readonly-root]").doesNotContain("privilege-escalation]");
        Files.writeString(dir.resolve("broken.yaml"), "kind: Pod\nspec: [\n");
        CliTest.Result broken = CliTest.run("scan", dir.resolve("broken.yaml").toString());
        assertThat(broken.code()).isEqualTo(2);
        assertThat(broken.out()).contains("broken.yaml:3:1: problem (document 1): not valid YAML or JSON");
        assertThat(CliTest.run("scan", dir.resolve("missing.yaml").toString()).code()).isEqualTo(2);
        assertThat(CliTest.run("scan", "-o", "xml", dir.toString()).code()).isEqualTo(2);
    }

    @Test
    void standardInputAndSarif() throws Exception {
        ScanCommand cmd = new ScanCommand();
        cmd.stdin = new ByteArrayInputStream((BAD + "---\n" + GOOD).getBytes(StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out, true));
        int code = cl.execute("-o", "sarif", "-");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("\"version\" : \"2.1.0\"", "\"ruleId\" : \"VIGIL001\"", "\"uri\" : \"stdin\"", "\"startLine\" : 8");
    }

    @Test
    void manifestsPassTheirOwnScanAndCarryAWorkingCertificate(@TempDir Path dir) throws Exception {
        CliTest.Result m = CliTest.run("admission", "manifests", "--namespace", "sec", "--exempt-namespace", "kube-system",
                "--exempt-namespace", "monitoring", "--mode", "warn");
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.out()).contains("kind: ValidatingWebhookConfiguration", "kind: Service", "kind: Secret", "kind: Deployment",
                "caBundle:", "pods/ephemeralcontainers", "cronjobs", "admissionReviewVersions:", "sideEffects: None",
                "- monitoring", "- sec", "path: /validate");
        Path all = Files.writeString(dir.resolve("webhook.yaml"), m.out());
        CliTest.Result scan = CliTest.run("scan", all.toString());
        assertThat(scan.code()).as(scan.out()).isZero(); // the webhook's own Deployment is immutable

        // the Secret's key and chain serve TLS that a client trusting the caBundle accepts for the Service's name
        java.util.Map<String, Object> secret = null;
        for (Object doc : new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                .loadAllFromString(m.out())) {
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> d = (java.util.Map<String, Object>) doc;
            if ("Secret".equals(d.get("kind"))) {
                secret = d;
            }
        }
        assertThat(secret).isNotNull();
        @SuppressWarnings("unchecked")
        java.util.Map<String, String> data = (java.util.Map<String, String>) secret.get("data");
        java.util.Base64.Decoder b64 = java.util.Base64.getDecoder();
        Path crt = Files.write(dir.resolve("tls.crt"), b64.decode(data.get("tls.crt")));
        Path key = Files.write(dir.resolve("tls.key"), b64.decode(data.get("tls.key")));
        Path ca = Files.write(dir.resolve("ca.crt"), b64.decode(data.get("ca.crt")));
        assertThat(AuditWebhook.tls(crt, key, null)).isNotNull();
        var chain = AuditWebhook.readCertificates(crt, "tls.crt");
        var caCert = AuditWebhook.readCertificates(ca, "ca.crt").getFirst();
        chain.getFirst().verify(caCert.getPublicKey());
        assertThat(chain.getFirst().getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList())
                .containsExactly("vigil-admission.sec.svc", "vigil-admission.sec.svc.cluster.local");
        assertThat(m.out()).contains("caBundle: " + data.get("ca.crt"));

        CliTest.Result cm = CliTest.run("admission", "manifests", "--tls", "cert-manager", "--mode", "audit");
        assertThat(cm.out()).contains("cert-manager.io/inject-ca-from: vigil/vigil-admission", "kind: Certificate", "isCA: true",
                "sideEffects: NoneOnDryRun").doesNotContain("caBundle", "kind: Secret");
    }
}
