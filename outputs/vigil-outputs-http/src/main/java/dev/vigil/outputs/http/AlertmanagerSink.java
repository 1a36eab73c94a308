package dev.vigil.outputs.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.event.Priority;
import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's {@code POST /api/v2/alerts}: a JSON array of alerts, each with labels
 * ({@code alertname} = rule, {@code rule}, {@code source} "vigil", {@code eventsource},
 * {@code priority}, {@code severity}, {@code hostname}, {@code tags}, every non-null output field
 * under a sanitised name, then {@code extralabels}), annotations ({@code info} and
 * {@code description} = output, {@code summary} = rule, then {@code extraannotations}),
 * {@code startsAt} = alert time and, with {@code expiresafter}, {@code endsAt}.
 *
 * <p>With several instances in {@code hostport} (an Alertmanager cluster), the batch goes to each
 * and counts as delivered only when all accepted it; otherwise it is retried (or rejected when no
 * failure was retriable). Sending again to an instance that already has the alerts is harmless:
 * Alertmanager merges alerts with equal label sets.
 */
final class AlertmanagerSink extends AlertSink {
    private static final List<String> CORE = List.of("alertname", "rule", "source", "eventsource", "priority", "severity", "hostname", "tags");

    private final HttpTransport http;
    private final List<URI> urls;
    private final Duration expiresAfter;
    private final Map<String, String> extraLabels;
    private final Map<String, String> extraAnnotations;
    private final Map<Priority, String> severities;

    private AlertmanagerSink(HttpTransport http, List<URI> urls, Duration expiresAfter, Map<String, String> extraLabels,
            Map<String, String> extraAnnotations, Map<Priority, String> severities) {
        this.http = http;
        this.urls = urls;
        this.expiresAfter = expiresAfter;
        this.extraLabels = extraLabels;
        this.extraAnnotations = extraAnnotations;
        this.severities = severities;
    }

    static AlertmanagerSink create(OutputSettings s) throws ConfigException {
        List<String> hosts = s.list("hostport");
        if (hosts.isEmpty()) {
            s.require("hostport");
        }
        String endpoint = s.string("endpoint", "/api/v2/alerts");
        List<URI> urls = new ArrayList<>();
        for (String h : hosts) {
            urls.add(HttpTransport.append(HttpTransport.url(s, "hostport", h), endpoint));
        }
        Duration expires = Duration.ofSeconds(s.integer("expiresafter", 0, 0, Integer.MAX_VALUE));
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : s.map("extralabels").entrySet()) {
            labels.put(labelName(e.getKey()), e.getValue());
        }
        Map<Priority, String> severities = new EnumMap<>(Priority.class);
        for (Priority p : Priority.values()) {
            severities.put(p, defaultSeverity(p));
        }
        for (Map.Entry<String, String> e : s.map("customseveritymap").entrySet()) {
            Priority p = Priority.parse(e.getKey()).orElseThrow(() -> s.error("customseveritymap", "'" + e.getKey() + "' is not a priority"));
            severities.put(p, e.getValue());
        }
        return new AlertmanagerSink(HttpTransport.create(s), List.copyOf(urls), expires, labels, s.map("extraannotations"), severities);
    }

    static String defaultSeverity(Priority p) {
        return switch (p) {
            case DEBUG, INFORMATIONAL, NOTICE -> "information";
            case WARNING, ERROR -> "warning";
            case CRITICAL, ALERT, EMERGENCY -> "critical";
        };
    }

    /** A Prometheus label name: characters other than letters, digits and '_' become '_', and it cannot start with a digit. */
    static String labelName(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
            sb.append(ok ? c : '_');
        }
        if (sb.isEmpty() || Character.isDigit(sb.charAt(0))) {
            sb.insert(0, '_');
        }
        return sb.toString();
    }

    @Override
    public Batching batching() {
        return new Batching(100, 1 << 20, Duration.ofSeconds(1));
    }

    byte[] body(List<FalcoAlert> alerts) {
        return Json.bytes(g -> {
            g.writeStartArray();
            for (FalcoAlert a : alerts) {
                alert(g, a);
            }
            g.writeEndArray();
        });
    }

    private void alert(JsonGenerator g, FalcoAlert a) throws IOException {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("alertname", a.rule());
        labels.put("rule", a.rule());
        labels.put("source", "vigil");
        labels.put("eventsource", a.source());
        labels.put("priority", a.priority().displayName());
        labels.put("severity", severities.get(a.priority()));
        if (a.hostname() != null && !a.hostname().isEmpty()) {
            labels.put("hostname", a.hostname());
        }
        if (!a.tags().isEmpty()) {
            labels.put("tags", String.join(",", a.tags()));
        }
        for (Map.Entry<String, Object> e : new TreeMap<>(a.outputFields()).entrySet()) {
            String name = labelName(e.getKey());
            String value = Json.text(e.getValue());
            if (!value.isEmpty() && !CORE.contains(name)) {
                labels.putIfAbsent(name, value);
            }
        }
        labels.putAll(extraLabels);
        g.writeStartObject();
        g.writeObjectFieldStart("labels");
        for (Map.Entry<String, String> e : labels.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("annotations");
        g.writeStringField("info", a.output());
        g.writeStringField("description", a.output());
        g.writeStringField("summary", a.rule());
        for (Map.Entry<String, String> e : extraAnnotations.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        Instant start = Instant.ofEpochSecond(0, a.timeNanos()).truncatedTo(ChronoUnit.MILLIS);
        g.writeStringField("startsAt", start.toString());
        if (!expiresAfter.isZero()) {
            g.writeStringField("endsAt", start.plus(expiresAfter).toString());
        }
        g.writeEndObject();
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
        byte[] body = body(alerts);
        SendResult retry = null;
        SendResult reject = null;
        for (URI u : urls) {
            SendResult r = http.send("POST", u, "application/json", body, Map.of(), false);
            if (r.allDelivered()) {
                continue;
            }
            String why = urls.size() == 1 ? r.reason(0) : u.getHost() + ":" + u.getPort() + ": " + r.reason(0);
            if (r.status(0) == SendResult.Status.RETRY) {
                retry = retry == null ? (r.retryAfter() == null ? SendResult.retry(why) : SendResult.retry(why, r.retryAfter())) : retry;
            } else if (reject == null) {
                reject = SendResult.reject(why);
            }
        }
        return retry != null ? retry : reject != null ? reject : SendResult.ok();
    }

    @Override
    public void close() {
        http.close();
    }
}
