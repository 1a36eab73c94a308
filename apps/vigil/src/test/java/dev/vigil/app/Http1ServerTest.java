package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 input's parsing and connection handling, over raw sockets. */
class Http1ServerTest {
    private Http1Server server;

    /** Echoes "METHOD PATH body" and the X-Echo header when present. */
    private static Http1Server.Response echo(Http1Server.Request r) {
        String text = r.method + " " + r.path + " " + new String(r.body, StandardCharsets.UTF_8);
        Http1Server.Response res = Http1Server.Response.text(200, text);
        String x = r.header("x-echo");
        return x == null ? res : res.with("X-Echo", x);
    }

    private Socket start(Http1Server.Limits limits, Http1Server.Handler handler) throws IOException {
        server = new Http1Server(new InetSocketAddress("127.0.0.1", 0), null, false, 50, limits, handler);
        server.start();
        return connect();
    }

    private Socket start(Http1Server.Limits limits) throws IOException {
        return start(limits, Http1ServerTest::echo);
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.address().getPort());
        s.setSoTimeout(10_000); // a hang fails the test instead of blocking it
        return s;
    }

    private static final Http1Server.Limits SMALL = new Http1Server.Limits(256, 1024, 20, 1000, Duration.ofSeconds(30),
            Duration.ofSeconds(30), 16, Duration.ofSeconds(1));

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    record Answer(int status, Map<String, String> headers, String body) {}

    /** Reads one answer (status line, headers, Content-Length body); null at end of stream. */
    private static Answer read(InputStream in, boolean head) throws IOException {
        String status = line(in);
        if (status == null) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        int len = head ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(len);
        return new Answer(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static Answer read(InputStream in) throws IOException {
        return read(in, false);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** True when the server closed the connection: end of stream (or a reset) before another answer. */
    private static boolean closedByServer(Socket s) {
        try {
            return s.getInputStream().read() < 0;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void pipelinedKeepAliveRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        try (Socket s = start(SMALL)) {
            send(s, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Echo: one\r\n\r\nabc"
                    + "GET /b?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST / HTTP/1.1\r\ncontent-length: 5\r\n\r\nhello"
                    + "HEAD /c HTTP/1.1\r\n\r\n");
            InputStream in = s.getInputStream();
            Answer a = read(in);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("POST /a abc");
            assertThat(a.headers()).containsEntry("x-echo", "one").doesNotContainKey("connection");
            assertThat(read(in).body()).isEqualTo("GET /b ");
            assertThat(read(in).body()).isEqualTo("POST / hello");
            Answer head = read(in, true);
            assertThat(head.headers()).containsEntry("content-length", String.valueOf("HEAD /c ".length()));
            // the connection stays open: one more request after the pipelined ones
            send(s, "POST /d HTTP/1.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz");
            Answer last = read(in);
            assertThat(last.body()).as("no body was sent for HEAD").isEqualTo("POST /d z");
            assertThat(last.headers()).containsEntry("connection", "close");
            assertThat(closedByServer(s)).isTrue();
        }
    }

    @Test
    void chunkedBodiesAreJoinedAndLimited() throws Exception {
        try (Socket s = start(SMALL)) {
            send(s, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n");
            send(s, "0\r\nX-Trailer: y\r\n\r\n");
            assertThat(read(s.getInputStream()).body()).isEqualTo("POST /c hello world");
            // an empty chunked body, then one over the 1000-byte limit
            send(s, "POST /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
            assertThat(read(s.getInputStream()).body()).isEqualTo("POST /e ");
            send(s, "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" + "x".repeat(512) + "\r\n200\r\n"
                    + "y".repeat(512) + "\r\n0\r\n\r\n");
            Answer big = read(s.getInputStream());
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.headers()).containsEntry("connection", "close");
            assertThat(closedByServer(s)).isTrue();
        }
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
            assertThat(read(s.getInputStream()).status()).as("a chunk size that is not hex").isEqualTo(400);
        }
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(501);
        }
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).as("both framings (request smuggling)").isEqualTo(400);
        }
    }

    @Test
    void expect100ContinueIsAnsweredBeforeTheBodyAndNotForATooLargeOne() throws Exception {
        try (Socket s = start(SMALL)) {
            send(s, "POST /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            Answer cont = read(s.getInputStream());
            assertThat(cont.status()).isEqualTo(100);
            send(s, "body");
            assertThat(read(s.getInputStream()).body()).isEqualTo("POST /x body");
            send(s, "POST /y HTTP/1.1\r\nContent-Length: 1001\r\nExpect: 100-continue\r\n\r\n");
            Answer tooLarge = read(s.getInputStream());
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.body()).contains("larger than 1000 bytes");
            assertThat(closedByServer(s)).isTrue();
        }
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nContent-Length: 1\r\nExpect: something-else\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(417);
        }
    }

    @Test
    void malformedRequestsAreAnswered400AndClosed() throws Exception {
        for (String bad : new String[] {"GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n", "GET / HTTP/1.1\r\nName : v\r\n\r\n", "GET / HTTP/1.1\r\n folded: v\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
            try (Socket s = server == null ? start(SMALL) : connect()) {
                send(s, bad);
                Answer a = read(s.getInputStream());
                assertThat(a.status()).as(bad).isEqualTo(400);
                assertThat(a.headers()).as(bad).containsEntry("connection", "close");
                assertThat(closedByServer(s)).as(bad).isTrue();
            }
        }
        try (Socket s = connect()) {
            send(s, "GET / HTTP/2.0\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(505);
        }
    }

    @Test
    void oversizeRequestLineAndHeadersAreRefused() throws Exception {
        try (Socket s = start(SMALL)) {
            send(s, "GET /" + "a".repeat(300) + " HTTP/1.1\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(414);
            assertThat(closedByServer(s)).isTrue();
        }
        try (Socket s = connect()) {
            send(s, "GET / HTTP/1.1\r\nX-Big: " + "b".repeat(1400) + "\r\n\r\n");
            Answer a = read(s.getInputStream());
            assertThat(a.status()).isEqualTo(431);
            assertThat(closedByServer(s)).isTrue();
        }
        try (Socket s = connect()) {
            StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\n");
            for (int i = 0; i < 21; i++) {
                many.append("H").append(i).append(": v\r\n");
            }
            send(s, many.append("\r\n").toString());
            assertThat(read(s.getInputStream()).status()).as("more than 20 fields").isEqualTo(431);
        }
        // just under the limits is fine
        try (Socket s = connect()) {
            send(s, "GET /ok HTTP/1.1\r\nX-Echo: " + "c".repeat(900) + "\r\n\r\n");
            assertThat(read(s.getInputStream()).body()).isEqualTo("GET /ok ");
        }
    }

    @Test
    void slowAndIdleClientsAreTimedOut() throws Exception {
        Http1Server.Limits quick = SMALL.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));
        try (Socket s = start(quick)) {
            // a request that never completes: 408 once the read timeout has passed since its first byte
            long t0 = System.nanoTime();
            send(s, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
            Answer a = read(s.getInputStream());
            assertThat(a.status()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(closedByServer(s)).isTrue();
        }
        try (Socket s = connect()) {
            // a client trickling its head one byte at a time still gets 408 at the request's deadline
            byte[] head = "GET / HTTP/1.1\r\nX-Slow: 0123456789012345678901234567890123456789\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            s.setSoTimeout(50); // waiting up to 50 ms for an answer paces the bytes
            Answer a = null;
            for (int i = 0; i < head.length - 1 && a == null; i++) {
                s.getOutputStream().write(head[i]);
                try {
                    a = read(s.getInputStream());
                } catch (java.net.SocketTimeoutException notYet) {
                    // no answer yet: send the next byte
                }
            }
            s.setSoTimeout(10_000);
            if (a == null) {
                a = read(s.getInputStream());
            }
            assertThat(a.status()).isEqualTo(408);
        }
        try (Socket s = connect()) {
            // an idle keep-alive connection is closed without an answer
            send(s, "GET /first HTTP/1.1\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(200);
            assertThat(read(s.getInputStream())).as("closed after the idle timeout, no answer").isNull();
        }
    }

    @Test
    void connectionsOverTheLimitGet503() throws Exception {
        try (Socket first = start(SMALL.withMaxConnections(1))) {
            send(first, "GET / HTTP/1.1\r\n\r\n");
            assertThat(read(first.getInputStream()).status()).isEqualTo(200);
            try (Socket second = connect()) {
                Answer a = read(second.getInputStream());
                assertThat(a.status()).isEqualTo(503);
                assertThat(a.headers()).containsEntry("retry-after", "1");
            }
            assertThat(server.refusedConnections.sum()).isEqualTo(1);
        }
        // once the first is gone, a new one is served (the slot is freed when its thread ends)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int status = 0;
        while (status != 200 && System.nanoTime() < end) {
            try (Socket again = connect()) {
                send(again, "GET / HTTP/1.1\r\n\r\n");
                status = read(again.getInputStream()).status();
            }
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void closeStopsAcceptingAndLetsARequestInFlightFinish() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Socket busy = start(SMALL, r -> {
            if (r.path.equals("/slow")) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return echo(r);
        });
        try (busy; Socket idle = connect()) {
            send(idle, "GET /idle HTTP/1.1\r\n\r\n");
            assertThat(read(idle.getInputStream()).status()).isEqualTo(200);
            send(busy, "POST /slow HTTP/1.1\r\nContent-Length: 2\r\n\r\nok");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            int port = server.address().getPort();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            // the listener goes away and the idle connection is closed, while /slow is still running
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean refused = false;
            while (!refused && System.nanoTime() < end) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(1000);
                    refused = s.getInputStream().read() < 0;
                } catch (IOException e) {
                    refused = true;
                }
            }
            assertThat(refused).as("new connections refused after close()").isTrue();
            assertThat(closedByServer(idle)).as("idle connection closed").isTrue();
            release.countDown();
            Answer a = read(busy.getInputStream());
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("POST /slow ok");
            assertThat(a.headers()).as("no keep-alive while stopping").containsEntry("connection", "close");
            closing.get(10, TimeUnit.SECONDS);
        }
        server = null;
    }
}
