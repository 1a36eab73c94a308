package dev.vigil.outputs.kafka;

import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.LogRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Turns an envelope into a Kafka record: the value is the envelope body as stored (Falco's JSON
 * with the uuid), the key follows the configured template, and three headers let consumers route
 * without parsing the value. Log records: see {@link #logRecord}.
 */
final class RecordMapper {
    static final String UUID_HEADER = "vigil.uuid";
    static final String RULE_HEADER = "vigil.rule";
    static final String PRIORITY_HEADER = "vigil.priority";

    private final String topic;
    private final KeyTemplate key;

    /** @param key the key template, or null for records without a key */
    RecordMapper(String topic, KeyTemplate key) {
        this.topic = topic;
        this.key = key;
    }

    ProducerRecord<byte[], byte[]> record(Envelope envelope) throws AlertFormatException {
        if (envelope.isLog()) {
            return logRecord(envelope);
        }
        FalcoAlert alert = envelope.alert();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key == null ? null : key.key(alert), envelope.body());
        Headers h = r.headers();
        if (alert.uuid() != null) {
            h.add(UUID_HEADER, utf8(alert.uuid()));
        }
        h.add(RULE_HEADER, utf8(alert.rule()));
        h.add(PRIORITY_HEADER, utf8(alert.priority().displayName()));
        return r;
    }

    /**
     * A log record: the value is its JSON document, the key {@code namespace/pod/container} (or the
     * file of a node log) so one container's lines stay in one partition, in order.
     */
    private ProducerRecord<byte[], byte[]> logRecord(Envelope envelope) throws AlertFormatException {
        LogRecord r = envelope.log();
        byte[] body = envelope.body();
        String k = r.pod() != null ? r.namespace() + "/" + r.pod() + "/" + r.container() : r.file();
        return new ProducerRecord<>(topic, k == null ? null : utf8(k), Arrays.copyOfRange(body, 1, body.length));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
