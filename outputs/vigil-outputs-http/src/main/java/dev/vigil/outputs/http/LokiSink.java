package dev.vigil.outputs.http;

import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.LogRecord;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loki's push API: {@code {"streams":[{"stream":{labels},"values":[["<unix ns>","<line>"],…]}]}},
 * one stream per label set in the batch, entries of a stream in time order. Labels stay few so
 * streams stay few: {@code source}, {@code priority}, {@code rule}, {@code hostname}, the
 * Kubernetes namespace and pod when the alert has them, and the output fields named in
 * {@code extralabels} (dots and other characters Loki refuses become '_'). The line is the output
 * text or, with {@code format=json}, the alert JSON. Log records: see {@link #logBody}.
 */
final class LokiSink extends AlertSink {
    private final HttpTransport http;
    private final URI url;
    private final Map<String, String> headers;
    private final boolean json;
    private final List<String> extraLabels;

    private LokiSink(HttpTransport http, URI url, Map<String, String> headers, boolean json, List<String> extraLabels) {
        this.http = http;
        this.url = url;
        this.headers = headers;
        this.json = json;
        this.extraLabels = extraLabels;
    }

    static LokiSink create(OutputSettings s) throws ConfigException {
        URI url = HttpTransport.append(s.url("hostport", true), s.string("endpoint", "/loki/api/v1/push"));
        Map<String, String> headers = new LinkedHashMap<>();
        String tenant = s.string("tenant", null);
        if (tenant != null && !tenant.isBlank()) {
            headers.put("X-Scope-OrgID", tenant);
        }
        String user = s.string("user", null);
        String key = s.string("apikey", null);
        if ((user == null) != (key == null)) {
            throw s.error(user == null ? "user" : "apikey", "user and apikey go together (basic authentication)");
        }
        if (user != null) {
            headers.put("Authorization", HttpTransport.basic(user, key));
        }
        List<String> extra = new ArrayList<>();
        for (String f : s.list("extralabels")) {
            for (String part : f.split(",")) {
                if (!part.isBlank()) {
                    extra.add(part.trim());
                }
            }
        }
        boolean json = s.oneOf("format", "text", Set.of("text", "json")).equals("json");
        return new LokiSink(HttpTransport.create(s), url, Map.copyOf(headers), json, List.copyOf(extra));
    }

    @Override
    public Batching batching() {
        return new Batching(1000, 1 << 20, Duration.ofSeconds(1));
    }

    Map<String, String> labels(FalcoAlert a) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put("source", a.source());
        l.put("priority", a.priority().displayName());
        l.put("rule", a.rule());
        put(l, "hostname", a.hostname());
        put(l, "k8s_ns_name", a.field("k8s.ns.name"));
        put(l, "k8s_pod_name", a.field("k8s.pod.name"));
        for (String f : extraLabels) {
            put(l, AlertmanagerSink.labelName(f), a.field(f));
        }
        return l;
    }

    private static void put(Map<String, String> labels, String name, Object value) {
        String v = Json.text(value);
        if (!v.isEmpty()) {
            labels.putIfAbsent(name, v);
        }
    }

    /** One line for Loki: its labels, time and text. */
    private record Entry(Map<String, String> labels, long nanos, String line) {}

    byte[] body(List<FalcoAlert> alerts) {
        List<Entry> entries = new ArrayList<>(alerts.size());
        for (FalcoAlert a : alerts) {
            entries.add(new Entry(labels(a), a.timeNanos(), json ? a.toJson() : Look.summary(a)));
        }
        return push(entries);
    }

    /**
     * Log records: the line is the message; the labels are {@code namespace}, {@code pod},
     * {@code container}, {@code stream} and {@code host} for container logs, {@code host} and
     * {@code filename} for node logs (the pod uid and restart count would only multiply streams).
     */
    byte[] logBody(List<LogItem> logs) {
        long now = System.currentTimeMillis() * 1_000_000L;
        List<Entry> entries = new ArrayList<>(logs.size());
        for (LogItem item : logs) {
            LogRecord r = item.record();
            Map<String, String> l = new LinkedHashMap<>();
            if (r.pod() != null) {
                put(l, "namespace", r.namespace());
                put(l, "pod", r.pod());
                put(l, "container", r.container());
                put(l, "stream", r.stream());
            } else {
                put(l, "filename", r.file());
            }
            put(l, "host", r.host());
            entries.add(new Entry(l, r.timeNanos(now), r.message()));
        }
        return push(entries);
    }

    private static byte[] push(List<Entry> entries) {
        Map<Map<String, String>, List<Entry>> streams = new LinkedHashMap<>();
        for (Entry e : entries) {
            streams.computeIfAbsent(e.labels(), k -> new ArrayList<>()).add(e);
        }
        return Json.bytes(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("streams");
            for (Map.Entry<Map<String, String>, List<Entry>> s : streams.entrySet()) {
                g.writeStartObject();
                g.writeObjectFieldStart("stream");
                for (Map.Entry<String, String> l : s.getKey().entrySet()) {
                    g.writeStringField(l.getKey(), l.getValue());
                }
                g.writeEndObject();
                g.writeArrayFieldStart("values");
                List<Entry> sorted = new ArrayList<>(s.getValue());
                sorted.sort(Comparator.comparingLong(Entry::nanos));
                for (Entry e : sorted) {
                    g.writeStartArray();
                    g.writeString(Long.toString(e.nanos()));
                    g.writeString(e.line());
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    @Override
    SendResult deliverLogs(List<Envelope> logs) throws InterruptedException {
        return records(logs, items -> http.send("POST", url, "application/json", logBody(items), headers, false));
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
        return http.send("POST", url, "application/json", body(alerts), headers, false);
    }

    @Override
    public void close() {
        http.close();
    }
}
