package dev.vigil.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * One shipped log line as the sinks see it. On the wire and in the spool a log record is the byte
 * {@link #MARK} (ASCII record separator, as in JSON text sequences) followed by one JSON document:
 *
 * <pre>{"@timestamp":"…","message":"…","stream":"stdout",
 *  "kubernetes":{"namespace":…,"pod":…,"pod_uid":…,"container":…,"restart":N},
 *  "host":"node","log":{"file":"/var/log/pods/…","fingerprint":"hex","offset":N},
 *  "malformed":true,"truncated":true}</pre>
 *
 * <p>{@code kubernetes} and {@code stream} are absent for node logs, the two flags when false. The
 * document is written once by the source ({@link LogRecordEncoder}) and sent as it is wherever the
 * destination takes JSON documents (file, stdout, Elasticsearch, Kafka); the other sinks read the
 * fields through {@link #parse}. {@code fingerprint} plus {@code offset} name the line uniquely and
 * stay the same when the line is read again after a restart, which makes idempotent ids.
 *
 * @param restart the container restart count, -1 when unknown
 */
public record LogRecord(String timestamp, String message, String stream, String namespace, String pod, String podUid,
        String container, int restart, String host, String file, String fingerprint, long offset, boolean malformed,
        boolean truncated) {

    /** The first byte of every log record body. */
    public static final byte MARK = 0x1E;

    private static final JsonFactory JSON = new JsonFactory();

    /** Whether {@code body} holds a log record. */
    public static boolean isLogRecord(byte[] body) {
        return body.length > 0 && body[0] == MARK;
    }

    /** The record's body: the mark and the JSON document. */
    public byte[] toBody() {
        byte[] ts = timestamp.getBytes(StandardCharsets.UTF_8);
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        byte[] meta = LogRecordEncoder.fileMeta(namespace, pod, podUid, container, restart, host, file, fingerprint);
        return new LogRecordEncoder().record(ts, 0, ts.length, msg, 0, msg.length, stream, meta, offset, malformed, truncated);
    }

    /** The identity of this line: stable across restarts and rotation renames. */
    public String id() {
        return fingerprint + "-" + offset;
    }

    /** The original time in nanoseconds since the epoch; the given default when missing or unreadable. */
    public long timeNanos(long otherwise) {
        try {
            OffsetDateTime t = OffsetDateTime.parse(timestamp);
            return t.toEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (DateTimeParseException | NullPointerException e) {
            return otherwise;
        }
    }

    /** Reads a log record body. */
    public static LogRecord parse(byte[] body) throws AlertFormatException {
        if (!isLogRecord(body)) {
            throw new AlertFormatException("not a log record");
        }
        String ts = null, msg = null, stream = null, ns = null, pod = null, uid = null, container = null, host = null;
        String file = null, fp = null;
        int restart = -1;
        long offset = -1;
        boolean malformed = false, truncated = false;
        try (JsonParser p = JSON.createParser(body, 1, body.length - 1)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AlertFormatException("a log record is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "@timestamp" -> ts = p.getValueAsString();
                    case "message" -> msg = p.getValueAsString();
                    case "stream" -> stream = p.getValueAsString();
                    case "host" -> host = p.getValueAsString();
                    case "malformed" -> malformed = t == JsonToken.VALUE_TRUE;
                    case "truncated" -> truncated = t == JsonToken.VALUE_TRUE;
                    case "kubernetes", "log" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            continue;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String k = p.currentName();
                            p.nextToken();
                            switch (k) {
                                case "namespace" -> ns = p.getValueAsString();
                                case "pod" -> pod = p.getValueAsString();
                                case "pod_uid" -> uid = p.getValueAsString();
                                case "container" -> container = p.getValueAsString();
                                case "restart" -> restart = p.getValueAsInt(-1);
                                case "file" -> file = p.getValueAsString();
                                case "fingerprint" -> fp = p.getValueAsString();
                                case "offset" -> offset = p.getValueAsLong(-1);
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new AlertFormatException("unreadable log record: " + e.getMessage());
        }
        if (msg == null) {
            throw new AlertFormatException("a log record needs a message");
        }
        return new LogRecord(ts, msg, stream, ns, pod, uid, container, restart, host, file, fp, offset, malformed, truncated);
    }
}
