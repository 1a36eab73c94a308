package dev.vigil.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** Request-body and response helpers shared by Vigil's HTTP endpoints (audit webhook, alert input). */
final class HttpIo {
    private HttpIo() {}

    /** Client certificates during the TLS handshake: not asked for, asked for, or required. */
    enum ClientAuth { NONE, WANTED, REQUIRED }

    /** A plain HTTP server, or HTTPS when {@code tls} is not null, bound to {@code listen} (not started). */
    static HttpServer server(InetSocketAddress listen, SSLContext tls, ClientAuth clientAuth, int backlog) throws IOException {
        if (tls == null) {
            return HttpServer.create(listen, backlog);
        }
        HttpsServer s = HttpsServer.create(listen, backlog);
        s.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setNeedClientAuth(clientAuth == ClientAuth.REQUIRED);
                if (clientAuth == ClientAuth.WANTED) {
                    p.setWantClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        });
        return s;
    }

    /** The body, or null when it is larger than {@code maxBody} bytes (declared or actual). */
    static byte[] readBody(HttpExchange ex, long maxBody) throws IOException {
        long declared = contentLength(ex); // unknown (-1): read with the limit below
        if (declared > maxBody) {
            return null;
        }
        if (declared >= 0 && declared <= Integer.MAX_VALUE - 16) { // the stream ends after Content-Length bytes: one array
            try (InputStream in = ex.getRequestBody()) {
                byte[] body = in.readNBytes((int) declared);
                if (body.length < declared) {
                    throw new IOException("the request body ended after " + body.length + " of " + declared + " bytes");
                }
                return body;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) Math.min(declared, 1 << 24) : 8192);
        byte[] buf = new byte[declared > 0 && declared < 65536 ? (int) declared + 1 : 65536];
        long total = 0;
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > maxBody) {
                    return null;
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    /** The request's Content-Length, or -1 when it has none or it is not a number. */
    static long contentLength(HttpExchange ex) {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                return Math.max(-1, Long.parseLong(len.trim()));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /** Reads and discards what is left of the body, so the connection can be reused. */
    static void drain(InputStream in) {
        try (in) {
            in.skip(Long.MAX_VALUE);
        } catch (IOException e) {
            // the answer is sent anyway
        }
    }

    /** Answers GET /healthz with "ok" and returns true; false (nothing sent) for any other path. */
    static boolean healthz(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/healthz")) {
            return false;
        }
        drain(ex.getRequestBody());
        send(ex, 200, "ok\n");
        return true;
    }

    /** Sends a text answer (plain text unless a Content-Type was set). */
    static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (!ex.getResponseHeaders().containsKey("Content-Type")) {
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        }
        if (b.length == 0) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }
}
