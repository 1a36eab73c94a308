package dev.vigil.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for OpenSearch's {@code _bulk}: counts the documents of each request (one action line
 * and one source line each) and answers at once {@code {"errors":false,"items":[…]}} with a 201 item
 * per document, so the forwarder's own capacity is measured without OpenSearch on the same cores.
 */
final class StubBulk implements AutoCloseable {
    private static final byte[] ITEM = "{\"create\":{\"status\":201}}".getBytes(StandardCharsets.US_ASCII);
    private final HttpServer server;
    private final AtomicLong documents = new AtomicLong();

    StubBulk() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", ex -> {
            long lines = 0;
            byte[] buf = new byte[65536];
            try (InputStream in = ex.getRequestBody()) {
                for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            lines++;
                        }
                    }
                }
            }
            int docs = (int) (lines / 2);
            byte[] reply;
            if (ex.getRequestURI().getPath().endsWith("/_bulk")) {
                java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(40 + docs * (ITEM.length + 1));
                b.writeBytes("{\"took\":0,\"errors\":false,\"items\":[".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < docs; i++) {
                    if (i > 0) {
                        b.write(',');
                    }
                    b.writeBytes(ITEM);
                }
                b.writeBytes("]}".getBytes(StandardCharsets.US_ASCII));
                reply = b.toByteArray();
                documents.addAndGet(docs);
            } else {
                reply = "{}".getBytes(StandardCharsets.US_ASCII); // anything else the output may ask
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, reply.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(reply);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Documents received in {@code _bulk} requests so far. */
    long documents() {
        return documents.get();
    }

    void reset() {
        documents.set(0);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
