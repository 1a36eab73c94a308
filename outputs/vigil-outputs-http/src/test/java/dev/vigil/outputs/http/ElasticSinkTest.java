package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The _bulk request and the reading of its reply, against a scripted receiver. */
class ElasticSinkTest extends ReceiverTestBase {

    private Sink sink(String... kv) throws ConfigException {
        String[] all = Samples.plus(kv, "hostport", receiver.base());
        return new ElasticsearchFactory().create(Samples.settings("elasticsearch", all));
    }

    private static String created(int n) {
        StringBuilder sb = new StringBuilder("{\"took\":3,\"errors\":false,\"items\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? "," : "").append("{\"create\":{\"_index\":\"vigil\",\"status\":201}}");
        }
        return sb.append("]}").toString();
    }

    @Test
    void bulkBodyIsCreateActionsWithTheUuidAndTheDocument() throws Exception {
        receiver.reply(200, created(1));
        try (Sink sink = sink()) {
            assertThat(sink.batching().maxItems()).isEqualTo(5000);
            assertThat(sink.batching().maxBytes()).isEqualTo(8L << 20);
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/_bulk");
        assertThat(req.header("Content-Type")).isEqualTo("application/x-ndjson");
        assertThat(req.text()).endsWith("\n");
        List<String> lines = req.text().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(JsonTree.parse(lines.get(0))).isEqualTo(Map.of("create", Map.of("_index", "vigil-2026.11.26", "_id", Samples.UUID)));
        assertThat(JsonTree.parse(lines.get(1))).isEqualTo(JsonTree.golden("elastic-doc.json"));
    }

    @Test
    void indexNamesBySuffixAndDataStream() throws Exception {
        Map<String, String> expected = Map.of("daily", "falco-2026.11.26", "monthly", "falco-2026.11", "annually", "falco-2026",
                "none", "falco");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            try (Sink sink = sink("index", "falco", "suffix", e.getKey())) {
                sink.send(List.of(Samples.envelope(Samples.alert())));
            }
            Map<String, Object> action = JsonTree.obj(JsonTree.parse(receiver.requests().getLast().text().lines().findFirst().orElseThrow()));
            assertThat(JsonTree.obj(action.get("create")).get("_index")).as(e.getKey()).isEqualTo(e.getValue());
        }
        try (Sink sink = sink("index", "falco-events", "datastream", "true")) {
            sink.send(List.of(Samples.envelope(Samples.alert())));
        }
        Map<String, Object> action = JsonTree.obj(JsonTree.parse(receiver.requests().getLast().text().lines().findFirst().orElseThrow()));
        assertThat(action).isEqualTo(Map.of("create", Map.of("_index", "falco-events", "_id", Samples.UUID)));
    }

    @Test
    void theDayComesFromTheAlertTimeInUtc() throws Exception {
        FalcoAlert late = Samples.variant(14 * 3600 - 1, Priority.WARNING); // 23:59:59 UTC
        FalcoAlert next = Samples.variant(14 * 3600, Priority.WARNING); // 00:00:00 UTC the day after
        try (Sink sink = sink()) {
            sink.send(Samples.envelopes(late, next));
        }
        List<String> lines = receiver.only().text().lines().toList();
        assertThat(lines.get(0)).contains("\"vigil-2026.11.26\"");
        assertThat(lines.get(2)).contains("\"vigil-2026.11.27\"");
    }

    @Test
    void itemOutcomesAreReadOneByOne() throws Exception {
        receiver.reply(200, """
                {"took":5,"errors":true,"items":[
                 {"create":{"_index":"vigil-2026.11.26","_id":"a","status":201,"result":"created"}},
                 {"create":{"_index":"vigil-2026.11.26","_id":"b","status":409,"error":{"type":"version_conflict_engine_exception","reason":"document already exists"}}},
                 {"create":{"_index":"vigil-2026.11.26","_id":"c","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}},
                 {"create":{"_index":"vigil-2026.11.26","_id":"d","status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [output_fields.proc.pid] of type [long]","caused_by":{"type":"illegal_argument_exception","reason":"For input string"}}}},
                 {"create":{"_index":"vigil-2026.11.26","_id":"e","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}
                ]}""");
        try (Sink sink = sink()) {
            SendResult r = sink.send(Samples.envelopes(Samples.variant(1, Priority.WARNING), Samples.variant(2, Priority.WARNING),
                    Samples.variant(3, Priority.WARNING), Samples.variant(4, Priority.WARNING), Samples.variant(5, Priority.WARNING)));
            assertThat(r.isPerItem()).isTrue();
            assertThat(List.of(r.status(0), r.status(1), r.status(2), r.status(3), r.status(4)))
                    .containsExactly(Status.DELIVERED, Status.DELIVERED, Status.RETRY, Status.REJECT, Status.RETRY);
            assertThat(r.reason(2)).isEqualTo("item status 429: es_rejected_execution_exception: rejected execution of coordinating operation");
            assertThat(r.reason(3)).isEqualTo("item status 400: document_parsing_exception: failed to parse field [output_fields.proc.pid] of type [long]");
        }
    }

