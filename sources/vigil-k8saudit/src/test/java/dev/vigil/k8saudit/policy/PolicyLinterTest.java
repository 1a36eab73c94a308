package dev.vigil.k8saudit.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.k8saudit.policy.DetectionRequirements.Status;
import dev.vigil.k8saudit.policy.PolicyLinter.Finding;
import dev.vigil.k8saudit.policy.PolicyLinter.Severity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The linter's findings on the fixtures, and which Falco rules can fire under them. */
class PolicyLinterTest {
    static List<Finding> lint(Policy p, String... extraSensitive) {
        PolicyLinter.Options o = PolicyLinter.Options.defaults().with(List.of(extraSensitive).stream().map(SensitiveKind::parse).toList());
        return PolicyLinter.lint(p, o).findings();
    }

    static List<Finding> code(List<Finding> fs, String code) {
        return fs.stream().filter(f -> f.code().equals(code)).toList();
    }

    @Test
    void gceDefaultPolicyKeepsSecretBodiesOutButOneRuleIsAboveMetadataForDeletecollection() {
        List<Finding> fs = lint(PolicyFixtures.load("gce-default-audit-policy.yaml"));
        List<Finding> sensitive = code(fs, PolicyLinter.SENSITIVE);
        // The Metadata rule for secrets/configmaps/tokens (14) comes before the broad Request (15) and RequestResponse (16)
        // rules, so those never see them. But rule 13 (namespace-controller, deletecollection, no resource selector) comes
        // first: a deletecollection of secrets by it is logged at Request. Its body is DeleteOptions, so no credential is
        // recorded: a warning, not an error.
        assertThat(sensitive).hasSize(3).allSatisfy(f -> {
            assertThat(f.rule()).isEqualTo(13);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("(verbs deletecollection)", "this level records no ", "content, but it is above Metadata");
            assertThat(f.example()).startsWith("deletecollection ").contains("system:serviceaccount:kube-system:namespace-controller");
        });
        assertThat(sensitive).extracting(Finding::message).anyMatch(m -> m.startsWith("secrets can be logged at Request by rule 13 (line 101)"));
        assertThat(PolicyLinter.lint(PolicyFixtures.load("gce-default-audit-policy.yaml"), PolicyLinter.Options.defaults()).sensitiveLeak()).isTrue();
        assertThat(code(fs, PolicyLinter.SHADOWED)).isEmpty();
        assertThat(code(fs, PolicyLinter.NEVER_MATCHES)).isEmpty();
        assertThat(code(fs, PolicyLinter.PREFIX_WILDCARD)).extracting(Finding::rule).containsExactly(9, 9);
    }

    @Test
    void openShiftPoliciesKeepSensitiveKindsAtMetadata() {
        for (String f : List.of("openshift-default.yaml", "openshift-writerequestbodies.yaml", "openshift-allrequestbodies.yaml",
                "openshift-none.yaml", "audit2rbac-demo-policy.yaml")) {
            PolicyLinter.Report r = PolicyLinter.lint(PolicyFixtures.load(f), PolicyLinter.Options.defaults());
            assertThat(r.sensitiveLeak()).as(f).isFalse();
            assertThat(code(r.findings(), PolicyLinter.SHADOWED)).as(f).isEmpty();
        }
    }

    @Test
    void bodiesOfSensitiveKindsAreErrorsWithRuleAndExample() {
        // the lenient-decoding typo leaves rule 1 for machineconfiguration only, so everything else reaches the RequestResponse catch-all
        List<Finding> fs = code(lint(PolicyFixtures.load("edge/unknown-field-lenient.yaml")), PolicyLinter.SENSITIVE);
        assertThat(fs).hasSize(3).allSatisfy(f -> {
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.rule()).isEqualTo(2);
            assertThat(f.position()).isEqualTo(new Position(12, 3));
        });
        Map<String, Finding> byKind = fs.stream().collect(Collectors.toMap(f -> f.message().substring(0, f.message().indexOf(' ')), Function.identity()));
        assertThat(byKind.get("secrets").message()).contains("records secret data");
        assertThat(byKind.get("secrets").example()).isEqualTo("get secrets (core group) name \"example\" in namespace \"default\" by user \"jane\" groups [system:authenticated]");
        assertThat(byKind.get("tokenreviews.authentication.k8s.io").example()).startsWith("create tokenreviews (group authentication.k8s.io)");
        assertThat(byKind.get("serviceaccounts/token").message()).contains("the issued service-account token");

