package dev.vigil.outputs.http;

import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
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
 * text or, with {@code format=json}, the alert JSON.
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

    byte[] body(List<FalcoAlert> alerts) {
        Map<Map<String, String>, List<FalcoAlert>> streams = new LinkedHashMap<>();
        for (FalcoAlert a : alerts) {
            streams.computeIfAbsent(labels(a), k -> new ArrayList<>()).add(a);
        }
        return Json.bytes(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("streams");
            for (Map.Entry<Map<String, String>, List<FalcoAlert>> s : streams.entrySet()) {
                g.writeStartObject();
                g.writeObjectFieldStart("stream");
                for (Map.Entry<String, String> l : s.getKey().entrySet()) {
                    g.writeStringField(l.getKey(), l.getValue());
                }
                g.writeEndObject();
                g.writeArrayFieldStart("values");
                List<FalcoAlert> entries = new ArrayList<>(s.getValue());
                entries.sort(Comparator.comparingLong(FalcoAlert::timeNanos));
                for (FalcoAlert a : entries) {
                    g.writeStartArray();
                    g.writeString(Long.toString(a.timeNanos()));
                    g.writeString(json ? a.toJson() : Look.summary(a));
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
    SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
        return http.send("POST", url, "application/json", body(alerts), headers, false);
    }

    @Override
    public void close() {
        http.close();
    }
}
