package dev.vigil.outputs.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.AlertHead;
import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.LogRecord;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Elasticsearch and OpenSearch through {@code _bulk}: for each alert the action line
 * {@code {"create":{"_index":…,"_id":<uuid>}}} and the document (the alert's fields plus
 * {@code @timestamp}). Using {@code create} with the uuid as id makes a resent batch harmless: the
 * copies already stored answer 409, which counts as delivered. An alert whose stored bytes are in
 * Falco's form ({@link AlertHead#scan}) is not parsed: its document is those bytes with
 * {@code @timestamp} spliced in after the opening brace, written with the action line into a reused
 * buffer; others (and all with {@code flattenfields}) are written from the parsed alert, with the same
 * content. The reply is read item by item:
 * 2xx and 409 are delivered, 429 and 5xx retried, other codes rejected with the error's type and
 * reason.
 *
 * <p>The index is {@code index-YYYY.MM.DD}, {@code -YYYY.MM}, {@code -YYYY} or just {@code index}
 * ({@code suffix} daily, monthly, annually, none) from the alert time in UTC; with
 * {@code datastream} it is the data stream {@code index} and the suffix is not used.
 *
 * <p>A log record is indexed as its document as it is ({@code @timestamp}, {@code message},
 * {@code stream}, {@code kubernetes.*}, {@code host}, {@code log.*}) with the id
 * {@code <fingerprint>-<offset>}, so a line read again after a restart is stored once; its index
 * date comes from the line's original timestamp.
 */
final class ElasticSink extends AlertSink {
    static final Set<String> KEYS = BaseFactory.http("hostport", "index", "suffix", "datastream", "username", "password", "apikey",
            "pipeline", "flattenfields", "enablecompression");

