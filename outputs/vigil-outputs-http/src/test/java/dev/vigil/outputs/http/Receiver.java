package dev.vigil.outputs.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;

/**
 * A loopback HTTP(S) receiver for sink tests: records every request and answers with scripted
 * replies in order (200 with an empty body once the script is used up).
 */
final class Receiver implements AutoCloseable {
    /** A recorded request; {@code body} is already gunzipped when it was sent compressed. */
    record Request(String method, String path, Headers headers, byte[] body, byte[] raw) {
        String header(String name) {
            return headers.getFirst(name);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        Object json() {
            return JsonTree.parse(text());
        }
    }

    /** A scripted reply; {@code stallMillis} holds the answer back (to provoke client timeouts). */
    record Reply(int status, String body, List<String> headers, long stallMillis) {}

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final Deque<Reply> script = new ArrayDeque<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    private Receiver(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.start();
    }

    static Receiver start() {
        try {
            return new Receiver(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An HTTPS receiver; with {@code clientAuth}, a client certificate trusted by {@code ssl} is required. */
    static Receiver startTls(SSLContext ssl, boolean clientAuth) {
        try {
            HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            s.setHttpsConfigurator(new HttpsConfigurator(ssl) {
                @Override
                public void configure(HttpsParameters params) {
                    params.setNeedClientAuth(clientAuth);
                }
            });
            return new Receiver(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI url(String path) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    String base() {
        String u = url("/").toString();
        return u.substring(0, u.length() - 1);
    }

    /** Scripts the next reply; {@code headers} alternate name and value. */
    synchronized Receiver reply(int status, String body, String... headers) {
        script.add(new Reply(status, body, List.of(headers), 0));
        return this;
    }

    synchronized Receiver stall(long millis) {
        script.add(new Reply(200, "", List.of(), millis));
        return this;
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    synchronized Request only() {
        if (requests.size() != 1) {
            throw new AssertionError("expected one request, got " + requests.size());
        }
        return requests.getFirst();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] raw = ex.getRequestBody().readAllBytes();
        byte[] body = raw;
        if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                body = in.readAllBytes();
            }
        }
        Reply r;
        synchronized (this) {
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders(), body, raw));
            r = script.isEmpty() ? new Reply(200, "", List.of(), 0) : script.poll();
        }
        if (r.stallMillis() > 0) {
            try {
                closing.await(r.stallMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = 0; i + 1 < r.headers().size(); i += 2) {
            ex.getResponseHeaders().add(r.headers().get(i), r.headers().get(i + 1));
        }
        byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            ex.getResponseBody().write(out);
        }
        ex.close();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
