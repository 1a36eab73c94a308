package dev.vigil.app;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A local HTTP destination for tests: records every request and answers with a settable status. */
final class Receiver implements AutoCloseable {
    record Request(String method, String path, String authorization, String body) {}

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", ex -> {
            try (ex) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int s = status.get();
                if (s < 300) {
                    synchronized (requests) {
                        requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                                ex.getRequestHeaders().getFirst("Authorization"), body));
                    }
                }
                byte[] answer = (s < 300 ? "ok" : "refused with " + s).getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(s, answer.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(answer);
                }
            }
        });
        server.start();
    }

    /** The URL of {@code path} on this receiver. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The status answered from now on (requests answered with 300 or more are not recorded). */
    void answer(int code) {
        status.set(code);
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Polls until {@code n} recorded requests match, or fails after the deadline. */
    List<Request> await(int n, Predicate<Request> match, long timeoutMillis) {
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            List<Request> got = requests().stream().filter(match).toList();
            if (got.size() >= n || System.nanoTime() > end) {
                return got;
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(20); // poll interval of a deadline loop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return got;
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
