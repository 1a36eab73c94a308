package dev.vigil.outputs.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Splunk's HTTP Event Collector: the batch is a run of concatenated JSON objects
 * {@code {"time": <epoch seconds.millis>, "host", "source", "sourcetype", "index", "event": <alert>}}
 * posted with {@code Authorization: Splunk <token>}. HEC answers {@code {"text":…,"code":N}}: code
 * 0 is success; 8 (internal error), 9 (server busy) and 18–20 (unhealthy) are worth another try;
 * the other codes (token, format, index problems) are not. When HEC names the bad event
 * ({@code invalid-event-number}), that event is rejected and the rest of the batch retried.
 */
final class SplunkSink extends AlertSink {
    static final String DEFAULT_PATH = "/services/collector/event";

    private final HttpTransport http;
    private final URI url;
    private final Map<String, String> auth;
    private final String index;
    private final String source;
    private final String sourcetype;
    private final String host;

    private SplunkSink(HttpTransport http, URI url, String token, String index, String source, String sourcetype, String host) {
        this.http = http;
        this.url = url;
        this.auth = Map.of("Authorization", "Splunk " + token);
        this.index = index;
        this.source = source;
        this.sourcetype = sourcetype;
        this.host = host;
    }

    static SplunkSink create(OutputSettings s) throws ConfigException {
        URI url = s.url("url", true);
        if (url.getRawPath() == null || url.getRawPath().isEmpty() || url.getRawPath().equals("/")) {
            url = HttpTransport.append(url, DEFAULT_PATH);
        }
        String token = s.require("token");
        return new SplunkSink(HttpTransport.create(s), url, token, s.string("index", null), s.string("source", null),
                s.string("sourcetype", "vigil"), s.string("host", null));
    }

    @Override
    public Batching batching() {
        return new Batching(500, 1 << 20, Duration.ofSeconds(1));
    }

    byte[] body(List<FalcoAlert> alerts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(alerts.size() * 1024);
        for (FalcoAlert a : alerts) {
            String h = host != null ? host : a.hostname();
            Json.write(out, g -> {
                g.writeStartObject();
                g.writeNumberField("time", BigDecimal.valueOf(Math.floorDiv(a.timeNanos(), 1_000_000L), 3));
                if (h != null && !h.isEmpty()) {
                    g.writeStringField("host", h);
                }
                if (source != null) {
                    g.writeStringField("source", source);
                }
                g.writeStringField("sourcetype", sourcetype);
                if (index != null) {
                    g.writeStringField("index", index);
                }
                g.writeFieldName("event");
                g.writeRawValue(a.toJson());
                g.writeEndObject();
            });
        }
        return out.toByteArray();
    }

    /**
     * Log records: {@code event} is the message, {@code time} the line's own time, {@code host}
     * the node (unless configured), {@code source} the log file, and the Kubernetes names and the
     * stream go to {@code fields} (indexed fields).
     */
    byte[] logBody(List<LogItem> logs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(logs.size() * 512);
        long now = System.currentTimeMillis() * 1_000_000L;
        for (LogItem item : logs) {
            LogRecord r = item.record();
            String h = host != null ? host : r.host();
            Json.write(out, g -> {
                g.writeStartObject();
                g.writeNumberField("time", BigDecimal.valueOf(Math.floorDiv(r.timeNanos(now), 1_000_000L), 3));
                if (h != null && !h.isEmpty()) {
                    g.writeStringField("host", h);
                }
                g.writeStringField("source", source != null ? source : r.file());
                g.writeStringField("sourcetype", sourcetype);
                if (index != null) {
                    g.writeStringField("index", index);
                }
                g.writeStringField("event", r.message());
                g.writeObjectFieldStart("fields");
                if (r.pod() != null) {
                    g.writeStringField("namespace", r.namespace());
                    g.writeStringField("pod", r.pod());
                    g.writeStringField("pod_uid", r.podUid());
                    g.writeStringField("container", r.container());
                    g.writeNumberField("restart", r.restart());
                }
                if (r.stream() != null) {
                    g.writeStringField("stream", r.stream());
                }
                if (r.malformed()) {
                    g.writeStringField("malformed", "true");
                }
                g.writeEndObject();
                g.writeEndObject();
            });
        }
        return out.toByteArray();
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
        return post(body(alerts), alerts.size());
    }

    @Override
    SendResult deliverLogs(List<Envelope> logs) throws InterruptedException {
        return records(logs, items -> post(logBody(items), items.size()));
    }

    private SendResult post(byte[] body, int n) throws InterruptedException {
        return http.send("POST", url, "application/json", body, auth, false, r -> classify(r, n));
    }

    /** Combines the HTTP status and HEC's own code. */
    static SendResult classify(HttpTransport.Response r, int n) {
        int code = -1;
        int invalidEvent = -1;
        String text = null;
        try (JsonParser p = Json.FACTORY.createParser(r.body())) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if (name.equals("code") && t == JsonToken.VALUE_NUMBER_INT) {
                        code = p.getIntValue();
                    } else if (name.equals("invalid-event-number") && t == JsonToken.VALUE_NUMBER_INT) {
                        invalidEvent = p.getIntValue();
                    } else if (name.equals("text") && t == JsonToken.VALUE_STRING) {
                        text = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            // not HEC's JSON (a proxy's page, say): the HTTP status alone decides
        }
        SendResult byStatus = HttpTransport.classify(r);
        if (code < 0 || code == 0) {
            return byStatus;
        }
        String why = "HEC code " + code + (text == null ? "" : " (" + text + ")") + ", HTTP " + r.status();
        if (byStatus.status(0) == Status.RETRY || code == 8 || code == 9 || (code >= 18 && code <= 20)) {
            return byStatus.retryAfter() != null ? SendResult.retry(why, byStatus.retryAfter()) : SendResult.retry(why);
        }
        if (invalidEvent >= 0 && invalidEvent < n && n > 1) {
            Status[] statuses = new Status[n];
            String[] reasons = new String[n];
            Arrays.fill(statuses, Status.RETRY);
            Arrays.fill(reasons, "resent after HEC rejected event " + invalidEvent + " of the batch");
            statuses[invalidEvent] = Status.REJECT;
            reasons[invalidEvent] = why;
            return SendResult.perItem(statuses, reasons);
        }
        return SendResult.reject(why);
    }

    @Override
    public void close() {
        http.close();
    }
}
