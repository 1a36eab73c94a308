package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LokiSinkTest extends ReceiverTestBase {

    private Sink sink(String... kv) throws ConfigException {
        String[] all = Samples.plus(kv, "hostport", receiver.base());
        return new LokiFactory().create(Samples.settings("loki", all));
    }

    @Test
    void pushesOneStreamWithLowCardinalityLabels() throws Exception {
        receiver.reply(204, "");
        try (Sink sink = sink("extralabels", "container.id", "tenant", "team-a", "user", "123456", "apikey", "glc_token")) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/loki/api/v1/push");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.header("X-Scope-OrgID")).isEqualTo("team-a");
        assertThat(req.header("Authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString("123456:glc_token".getBytes()));
        assertThat(req.json()).isEqualTo(JsonTree.golden("loki.json"));
    }

    @Test
    void aBatchIsGroupedIntoStreamsByLabelSetInTimeOrder() throws Exception {
        FalcoAlert a1 = Samples.variant(1, Priority.WARNING);
        FalcoAlert b = Samples.variant(2, Priority.ERROR);
        FalcoAlert a0 = Samples.variant(1, Priority.WARNING);
        a0 = new FalcoAlert("earlier", a0.timeNanos() - 500_000_000L, a0.priority(), a0.rule(), a0.source(), a0.tags(), a0.hostname(),
                "earlier output", a0.outputFields());
        try (Sink sink = sink("endpoint", "/custom/push", "format", "json")) {
            assertThat(sink.send(Samples.envelopes(a1, b, a0)).allDelivered()).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/custom/push");
        List<?> streams = (List<?>) JsonTree.obj(req.json()).get("streams");
        assertThat(streams).hasSize(2);
        Map<String, Object> first = JsonTree.obj(streams.get(0));
        assertThat(JsonTree.obj(first.get("stream"))).containsEntry("rule", "Rule 1").containsEntry("k8s_pod_name", "web-1");
        List<?> values = (List<?>) first.get("values");
        assertThat(values).hasSize(2);
        assertThat(((List<?>) values.get(0)).get(0)).isEqualTo(Long.toString(a0.timeNanos()));
        assertThat(JsonTree.parse((String) ((List<?>) values.get(0)).get(1))).isEqualTo(JsonTree.parse(a0.toJson()));
        assertThat(((List<?>) values.get(1)).get(0)).isEqualTo(Long.toString(a1.timeNanos()));
        assertThat(JsonTree.obj(JsonTree.obj(streams.get(1)).get("stream"))).containsEntry("priority", "Error");
    }

    @Test
    void answersAreClassified() throws Exception {
        receiver.reply(429, "Ingestion rate limit exceeded").reply(400, "entry too far behind").reply(200, "");
        try (Sink sink = sink()) {
            List<dev.vigil.pipeline.Envelope> one = List.of(Samples.envelope(Samples.alert()));
            assertThat(sink.send(one).status(0)).isEqualTo(Status.RETRY);
            SendResult old = sink.send(one);
            assertThat(old.status(0)).isEqualTo(Status.REJECT);
            assertThat(old.reason(0)).isEqualTo("HTTP 400: entry too far behind");
            assertThat(sink.send(one).allDelivered()).isTrue();
        }
    }

    @Test
    void anInvalidEnvelopeInABatchIsRejectedAndTheRestPushed() throws Exception {
        try (Sink sink = sink()) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.variant(1, Priority.WARNING)),
                    dev.vigil.pipeline.Envelope.ofBody("not json".getBytes()), Samples.envelope(Samples.variant(2, Priority.WARNING))));
            assertThat(List.of(r.status(0), r.status(1), r.status(2))).containsExactly(Status.DELIVERED, Status.REJECT, Status.DELIVERED);
            assertThat(r.reason(1)).startsWith("not a valid alert: invalid JSON");
        }
        List<?> streams = (List<?>) JsonTree.obj(receiver.only().json()).get("streams");
        assertThat(streams).hasSize(2);
    }
}