    private static final Map<String, DateTimeFormatter> SUFFIXES = Map.of(
            "daily", DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC),
            "monthly", DateTimeFormatter.ofPattern("yyyy.MM").withZone(ZoneOffset.UTC),
            "annually", DateTimeFormatter.ofPattern("yyyy").withZone(ZoneOffset.UTC));

    private final HttpTransport http;
    private final URI url;
    private final String index;
    private final DateTimeFormatter suffix;
    private final boolean flatten;
    private final boolean gzip;
    private final Map<String, String> auth;

    private ElasticSink(HttpTransport http, URI url, String index, DateTimeFormatter suffix, boolean flatten, boolean gzip,
            Map<String, String> auth) {
        this.http = http;
        this.url = url;
        this.index = index;
        this.suffix = suffix;
        this.flatten = flatten;
        this.gzip = gzip;
        this.auth = auth;
    }

    static ElasticSink create(OutputSettings s) throws ConfigException {
        URI base = s.url("hostport", true);
        String index = s.string("index", "vigil");
        if (index.isBlank() || !index.equals(index.toLowerCase(java.util.Locale.ROOT)) || index.matches(".*[\\\\/*?\"<>| ,#:].*")) {
            throw s.error("index", "'" + index + "' is not a valid index name (lower case, none of \\ / * ? \" < > | space , # :)");
        }
        String suffixName = s.oneOf("suffix", "daily", Set.of("daily", "monthly", "annually", "none"));
        boolean dataStream = s.bool("datastream", false);
        String pipeline = s.string("pipeline", null);
        URI url = HttpTransport.append(base, "/_bulk");
        if (pipeline != null && !pipeline.isBlank()) {
            url = URI.create(url + "?pipeline=" + URLEncoder.encode(pipeline, StandardCharsets.UTF_8));
        }
        Map<String, String> auth = new LinkedHashMap<>();
        String apiKey = s.string("apikey", null);
        String user = s.string("username", null);
        String password = s.string("password", null);
        if (apiKey != null && user != null) {
            throw s.error("apikey", "give either apikey or username and password, not both");
        }
        if (apiKey != null) {
            auth.put("Authorization", "ApiKey " + apiKey);
        } else if (user != null) {
            auth.put("Authorization", HttpTransport.basic(user, password == null ? "" : password));
        } else if (password != null) {
            throw s.error("username", "required with password");
        }
        return new ElasticSink(HttpTransport.create(s), url, index, dataStream ? null : SUFFIXES.get(suffixName),
                s.bool("flattenfields", false), s.bool("enablecompression", false), Map.copyOf(auth));
    }

    @Override
    public Batching batching() {
        return new Batching(5000, 8L << 20, Duration.ofSeconds(1)); // bulk requests of 5-15 MB are what these servers index best
    }

    /** Thread-safe, and {@code create} with the uuid as id makes a batch sent twice or late harmless. */
    @Override
    public boolean concurrentSends() {
        return true;
    }

    /** The index (or data stream) an alert goes to. */
    String indexFor(FalcoAlert a) {
        return indexAt(a.timeNanos());
    }

    private String indexAt(long nanos) {
        return suffix == null ? index : index + "-" + suffix.format(Instant.ofEpochSecond(0, nanos));
    }

    /** The {@code _bulk} body for log records: their documents as they are. */
    byte[] logBody(List<LogItem> logs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(logs.size() * 512);
        long now = System.currentTimeMillis() * 1_000_000L;
        for (LogItem item : logs) {
            LogRecord r = item.record();
            Json.write(out, g -> {
                g.writeStartObject();
                g.writeObjectFieldStart("create");
                g.writeStringField("_index", indexAt(r.timeNanos(now)));
                g.writeStringField("_id", r.id());
                g.writeEndObject();
                g.writeEndObject();
            });
            out.write('\n');
            out.write(item.body(), 1, item.body().length - 1);
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The {@code _bulk} body for alerts written from their parsed fields. */
    byte[] body(List<FalcoAlert> alerts) {
        BodyBuffer out = new BodyBuffer(alerts.size() * 1024);
        alerts.forEach(a -> writeParsed(out, a));
        return out.toByteArray();
    }

    /** The action line and the document of an alert, written from its fields. */
    private void writeParsed(BodyBuffer out, FalcoAlert a) {
        Json.write(out, g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("create");
            g.writeStringField("_index", indexFor(a));
            if (a.uuid() != null) {
                g.writeStringField("_id", a.uuid());
            }
            g.writeEndObject();
            g.writeEndObject();
        });
        out.write('\n');
        Json.write(out, g -> {
            g.writeStartObject();
            g.writeStringField("@timestamp", a.time());
            Json.alertMembers(g, a, flatten);
            g.writeEndObject();
        });
        out.write('\n');
    }

    /**
     * One alert of a batch: its stored bytes in Falco's form with their {@link AlertHead}, or else the
     * parsed alert.
     */
    private record Doc(byte[] body, AlertHead head, FalcoAlert alert) {
        static Doc of(Envelope e) throws AlertFormatException {
            AlertHead h = e.head() != null ? e.head() : AlertHead.scan(e.body()); // (checked on receipt, or scanned)
            return h != null ? new Doc(e.body(), h, null) : new Doc(null, null, e.alert());
        }
    }

    /**
     * The action line and the document of an alert in Falco's form, from its bytes: {@code @timestamp}
     * spliced in after the opening brace, the rest as stored (the same members and values that
     * {@link #writeParsed} writes, the output fields in received order).
     */
    private void writeBytes(BodyBuffer out, byte[] body, AlertHead h) {
        out.add(actionPrefix(h.timeNanos()));
        if (h.hasUuid()) {
            out.add(ID);
            out.write(body, h.uuidStart(), h.uuidEnd() - h.uuidStart());
            out.write('"');
        }
        out.add(ACTION_END);
        out.add(TIMESTAMP);
        out.write(body, h.timeStart(), AlertHead.TIME_LENGTH);
        out.write('"');
        out.write(',');
        out.write(body, 1, body.length - 1);
        out.write('\n');
    }

    private static final byte[] ID = ",\"_id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACTION_END = "}}\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMP = "{\"@timestamp\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final long NANOS_PER_DAY = 86_400_000_000_000L;

    /** The start of the action line, up to the index name, for one UTC day; replaced when an alert of another day comes. */
    private record Prefix(long day, byte[] bytes) {}

    private volatile Prefix prefix;

    private byte[] actionPrefix(long nanos) {
        long day = Math.floorDiv(nanos, NANOS_PER_DAY);
        Prefix p = prefix;
        if (p == null || p.day() != day) {
            String name = indexAt(nanos);
            BodyBuffer b = new BodyBuffer(64);
            b.add("{\"create\":{\"_index\":".getBytes(StandardCharsets.US_ASCII));
            Json.write(b, g -> g.writeString(name));
            p = new Prefix(day, b.toByteArray());
            prefix = p;
        }
        return p.bytes();
    }

    @Override
    SendResult deliverAlerts(List<Envelope> alerts) throws InterruptedException {
        if (flatten) {
            return super.deliverAlerts(alerts);
        }
        return parsed(alerts, Doc::of, "not a valid alert: ", docs -> {
            BodyBuffer out = buffer();
            try {
                for (Doc d : docs) {
                    if (d.head() != null) {
                        writeBytes(out, d.body(), d.head());
                    } else {
                        writeParsed(out, d.alert());
                    }
                }
                return bulk(out, docs.size());
            } finally {
                release(out);
            }
        });
    }

    @Override
    SendResult deliverLogs(List<Envelope> logs) throws InterruptedException {
        return records(logs, items -> bulk(logBody(items), items.size()));
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
        return bulk(body(alerts), alerts.size());
    }

    /** Body buffers kept for reuse (one per send in progress). */
    private final ConcurrentLinkedQueue<BodyBuffer> buffers = new ConcurrentLinkedQueue<>();
    /** A buffer grown beyond this (one huge batch) is not kept. */
    private static final int KEEP_BYTES = 16 << 20;

    private BodyBuffer buffer() {
        BodyBuffer b = buffers.poll();
        if (b == null) {
            return new BodyBuffer(1 << 20);
        }
        b.reset();
        return b;
    }

    private void release(BodyBuffer b) {
        if (b.array().length <= KEEP_BYTES) {
            buffers.offer(b);
        }
    }

    private SendResult bulk(byte[] body, int n) throws InterruptedException {
        return http.send("POST", url, "application/x-ndjson", body, auth, gzip, r -> read(r, n));
    }

    private SendResult bulk(BodyBuffer body, int n) throws InterruptedException {
        return http.send("POST", url, "application/x-ndjson", body.array(), body.size(), auth, gzip, r -> read(r, n));
    }

    private static SendResult read(HttpTransport.Response r, int n) {
        SendResult whole = HttpTransport.classify(r);
        return whole.allDelivered() ? items(r.body(), n) : whole;
    }

    /** Reads a {@code _bulk} reply into one outcome per item. */
    static SendResult items(byte[] reply, int n) {
        Status[] statuses = new Status[n];
        String[] reasons = new String[n];
        int count = 0;
        boolean errors = true;
        try (JsonParser p = Json.FACTORY.createParser(reply)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return SendResult.retry("_bulk reply is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("errors")) {
                    errors = t == JsonToken.VALUE_TRUE;
                    if (!errors) {
                        return SendResult.ok(); // (before the items, as OpenSearch and Elasticsearch write it: nothing to read there)
                    }
                } else if (name.equals("items") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        p.nextToken(); // the action name
                        p.nextToken();
                        if (count < n) {
                            item(p, statuses, reasons, count);
                        } else {
                            p.skipChildren();
                        }
                        count++;
                        p.nextToken(); // end of the item
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return SendResult.retry("unreadable _bulk reply: " + e.getMessage());
        }
        if (!errors) {
            return SendResult.ok();
        }
        if (count != n) {
            return SendResult.retry("_bulk reply has " + count + " items for " + n + " documents");
        }
        return SendResult.perItem(statuses, reasons);
    }

    private static void item(JsonParser p, Status[] statuses, String[] reasons, int i) throws IOException {
        int status = 0;
        String type = null;
        String reason = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (name.equals("status") && t == JsonToken.VALUE_NUMBER_INT) {
                status = p.getIntValue();
            } else if (name.equals("error") && t == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String e = p.currentName();
                    JsonToken v = p.nextToken();
                    if (e.equals("type") && v == JsonToken.VALUE_STRING) {
                        type = p.getText();
                    } else if (e.equals("reason") && v == JsonToken.VALUE_STRING) {
                        reason = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        if ((status >= 200 && status < 300) || status == 409) {
            statuses[i] = Status.DELIVERED;
            return;
        }
        String why = "item status " + status + (type == null ? "" : ": " + type) + (reason == null ? "" : ": " + reason);
        statuses[i] = status == 429 || status >= 500 ? Status.RETRY : Status.REJECT;
        reasons[i] = why;
    }

    @Override
    public void close() {
        http.close();
    }
}
