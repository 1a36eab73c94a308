package dev.vigil.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * AdmissionReview fixtures for every supported kind, allowed and denied. Each fixture is first read
 * through the Kubernetes object model (fabric8), which also computes the violations independently
 * from typed fields; the webhook's answer must agree and is itself read back as an AdmissionReview.
 */
class AdmissionReviewsTest {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    static Stream<String> fixtures() {
        return Stream.of("pod", "deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob", "pod-ephemeralcontainers")
                .flatMap(k -> Stream.of(k + "-allowed", k + "-denied"));
    }

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = AdmissionReviewsTest.class.getResourceAsStream("/admission/" + name + ".json")) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static AdmissionReviews reviews(Mode mode) {
        AdmissionPolicy d = AdmissionPolicy.defaults();
        return new AdmissionReviews(new AdmissionPolicy(mode, d.checks(), d.exemptNamespaces(), d.exemptImages(), d.exemptionKey()));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyKindAllowedAndDeniedAsTheObjectModelSays(String name) throws IOException {
        byte[] body = fixture(name);
        AdmissionReview in = MAPPER.readValue(body, AdmissionReview.class);
        KubernetesResource object = MAPPER.convertValue(in.getRequest().getObject(), typed(in.getRequest().getKind().getKind()));
        boolean ephemeral = "ephemeralcontainers".equals(in.getRequest().getSubResource());
        Set<String> expected = violations(podSpec(object), ephemeral);
        assertThat(expected.isEmpty()).as("fixture %s agrees with its name", name).isEqualTo(name.endsWith("-allowed"));

        AdmissionReviews.Reply reply = reviews(Mode.ENFORCE).review(body);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.verdict().evaluation().findings().stream().map(f -> f.check().id() + ":" + f.container()))
                .containsExactlyInAnyOrderElementsOf(expected);
        AdmissionReview out = MAPPER.readValue(reply.body(), AdmissionReview.class);
        assertThat(out.getApiVersion()).isEqualTo("admission.k8s.io/v1");
        assertThat(out.getKind()).isEqualTo("AdmissionReview");
        assertThat(out.getResponse().getUid()).isEqualTo(in.getRequest().getUid());
        assertThat(out.getResponse().getAllowed()).isEqualTo(expected.isEmpty());
        if (expected.isEmpty()) {
            assertThat(out.getResponse().getStatus()).isNull();
            assertThat(out.getResponse().getWarnings()).isNullOrEmpty();
        } else {
            assertThat(out.getResponse().getStatus().getCode()).isEqualTo(403);
            assertThat(out.getResponse().getStatus().getReason()).isEqualTo("Forbidden");
            String message = out.getResponse().getStatus().getMessage();
            for (String v : expected) {
                assertThat(message).contains("\"" + v.substring(v.indexOf(':') + 1) + "\"");
            }
            assertThat(message).contains(in.getRequest().getKind().getKind() + " shop/", "vigil.dev/mutable-root=<reason>");
            assertThat(out.getResponse().getAuditAnnotations()).containsEntry("violations", Integer.toString(expected.size()));
        }
    }

    static Class<? extends KubernetesResource> typed(String kind) {
        return switch (kind) {
            case "Pod" -> Pod.class;
            case "Deployment" -> Deployment.class;
            case "StatefulSet" -> StatefulSet.class;
            case "DaemonSet" -> DaemonSet.class;
            case "ReplicaSet" -> ReplicaSet.class;
            case "Job" -> Job.class;
            case "CronJob" -> CronJob.class;
            default -> throw new AssertionError(kind);
        };
    }

    /** The pod spec of a typed object, as the object model defines each kind. */
    static PodSpec podSpec(KubernetesResource o) {
        return switch (o) {
            case Pod p -> p.getSpec();
            case Deployment d -> d.getSpec().getTemplate().getSpec();
            case StatefulSet s -> s.getSpec().getTemplate().getSpec();
            case DaemonSet d -> d.getSpec().getTemplate().getSpec();
            case ReplicaSet r -> r.getSpec().getTemplate().getSpec();
            case Job j -> j.getSpec().getTemplate().getSpec();
            case CronJob c -> c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
            default -> throw new AssertionError("the model read the object as " + o.getClass());
        };
    }

    /** "check:container" for every violation, from the typed model (fields the model does not know stay in additionalProperties). */
    static Set<String> violations(PodSpec spec, boolean onlyEphemeral) {
        assertThat(spec.getAdditionalProperties()).as("pod spec fields unknown to the model").isEmpty();
        Set<String> hostPaths = spec.getVolumes().stream().filter(v -> v.getHostPath() != null).map(Volume::getName).collect(Collectors.toSet());
        record C(String name, SecurityContext sc, List<VolumeMount> mounts) {}
        List<C> all = new ArrayList<>();
        if (!onlyEphemeral) {
            for (Container c : Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream()).toList()) {
                all.add(new C(c.getName(), c.getSecurityContext(), c.getVolumeMounts()));
            }
        }
        for (EphemeralContainer c : spec.getEphemeralContainers()) {
            all.add(new C(c.getName(), c.getSecurityContext(), c.getVolumeMounts()));
        }
        Set<String> out = new java.util.HashSet<>();
        for (C c : all) {
            SecurityContext sc = c.sc() == null ? new SecurityContext() : c.sc();
            assertThat(sc.getAdditionalProperties()).isEmpty();
            if (!Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                out.add("readonly-root:" + c.name());
            }
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                out.add("privileged:" + c.name());
            }
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                out.add("privilege-escalation:" + c.name());
            }
            for (VolumeMount m : c.mounts()) {
                if (hostPaths.contains(m.getName()) && !Boolean.TRUE.equals(m.getReadOnly())) {
                    out.add("hostpath-writable:" + c.name());
                }
            }
        }
        return out;
    }

    @Test
    void warnModeAllowsWithOneWarningPerViolation() throws IOException {
        AdmissionReviews.Reply r = reviews(Mode.WARN).review(fixture("deployment-denied"));
        AdmissionReview out = MAPPER.readValue(r.body(), AdmissionReview.class);
        assertThat(out.getResponse().getAllowed()).isTrue();
        assertThat(out.getResponse().getStatus()).isNull();
        assertThat(out.getResponse().getWarnings()).hasSize(5).allMatch(w -> w.startsWith("vigil: ") && w.length() <= 240)
                .anyMatch(w -> w.contains("container \"app\" (image registry.example/app:1.4) does not set securityContext.readOnlyRootFilesystem: true"))
                .anyMatch(w -> w.contains("mounts hostPath /etc (volume \"host\") writable at /host"));
        assertThat(r.verdict().alert()).isFalse();
    }

    @Test
    void auditModeAllowsQuietlyAndAsksForAnAlertExceptOnDryRun() throws IOException {
        AdmissionReviews.Reply r = reviews(Mode.AUDIT).review(fixture("job-denied"));
        AdmissionReview out = MAPPER.readValue(r.body(), AdmissionReview.class);
        assertThat(out.getResponse().getAllowed()).isTrue();
        assertThat(out.getResponse().getWarnings()).isNullOrEmpty();
        assertThat(r.verdict().alert()).isTrue();
        assertThat(r.verdict().user()).isEqualTo("alice@example.com");

        String dry = new String(fixture("job-denied"), StandardCharsets.UTF_8).replace("\"dryRun\": false", "\"dryRun\": true");
        AdmissionReviews.Reply d = reviews(Mode.AUDIT).review(dry.getBytes(StandardCharsets.UTF_8));
        assertThat(d.verdict().dryRun()).isTrue();
        assertThat(d.verdict().alert()).isFalse();
        assertThat(d.body()).isEqualTo(r.body()); // the same answer, without the side effect
        // enforce mode answers a dry run as it would the real request
        assertThat(reviews(Mode.ENFORCE).review(dry.getBytes(StandardCharsets.UTF_8)).verdict().allowed()).isFalse();
    }

    @Test
    @SuppressWarnings("unchecked")
    void exemptionsByNamespaceImageAndLabelWithAReason() throws IOException {
        String bad = new String(fixture("deployment-denied"), StandardCharsets.UTF_8);
        AdmissionPolicy d = AdmissionPolicy.defaults();
        AdmissionReviews byNamespace = new AdmissionReviews(new AdmissionPolicy(Mode.ENFORCE, d.checks(), List.of("shop"), List.of(), d.exemptionKey()));
        AdmissionReviews.Reply ns = byNamespace.review(bad.getBytes(StandardCharsets.UTF_8));
        assertThat(ns.verdict().allowed()).isTrue();
        assertThat(MAPPER.readValue(ns.body(), AdmissionReview.class).getResponse().getAuditAnnotations())
                .containsEntry("exemption", "namespace shop is exempt");

        AdmissionReviews byImage = new AdmissionReviews(new AdmissionPolicy(Mode.ENFORCE, d.checks(), d.exemptNamespaces(),
                List.of("registry.example/*"), d.exemptionKey()));
        assertThat(byImage.review(bad.getBytes(StandardCharsets.UTF_8)).verdict().allowed()).isTrue();
        AdmissionReviews oneImage = new AdmissionReviews(new AdmissionPolicy(Mode.ENFORCE, d.checks(), d.exemptNamespaces(),
                List.of("registry.example/app:*"), d.exemptionKey()));
        assertThat(oneImage.review(bad.getBytes(StandardCharsets.UTF_8)).verdict().evaluation().findings())
                .extracting(Finding::container).containsOnly("sidecar");

        byte[] labelled = edit("deployment-denied", object -> labels(object).put("vigil.dev/mutable-root", "legacy-php-writes-sessions"));
        AdmissionReviews.Reply l = reviews(Mode.ENFORCE).review(labelled);
        assertThat(l.verdict().allowed()).isTrue();
        assertThat(l.verdict().evaluation().exemption()).isEqualTo("label vigil.dev/mutable-root: legacy-php-writes-sessions");

        byte[] noReason = edit("deployment-denied", object -> ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) object
                .get("spec")).get("template")).get("metadata")).put("annotations", Map.of("vigil.dev/mutable-root", "  ")));
        AdmissionReviews.Reply n = reviews(Mode.ENFORCE).review(noReason);
        assertThat(n.verdict().allowed()).isFalse();
        assertThat(n.verdict().warnings()).anyMatch(w -> w.contains("exemption vigil.dev/mutable-root ignored: its value must say why"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> labels(Map<String, Object> object) {
        return (Map<String, Object>) ((Map<String, Object>) object.get("metadata")).get("labels");
    }

    /** The fixture with its request.object changed. */
    @SuppressWarnings("unchecked")
    static byte[] edit(String fixture, java.util.function.Consumer<Map<String, Object>> change) throws IOException {
        Map<String, Object> review = MAPPER.readValue(fixture(fixture), Map.class);
        change.accept((Map<String, Object>) ((Map<String, Object>) review.get("request")).get("object"));
        return MAPPER.writeValueAsBytes(review);
    }

    @Test
    void checksCanBeSwitchedOff() throws IOException {
        AdmissionPolicy only = new AdmissionPolicy.Overrides(null, List.of(Check.PRIVILEGED, Check.HOSTPATH_WRITABLE), List.of(Check.PRIVILEGED),
                null, null, null).applyTo(AdmissionPolicy.defaults());
        assertThat(only.checks()).containsExactly(Check.HOSTPATH_WRITABLE);
        AdmissionReviews r = new AdmissionReviews(only);
        assertThat(r.review(fixture("pod-denied")).verdict().evaluation().findings()).extracting(f -> f.check())
                .containsExactly(Check.HOSTPATH_WRITABLE);
        AdmissionReviews none = new AdmissionReviews(new AdmissionPolicy(Mode.ENFORCE, EnumSet.noneOf(Check.class), List.of(), List.of(), "k"));
        assertThat(none.review(fixture("pod-denied")).verdict().allowed()).isTrue();
    }

    static byte[] review(String requestJson) {
        return ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":" + requestJson + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static AdmissionReview answer(String requestJson) throws IOException {
        AdmissionReviews.Reply r = reviews(Mode.ENFORCE).review(review(requestJson));
        assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return MAPPER.readValue(r.body(), AdmissionReview.class);
    }

    @Test
    void unknownKindsAndOddObjectsAreAllowedWithAWarning() throws IOException {
        AdmissionReview cm = answer("{\"uid\":\"1\",\"operation\":\"CREATE\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"ConfigMap\"},"
                + "\"object\":{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{}}}");
        assertThat(cm.getResponse().getAllowed()).isTrue();
        assertThat(cm.getResponse().getUid()).isEqualTo("1");
        assertThat(cm.getResponse().getWarnings()).singleElement().asString().contains("kind ConfigMap carries no pod spec");

        for (String odd : List.of("\"object\":\"a string\"", "\"object\":{\"kind\":\"Pod\",\"spec\":{\"containers\":{\"not\":\"a list\"}}}",
                "\"object\":{\"kind\":\"Pod\",\"spec\":{\"containers\":[42,null,{\"name\":7,\"securityContext\":\"x\"}]}}",
                "\"object\":{\"kind\":\"Deployment\",\"spec\":{\"template\":[]}}", "\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}",
                "\"object\":{\"kind\":\"Pod\",\"metadata\":[],\"spec\":{\"volumes\":\"x\",\"containers\":[{\"volumeMounts\":[1]}]}}")) {
            String kind = odd.contains("Deployment") ? "Deployment" : "Pod";
            AdmissionReview a = answer("{\"uid\":\"u\",\"operation\":\"CREATE\",\"kind\":{\"kind\":\"" + kind + "\"}," + odd + "}");
            assertThat(a.getResponse().getUid()).isEqualTo("u");
            if (odd.contains("42")) { // the one real container is checked; the odd entries are named
                assertThat(a.getResponse().getAllowed()).isFalse();
                assertThat(a.getResponse().getWarnings()).anyMatch(w -> w.contains("containers[0] is not an object"));
            } else if (!odd.contains("volumeMounts")) {
                assertThat(a.getResponse().getAllowed()).as(odd).isTrue();
                assertThat(a.getResponse().getWarnings()).as(odd).isNotEmpty().allMatch(w -> w.startsWith("vigil: ") && w.contains("not checked"));
            }
        }
        AdmissionReview delete = answer("{\"uid\":\"d\",\"operation\":\"DELETE\",\"kind\":{\"kind\":\"Pod\"},\"object\":null}");
        assertThat(delete.getResponse().getAllowed()).isTrue();
        AdmissionReview status = answer("{\"uid\":\"s\",\"operation\":\"UPDATE\",\"subResource\":\"status\",\"kind\":{\"kind\":\"Pod\"},"
                + "\"object\":{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"a\"}]}}}");
        assertThat(status.getResponse().getAllowed()).isTrue();
    }

    @Test
    void windowsPodsAreNotAskedForFieldsTheApiForbidsThem() throws IOException {
        AdmissionReview w = answer("{\"uid\":\"w\",\"operation\":\"CREATE\",\"kind\":{\"kind\":\"Pod\"},\"object\":{\"kind\":\"Pod\","
                + "\"spec\":{\"os\":{\"name\":\"windows\"},\"containers\":[{\"name\":\"iis\",\"image\":\"mcr.microsoft.com/iis\"}]}}}");
        assertThat(w.getResponse().getAllowed()).isTrue();
    }

    @Test
    void bodiesThatAreNotAdmissionReviewsGetA400() {
        AdmissionReviews r = reviews(Mode.ENFORCE);
        for (String bad : List.of("", "{", "[]", "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"v1\"}",
                "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\"}",
                "{\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\",\"request\":{\"uid\":\"\"}}")) {
            AdmissionReviews.Reply reply = r.review(bad.getBytes(StandardCharsets.UTF_8));
            assertThat(reply.status()).as(bad).isEqualTo(400);
            assertThat(reply.verdict()).isNull();
        }
    }

    @Test
    void manyViolationsKeepTheWarningsShort() throws IOException {
        StringBuilder containers = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            containers.append(i == 0 ? "" : ",").append("{\"name\":\"c").append(i).append("\",\"image\":\"").append("x".repeat(300)).append("\"}");
        }
        AdmissionReviews.Reply r = reviews(Mode.WARN).review(review("{\"uid\":\"m\",\"operation\":\"CREATE\",\"kind\":{\"kind\":\"Pod\"},"
                + "\"object\":{\"kind\":\"Pod\",\"spec\":{\"containers\":[" + containers + "]}}}"));
        List<String> warnings = MAPPER.readValue(r.body(), AdmissionReview.class).getResponse().getWarnings();
        assertThat(warnings).hasSize(AdmissionReviews.MAX_WARNINGS).allMatch(w -> w.length() <= AdmissionReviews.MAX_WARNING_CHARS);
        assertThat(warnings.getLast()).isEqualTo("vigil: 65 more warnings not shown");
    }
}
