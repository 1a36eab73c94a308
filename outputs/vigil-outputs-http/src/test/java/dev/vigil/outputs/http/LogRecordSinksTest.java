package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.LogRecord;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log records in each output that ships them, in the destination's own form. */
class LogRecordSinksTest extends ReceiverTestBase {
    @TempDir
    Path dir;

    static LogRecord container(int i, String message) {
        return new LogRecord("2026-11-26T10:00:0" + i + ".123456789Z", message, i % 2 == 0 ? "stdout" : "stderr", "shop",
                "cart-7d9f", "0d3c-uid", "app", 1, "node-1", "/var/log/pods/shop_cart-7d9f_0d3c-uid/app/1.log", "c0ffee",
                i * 100L, false, false);
    }

    static LogRecord node() {
        return new LogRecord("2026-11-26T10:00:05Z", "kubelet started", null, null, null, null, null, -1, "node-1",
                "/var/log/kubelet.log", "beef", 0, true, false);
    }

    static List<Envelope> envelopes(LogRecord... records) {
        return java.util.Arrays.stream(records).map(r -> Envelope.ofBody(r.toBody())).toList();
    }

    @Test
    void fileAndStdoutWriteOneJsonDocumentPerLine() throws Exception {
        Path out = dir.resolve("logs.jsonl");
        try (Sink sink = FileSink.create(Samples.settings("file", "path", out.toString()))) {
            assertThat(sink.send(envelopes(container(0, "hello \"world\""), node())).allDelivered()).isTrue();
        }
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        Map<String, Object> first = JsonTree.obj(JsonTree.parse(lines.get(0)));
        assertThat(first).containsEntry("@timestamp", "2026-11-26T10:00:00.123456789Z").containsEntry("message", "hello \"world\"")
                .containsEntry("stream", "stdout").containsEntry("host", "node-1");
        assertThat(first.get("kubernetes")).isEqualTo(Map.of("namespace", "shop", "pod", "cart-7d9f", "pod_uid", "0d3c-uid",
                "container", "app", "restart", 1L));
        assertThat(JsonTree.obj(JsonTree.parse(lines.get(1)))).containsEntry("malformed", true).doesNotContainKey("kubernetes");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Sink sink = new StdoutSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
            assertThat(sink.send(envelopes(container(0, "a\nb"), node())).allDelivered()).isTrue();
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a b\nkubelet started\n");
    }

    @Test
    void elasticsearchIndexesTheDocumentUnderAStableIdAndDailyIndex() throws Exception {
        receiver.reply(200, "{\"errors\":true,\"items\":[{\"create\":{\"status\":201}},{\"create\":{\"status\":429}}]}");
        try (Sink sink = new ElasticsearchFactory().create(Samples.settings("elasticsearch", "hostport", receiver.base(),
                "index", "logs"))) {
            SendResult r = sink.send(envelopes(container(0, "one"), container(1, "two")));
            assertThat(r.status(0)).isEqualTo(Status.DELIVERED);
            assertThat(r.status(1)).isEqualTo(Status.RETRY);
        }
        List<String> lines = receiver.only().text().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(JsonTree.parse(lines.get(0))).isEqualTo(Map.of("create", Map.of("_index", "logs-2026.11.26", "_id", "c0ffee-0")));
        assertThat(JsonTree.obj(JsonTree.parse(lines.get(1)))).containsEntry("message", "one");
        assertThat(JsonTree.parse(lines.get(2))).isEqualTo(Map.of("create", Map.of("_index", "logs-2026.11.26", "_id", "c0ffee-100")));
    }

    @Test
    void splunkSendsTheMessageAsEventWithFields() throws Exception {
        receiver.reply(200, "{\"text\":\"Success\",\"code\":0}");
        try (Sink sink = new SplunkFactory().create(Samples.settings("splunk", "url", receiver.base(), "token", "t0k",
                "sourcetype", "kube:container"))) {
            assertThat(sink.send(envelopes(container(2, "GET /cart 200"))).allDelivered()).isTrue();
        }
        Receiver.Request req = receiver.only();
        assertThat(req.path()).isEqualTo("/services/collector/event");
        Map<String, Object> event = JsonTree.obj(JsonTree.parse(req.text()));
        assertThat(event).containsEntry("event", "GET /cart 200").containsEntry("host", "node-1")
                .containsEntry("sourcetype", "kube:container")
                .containsEntry("source", "/var/log/pods/shop_cart-7d9f_0d3c-uid/app/1.log");
        assertThat(event.get("time").toString()).isEqualTo("1795687202.123");
        assertThat(JsonTree.obj(event.get("fields"))).containsEntry("namespace", "shop").containsEntry("pod", "cart-7d9f")
                .containsEntry("container", "app").containsEntry("stream", "stdout");
    }

    @Test
    void lokiGroupsLinesByContainerAndStream() throws Exception {
        receiver.reply(204, "");
        try (Sink sink = new LokiFactory().create(Samples.settings("loki", "hostport", receiver.base()))) {
            assertThat(sink.send(envelopes(container(2, "third"), container(0, "first"), container(1, "err"), node()))
                    .allDelivered()).isTrue();
        }
        Map<String, Object> push = JsonTree.obj(receiver.only().json());
        List<?> streams = (List<?>) push.get("streams");
        assertThat(streams).hasSize(3);
        Map<String, Object> stdout = JsonTree.obj(streams.get(0));
        assertThat(stdout.get("stream")).isEqualTo(Map.of("namespace", "shop", "pod", "cart-7d9f", "container", "app",
                "stream", "stdout", "host", "node-1"));
        assertThat(stdout.get("values")).isEqualTo(List.of(List.of("1795687200123456789", "first"),
                List.of("1795687202123456789", "third")));
        assertThat(JsonTree.obj(streams.get(2)).get("stream")).isEqualTo(Map.of("filename", "/var/log/kubelet.log",
                "host", "node-1"));
    }

    @Test
    void anOutputWithoutALogFormRejectsRecordsButDeliversAlertsOfTheSameBatch() throws Exception {
        receiver.reply(200, "ok");
        try (Sink sink = new WebhookFactory().create(Samples.settings("webhook", "address", receiver.base()))) {
            List<Envelope> batch = List.of(Samples.envelope(Samples.alert()), Envelope.ofBody(container(0, "x").toBody()));
            SendResult r = sink.send(batch);
            assertThat(r.status(0)).isEqualTo(Status.DELIVERED);
            assertThat(r.status(1)).isEqualTo(Status.REJECT);
            assertThat(r.reason(1)).contains("does not ship log records");
        }
    }
}
