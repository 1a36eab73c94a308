package dev.vigil.k8saudit.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Loading and validating policies as kube-apiserver does, plus Vigil's warnings. */
class PolicyLoaderTest {
    static final List<String> REAL = List.of("gce-default-audit-policy.yaml", "docs-example-audit-policy.yaml",
            "falco-k8saudit-audit-policy.yaml", "openshift-default.yaml", "openshift-writerequestbodies.yaml",
            "openshift-allrequestbodies.yaml", "openshift-none.yaml", "audit2rbac-demo-policy.yaml");

    static List<String> texts(PolicyLoadResult r) {
        return r.errors().stream().map(PolicyProblem::text).toList();
    }

    @Test
    void everyRealPolicyLoads() throws IOException {
        try (Stream<Path> s = Files.list(PolicyFixtures.dir().resolve("policies"))) {
            List<String> files = s.filter(p -> p.toString().endsWith(".yaml")).map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(files).containsExactlyInAnyOrderElementsOf(REAL);
        }
        Map<String, Integer> ruleCounts = Map.of("gce-default-audit-policy.yaml", 17, "docs-example-audit-policy.yaml", 9,
                "falco-k8saudit-audit-policy.yaml", 11, "openshift-default.yaml", 4, "openshift-writerequestbodies.yaml", 5,
                "openshift-allrequestbodies.yaml", 4, "openshift-none.yaml", 3, "audit2rbac-demo-policy.yaml", 1);
        for (String f : REAL) {
            PolicyLoadResult r = PolicyLoader.load(PolicyFixtures.policy(f));
            assertThat(r.valid()).as(f + ": " + r.problems()).isTrue();
            assertThat(r.apiserverError()).isNull();
            assertThat(r.policy().rules()).as(f).hasSize(ruleCounts.get(f));
            if (f.startsWith("openshift-writerequestbodies") || f.startsWith("openshift-allrequestbodies")) {
                // the upstream typo "resource:" for machineconfiguration.openshift.io
                assertThat(r.warnings()).hasSize(1);
                PolicyProblem w = r.warnings().getFirst();
                assertThat(w.path()).isEqualTo("rules[2].resources[4].resource");
                assertThat(w.message()).isEqualTo("unknown field \"rules[2].resources[4].resource\"");
                assertThat(w.apiserver()).isTrue();
                assertThat(w.position()).isEqualTo(new Position(38, 5));
                assertThat(w.hint()).contains("did you mean \"resources\"?", "EVERY resource and subresource of group \"machineconfiguration.openshift.io\"");
            } else {
                assertThat(r.warnings()).as(f).isEmpty();
            }
        }
        Policy os = PolicyFixtures.load("openshift-default.yaml");
        assertThat(os.omitManagedFields()).isTrue();
        assertThat(os.omitStages()).containsExactly(Stage.RequestReceived);
        Policy gce = PolicyFixtures.load("gce-default-audit-policy.yaml");
        assertThat(gce.rule(14).resources().get(1)).isEqualTo(new GroupResources("authentication.k8s.io", List.of("tokenreviews"), List.of(),
                new Position(113, 9)));
    }

