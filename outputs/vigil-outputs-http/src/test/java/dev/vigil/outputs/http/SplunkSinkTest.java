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

class SplunkSinkTest extends ReceiverTestBase {

    private Sink sink(String url, String... kv) throws ConfigException {
        String[] all = Samples.plus(kv, "url", url, "token", "11111111-2222-3333-4444-555555555555");
        return new SplunkFactory().create(Samples.settings("splunk", all));
    }

    @Test
    void sendsEventsWithTimeHostSourceTypeAndIndex() throws Exception {
        receiver.reply(200, "{\"text\":\"Success\",\"code\":0}");
        try (Sink sink = sink(receiver.base(), "index", "security", "source", "falco")) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/services/collector/event");
        assertThat(req.header("Authorization")).isEqualTo("Splunk 11111111-2222-3333-4444-555555555555");
        assertThat(req.json()).isEqualTo(JsonTree.golden("splunk-event.json"));
    }

    @Test
    void aBatchIsConcatenatedObjects() throws Exception {
        try (Sink sink = sink(receiver.url("/custom/path").toString(), "host", "forwarder-1")) {
            assertThat(sink.batching().maxItems()).isGreaterThan(1);
            SendResult r = sink.send(Samples.envelopes(Samples.variant(1, Priority.WARNING), Samples.variant(2, Priority.ERROR)));
            assertThat(r.allDelivered()).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/custom/path");
        assertThat(req.text()).doesNotStartWith("[").contains("}{");
        List<Object> events = JsonTree.parseAll(req.text());
        assertThat(events).hasSize(2);
        Map<String, Object> second = JsonTree.obj(events.get(1));
        assertThat(second).containsEntry("host", "forwarder-1").containsEntry("sourcetype", "vigil").doesNotContainKeys("index", "source");
        assertThat(second.get("time").toString()).isEqualTo("1795687202.123");
        assertThat(JsonTree.obj(second.get("event"))).containsEntry("rule", "Rule 2").containsEntry("priority", "Error");
    }

    @Test
    void hecCodesAreClassified() throws Exception {
        receiver.reply(503, "{\"text\":\"Server is busy\",\"code\":9}")
                .reply(403, "{\"text\":\"Invalid token\",\"code\":4}")
                .reply(400, "{\"text\":\"Incorrect index\",\"code\":7}")
                .reply(500, "{\"text\":\"Internal server error\",\"code\":8}")
                .reply(400, "{\"text\":\"Invalid data format\",\"code\":6,\"invalid-event-number\":1}")
                .reply(502, "<html>bad gateway</html>");
        try (Sink sink = sink(receiver.base())) {
            List<dev.vigil.pipeline.Envelope> one = List.of(Samples.envelope(Samples.alert()));
            SendResult busy = sink.send(one);
            assertThat(busy.status(0)).isEqualTo(Status.RETRY);
            assertThat(busy.reason(0)).isEqualTo("HEC code 9 (Server is busy), HTTP 503");
            SendResult token = sink.send(one);
            assertThat(token.status(0)).isEqualTo(Status.REJECT);
            assertThat(token.reason(0)).contains("Invalid token");
            assertThat(sink.send(one).status(0)).isEqualTo(Status.REJECT);
            assertThat(sink.send(one).status(0)).isEqualTo(Status.RETRY);
            SendResult oneBad = sink.send(Samples.envelopes(Samples.variant(1, Priority.WARNING), Samples.variant(2, Priority.WARNING),
                    Samples.variant(3, Priority.WARNING)));
            assertThat(oneBad.isPerItem()).isTrue();
            assertThat(List.of(oneBad.status(0), oneBad.status(1), oneBad.status(2)))
                    .containsExactly(Status.RETRY, Status.REJECT, Status.RETRY);
            assertThat(sink.send(one).status(0)).isEqualTo(Status.RETRY);
        }
    }

    @Test
    void theTokenIsRequired() {
        assertThatThrownBy(() -> new SplunkFactory().create(Samples.settings("splunk", "url", "https://hec:8088")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-splunk").hasMessageContaining("token");
    }
}
