package dev.vigil.outputs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class RecordMapperTest {

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    @Test
    void valueIsTheEnvelopeBodyAndHeadersNameTheAlert() throws Exception {
        FalcoAlert a = Alerts.alert(7);
        Envelope e = Envelope.ofBody(a.toJsonBytes());
        ProducerRecord<byte[], byte[]> r = new RecordMapper("falco", null).record(e);
        assertThat(r.topic()).isEqualTo("falco");
        assertThat(r.value()).isSameAs(e.body());
        assertThat(r.key()).isNull();
        assertThat(r.partition()).isNull();
        assertThat(header(r, "vigil.uuid")).isEqualTo(a.uuid());
        assertThat(header(r, "vigil.rule")).isEqualTo("Terminal shell in container");
        assertThat(header(r, "vigil.priority")).isEqualTo("Warning");
        assertThat(r.headers().toArray()).hasSize(3);
    }

    @Test
    void alertWithoutUuidHasNoUuidHeader() throws Exception {
        ProducerRecord<byte[], byte[]> r = new RecordMapper("t", null).record(Envelope.of(Alerts.alert(1).withUuid(null)));
        assertThat(r.headers().lastHeader("vigil.uuid")).isNull();
        assertThat(header(r, "vigil.rule")).isNotNull();
    }

    @Test
    void keyTemplatesTakeTheirPartOfTheAlert() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("k8s.ns.name", "payments");
        fields.put("proc.pid", 4242L);
        fields.put("container.id", null);
        FalcoAlert a = Alerts.alert("Read sensitive file", "node-9", fields);
        Envelope e = Envelope.of(a);
        assertThat(text(key("rule", e))).isEqualTo("Read sensitive file");
        assertThat(text(key("hostname", e))).isEqualTo("node-9");
        assertThat(text(key("uuid", e))).isEqualTo(a.uuid());
        assertThat(text(key("priority", e))).isEqualTo("Warning");
        assertThat(text(key("source", e))).isEqualTo("syscalls");
        assertThat(text(key("output_fields.k8s.ns.name", e))).isEqualTo("payments");
        assertThat(text(key("OUTPUT_FIELDS.proc.pid", e))).isEqualTo("4242");
        // absent and null fields give keyless records, which Kafka spreads over partitions
        assertThat(key("output_fields.container.id", e)).isNull();
        assertThat(key("output_fields.K8S.NS.NAME", e)).isNull();
        assertThat(key("hostname", Envelope.of(Alerts.alert("r", null, fields)))).isNull();
    }

    private static byte[] key(String template, Envelope e) throws AlertFormatException {
        KeyTemplate t = KeyTemplate.parse(template);
        assertThat(t).as(template).isNotNull();
        return new RecordMapper("t", t).record(e).key();
    }

    @Test
    void unknownTemplatesAreNotParsed() {
        assertThat(KeyTemplate.parse("proc.name")).isNull();
        assertThat(KeyTemplate.parse("output_fields.")).isNull();
        assertThat(KeyTemplate.parse("")).isNull();
    }

    @Test
    void aBodyThatIsNoAlertCannotBecomeARecord() {
        Envelope bad = Envelope.ofBody("{\"rule\":\"r\"}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> new RecordMapper("t", null).record(bad)).isInstanceOf(AlertFormatException.class);
    }
}