    /** The error each invalid fixture's header names, as kube-apiserver prints it (full text). */
    static final Map<String, List<String>> INVALID = Map.ofEntries(
            Map.entry("bad-level.yaml", List.of(
                    "rules[0].level: Unsupported value: \"Full\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"")),
            Map.entry("bad-omitstage.yaml", List.of(
                    "omitStages[0]: Invalid value: \"ResponseSent\": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic",
                    "rules[0].omitStages[0]: Invalid value: \"ResponseSent\": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic")),
            Map.entry("group-with-version.yaml", List.of(
                    "rules[0].resources.group: Invalid value: \"apps/v1\": " + PolicyLoader.DNS1123_SUBDOMAIN_MESSAGE)),
            Map.entry("missing-level.yaml", List.of("rules[0].level: Required value")),
            Map.entry("namespaces-and-nonresource.yaml", List.of(
                    "rules[0].nonResourceURLs: Invalid value: [\"/metrics\"]: rules cannot apply to both regular resources and non-resource URLs")),
            Map.entry("nonresource-inner-star.yaml", List.of(
                    "rules[0].nonResourceURLs[0]: Invalid value: \"/api/*/foo\": non-resource URL wildcards '*' must be the final character of the rule")),
            Map.entry("nonresource-no-slash.yaml", List.of(
                    "rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' character")),
            Map.entry("old-version.yaml", List.of(
                    "failed decoding: no kind \"Policy\" is registered for version \"audit.k8s.io/v1beta1\" in scheme \"k8s.io/apiserver/pkg/audit/scheme.go:30\"")),
            Map.entry("resourcenames-without-resources.yaml", List.of(
                    "rules[0].resources.resourceNames: Invalid value: [\"x\"]: using resourceNames requires at least one resource")),
            Map.entry("resources-and-nonresource.yaml", List.of(
                    "rules[0].nonResourceURLs: Invalid value: [\"/metrics\"]: rules cannot apply to both regular resources and non-resource URLs")),
            Map.entry("zero-rules.yaml", List.of("loaded illegal policy with 0 rules")));

    @TestFactory
    Stream<DynamicTest> everyInvalidPolicyIsRejectedWithTheErrorItsHeaderNames() throws IOException {
        Path dir = PolicyFixtures.dir().resolve("policies/invalid");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.sorted().toList();
            assertThat(files.stream().map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(INVALID.keySet());
            return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
                PolicyLoadResult r = PolicyLoader.load(p);
                assertThat(r.valid()).isFalse();
                assertThat(r.policy()).isNull();
                assertThat(texts(r)).containsExactlyElementsOf(INVALID.get(p.getFileName().toString()));
                assertThat(r.errors()).allSatisfy(e -> {
                    assertThat(e.apiserver()).isTrue();
                    assertThat(e.position().known()).isTrue();
                });
                // the header's own wording, where it spells out the text: every fragment around "..." appears in order
                String header = Files.readAllLines(p).getFirst();
                String expect = header.substring(header.indexOf("expect:") + "expect:".length()).strip();
                if (expect.contains(": ") && !expect.startsWith("same") && !expect.startsWith("decode")) {
                    String joined = String.join("\n", texts(r));
                    int at = 0;
                    for (String fragment : expect.replace("\"loaded", "loaded").split("\\.\\.\\.")) {
                        String f = fragment.strip();
                        if (f.isEmpty()) {
                            continue;
                        }
                        int found = joined.indexOf(f, at);
                        assertThat(found).as("header fragment <" + f + "> in " + joined).isGreaterThanOrEqualTo(0);
                        at = found + f.length();
                    }
                }
                assertThat(r.apiserverError()).startsWith("loading audit policy file: ").endsWith(": from file " + p);
            }));
        }
    }

    @Test
    void apiserverErrorAggregatesFieldErrorsAsGoDoes() {
        PolicyLoadResult r = PolicyLoader.load(PolicyFixtures.policy("invalid/bad-omitstage.yaml"));
        assertThat(r.apiserverError()).isEqualTo("loading audit policy file: [" + String.join(", ", texts(r)) + "]: from file "
                + PolicyFixtures.policy("invalid/bad-omitstage.yaml"));
        assertThat(r.errors().get(0).position()).isEqualTo(new Position(5, 14));
        assertThat(r.errors().get(1).position()).isEqualTo(new Position(8, 16));
    }

    @Test
    void v1beta1IsRejectedAsCurrentKubeApiserverDoesAndTheHintSaysSo() {
        PolicyLoadResult r = PolicyLoader.load(PolicyFixtures.policy("invalid/old-version.yaml"));
        PolicyProblem e = r.errors().getFirst();
        assertThat(e.hint()).contains("kube-apiserver refuses to start", "removed in Kubernetes 1.24", "audit.k8s.io/v1");
        assertThat(e.position()).isEqualTo(new Position(2, 13));
        assertThat(PolicyLoader.load("apiVersion: audit.k8s.io/v1alpha1\nkind: Policy\nrules: [{level: None}]\n", "a.yaml").errors().getFirst().message())
                .contains("\"audit.k8s.io/v1alpha1\"");
    }

    @Test
    void edgePoliciesAreAcceptedWithTheirWarnings() {
        PolicyLoadResult lenient = PolicyLoader.load(PolicyFixtures.policy("edge/unknown-field-lenient.yaml"));
        assertThat(lenient.valid()).isTrue();
        assertThat(lenient.warnings()).singleElement().satisfies(w -> {
            assertThat(w.text()).isEqualTo("rules[0].resources[0].resource: unknown field \"rules[0].resources[0].resource\"");
            assertThat(w.position()).isEqualTo(new Position(11, 5));
            assertThat(w.hint()).contains("falling back to lenient decoding", "did you mean \"resources\"?");
        });
        // the lenient decode drops the field: the entry has only its group, so it matches every resource of the group
        GroupResources gr = lenient.policy().rule(1).resources().getFirst();
        assertThat(gr.resources()).isEmpty();
        assertThat(new PolicyChecker(lenient.policy()).check(RequestAttributes.resource("u", List.of(), "get",
                "machineconfiguration.openshift.io", "controllerconfigs", "status", "", "x")).rule()).isEqualTo(1);

        PolicyLoadResult star = PolicyLoader.load(PolicyFixtures.policy("edge/star-slash-star-matches-nothing.yaml"));
        assertThat(star.valid()).isTrue();
        assertThat(star.warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("rules[0].resources[0].resources[0]");
            assertThat(w.message()).isEqualTo("resource \"*/*\" never matches a request");
            assertThat(w.apiserver()).isFalse();
            assertThat(w.position()).isEqualTo(new Position(9, 17));
        });

        PolicyLoadResult shadowed = PolicyLoader.load(PolicyFixtures.policy("edge/shadowed-secret-rule.yaml"));
        assertThat(shadowed.valid()).isTrue();
        assertThat(shadowed.warnings()).isEmpty(); // the linter reports it (PolicyLinterTest)
    }

    static PolicyLoadResult load(String yaml) {
        return PolicyLoader.load(yaml, "t.yaml");
    }

    @Test
    void yaml11ScalarsAreBooleansAndNumbersAsInKubeApiserver() {
        PolicyLoadResult r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  namespaces: [no, \"yes\"]\n");
        assertThat(r.valid()).isFalse();
        assertThat(texts(r)).containsExactly(
                "failed decoding: json: cannot unmarshal bool into Go struct field PolicyRule.rules.namespaces of type string");
        assertThat(r.errors().getFirst().position()).isEqualTo(new Position(5, 16));
        assertThat(r.errors().getFirst().hint()).contains("rules[0].namespaces[0]", "quote it");

        r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: 1\n");
        assertThat(texts(r)).containsExactly("failed decoding: json: cannot unmarshal number into Go struct field PolicyRule.rules.level of type v1.Level");

        r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitManagedFields: yes\nrules:\n- level: Metadata\n  omitManagedFields: off\n");
        assertThat(r.valid()).isTrue();
        assertThat(r.policy().omitManagedFields()).isTrue();
        assertThat(r.policy().rule(1).omitManagedFields()).isFalse();

        r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nomitManagedFields: \"true\"\nrules:\n- level: Metadata\n");
        assertThat(texts(r)).containsExactly("failed decoding: json: cannot unmarshal string into Go struct field Policy.omitManagedFields of type bool");

        r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  users: alice\n");
        assertThat(texts(r)).containsExactly("failed decoding: json: cannot unmarshal string into Go struct field PolicyRule.rules.users of type []string");

        r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: {level: None}\n");
        assertThat(texts(r)).containsExactly("failed decoding: json: cannot unmarshal object into Go struct field Policy.rules of type []v1.PolicyRule");
    }

    @Test
    void duplicateAndUnknownFieldsAreWarningsAndTheLastDuplicateWins() {
        PolicyLoadResult r = load("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: RequestResponse
                  level: None
                  verb: [get]
                  resources:
                  - group: ""
                    resources: [pods]
                    resourceName: [x]
                """);
        assertThat(r.valid()).isTrue();
        assertThat(r.policy().rule(1).level()).isEqualTo(Level.None);
        assertThat(r.warnings()).extracting(PolicyProblem::text).containsExactly(
                "rules[0].level: duplicate field \"level\"",
                "rules[0].verb: unknown field \"rules[0].verb\"",
                "rules[0].resources[0].resourceName: unknown field \"rules[0].resources[0].resourceName\"");
        assertThat(r.warnings().get(0).position()).isEqualTo(new Position(5, 3));
        assertThat(r.warnings().get(1).hint()).contains("did you mean \"verbs\"?", "matches anything");
        assertThat(r.warnings().get(2).hint()).contains("did you mean \"resourceNames\"?");
    }

    @Test
    void jsonPoliciesLoad() {
        PolicyLoadResult r = load("""
                {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"],
                 "rules": [{"level": "Metadata", "resources": [{"group": "", "resources": ["secrets"]}]},
                           {"level": "Request", "levle": "x"}]}
                """);
        assertThat(r.valid()).isTrue();
        assertThat(r.policy().rules()).hasSize(2);
        assertThat(r.warnings()).extracting(PolicyProblem::path).containsExactly("rules[1].levle");
        assertThat(r.warnings().getFirst().position()).isEqualTo(new Position(3, 33));
    }

    @Test
    void versionKindAndDocumentShape() {
        assertThat(texts(load(""))).containsExactly("unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
        assertThat(texts(load("# only a comment\n"))).containsExactly("unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
        assertThat(texts(load("kind: Policy\nrules: [{level: None}]\n")))
                .containsExactly("unknown group version field audit.k8s.io/__internal, Kind=Policy in policy");
        assertThat(texts(load("apiVersion: v1\nkind: Policy\nrules: [{level: None}]\n"))).containsExactly(
                "failed decoding: no kind \"Policy\" is registered for version \"v1\" in scheme \"k8s.io/apiserver/pkg/audit/scheme.go:30\"");
        assertThat(texts(load("apiVersion: audit.k8s.io/v1\nkind: Polcy\nrules: [{level: None}]\n"))).containsExactly(
                "failed decoding: no kind \"Polcy\" is registered for version \"audit.k8s.io/v1\" in scheme \"k8s.io/apiserver/pkg/audit/scheme.go:30\"");
        assertThat(texts(load("apiVersion: audit.k8s.io/v1\nkind: Event\nrules: [{level: None}]\n")))
                .containsExactly("failed decoding: converting (v1.Event) to (audit.Policy): unknown conversion");
        assertThat(texts(load("- level: None\n")).getFirst()).startsWith("failed decoding: couldn't get version/kind; json parse error");
        assertThat(texts(load("apiVersion: a/b/c\n"))).containsExactly("failed decoding: unexpected GroupVersion string: a/b/c");
        // kind defaults to Policy
        PolicyLoadResult noKind = load("apiVersion: audit.k8s.io/v1\nrules: [{level: None}]\n");
        assertThat(noKind.valid()).isTrue();
        assertThat(noKind.warnings()).extracting(PolicyProblem::path).containsExactly("kind");
        // a typo of "rules" leaves none
        PolicyLoadResult typo = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrule:\n- level: None\n");
        assertThat(texts(typo)).containsExactly("loaded illegal policy with 0 rules");
        assertThat(typo.warnings()).extracting(PolicyProblem::text).containsExactly("rule: unknown field \"rule\"");
    }

    @Test
    void severalDocumentsAreRefusedThoughKubeApiserverReadsOnlyTheFirst() {
        PolicyLoadResult r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None}]\n---\napiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]\n");
        assertThat(r.valid()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.apiserver()).isFalse();
            assertThat(e.message()).contains("2 YAML documents");
            assertThat(e.hint()).contains("only the first document");
            assertThat(e.position().line()).isEqualTo(5);
        });
        assertThat(r.apiserverError()).isNull();
    }

    @Test
    void yamlSyntaxErrorsAndGarbageNeverThrow() {
        PolicyLoadResult r = load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [a, b\n");
        assertThat(r.valid()).isFalse();
        assertThat(r.errors().getFirst().message()).startsWith("failed decoding: error converting YAML to JSON: yaml: line ");
        assertThat(r.errors().getFirst().position().known()).isTrue();
        String deep = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
        String bomb = "apiVersion: audit.k8s.io/v1\nkind: Policy\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                + "rules: [{level: None}]\n";
        for (String junk : List.of(deep, "\t\t:", "{", "[[[[", "\u0000\u0001", "apiVersion: [1, 2]", "rules: !!binary AAAA", "? [a]\n: b\n",
                "a: &x [*x]", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- [1]\n- level: None\n  resources: [1]\n")) {
            PolicyLoadResult j = load(junk);
            assertThat(j.valid()).as(junk).isFalse();
            assertThat(j.errors()).as(junk).isNotEmpty();
        }
        assertThat(load(bomb)).isNotNull();
    }

    @Test
    void unreadableFilesAreReportedAsKubeApiserverDoes(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        PolicyLoadResult r = PolicyLoader.load(missing);
        assertThat(texts(r)).containsExactly("failed to read file path \"" + missing + "\": open " + missing + ": no such file or directory");
        assertThat(r.apiserverError()).isEqualTo("loading audit policy file: failed to read file path \"" + missing + "\": open " + missing
                + ": no such file or directory");
        assertThat(PolicyLoader.load(dir).valid()).isFalse();
    }

    @Test
    void acceptedButSurprisingValuesAreWarnedAbout() {
        PolicyLoadResult r = load("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: None
                  verbs: [gets, GET, impersonate, "*", watch]
                  resources:
                  - group: "*"
                    resources: ["*/*", "pods/log/x", Pods, "pods/*", "*/exec", "*"]
                  - group: ""
                    resources: [configmaps]
                    resourceNames: [leader]
                - level: None
                  verbs: [create]
                  resources:
                  - group: ""
                    resources: [configmaps]
                    resourceNames: [leader]
                - level: Metadata
                  nonResourceURLs: ["/healthz?verbose"]
                """);
        assertThat(r.valid()).isTrue();
        assertThat(r.warnings()).extracting(PolicyProblem::path).containsExactly(
                "rules[0].verbs[0]", "rules[0].verbs[1]", "rules[0].verbs[2]", "rules[0].verbs[3]",
                "rules[0].resources[0].group", "rules[0].resources[0].resources[0]", "rules[0].resources[0].resources[1]",
                "rules[0].resources[0].resources[2]", "rules[1].verbs[0]", "rules[2].nonResourceURLs[0]");
        assertThat(r.warnings().get(0).hint()).contains("did you mean \"get\"?");
        assertThat(r.warnings().get(1).hint()).contains("case-sensitively");
        assertThat(r.warnings().get(2).hint()).contains("authorization (RBAC) verb");
        assertThat(r.warnings().get(3).hint()).contains("no verb wildcard");
        assertThat(r.warnings().get(4).message()).contains("1.36");
        assertThat(r.warnings().get(8).message()).isEqualTo("verb \"create\" never matches this rule's resourceNames");
        assertThat(r.warnings()).noneMatch(PolicyProblem::apiserver);
    }
}
