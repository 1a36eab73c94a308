package dev.vigil.app;

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
 * {@code /healthz} stay open for probes. Served by {@link Http1Server} (keep-alive, chunked bodies,
 * {@code Expect: 100-continue}, 60 s read and idle timeouts, at most 1024 connections).
 */
final class ForwardServer implements AutoCloseable {
    static final int DEFAULT_PORT = 2801;
    static final long MAX_BODY = 4L * 1024 * 1024;

    /**
     * How to serve: {@code tls} null for plain HTTP; {@code tokenHash} the SHA-256 of the bearer
     * token, or null; {@code limits} the HTTP limits and timeouts.
     */
    record Config(InetSocketAddress listen, SSLContext tls, boolean clientCertRequired, byte[] tokenHash, Http1Server.Limits limits) {
        Config(InetSocketAddress listen, SSLContext tls, boolean clientCertRequired, byte[] tokenHash) {
            this(listen, tls, clientCertRequired, tokenHash, Http1Server.Limits.defaults(MAX_BODY));
        }
    }

    private static final Http1Server.Response OK = new Http1Server.Response(200, Http1Server.Response.TEXT, new byte[0], null, null);
    private static final Http1Server.Response PONG = Http1Server.Response.text(200, "pong\n");
    private static final Http1Server.Response HEALTHY = new Http1Server.Response(200, "application/json",
            "{\"status\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8), null, null);
    private static final Http1Server.Response NOT_FOUND = Http1Server.Response.text(404,
            "not found: POST alerts to /; other paths are /ping, /healthz, /test, /metrics\n");

    private final Http1Server server;
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
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.hostname = hostname;
        this.tokenHash = config.tokenHash();
        this.server = new Http1Server(config.listen(), config.tls(), config.clientCertRequired(), 256, config.limits(), this::handle);
    }

    void start() {
        server.start();
    }

    /** The bound address (the port when 0 was asked for). */
    InetSocketAddress address() {
        return server.address();
    }

    /** Connections refused because the connection limit was reached. */
    long refusedConnections() {
        return server.refusedConnections.sum();
    }

    /** Stops accepting and lets requests in flight finish within a second. */
    @Override
    public void close() {
        server.close();
    }

    private Http1Server.Response handle(Http1Server.Request r) {
        return switch (r.path) {
            case "/" -> alert(r);
            case "/ping" -> PONG;
            case "/healthz" -> HEALTHY;
            case "/test" -> {
                Http1Server.Response denied = authorize(r);
                if (denied != null) {
                    yield denied;
                }
                forwarder.accept(Forwarder.testAlert(hostname));
                yield OK;
            }
            case "/metrics" -> {
                Http1Server.Response denied = authorize(r);
                yield denied != null ? denied : new Http1Server.Response(200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.get().getBytes(StandardCharsets.UTF_8), null, null);
            }
            default -> NOT_FOUND;
        };
    }

    private Http1Server.Response alert(Http1Server.Request r) {
        Http1Server.Response denied = authorize(r);
        if (denied != null) {
            return denied;
        }
        if (!r.method.equals("POST")) {
            invalid.increment();
            return Http1Server.Response.text(405, "method " + r.method + " not allowed: POST a Falco JSON alert\n").with("Allow", "POST");
        }
        FalcoAlert.Received a;
        try {
            a = FalcoAlert.parseReceived(r.body);
        } catch (AlertFormatException e) {
            invalid.increment();
            return Http1Server.Response.text(400, "Please send a valid request body: " + e.getMessage() + "\n");
        }
        Forwarder.Result res = forwarder.accept(a);
        if (res.rejected() > 0 || res.dropped() > 0) {
            // never a 200 for an alert some output could not keep: the sender learns it and may retry
            unavailable.increment();
            return Http1Server.Response.text(503, (res.rejected() + res.dropped()) + " output(s) could not take the alert (queue or spool "
                    + "full; see vigil_output_dropped_total and vigil_output_rejected_total)\n").with("Retry-After", "1");
        }
        accepted.increment();
        return OK;
    }

    /** Checks the bearer token when one is configured: null when allowed, else the 401/403 answer. */
    private Http1Server.Response authorize(Http1Server.Request r) {
        if (tokenHash == null) {
            return null;
        }
        String h = r.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            unauthorized.increment();
            return Http1Server.Response.text(401, "authentication required: Authorization: Bearer TOKEN\n").with("WWW-Authenticate", "Bearer");
        }
        byte[] given = AuditWebhook.sha256(h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(given, tokenHash)) {
            unauthorized.increment();
            return Http1Server.Response.text(403, "the bearer token is not the configured one\n");
        }
        return null;
    }
}
