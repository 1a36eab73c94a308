package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PagerDutySinkTest extends ReceiverTestBase {
    private Sink sink() throws ConfigException {
        return new PagerDutyFactory().create(Samples.settings("pagerduty", "routingkey", "R0UT1NGKEY",
                "url", receiver.url("/v2/enqueue").toString()));
    }

    @Test
    void triggersAnEventDeduplicatedByUuid() throws Exception {
        receiver.reply(202, "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"" + Samples.UUID + "\"}");
        try (Sink sink = sink()) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/v2/enqueue");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.json()).isEqualTo(JsonTree.golden("pagerduty.json"));
    }

    @Test
    void severityFollowsThePriority() throws Exception {
        Map<Priority, String> expected = Map.of(Priority.EMERGENCY, "critical", Priority.ALERT, "critical", Priority.CRITICAL, "critical",
                Priority.ERROR, "error", Priority.WARNING, "warning", Priority.NOTICE, "info", Priority.INFORMATIONAL, "info",
                Priority.DEBUG, "info");
        try (Sink sink = sink()) {
            for (Priority p : Priority.values()) {
                assertThat(sink.send(List.of(Samples.envelope(Samples.variant(1, p)))).allDelivered()).isTrue();
                Map<?, ?> payload = (Map<?, ?>) ((Map<?, ?>) receiver.requests().getLast().json()).get("payload");
                assertThat(payload.get("severity")).as("%s", p).isEqualTo(expected.get(p));
            }
        }
    }

    @Test
    void answersAreClassified() throws Exception {
        receiver.reply(400, "{\"status\":\"invalid event\",\"errors\":[\"'routing_key' is invalid\"]}")
                .reply(429, "{\"status\":\"throttle event\"}").reply(500, "");
        try (Sink sink = sink()) {
            SendResult invalid = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(invalid.status(0)).isEqualTo(Status.REJECT);
            assertThat(invalid.reason(0)).contains("routing_key");
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).status(0)).isEqualTo(Status.RETRY);
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).status(0)).isEqualTo(Status.RETRY);
        }
    }

    @Test
    void regionsAndTheRequiredKey() {
        assertThat(PagerDutySink.US.toString()).isEqualTo("https://events.pagerduty.com/v2/enqueue");
        assertThat(PagerDutySink.EU.toString()).isEqualTo("https://events.eu.pagerduty.com/v2/enqueue");
        assertThatThrownBy(() -> new PagerDutyFactory().create(Samples.settings("pagerduty", "region", "eu")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-pagerduty").hasMessageContaining("routingkey");
        assertThatThrownBy(() -> new PagerDutyFactory().create(Samples.settings("pagerduty", "routingkey", "k", "region", "apac")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("region");
    }
}