        // configmaps as an extra sensitive kind: the Falco sample policy logs them at RequestResponse (rule 8)
        List<Finding> cm = code(lint(PolicyFixtures.load("falco-k8saudit-audit-policy.yaml"), "configmaps"), PolicyLinter.SENSITIVE).stream()
                .filter(f -> f.message().startsWith("configmaps ")).toList();
        assertThat(cm).extracting(Finding::rule).containsExactly(7, 8);
        assertThat(cm.get(0).message()).startsWith("configmaps can be logged at Request by rule 7");
        assertThat(cm.get(0).example()).contains("in namespace \"kube-system\"");
        assertThat(cm.get(1).severity()).isEqualTo(Severity.ERROR);
    }

    @Test
    void docsExampleLogsTokenRequestsAtRequestLevelWithoutTheToken() {
        List<Finding> fs = code(lint(PolicyFixtures.load("docs-example-audit-policy.yaml")), PolicyLinter.SENSITIVE);
        assertThat(fs).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(8);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).startsWith("serviceaccounts/token can be logged at Request by rule 8");
        });
    }

    @Test
    void shadowedAndDeadRules() {
        List<Finding> shadowed = lint(PolicyFixtures.load("edge/shadowed-secret-rule.yaml"));
        assertThat(code(shadowed, PolicyLinter.SHADOWED)).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(2);
            assertThat(f.message()).contains("matched first by rule 1 (line 6)");
            assertThat(f.example()).endsWith("goes to rule 1 (line 6)");
        });
        assertThat(code(shadowed, PolicyLinter.SENSITIVE)).isEmpty();

        List<Finding> star = lint(PolicyFixtures.load("edge/star-slash-star-matches-nothing.yaml"));
        assertThat(code(star, PolicyLinter.NEVER_MATCHES)).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(1);
            assertThat(f.message()).contains("*/*");
        });

        Policy p = PolicyFixtures.parse("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: Metadata
                  userGroups: [system:authenticated]
                - level: None
                  verbs: [gets]
                - level: Request
                  users: [alice]
                - level: None
                  userGroups: [system:unauthenticated]
                - level: Metadata
                - level: None
                  nonResourceURLs: [/healthz]
                """);
        List<Finding> fs = lint(p);
        assertThat(code(fs, PolicyLinter.NEVER_MATCHES)).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(2);
            assertThat(f.message()).contains("none of its verbs [gets] is a request verb");
        });
        assertThat(code(fs, PolicyLinter.SHADOWED)).extracting(Finding::rule).containsExactly(6);
        assertThat(code(fs, PolicyLinter.SHADOWED).getFirst().message()).contains("rule 5");
    }

    @Test
    void surprisingForms() {
        Policy p = PolicyFixtures.parse("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: Metadata
                  verbs: [create]
                  resources: [{group: "", resources: [pods/exec, pods/attach]}]
                - level: Request
                  resources: [{group: "", resources: ["deployments/*"]}]
                - level: None
                  nonResourceURLs: ["/healthz*", "/readyz/*"]
                """);
        List<Finding> fs = lint(p);
        assertThat(code(fs, PolicyLinter.WEBSOCKET_EXEC)).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(1);
            assertThat(f.message()).contains("pods/attach, pods/exec", "websockets");
        });
        assertThat(code(fs, PolicyLinter.SUBRESOURCE_WILDCARD)).singleElement().satisfies(f -> assertThat(f.message()).contains("plain \"deployments\""));
        assertThat(code(fs, PolicyLinter.PREFIX_WILDCARD)).singleElement().satisfies(f -> assertThat(f.message()).contains("\"/healthzs\""));
    }

    // ---- Falco detection rules

    static Map<String, DetectionRequirements.Result> detections(String policy) {
        Path rules = PolicyFixtures.dir().resolve("falco/k8s_audit_rules.yaml");
        DetectionRequirements.Report r = DetectionRequirements.check(PolicyFixtures.load(policy), List.of(rules));
        assertThat(r.loadErrors()).isEmpty();
        assertThat(r.results()).hasSize(48);
        return r.results().stream().collect(Collectors.toMap(DetectionRequirements.Result::rule, Function.identity()));
    }

    static final List<String> DISABLED_BY_MACRO = List.of("Create Disallowed Pod", "All K8s Audit Events", "Full K8s Administrative Access",
            "Untrusted Node Successfully Joined the Cluster", "Untrusted Node Unsuccessfully Tried to Join the Cluster");

    @Test
    void docsExamplePolicyStarvesTheRbacBodyRules() {
        Map<String, DetectionRequirements.Result> d = detections("docs-example-audit-policy.yaml");
        for (String r : DISABLED_BY_MACRO) {
            assertThat(d.get(r).status()).as(r).isEqualTo(Status.NEVER_FIRES);
        }
        for (String r : List.of("Attach to cluster-admin Role", "ClusterRole With Wildcard Created", "ClusterRole With Write Privileges Created",
                "ClusterRole With Pod Exec Created")) {
            assertThat(d.get(r).status()).as(r).isEqualTo(Status.CANNOT_FIRE);
            assertThat(d.get(r).reason()).as(r).contains("needs request bodies (level Request or higher)", "at Metadata (rule 9");
        }
        assertThat(d.get("Ingress Object without TLS Certificate Created").status()).isEqualTo(Status.FIRES_WITHOUT_BODIES);
        assertThat(d.get("Ingress Object without TLS Certificate Created").reason()).contains("jevt.value[/requestObject/spec/tls]");
        assertThat(d.get("Create Privileged Pod").status()).isEqualTo(Status.FIRES);
        assertThat(d.get("Create Privileged Pod").example()).contains("create pods", "rule 1, level RequestResponse");
        assertThat(d.get("Attach/Exec Pod").status()).isEqualTo(Status.FIRES);
        assertThat(d.get("Attach/Exec Pod").example()).contains("pods/exec", "stage ResponseStarted");
        assertThat(d.get("port-forward").reason()).contains("one alert per emitted stage ([ResponseStarted, ResponseComplete])");
        assertThat(d.values().stream().filter(x -> x.status() == Status.FIRES).count()).isEqualTo(38);
    }

    @Test
    void metadataOnlyPolicyWithoutResponseStartedLosesExecAndBodyRules() {
        Map<String, DetectionRequirements.Result> d = detections("audit2rbac-demo-policy.yaml");
        assertThat(d.get("Attach/Exec Pod").status()).isEqualTo(Status.CANNOT_FIRE);
        assertThat(d.get("Attach/Exec Pod").reason()).startsWith("needs the ResponseStarted stage").contains("omitStages [RequestReceived, ResponseStarted, Panic]");
        assertThat(d.get("Create Privileged Pod").status()).isEqualTo(Status.CANNOT_FIRE);
        assertThat(d.get("Create Privileged Pod").reason()).contains("needs request bodies");
        assertThat(d.get("Anonymous Request Allowed").status()).isEqualTo(Status.CANNOT_FIRE);
        assertThat(d.get("Anonymous Request Allowed").reason()).contains("not audited", "system:anonymous");
        assertThat(d.get("Pod Created in Kube Namespace").status()).isEqualTo(Status.FIRES_WITHOUT_BODIES);
        assertThat(d.get("K8s Secret Created").status()).isEqualTo(Status.FIRES);
    }

    @Test
    void gceDefaultPolicyFeedsEveryEnabledRule() {
        Map<String, DetectionRequirements.Result> d = detections("gce-default-audit-policy.yaml");
        for (DetectionRequirements.Result r : d.values()) {
            Status want = DISABLED_BY_MACRO.contains(r.rule()) ? Status.NEVER_FIRES
                    : r.rule().equals("Create/Modify Configmap With Private Credentials") ? Status.CANNOT_FIRE : Status.FIRES;
            assertThat(r.status()).as(r.rule() + ": " + r.reason()).isEqualTo(want);
        }
        // configmaps are kept at Metadata (rule 14), so the credentials-in-configmap rule never sees their data
        assertThat(d.get("Create/Modify Configmap With Private Credentials").reason()).contains("at Metadata (rule 14 (line 109)");
    }

    @Test
    void aPolicyThatLogsNothingStarvesEveryRule() {
        Map<String, DetectionRequirements.Result> d = detections("openshift-none.yaml");
        assertThat(d.values()).allSatisfy(r -> assertThat(r.status()).isIn(Status.CANNOT_FIRE, Status.NEVER_FIRES));
        assertThat(d.get("K8s Secret Created").reason()).contains("not audited", "level None");
    }

    @Test
    void brokenRulesFilesAreReportedNotThrown() {
        DetectionRequirements.Report r = DetectionRequirements.check(PolicyFixtures.load("gce-default-audit-policy.yaml"),
                List.of(PolicyFixtures.dir().resolve("no-such-rules.yaml")));
        assertThat(r.loadErrors()).isNotEmpty();
        assertThat(r.results()).isEmpty();
    }
}
