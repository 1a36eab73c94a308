package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertmanagerSinkTest extends ReceiverTestBase {

    private Sink sink(String... kv) throws ConfigException {
        return new AlertmanagerFactory().create(Samples.settings("alertmanager", kv));
    }

    @Test
    void postsAnArrayOfAlertsWithLabelsAndAnnotations() throws Exception {
        try (Sink sink = sink("hostport", receiver.base(), "expiresafter", "300", "extralabels", "cluster:prod-eu",
                "extraannotations.runbook", "https://example.invalid/runbook")) {
            assertThat(sink.batching().maxItems()).isGreaterThan(1);
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/api/v2/alerts");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.json()).isEqualTo(JsonTree.golden("alertmanager.json"));
    }

    @Test
    void aBatchIsOneArrayAndSeverityCanBeRemapped() throws Exception {
        try (Sink sink = sink("hostport", receiver.base() + "/am/", "endpoint", "/api/v2/alerts",
                "customseveritymap", "critical:page;warning:ticket")) {
            SendResult r = sink.send(Samples.envelopes(Samples.variant(1, Priority.CRITICAL), Samples.variant(2, Priority.WARNING),
                    Samples.variant(3, Priority.DEBUG)));
            assertThat(r.allDelivered()).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/am/api/v2/alerts");
        List<?> alerts = (List<?>) req.json();
        assertThat(alerts).hasSize(3);
        assertThat(alerts).extracting(a -> JsonTree.obj(JsonTree.obj(a).get("labels")).get("severity"))
                .containsExactly("page", "ticket", "information");
        assertThat(alerts).extracting(a -> JsonTree.obj(JsonTree.obj(a).get("labels")).get("alertname"))
                .containsExactly("Rule 1", "Rule 2", "Rule 3");
        assertThat(JsonTree.obj(alerts.getFirst())).doesNotContainKey("endsAt");
    }

    @Test
    void everyInstanceMustAcceptTheBatch() throws Exception {
        try (Receiver second = Receiver.start()) {
            second.reply(503, "not ready", "Retry-After", "2").reply(400, "bad labels");
            try (Sink sink = sink("hostport", receiver.base() + ";" + second.base())) {
                SendResult unavailable = sink.send(List.of(Samples.envelope(Samples.alert())));
                assertThat(unavailable.status(0)).isEqualTo(Status.RETRY);
                assertThat(unavailable.retryAfter()).isEqualTo(Duration.ofSeconds(2));
                assertThat(unavailable.reason(0)).contains(String.valueOf(second.url("/").getPort())).contains("503");
                SendResult refused = sink.send(List.of(Samples.envelope(Samples.alert())));
                assertThat(refused.status(0)).isEqualTo(Status.REJECT);
                assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).allDelivered()).isTrue();
            }
            assertThat(receiver.requests()).hasSize(3);
            assertThat(second.requests()).hasSize(3);
            assertThat(second.requests().getLast().text()).isEqualTo(receiver.requests().getLast().text());
        }
    }

    @Test
    void labelNamesAreSanitised() {
        assertThat(AlertmanagerSink.labelName("k8s.pod.name")).isEqualTo("k8s_pod_name");
        assertThat(AlertmanagerSink.labelName("proc.aname[2]")).isEqualTo("proc_aname_2_");
        assertThat(AlertmanagerSink.labelName("9lives")).isEqualTo("_9lives");
        assertThat(AlertmanagerSink.labelName("ok_Name1")).isEqualTo("ok_Name1");
    }

    @Test
    void configurationErrors() {
        assertThatThrownBy(() -> sink()).isInstanceOf(ConfigException.class).hasMessageContaining("hostport");
        assertThatThrownBy(() -> sink("hostport", "am:9093")).isInstanceOf(ConfigException.class).hasMessageContaining("hostport");
        assertThatThrownBy(() -> sink("hostport", "http://am:9093", "customseveritymap", "loud:page"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("customseveritymap").hasMessageContaining("loud");
    }

    @Test
    void priorityDefaults() {
        assertThat(Map.of(Priority.DEBUG, "information", Priority.NOTICE, "information", Priority.WARNING, "warning",
                Priority.ERROR, "warning", Priority.CRITICAL, "critical", Priority.EMERGENCY, "critical"))
                .allSatisfy((p, s) -> assertThat(AlertmanagerSink.defaultSeverity(p)).isEqualTo(s));
    }
}
