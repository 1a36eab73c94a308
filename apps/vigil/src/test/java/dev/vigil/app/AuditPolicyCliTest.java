package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.app.CliTest.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil audit policy validate|explain|lint}, end to end through {@link Main#execute}. */
class AuditPolicyCliTest {
    static Result run(String... args) {
        return CliTest.run(args);
    }

    static Path fixtures() {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize().resolve("fixtures/k8s-audit");
        assertThat(p.resolve("policies")).isDirectory();
        return p;
    }

    static String policy(String name) {
        return fixtures().resolve("policies").resolve(name).toString();
    }

    @Test
    void helpListsTheAuditPolicyCommands() {
        assertThat(run("--help").out()).contains("audit");
        assertThat(run("audit", "policy", "--help").out()).contains("validate", "explain", "lint");
    }

    @Test
    void validateAcceptsAValidPolicyAndPrintsItsWarnings() {
        Result r = run("audit", "policy", "validate", policy("openshift-writerequestbodies.yaml"));
        assertThat(r.code()).as(r.out()).isZero();
        String f = policy("openshift-writerequestbodies.yaml");
        assertThat(r.out()).startsWith(f + ": valid (5 rules)\n")
                .contains("  " + f + ":38:5: warning: rules[2].resources[4].resource: unknown field \"rules[2].resources[4].resource\" (")
                .contains("0 errors, 1 warnings")
                .contains("kube-apiserver would start, logging \"Audit policy contains errors, falling back to lenient decoding\"");
        assertThat(run("audit", "policy", "validate", policy("gce-default-audit-policy.yaml")).out()).contains("valid (17 rules)", "0 errors, 0 warnings");
    }

    @Test
    void validateRejectsAnInvalidPolicyWithPositionsAndKubeApiserversMessage() {
        String f = policy("invalid/bad-omitstage.yaml");
        Result r = run("audit", "policy", "validate", f);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(f + ": invalid",
                f + ":5:14: error: omitStages[0]: Invalid value: \"ResponseSent\": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic",
                f + ":8:16: error: rules[0].omitStages[0]: Invalid value: \"ResponseSent\"",
                "2 errors, 0 warnings",
                "kube-apiserver would refuse to start: loading audit policy file: [omitStages[0]: Invalid value:");
        Result old = run("audit", "policy", "validate", policy("invalid/old-version.yaml"));
        assertThat(old.code()).isEqualTo(1);
        assertThat(old.out()).contains("no kind \"Policy\" is registered for version \"audit.k8s.io/v1beta1\"", "removed in Kubernetes 1.24");
        assertThat(run("audit", "policy", "validate", "/nonexistent/policy.yaml").code()).isEqualTo(1);
    }

    @Test
    void explainPrintsExactJson() {
        String f = policy("docs-example-audit-policy.yaml");
        Result exec = run("audit", "policy", "explain", f, "--user", "alice", "--group", "system:authenticated", "--group", "dev",
                "--verb", "get", "--resource", "pods/exec", "--namespace", "default", "--name", "web-1", "-o", "json");
        assertThat(exec.code()).as(exec.err()).isZero();
        assertThat(exec.out()).isEqualTo("{\"rule\": 8, \"level\": \"Request\", \"omitStages\": [\"RequestReceived\"], "
                + "\"stages\": [\"ResponseStarted\", \"ResponseComplete\"]}\n");
        Result none = run("audit", "policy", "explain", f, "--user", "alice", "--group", "system:authenticated", "--verb", "get",
                "--path", "/apis", "-o", "json");
        assertThat(none.out()).isEqualTo("{\"rule\": 5, \"level\": \"None\", \"omitStages\": [\"RequestReceived\"], \"stages\": []}\n");
        Result failed = run("audit", "policy", "explain", f, "--failed-authn", "--verb", "list", "--resource", "pods", "-o", "json");
        assertThat(failed.out()).isEqualTo("{\"rule\": 1, \"level\": \"RequestResponse\", \"omitStages\": [\"RequestReceived\"], "
                + "\"stages\": [\"ResponseStarted\"]}\n");
        Result url = run("audit", "policy", "explain", f, "--user", "alice", "--method", "GET", "--path",
                "/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dcontroller-leader", "-o", "json");
        assertThat(url.out()).isEqualTo("{\"rule\": 3, \"level\": \"None\", \"omitStages\": [\"RequestReceived\"], \"stages\": []}\n");
    }

    @Test
    void explainNoMatchIsRuleNull(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  users: [bob]\n");
        Result r = run("audit", "policy", "explain", p.toString(), "--user", "alice", "--verb", "create", "--resource", "secrets",
                "--namespace", "default", "-o", "json");
        assertThat(r.out()).isEqualTo("{\"rule\": null, \"level\": \"None\", \"omitStages\": [], \"stages\": []}\n");
    }

    @Test
    void explainText() {
        String f = policy("docs-example-audit-policy.yaml");
        Result r = run("audit", "policy", "explain", f, "--user", "alice", "--group", "system:authenticated", "--verb", "get",
                "--resource", "pods/log", "--namespace", "default", "--name", "web-1");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("""
                request:           get pods/log (core group) name "web-1" in namespace "default" by user "alice" groups [system:authenticated]
                rule:              2 (line 15)
                level:             Metadata
                omitStages:        RequestReceived
                stages:            ResponseStarted, ResponseComplete
                omitManagedFields: false
                """);
    }

    @Test
    void explainUsageErrorsExitTwo() {
        String f = policy("docs-example-audit-policy.yaml");
        Result noUser = run("audit", "policy", "explain", f, "--verb", "get", "--resource", "pods");
        assertThat(noUser.code()).isEqualTo(2);
        assertThat(noUser.err()).contains("--user is required");
        Result both = run("audit", "policy", "explain", f, "--user", "a", "--verb", "get", "--resource", "pods", "--path", "/healthz");
        assertThat(both.code()).isEqualTo(2);
        Result resourcePath = run("audit", "policy", "explain", f, "--user", "a", "--verb", "get", "--path", "/api/v1/pods");
        assertThat(resourcePath.code()).isEqualTo(2);
        assertThat(resourcePath.err()).contains("resource path");
        assertThat(run("audit", "policy", "explain", f, "--user", "a", "--verb", "get", "--resource", "pods", "-o", "yaml").code()).isEqualTo(2);
        Result invalid = run("audit", "policy", "explain", policy("invalid/bad-level.yaml"), "--user", "a", "--verb", "get", "--resource", "pods");
        assertThat(invalid.code()).isEqualTo(1);
        assertThat(invalid.err()).contains("Unsupported value: \"Full\"");
    }

    @Test
    void lintExitsOneWhenASensitiveKindIsLoggedAboveMetadata() {
        String f = policy("edge/unknown-field-lenient.yaml");
        Result r = run("audit", "policy", "lint", f);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(f + ":12:3: error: [sensitive-above-metadata] secrets can be logged at RequestResponse by rule 2 (line 12)",
                "; e.g. get secrets (core group)", "3 errors, 0 warnings, 0 notes", "(some logged above Metadata)");
    }

    @Test
    void lintExitsZeroWhenSensitiveKindsStayAtMetadata() {
        String f = policy("edge/shadowed-secret-rule.yaml");
        Result r = run("audit", "policy", "lint", f);
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains(f + ":10:3: warning: [shadowed-rule] rule 2 (line 10) is dead", "(all at Metadata or below)");
        Result os = run("audit", "policy", "lint", policy("openshift-allrequestbodies.yaml"));
        assertThat(os.code()).isZero();
        assertThat(os.out()).contains("warning: rules[2].resources[4].resource: unknown field");
    }

    @Test
    void lintWithExtraSensitiveKindsAndFalcoRules() {
        String f = policy("audit2rbac-demo-policy.yaml");
        Result r = run("audit", "policy", "lint", f, "--sensitive", "configmaps", "--rules", fixtures().resolve("falco/k8s_audit_rules.yaml").toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("sensitive kinds checked: secrets, tokenreviews.authentication.k8s.io, serviceaccounts/token, configmaps",
                "48 k8s_audit rules: 28 can fire, 2 fire without the bodies they read, 13 cannot fire, 5 never fire by their own condition, 0 disabled",
                "  CANNOT FIRE: Attach/Exec Pod — needs the ResponseStarted stage",
                "  CANNOT FIRE: Create Privileged Pod — needs request bodies (level Request or higher)",
                "  never fires: All K8s Audit Events");
        Result bad = run("audit", "policy", "lint", f, "--sensitive", "a/b/c");
        assertThat(bad.code()).isEqualTo(2);
        Result invalid = run("audit", "policy", "lint", policy("invalid/zero-rules.yaml"));
        assertThat(invalid.code()).isEqualTo(1);
        assertThat(invalid.out()).contains("loaded illegal policy with 0 rules", "invalid policy, not linted");
    }
}