    @Test
    void requestLevelFailuresAndOddReplies() throws Exception {
        receiver.reply(429, "{\"error\":\"too many requests\"}", "Retry-After", "3").reply(413, "too large").reply(200, "<html>proxy</html>")
                .reply(200, created(1));
        try (Sink sink = sink()) {
            List<dev.vigil.pipeline.Envelope> two = Samples.envelopes(Samples.variant(1, Priority.WARNING), Samples.variant(2, Priority.WARNING));
            SendResult limited = sink.send(two);
            assertThat(limited.status(0)).isEqualTo(Status.RETRY);
            assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(3));
            assertThat(sink.send(two).status(0)).isEqualTo(Status.REJECT);
            assertThat(sink.send(two).status(0)).isEqualTo(Status.RETRY);
            SendResult mismatch = sink.send(two);
            assertThat(mismatch.status(0)).isEqualTo(Status.DELIVERED);
        }
    }

    @Test
    void aReplyWithFewerItemsThanDocumentsIsRetried() {
        SendResult r = ElasticSink.items("""
                {"errors":true,"items":[{"create":{"status":400,"error":{"type":"x","reason":"y"}}}]}""".getBytes(), 2);
        assertThat(r.status(0)).isEqualTo(Status.RETRY);
        assertThat(r.reason(0)).contains("1 items for 2 documents");
    }

    @Test
    void authenticationPipelineCompressionAndFlattening() throws Exception {
        receiver.reply(200, created(1)).reply(200, created(1));
        try (Sink sink = sink("apikey", "a2V5OnNlY3JldA==", "pipeline", "falco enrich", "enablecompression", "true", "flattenfields", "true")) {
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).allDelivered()).isTrue();
        }
        try (Sink sink = sink("username", "vigil", "password", "pa:ss")) {
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).allDelivered()).isTrue();
        }
        Receiver.Request first = receiver.requests().get(0);
        assertThat(first.header("Authorization")).isEqualTo("ApiKey a2V5OnNlY3JldA==");
        assertThat(first.path()).isEqualTo("/_bulk?pipeline=falco+enrich");
        assertThat(first.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(first.raw()).isNotEqualTo(first.body());
        Map<String, Object> doc = JsonTree.obj(JsonTree.parse(first.text().lines().toList().get(1)));
        assertThat(JsonTree.obj(doc.get("output_fields"))).containsKeys("k8s_pod_name", "proc_cmdline").doesNotContainKey("k8s.pod.name");
        Receiver.Request second = receiver.requests().get(1);
        assertThat(second.header("Authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString("vigil:pa:ss".getBytes()));
        assertThat(second.header("Content-Encoding")).isNull();
    }

    /** Bodies the sink sends from their bytes and bodies it must parse first, mixed in one batch. */
    private static final List<String> BODIES = List.of(
            Samples.ALERT_JSON,
            Samples.alert().toJson(),
            // another key order, no uuid, escapes and non-ASCII text, floats and a big integer
            """
            {"time":"2026-11-26T23:59:59.999999999Z","tags":[],"source":"k8s_audit","rule":"R \\"q\\" caf\u00e9 – naïve",\
            "priority":"Informational","output_fields":{"z":-1.5e3,"a":"\\n\\t\\u0001/","big":123456789012345678901234567890,\
            "ok":false,"n":null},"output":"","hostname":"h"}""",
            // not in Falco's form: written from the parsed alert
            Samples.ALERT_JSON.replace("\"Warning\"", "\"warning\""),
            Samples.ALERT_JSON.replace("10:00:00.123456789Z", "11:00:00.123456789+01:00"),
            Samples.ALERT_JSON.replace(",\"source\":\"syscalls\"", ""),
            Samples.ALERT_JSON.replace("{\"hostname\"", "{\"extra\":{\"a\":1},\"hostname\""),
            Samples.ALERT_JSON.replace("\"user.name\":\"root\"", "\"user.name\":[\"root\"]"),
            Samples.ALERT_JSON.replace(",\"rule\"", ",\n\"rule\""),
            " " + Samples.ALERT_JSON + " ");

    @Test
    void documentsFromStoredBytesHaveTheContentOfDocumentsWrittenFromTheAlert() throws Exception {
        receiver.reply(200, created(BODIES.size() + 1));
        List<dev.vigil.pipeline.Envelope> batch = new java.util.ArrayList<>();
        List<FalcoAlert> parsed = new java.util.ArrayList<>();
        for (String body : BODIES) {
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            batch.add(dev.vigil.pipeline.Envelope.ofBody(bytes));
            parsed.add(FalcoAlert.parse(bytes));
        }
        batch.add(dev.vigil.pipeline.Envelope.ofBody("{\"rule\":1}".getBytes()));
        try (Sink sink = sink()) {
            SendResult r = sink.send(batch);
            for (int i = 0; i < BODIES.size(); i++) {
                assertThat(r.status(i)).as("item %d", i).isEqualTo(Status.DELIVERED);
            }
            assertThat(r.status(BODIES.size())).isEqualTo(Status.REJECT);
            assertThat(r.reason(BODIES.size())).startsWith("not a valid alert: ");
            String expected = new String(((ElasticSink) sink).body(parsed), java.nio.charset.StandardCharsets.UTF_8);
            String sent = receiver.only().text();
            assertThat(sent).endsWith("\n");
            List<String> got = sent.lines().toList();
            List<String> want = expected.lines().toList();
            assertThat(got).hasSize(want.size());
            for (int i = 0; i < want.size(); i++) {
                assertThat(JsonTree.parse(got.get(i))).as("line %d: %s", i, got.get(i)).isEqualTo(JsonTree.parse(want.get(i)));
            }
            // the first bodies went as they are, with @timestamp in front
            assertThat(got.get(1)).isEqualTo("{\"@timestamp\":\"2026-11-26T10:00:00.123456789Z\"," + Samples.ALERT_JSON.substring(1));
            assertThat(got.get(4)).startsWith("{\"create\":{\"_index\":\"vigil-2026.11.26\"}}");
        }
    }

    @Test
    void theBufferIsReusedWithoutLeftoversAcrossBatchesAndDays() throws Exception {
        receiver.reply(200, created(2)).reply(200, created(1)).reply(200, created(1));
        try (Sink sink = sink()) {
            sink.send(Samples.envelopes(Samples.variant(1, Priority.WARNING), Samples.variant(2, Priority.WARNING)));
            sink.send(Samples.envelopes(Samples.variant(14 * 3600, Priority.ERROR)));
            sink.send(Samples.envelopes(Samples.variant(3, Priority.NOTICE)));
        }
        List<Receiver.Request> reqs = receiver.requests();
        assertThat(reqs.get(0).text().lines()).hasSize(4);
        List<String> second = reqs.get(1).text().lines().toList();
        assertThat(second).hasSize(2);
        assertThat(second.get(0)).isEqualTo("{\"create\":{\"_index\":\"vigil-2026.11.27\",\"_id\":\"00000000-0000-4000-8000-000000050400\"}}");
        assertThat(JsonTree.obj(JsonTree.parse(second.get(1)))).containsEntry("priority", "Error");
        List<String> third = reqs.get(2).text().lines().toList();
        assertThat(third.get(0)).contains("\"vigil-2026.11.26\"");
        assertThat(JsonTree.obj(JsonTree.parse(third.get(1)))).containsEntry("rule", "Rule 3");
    }

    @Test
    void configurationErrors() {
        assertThatThrownBy(() -> new OpenSearchFactory().create(Samples.settings("opensearch")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-opensearch").hasMessageContaining("hostport");
        assertThatThrownBy(() -> sink("index", "Vigil")).isInstanceOf(ConfigException.class).hasMessageContaining("index");
        assertThatThrownBy(() -> sink("suffix", "hourly")).isInstanceOf(ConfigException.class).hasMessageContaining("suffix");
        assertThatThrownBy(() -> sink("apikey", "k", "username", "u")).isInstanceOf(ConfigException.class).hasMessageContaining("apikey");
    }
}
