package dev.vigil.app;

import dev.vigil.pipeline.Output;
import dev.vigil.pipeline.OutputCounters;
import dev.vigil.pipeline.PrometheusText;

/** Prometheus text for `vigil forward` (input requests, every output's counters) and the summary printed at exit. */
final class ForwardMetrics {
    private ForwardMetrics() {}

    /** The /metrics body; {@code server} null when only outputs run (the agent). */
    static String render(Forwarder forwarder, ForwardServer server) {
        PrometheusText t = new PrometheusText();
        if (server != null) {
            String help = "Requests to the alert input, by outcome: accepted, invalid (400/405/413), unauthorized (401/403), "
                    + "unavailable (503: an output dropped or refused the alert: queue or spool full).";
            t.counter("vigil_forward_requests_total", help, server.accepted.sum(), "status", "accepted");
            t.counter("vigil_forward_requests_total", help, server.invalid.sum(), "status", "invalid");
            t.counter("vigil_forward_requests_total", help, server.unauthorized.sum(), "status", "unauthorized");
            t.counter("vigil_forward_requests_total", help, server.unavailable.sum(), "status", "unavailable");
            t.counter("vigil_forward_connections_refused_total",
                    "Connections to the alert input answered with 503 and closed: the connection limit (1024) was reached.",
                    server.refusedConnections());
        }
        t.counter("vigil_forward_alerts_total", "Alerts offered to the outputs (received, test and internal alerts).",
                forwarder.received.sum());
        for (Output o : forwarder.outputs()) {
            o.counters().snapshot().writeTo(t);
        }
        return t.render();
    }

    /** One line per output for the exit summary. */
    static String summary(ForwardServer server, Forwarder forwarder) {
        StringBuilder b = new StringBuilder();
        if (server != null) {
            b.append("requests accepted ").append(server.accepted.sum()).append(", invalid ").append(server.invalid.sum())
                    .append(", unauthorized ").append(server.unauthorized.sum()).append(", unavailable ").append(server.unavailable.sum());
        }
        for (Output o : forwarder.outputs()) {
            OutputCounters.Snapshot s = o.counters().snapshot();
            b.append(b.isEmpty() ? "" : "; ").append(s.name()).append(" (").append(s.type()).append("): accepted ").append(s.accepted())
                    .append(", delivered ").append(s.delivered()).append(", retried ").append(s.retried()).append(", spooled ")
                    .append(s.spooled()).append(", dead-lettered ").append(s.deadLettered()).append(", queued ").append(s.queued());
            long dropped = s.dropped().values().stream().mapToLong(Long::longValue).sum();
            if (dropped > 0) {
                b.append(", dropped ").append(dropped).append(' ').append(s.dropped());
            }
        }
        return b.toString();
    }

}
