package dev.vigil.k8saudit.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditProtectorTest {
    static Path traces() {
        return Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize()
                .resolve("fixtures/k8s-audit/events/falco-trace-files");
    }

    static AuditEvent event(String json) throws Exception {
        return AuditEventParser.parse(json).getFirst();
    }

    static String synthetic(String level, String objectRef, String uri) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"" + level + "\",\"auditID\":\"a1\",\"stage\":\"ResponseComplete\","
                + "\"requestURI\":\"" + uri + "\",\"verb\":\"create\",\"user\":{\"username\":\"u\"},\"objectRef\":" + objectRef + ","
                + "\"responseStatus\":{\"code\":201},\"requestObject\":{\"kind\":\"Secret\",\"data\":{\"password\":\"c2VjcmV0\"}},"
                + "\"responseObject\":{\"kind\":\"Secret\",\"data\":{\"password\":\"c2VjcmV0\"}},"
                + "\"requestReceivedTimestamp\":\"2024-01-01T00:00:00.000001Z\",\"stageTimestamp\":\"2024-01-01T00:00:00.000002Z\"}";
    }

    @Test
    void fixtureSecretEventsMatchAndStayMetadataWithoutChanges() throws Exception {
        AuditProtector p = new AuditProtector();
        for (String f : List.of("create_secret.json", "create_kube_system_secret.json", "delete_secret.json", "create_service_account_token_secret.json")) {
            AuditEvent e = event(Files.readString(traces().resolve(f)));
            AuditProtector.Result r = p.protect(e);
            assertThat(r.kind()).as(f).hasToString("/secrets");
            assertThat(r.changed()).as(f).isFalse();
            assertThat(r.event()).isSameAs(e);
            assertThat(r.event().string("level")).isEqualTo("Metadata");
        }
    }

    @Test
    void secretBodiesRemovedAndLevelLowered() throws Exception {
        AuditEvent e = event(synthetic("RequestResponse", "{\"resource\":\"secrets\",\"namespace\":\"default\",\"name\":\"s\",\"apiVersion\":\"v1\"}",
                "/api/v1/namespaces/default/secrets"));
        AuditProtector.Result r = new AuditProtector().protect(e);
        assertThat(r.bodiesRemoved()).isEqualTo(2);
        assertThat(r.levelLowered()).isTrue();
        assertThat(r.event().get("requestObject")).isNull();
        assertThat(r.event().get("responseObject")).isNull();
        assertThat(r.event().string("level")).isEqualTo("Metadata");
        assertThat(r.event().json()).doesNotContain("c2VjcmV0").contains("\"auditID\":\"a1\"", "\"responseStatus\":{\"code\":201}");
        assertThat(r.event().timestampNanos()).isEqualTo(e.timestampNanos());
    }

    @Test
    void tokenReviewsAndServiceAccountTokensButNotOtherSubresourcesOrGroups() throws Exception {
        AuditProtector p = new AuditProtector();
        AuditProtector.Result tr = p.protect(event(synthetic("Request",
                "{\"resource\":\"tokenreviews\",\"apiGroup\":\"authentication.k8s.io\",\"apiVersion\":\"v1\"}", "/apis/authentication.k8s.io/v1/tokenreviews")));
        assertThat(tr.bodiesRemoved()).isEqualTo(2);
        assertThat(tr.event().string("level")).isEqualTo("Metadata");
        AuditProtector.Result sat = p.protect(event(synthetic("RequestResponse",
                "{\"resource\":\"serviceaccounts\",\"subresource\":\"token\",\"namespace\":\"ns\",\"name\":\"default\"}",
                "/api/v1/namespaces/ns/serviceaccounts/default/token")));
        assertThat(sat.changed()).isTrue();
        assertThat(sat.kind()).hasToString("/serviceaccounts/token");
        AuditProtector.Result sa = p.protect(event(synthetic("RequestResponse", "{\"resource\":\"serviceaccounts\",\"namespace\":\"ns\",\"name\":\"x\"}",
                "/api/v1/namespaces/ns/serviceaccounts")));
        assertThat(sa.changed()).isFalse();
        AuditProtector.Result otherGroup = p.protect(event(synthetic("RequestResponse",
                "{\"resource\":\"secrets\",\"apiGroup\":\"example.com\"}", "/apis/example.com/v1/secrets")));
        assertThat(otherGroup.kind()).isNull();
        assertThat(otherGroup.event().get("requestObject")).isNotNull();
    }

    @Test
    void metadataLevelEventWithBodiesLosesThemButKeepsItsLevel() throws Exception {
        AuditProtector.Result r = new AuditProtector().protect(event(synthetic("Metadata", "{\"resource\":\"secrets\"}", "/api/v1/secrets")));
        assertThat(r.bodiesRemoved()).isEqualTo(2);
        assertThat(r.levelLowered()).isFalse();
    }

    @Test
    void configurableKinds() throws Exception {
        AuditProtector p = new AuditProtector(SensitiveKinds.defaultsPlus(List.of("configmaps", "certificates.k8s.io/certificatesigningrequests")));
        assertThat(p.protect(event(synthetic("Request", "{\"resource\":\"configmaps\",\"namespace\":\"n\"}", "/api/v1/namespaces/n/configmaps")))
                .bodiesRemoved()).isEqualTo(2);
        assertThat(p.protect(event(synthetic("Request", "{\"resource\":\"certificatesigningrequests\",\"apiGroup\":\"certificates.k8s.io\","
                + "\"subresource\":\"approval\"}", "/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval"))).levelLowered()).isTrue();
        assertThat(SensitiveKinds.of(List.of("serviceaccounts/token")).kinds().getFirst()).hasToString("/serviceaccounts/token");
        assertThatThrownBy(() -> SensitiveKinds.of(List.of("a/b/c/d"))).hasMessageContaining("a/b/c/d");
    }

    @Test
    void tokensInQueryStringsMasked() throws Exception {
        AuditProtector.Result r = new AuditProtector().protect(event(synthetic("Metadata", "{\"resource\":\"pods\",\"namespace\":\"n\"}",
                "/api/v1/namespaces/n/pods?watch=true&access_token=eyJhbGciOi.abc&Token=t0k&tokenx=keep")));
        assertThat(r.tokensMasked()).isEqualTo(2);
        assertThat(r.bodiesRemoved()).isZero();
        assertThat(r.event().string("requestURI")).isEqualTo("/api/v1/namespaces/n/pods?watch=true&access_token=REDACTED&Token=REDACTED&tokenx=keep");
        assertThat(AuditProtector.maskQuery("/healthz", new int[1])).isEqualTo("/healthz");
        assertThat(AuditProtector.maskQuery("/x?token=", new int[1])).isEqualTo("/x?token=");
    }
}
