package dev.vigil.app;

import com.sun.net.httpserver.HttpExchange;
import dev.vigil.admission.AdmissionReviews;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The validating admission webhook over HTTP(S): POST /validate answers an AdmissionReview (see
 * {@link AdmissionReviews}), GET /healthz answers ok. Verdicts that ask for an alert (audit mode,
 * not a dry run) go to {@code alerts} after the answer is sent.
 */
final class AdmissionServer extends HttpEndpoint {
    /** An AdmissionReview carries the object and the old object; Kubernetes objects stay below 1.5 MiB each. */
    static final long MAX_BODY = 8L * 1024 * 1024;

    private final AdmissionReviews reviews;
    private final Consumer<AdmissionReviews.Verdict> alerts;
    final AtomicLong allowed = new AtomicLong();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong alerted = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();

    AdmissionServer(InetSocketAddress listen, SSLContext tls, AdmissionReviews reviews, Consumer<AdmissionReviews.Verdict> alerts) throws IOException {
        super(listen, tls, HttpIo.ClientAuth.NONE, 256);
        this.reviews = reviews;
        this.alerts = alerts;
    }

    @Override
    void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (HttpIo.healthz(ex)) {
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/validate")) {
                reject(ex, 404, "not found: AdmissionReviews are POSTed to /validate");
                return;
            }
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().set("Allow", "POST");
                reject(ex, 405, "method " + ex.getRequestMethod() + " not allowed: POST an AdmissionReview");
                return;
            }
            byte[] body = HttpIo.readBody(ex, MAX_BODY);
            if (body == null) {
                reject(ex, 413, "request body larger than " + MAX_BODY + " bytes");
                return;
            }
            AdmissionReviews.Reply reply = reviews.review(body);
            if (reply.verdict() == null) {
                rejected.incrementAndGet();
                ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            } else {
                (reply.verdict().allowed() ? allowed : denied).incrementAndGet();
                ex.getResponseHeaders().set("Content-Type", "application/json");
            }
            ex.sendResponseHeaders(reply.status(), reply.body().length);
            try (var o = ex.getResponseBody()) {
                o.write(reply.body());
            }
            if (reply.verdict() != null && reply.verdict().alert()) {
                alerted.incrementAndGet();
                alerts.accept(reply.verdict());
            }
        }
    }

    private void reject(HttpExchange ex, int status, String reason) throws IOException {
        rejected.incrementAndGet();
        HttpIo.drain(ex.getRequestBody());
        HttpIo.send(ex, status, reason + "\n");
    }

    String counters() {
        return "allowed " + allowed.get() + ", denied " + denied.get() + ", alerts " + alerted.get() + ", bad requests " + rejected.get();
    }
}
