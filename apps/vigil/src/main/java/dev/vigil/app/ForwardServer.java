package dev.vigil.app;

import com.sun.net.httpserver.HttpExchange;
import dev.vigil.pipeline.AlertFormatException;
import dev.vigil.pipeline.FalcoAlert;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The alert input of `vigil forward`, Falcosidekick's contract: POST {@code /} with one Falco JSON
 * alert (200 with an empty body once every output has it queued or spooled; 400 with the reason
 * for a body that is not a valid alert; 503 when an output's spool is full under the {@code reject}
 * policy, so the sender may retry), {@code /ping}, {@code /healthz}, {@code /test} (a Debug alert
 * past every minimum priority) and {@code /metrics} (Prometheus text). Falco's {@code http_output}
 * can point at it unchanged.
 *
 * <p>Optional TLS, mutual TLS (client certificates verified against a CA) and a bearer token; the
 * token guards {@code /}, {@code /test} and {@code /metrics}, while {@code /ping} and
 * {@code /healthz} stay open for probes.
 */
final class ForwardServer extends HttpEndpoint {
    static final int DEFAULT_PORT = 2801;
    static final long MAX_BODY = 4L * 1024 * 1024;

    /** How to serve: {@code tls} null for plain HTTP; {@code tokenHash} the SHA-256 of the bearer token, or null. */
    record Config(InetSocketAddress listen, SSLContext tls, boolean clientCertRequired, byte[] tokenHash) {}

    private final Forwarder forwarder;
    private final Supplier<String> metrics;
    private final String hostname;
    private final byte[] tokenHash;
    final LongAdder accepted = new LongAdder();
    final LongAdder invalid = new LongAdder();
    final LongAdder unauthorized = new LongAdder();
    /** 503 answers: an output dropped or refused the alert. */
    final LongAdder unavailable = new LongAdder();

    ForwardServer(Config config, Forwarder forwarder, Supplier<String> metrics, String hostname) throws IOException {
        super(config.listen(), config.tls(), config.clientCertRequired() ? HttpIo.ClientAuth.REQUIRED : HttpIo.ClientAuth.NONE, 256);
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.hostname = hostname;
        this.tokenHash = config.tokenHash();
    }

    @Override
    void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/ping" -> {
                    HttpIo.drain(ex.getRequestBody());
                    HttpIo.send(ex, 200, "pong\n");
                }
                case "/healthz" -> {
                    HttpIo.drain(ex.getRequestBody());
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    HttpIo.send(ex, 200, "{\"status\": \"ok\"}\n");
                }
                case "/test" -> {
                    if (authorized(ex)) {
                        HttpIo.drain(ex.getRequestBody());
                        forwarder.accept(Forwarder.testAlert(hostname));
                        HttpIo.send(ex, 200, "");
                    }
                }
                case "/metrics" -> {
                    if (authorized(ex)) {
                        HttpIo.drain(ex.getRequestBody());
                        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                        HttpIo.send(ex, 200, metrics.get());
                    }
                }
                case "/" -> alert(ex);
                default -> {
                    HttpIo.drain(ex.getRequestBody());
                    HttpIo.send(ex, 404, "not found: POST alerts to /; other paths are /ping, /healthz, /test, /metrics\n");
                }
            }
        }
    }

    private void alert(HttpExchange ex) throws IOException {
        if (!authorized(ex)) {
            return;
        }
        if (!ex.getRequestMethod().equals("POST")) {
            HttpIo.drain(ex.getRequestBody());
            invalid.increment();
            ex.getResponseHeaders().set("Allow", "POST");
            HttpIo.send(ex, 405, "method " + ex.getRequestMethod() + " not allowed: POST a Falco JSON alert\n");
            return;
        }
        byte[] body = HttpIo.readBody(ex, MAX_BODY);
        if (body == null) {
            invalid.increment();
            HttpIo.send(ex, 413, "Please send a valid request body: larger than " + MAX_BODY + " bytes\n");
            return;
        }
        FalcoAlert a;
        try {
            a = FalcoAlert.parse(body);
        } catch (AlertFormatException e) {
            invalid.increment();
            HttpIo.send(ex, 400, "Please send a valid request body: " + e.getMessage() + "\n");
            return;
        }
        Forwarder.Result r = forwarder.accept(a);
        if (r.rejected() > 0 || r.dropped() > 0) {
            // never a 200 for an alert some output could not keep: the sender learns it and may retry
            unavailable.increment();
            ex.getResponseHeaders().set("Retry-After", "1");
            HttpIo.send(ex, 503, (r.rejected() + r.dropped()) + " output(s) could not take the alert (queue or spool full; "
                    + "see vigil_output_dropped_total and vigil_output_rejected_total)\n");
            return;
        }
        accepted.increment();
        HttpIo.send(ex, 200, "");
    }

    /** Checks the bearer token when one is configured; answers 401/403 itself. */
    private boolean authorized(HttpExchange ex) throws IOException {
        if (tokenHash == null) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            unauthorized.increment();
            HttpIo.drain(ex.getRequestBody());
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            HttpIo.send(ex, 401, "authentication required: Authorization: Bearer TOKEN\n");
            return false;
        }
        byte[] given = AuditWebhook.sha256(h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(given, tokenHash)) {
            unauthorized.increment();
            HttpIo.drain(ex.getRequestBody());
            HttpIo.send(ex, 403, "the bearer token is not the configured one\n");
            return false;
        }
        return true;
    }
}
