package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.Sink;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code opensearch} output against a real OpenSearch 3.9 node: alerts arrive, are
 * searchable, and a resent batch does not create copies; both date-suffixed indices and a data
 * stream. The node must start: a failure to start fails the class.
 */
class OpenSearchServerTest {
    private static EmbeddedOpenSearch server;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedOpenSearch.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static Sink sink(String... kv) throws Exception {
        String[] all = Samples.plus(kv, "hostport", server.url());
        return new OpenSearchFactory().create(Samples.settings("opensearch", all));
    }

    private static long count(String index, String query) throws Exception {
        Object reply = JsonTree.parse(server.call("POST", "/" + index + "/_count", query));
        return (Long) ((Map<?, ?>) reply).get("count");
    }

    @Test
    void alertsLandInTheDailyIndexAndAResentBatchAddsNoCopies() throws Exception {
        server.call("PUT", "/_index_template/vigil-daily", """
                {"index_patterns":["vigil-daily-*"],"template":{"settings":{"number_of_shards":1,"number_of_replicas":0}}}""");
        FalcoAlert first = Samples.alert();
        FalcoAlert second = Samples.variant(1, Priority.CRITICAL);
        try (Sink sink = sink("index", "vigil-daily")) {
            SendResult r = sink.send(Samples.envelopes(first, second));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
            SendResult again = sink.send(Samples.envelopes(first, second));
            assertThat(again.allDelivered()).as("%s", again).isTrue();
        }
        server.call("POST", "/vigil-daily-2026.11.26/_refresh", null);
        assertThat(count("vigil-daily-2026.11.26", "{\"query\":{\"match_all\":{}}}")).isEqualTo(2);
        assertThat(count("vigil-daily-2026.11.26", "{\"query\":{\"match_phrase\":{\"rule\":\"Terminal shell in container\"}}}"))
                .isEqualTo(1);

        Map<?, ?> doc = (Map<?, ?>) JsonTree.parse(server.call("GET", "/vigil-daily-2026.11.26/_doc/" + Samples.UUID, null));
        assertThat(doc.get("found")).isEqualTo(true);
        Map<?, ?> source = (Map<?, ?>) doc.get("_source");
        assertThat(source).isEqualTo(JsonTree.golden("elastic-doc.json"));
    }

    @Test
    void alertsLandInADataStream() throws Exception {
        server.call("PUT", "/_index_template/vigil-stream", """
                {"index_patterns":["vigil-stream*"],"data_stream":{},\
                "template":{"settings":{"number_of_shards":1,"number_of_replicas":0}}}""");
        List<FalcoAlert> alerts = List.of(Samples.variant(1, Priority.WARNING), Samples.variant(2, Priority.ERROR),
                Samples.variant(3, Priority.WARNING));
        try (Sink sink = sink("index", "vigil-stream", "datastream", "true")) {
            SendResult r = sink.send(alerts.stream().map(Samples::envelope).toList());
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        server.call("POST", "/vigil-stream/_refresh", null);
        assertThat(count("vigil-stream", "{\"query\":{\"match_all\":{}}}")).isEqualTo(3);
        assertThat(count("vigil-stream", "{\"query\":{\"match_phrase\":{\"rule\":\"Rule 2\"}}}")).isEqualTo(1);
        Map<?, ?> streams = (Map<?, ?>) JsonTree.parse(server.call("GET", "/_data_stream/vigil-stream", null));
        assertThat(streams.toString()).contains("vigil-stream");
    }

    @Test
    void aDocumentTheMappingRefusesIsRejectedAndTheRestDelivered() throws Exception {
        server.call("PUT", "/vigil-strict-2026.11.26", """
                {"settings":{"number_of_shards":1,"number_of_replicas":0},\
                "mappings":{"properties":{"output_fields":{"properties":{"proc.pid":{"type":"long"}}}}}}""");
        FalcoAlert good = Samples.alert();
        FalcoAlert bad = Samples.variant(1, Priority.WARNING);
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>(bad.outputFields());
        fields.put("proc.pid", "not a number");
        bad = new FalcoAlert(bad.uuid(), bad.timeNanos(), bad.priority(), bad.rule(), bad.source(), bad.tags(), bad.hostname(),
                bad.output(), fields);
        try (Sink sink = sink("index", "vigil-strict")) {
            SendResult r = sink.send(Samples.envelopes(good, bad));
            assertThat(r.isPerItem()).as("%s", r).isTrue();
            assertThat(r.status(0)).as("%s", r.reason(0)).isEqualTo(SendResult.Status.DELIVERED);
            assertThat(r.status(1)).isEqualTo(SendResult.Status.REJECT);
            assertThat(r.reason(1)).startsWith("item status 400: ").contains("parsing_exception", "proc.pid");
        }
    }

    @Test
    void logRecordsAreSearchableByPodAndAResentBatchAddsNoCopies() throws Exception {
        server.call("PUT", "/_index_template/logs", """
                {"index_patterns":["logs-*"],"template":{"settings":{"number_of_shards":1,"number_of_replicas":0}}}""");
        var batch = LogRecordSinksTest.envelopes(LogRecordSinksTest.container(0, "GET /cart 200"),
                LogRecordSinksTest.container(1, "timeout talking to db"), LogRecordSinksTest.node());
        try (Sink sink = sink("index", "logs")) {
            SendResult r = sink.send(batch);
            assertThat(r.allDelivered()).as("%s", r).isTrue();
            SendResult again = sink.send(batch);
            assertThat(again.allDelivered()).as("%s", again).isTrue();
        }
        server.call("POST", "/logs-2026.11.26/_refresh", null);
        assertThat(count("logs-2026.11.26", "{\"query\":{\"match_all\":{}}}")).isEqualTo(3);
        assertThat(count("logs-2026.11.26", "{\"query\":{\"term\":{\"kubernetes.pod.keyword\":\"cart-7d9f\"}}}"))
                .isEqualTo(2);
        assertThat(count("logs-2026.11.26", "{\"query\":{\"match\":{\"message\":\"timeout\"}}}")).isEqualTo(1);
        Map<?, ?> doc = (Map<?, ?>) JsonTree.parse(server.call("GET", "/logs-2026.11.26/_doc/c0ffee-100", null));
        assertThat(((Map<?, ?>) doc.get("_source")).get("stream")).isEqualTo("stderr");
    }
}
