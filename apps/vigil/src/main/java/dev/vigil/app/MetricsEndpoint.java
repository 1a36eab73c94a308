package dev.vigil.app;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * A plain HTTP endpoint for Prometheus: {@code GET /metrics} answers the text exposition format
 * rendered on each request, {@code /healthz} answers {@code ok}. Serves commands that have no HTTP
 * server of their own ({@code vigil logs}).
 */
final class MetricsEndpoint extends HttpEndpoint {
    private final Supplier<String> metrics;

    MetricsEndpoint(InetSocketAddress listen, Supplier<String> metrics) throws IOException {
        super(listen, null, HttpIo.ClientAuth.NONE, 16);
        this.metrics = metrics;
    }

    /**
     * Starts an endpoint on {@code listen} (HOST:PORT, port 0 for any) and says on {@code err} where:
     * {@code vigil: <what> at http://HOST:PORT/metrics}.
     */
    static MetricsEndpoint start(String listen, Supplier<String> metrics, java.io.PrintWriter err, String what) throws IOException {
        MetricsEndpoint e = new MetricsEndpoint(ListenAddress.parse(listen, "--metrics-listen"), metrics);
        e.start();
        err.println("vigil: " + what + " at http://" + listen.substring(0, listen.lastIndexOf(':') + 1) + e.address().getPort()
                + "/metrics");
        err.flush();
        return e;
    }

    @Override
    void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (HttpIo.healthz(ex)) {
                return;
            }
            if (!ex.getRequestURI().getPath().equals("/metrics")) {
                HttpIo.send(ex, 404, "not found: metrics are at /metrics, health at /healthz\n");
                return;
            }
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                HttpIo.send(ex, 405, "method " + ex.getRequestMethod() + " not allowed: GET /metrics\n");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            HttpIo.send(ex, 200, metrics.get());
        }
    }
}
