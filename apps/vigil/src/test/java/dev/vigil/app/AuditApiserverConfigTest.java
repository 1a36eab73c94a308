package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.app.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** {@code vigil audit apiserver-config} and the shipped recommended policy. */
class AuditApiserverConfigTest {
    @TempDir
    Path tmp;

    static Result run(String... args) {
        return CliTest.run(args);
    }

    static Path shipped() {
        Path p = Path.of("../../deploy/audit/vigil-audit-policy.yaml").toAbsolutePath().normalize();
        assertThat(p).isRegularFile();
        return p;
    }

    static Path rules() {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize()
                .resolve("fixtures/k8s-audit/falco/k8s_audit_rules.yaml");
        assertThat(p).isRegularFile();
        return p;
    }

    @Test
    void theBundledPolicyIsTheShippedOne() throws Exception {
        assertThat(AuditApiserverConfig.policy()).isEqualTo(Files.readString(shipped()));
    }

    @Test
    void shippedPolicyValidatesWithoutWarnings() {
        Result r = run("audit", "policy", "validate", shipped().toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains(": valid (", "0 errors, 0 warnings");
    }

    @Test
    void shippedPolicyLintsCleanAndTheImportantDetectionsCanFire() {
        Result r = run("audit", "policy", "lint", shipped().toString(), "--sensitive", "configmaps",
                "--sensitive", "certificatesigningrequests.certificates.k8s.io", "--rules", rules().toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("0 errors, 0 warnings, 0 notes", "(all at Metadata or below)", "42 can fire, 0 fire without the bodies they read, 1 cannot fire")
                // the deliberate trade-off: configmaps are sensitive, so the configmap-credentials rule gets no bodies
                .contains("CANNOT FIRE: Create/Modify Configmap With Private Credentials");
        for (String rule : List.of("Attach/Exec Pod", "port-forward", "Create Privileged Pod", "Create Sensitive Mount Pod", "Create HostNetwork Pod",
                "ClusterRole With Wildcard Created", "ClusterRole With Write Privileges Created", "ClusterRole With Pod Exec Created",
                "Attach to cluster-admin Role", "K8s Secret Created", "K8s Secret Deleted", "K8s Secret Get Successfully",
                "K8s Deployment Created", "K8s ClusterRoleBinding Created", "Create NodePort Service", "EphemeralContainers Created",
                "Anonymous Request Allowed")) {
            assertThat(r.out()).as(r.out()).containsPattern("\n  fires: " + java.util.regex.Pattern.quote(rule) + "( —.*)?\n");
        }
    }

    @Test
    void printsFlagsKubeconfigAndPolicy() throws Exception {
        Result r = run("audit", "apiserver-config", "--webhook-url", "https://vigil.example:9443");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("--audit-log-path=/var/log/kubernetes/audit/audit.log\n", "--audit-log-maxage=30\n", "--audit-log-maxbackup=10\n",
                "--audit-log-maxsize=100\n", "--audit-log-format=json\n", "--audit-policy-file=/etc/kubernetes/audit/vigil-audit-policy.yaml\n",
                "--audit-webhook-config-file=/etc/kubernetes/audit/vigil-webhook.kubeconfig\n", "--audit-webhook-mode=batch\n",
                "--audit-webhook-batch-max-size=400\n", "--audit-webhook-batch-max-wait=5s\n");
        int kc = r.out().indexOf("# /etc/kubernetes/audit/vigil-webhook.kubeconfig\n---\n");
        int pol = r.out().indexOf("# /etc/kubernetes/audit/vigil-audit-policy.yaml\n---\n");
        assertThat(kc).isPositive();
        assertThat(pol).isGreaterThan(kc);
        Map<?, ?> config = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(r.out().substring(kc, pol));
        assertKubeconfig(config, "https://vigil.example:9443/k8s-audit");
        assertThat(r.out().substring(pol)).endsWith(AuditApiserverConfig.policy());
    }

    @Test
    void writesKubeconfigAndPolicyFiles() throws Exception {
        Path kc = tmp.resolve("webhook.kubeconfig");
        Path pol = tmp.resolve("policy.yaml");
        Result r = run("audit", "apiserver-config", "--kubeconfig-out", kc.toString(), "--policy-out", pol.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("written to " + kc, "written to " + pol).doesNotContain("kind: Policy");
        assertKubeconfig((Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(kc)),
                "https://vigil.vigil-system.svc:8443/k8s-audit");
        assertThat(run("audit", "policy", "validate", pol.toString()).code()).isZero();
        Result bad = run("audit", "apiserver-config", "--webhook-url", "ftp://x");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--webhook-url");
    }

    static void assertKubeconfig(Map<?, ?> c, String server) {
        assertThat(c.get("apiVersion")).isEqualTo("v1");
        assertThat(c.get("kind")).isEqualTo("Config");
        assertThat(c.get("current-context")).isEqualTo("vigil");
        Map<?, ?> cluster = (Map<?, ?>) ((Map<?, ?>) ((List<?>) c.get("clusters")).getFirst()).get("cluster");
        assertThat(cluster.get("server")).isEqualTo(server);
        assertThat(cluster.get("certificate-authority")).isEqualTo("/etc/kubernetes/audit/vigil-ca.crt");
        Map<?, ?> ctx = (Map<?, ?>) ((Map<?, ?>) ((List<?>) c.get("contexts")).getFirst()).get("context");
        assertThat(ctx.get("cluster")).isEqualTo("vigil");
        assertThat(ctx.get("user")).isEqualTo("kube-apiserver");
        Map<?, ?> user = (Map<?, ?>) ((Map<?, ?>) ((List<?>) c.get("users")).getFirst()).get("user");
        assertThat(user.get("client-certificate")).isEqualTo("/etc/kubernetes/audit/apiserver-audit-client.crt");
        assertThat(user.get("client-key")).isEqualTo("/etc/kubernetes/audit/apiserver-audit-client.key");
    }
}
