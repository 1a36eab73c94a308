package dev.vigil.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A small HTTP/1.1 server for the alert input of `vigil forward`: blocking sockets, one virtual
 * thread per connection, keep-alive and pipelining (answers to requests already buffered are
 * written together), {@code Content-Length} and chunked request bodies read whole before the
 * handler runs, {@code Expect: 100-continue}, one write per answer and no per-request header maps.
 *
 * <p>Answers it gives itself, closing the connection afterwards: 400 for a malformed request line,
 * header or chunk; 408 when a started request does not arrive within the read timeout; 413 for a
 * body over the limit (before {@code 100 Continue}); 414 for an overlong request line; 431 for
 * oversize headers; 417 for another expectation; 501 for a transfer coding other than chunked;
 * 503 when the connection limit is reached. An idle keep-alive connection is closed silently after
 * the idle timeout. TLS uses an {@link SSLServerSocket}, optionally requiring client certificates.
 */
final class Http1Server implements AutoCloseable {

    /** Limits and timeouts. */
    record Limits(int maxRequestLine, int maxHeaderBytes, int maxHeaders, long maxBody, Duration readTimeout,
            Duration idleTimeout, int maxConnections, Duration stopGrace) {
        static Limits defaults(long maxBody) {
            return new Limits(8192, 16384, 100, maxBody, Duration.ofSeconds(60), Duration.ofSeconds(60), 1024,
                    Duration.ofSeconds(1));
        }

        Limits withTimeouts(Duration read, Duration idle) {
            return new Limits(maxRequestLine, maxHeaderBytes, maxHeaders, maxBody, read, idle, maxConnections, stopGrace);
        }

        Limits withMaxConnections(int n) {
            return new Limits(maxRequestLine, maxHeaderBytes, maxHeaders, maxBody, readTimeout, idleTimeout, n, stopGrace);
        }
    }

    /** One request, valid until the handler returns. */
    static final class Request {
        private byte[] head;
        private int[] fields = new int[32]; // per header: name start, name end, value start, value end (into head)
        private int fieldCount;
        String method;
        String path;
        byte[] body;

        /** The first value of header {@code name} (case-insensitive), or null. */
        String header(String name) {
            for (int i = 0; i < fieldCount; i++) {
                int ns = fields[4 * i];
                int ne = fields[4 * i + 1];
                if (ne - ns == name.length() && asciiEqualsIgnoreCase(head, ns, name)) {
                    return new String(head, fields[4 * i + 2], fields[4 * i + 3] - fields[4 * i + 2], StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }
    }

    /** An answer; {@code headerName}/{@code headerValue} one optional extra header. */
    record Response(int status, String contentType, byte[] body, String headerName, String headerValue) {
        static final String TEXT = "text/plain; charset=utf-8";

        static Response text(int status, String text) {
            return new Response(status, TEXT, text.getBytes(StandardCharsets.UTF_8), null, null);
        }

        Response with(String name, String value) {
            return new Response(status, contentType, body, name, value);
        }
    }

    /** Answers one request. An exception is answered with 500 and closes the connection. */
    @FunctionalInterface
    interface Handler {
        Response handle(Request r) throws IOException;
    }

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final ServerSocket listener;
    private final Handler handler;
    private final Limits limits;
    private final Semaphore slots;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean stopping;
    /** Connections refused with 503 because the limit was reached. */
    final LongAdder refusedConnections = new LongAdder();

    Http1Server(InetSocketAddress listen, SSLContext tls, boolean clientCertRequired, int backlog, Limits limits,
            Handler handler) throws IOException {
        this.handler = handler;
        this.limits = limits;
        this.slots = new Semaphore(limits.maxConnections());
        InetAddress host = listen.isUnresolved() ? null : listen.getAddress();
        if (tls == null) {
            listener = new ServerSocket(listen.getPort(), backlog, host);
        } else {
            SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(listen.getPort(), backlog, host);
            s.setNeedClientAuth(clientCertRequired);
            listener = s;
        }
        acceptor = Thread.ofPlatform().name("vigil-http-accept").daemon().unstarted(this::acceptLoop);
    }

    void start() {
        acceptor.start();
    }

    /** The bound address (the port when 0 was asked for). */
    InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    private void acceptLoop() {
        while (!stopping) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                if (stopping || listener.isClosed()) {
                    return;
                }
                continue; // e.g. too many open files: try again
            }
            if (!slots.tryAcquire()) {
                refusedConnections.increment();
                Thread.ofVirtual().name("vigil-http-refuse").start(() -> refuse(s));
                continue;
            }
            Connection c = new Connection(s);
            connections.add(c);
            c.thread = Thread.ofVirtual().name("vigil-http").unstarted(c::serve);
            c.thread.start();
        }
    }

    private static void refuse(Socket s) {
        try (s) {
            s.setSoTimeout(1000);
            s.getOutputStream().write(head(503, Response.TEXT, 0, "Retry-After", "1", true));
            s.getOutputStream().flush();
        } catch (IOException ignored) {
            // the client went away
        }
    }

    /**
     * Stops accepting, closes idle connections, lets requests in flight finish within the stop grace
     * (a second by default), then closes what is left and waits for the connection threads.
     */
    @Override
    public void close() {
        stopping = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Connection c : connections) {
            if (!c.busy) {
                c.closeSocket();
            }
        }
        long end = System.nanoTime() + limits.stopGrace().toNanos();
        for (Connection c : connections) {
            joinUntil(c.thread, end);
        }
        for (Connection c : connections) {
            c.closeSocket();
        }
        long late = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (Connection c : connections) {
            joinUntil(c.thread, late);
        }
        joinUntil(acceptor, late);
    }

    private static void joinUntil(Thread t, long endNanos) {
        long left = endNanos - System.nanoTime();
        if (t == null || left <= 0) {
            return;
        }
        try {
            t.join(Duration.ofNanos(left));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request that cannot be served: answered with {@code status}, then the connection is closed. */
    private static final class Refusal extends Exception {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final class Connection {
        final Socket socket;
        Thread thread;
        volatile boolean busy;
        private InputStream in;
        private OutputStream out;
        private byte[] buf = new byte[4096];
        private int pos;
        private int lim;
        private byte[] outBuf = new byte[512];
        private int outLen;
        private long deadline;
        private final Request request = new Request();

        Connection(Socket socket) {
            this.socket = socket;
        }

        void closeSocket() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        /**
         * After an answer that leaves request bytes unread: stops writing and discards what the
         * client still sends for up to a second, so closing does not reset the connection before
         * the client has read the answer.
         */
        private void lingeringClose() {
            try {
                socket.shutdownOutput();
                socket.setSoTimeout(1000);
                long end = System.nanoTime() + 1_000_000_000L;
                byte[] sink = buf.length >= 4096 ? buf : new byte[4096];
                long total = 0;
                while (System.nanoTime() < end && total < 8L * limits.maxBody()) {
                    int n = in.read(sink, 0, sink.length);
                    if (n < 0) {
                        return;
                    }
                    total += n;
                }
            } catch (IOException | UnsupportedOperationException e) {
                // closing anyway (TLS sockets cannot half-close)
            }
        }

        void serve() {
            try {
                socket.setTcpNoDelay(true);
                in = socket.getInputStream();
                out = socket.getOutputStream();
                while (!stopping) {
                    if (!nextRequest()) {
                        break;
                    }
                }
            } catch (IOException e) {
                // the client went away, reset or timed out while idle
            } finally {
                closeSocket();
                connections.remove(this);
                slots.release();
            }
        }

        /** Reads, answers and (when nothing more is buffered) flushes one request; false to close. */
        private boolean nextRequest() throws IOException {
            // an idle connection waits for the first byte of the next request
            while (true) {
                while (pos < lim && (buf[pos] == '\r' || buf[pos] == '\n')) {
                    pos++;
                }
                if (pos < lim) {
                    break;
                }
                pos = 0;
                lim = 0;
                flush(); // answers to pipelined requests go out before waiting
                busy = false;
                if (stopping) {
                    return false;
                }
                socket.setSoTimeout(millis(limits.idleTimeout()));
                int n;
                try {
                    n = in.read(buf, 0, buf.length);
                } catch (SocketTimeoutException idle) {
                    return false;
                } finally {
                    busy = true;
                }
                if (n < 0) {
                    return false;
                }
                lim = n;
            }
            deadline = System.nanoTime() + limits.readTimeout().toNanos();
            boolean keepAlive;
            Response response;
            boolean head;
            try {
                keepAlive = readRequest();
                head = request.method.equals("HEAD");
                try {
                    response = handler.handle(request);
                } catch (RuntimeException e) {
                    response = Response.text(500, "internal error: " + e + "\n");
                    keepAlive = false;
                }
            } catch (Refusal r) {
                write(r.status, Response.TEXT, (r.getMessage() + "\n").getBytes(StandardCharsets.UTF_8), null, null, true, false);
                flush();
                lingeringClose();
                return false;
            } catch (SocketTimeoutException t) {
                write(408, Response.TEXT, "request not received within the read timeout\n".getBytes(StandardCharsets.UTF_8),
                        null, null, true, false);
                flush();
                lingeringClose();
                return false;
            } finally {
                request.body = null;
            }
            keepAlive &= !stopping;
            write(response.status(), response.contentType(), response.body(), response.headerName(), response.headerValue(),
                    !keepAlive, head);
            if (!keepAlive) {
                flush();
            }
            return keepAlive; // otherwise flushed before the next blocking read
        }

        /** Parses the head and reads the body into {@link #request}; true when the connection stays open. */
        private boolean readRequest() throws IOException, Refusal {
            int headEnd = readHead();
            Request r = request;
            r.head = buf;
            r.fieldCount = 0;
            r.body = null;
            int lineEnd = indexOf(buf, pos, headEnd, (byte) '\n');
            if (lineEnd - pos > limits.maxRequestLine()) {
                throw new Refusal(414, "request line longer than " + limits.maxRequestLine() + " bytes");
            }
            if (headEnd - lineEnd > limits.maxHeaderBytes()) {
                throw new Refusal(431, "request header fields larger than " + limits.maxHeaderBytes() + " bytes");
            }
            int lineStop = lineEnd > pos && buf[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            int sp1 = indexOf(buf, pos, lineStop, (byte) ' ');
            int sp2 = sp1 < 0 ? -1 : indexOf(buf, sp1 + 1, lineStop, (byte) ' ');
            if (sp1 <= pos || sp2 <= sp1 + 1 || indexOf(buf, sp2 + 1, lineStop, (byte) ' ') >= 0) {
                throw new Refusal(400, "malformed request line");
            }
            for (int i = pos; i < sp1; i++) {
                if (!isTokenChar(buf[i])) {
                    throw new Refusal(400, "malformed request line: bad method");
                }
            }
            int vlen = lineStop - sp2 - 1;
            if (vlen != 8 || !startsWith(buf, sp2 + 1, "HTTP/1.") || (buf[lineStop - 1] != '1' && buf[lineStop - 1] != '0')) {
                throw new Refusal(vlen == 8 && startsWith(buf, sp2 + 1, "HTTP/") ? 505 : 400,
                        "malformed request line: expected HTTP/1.1 or HTTP/1.0");
            }
            boolean http10 = buf[lineStop - 1] == '0';
            r.method = method(buf, pos, sp1);
            r.path = path(buf, sp1 + 1, sp2);
            // header fields
            long contentLength = -1;
            boolean chunked = false;
            boolean expectContinue = false;
            boolean close = http10;
            int p = lineEnd + 1;
            while (p < headEnd) {
                int e = indexOf(buf, p, headEnd, (byte) '\n');
                int stop = e > p && buf[e - 1] == '\r' ? e - 1 : e;
                if (stop == p) {
                    break; // the empty line
                }
                int colon = indexOf(buf, p, stop, (byte) ':');
                if (colon <= p || buf[p] == ' ' || buf[p] == '\t' || buf[colon - 1] == ' ' || buf[colon - 1] == '\t') {
                    throw new Refusal(400, "malformed header field");
                }
                for (int i = p; i < colon; i++) {
                    if (!isTokenChar(buf[i])) {
                        throw new Refusal(400, "malformed header field name");
                    }
                }
                int vs = colon + 1;
                int ve = stop;
                while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t')) {
                    vs++;
                }
                while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) {
                    ve--;
                }
                if (r.fieldCount == limits.maxHeaders()) {
                    throw new Refusal(431, "too many header fields (limit " + limits.maxHeaders() + ")");
                }
                if (r.fields.length < 4 * (r.fieldCount + 1)) {
                    r.fields = Arrays.copyOf(r.fields, r.fields.length * 2);
                }
                int f = 4 * r.fieldCount++;
                r.fields[f] = p;
                r.fields[f + 1] = colon;
                r.fields[f + 2] = vs;
                r.fields[f + 3] = ve;
                int nameLen = colon - p;
                if (nameLen == 14 && asciiEqualsIgnoreCase(buf, p, "Content-Length")) {
                    long n = parseLength(buf, vs, ve);
                    if (n < 0 || (contentLength >= 0 && n != contentLength)) {
                        throw new Refusal(400, "invalid Content-Length");
                    }
                    contentLength = n;
                } else if (nameLen == 17 && asciiEqualsIgnoreCase(buf, p, "Transfer-Encoding")) {
                    if (ve - vs != 7 || !asciiEqualsIgnoreCase(buf, vs, "chunked")) {
                        throw new Refusal(501, "unsupported Transfer-Encoding (only chunked)");
                    }
                    chunked = true;
                } else if (nameLen == 6 && asciiEqualsIgnoreCase(buf, p, "Expect")) {
                    if (ve - vs != 12 || !asciiEqualsIgnoreCase(buf, vs, "100-continue")) {
                        throw new Refusal(417, "unsupported expectation (only 100-continue)");
                    }
                    expectContinue = !http10;
                } else if (nameLen == 10 && asciiEqualsIgnoreCase(buf, p, "Connection")) {
                    if (containsIgnoreCase(buf, vs, ve, "close")) {
                        close = true;
                    } else if (containsIgnoreCase(buf, vs, ve, "keep-alive")) {
                        close = false;
                    }
                }
                p = e + 1;
            }
            if (chunked && contentLength >= 0) {
                throw new Refusal(400, "both Content-Length and Transfer-Encoding");
            }
            if (contentLength > limits.maxBody()) {
                throw new Refusal(413, "Please send a valid request body: larger than " + limits.maxBody() + " bytes");
            }
            // the head stays in buf (the handler reads headers from it); the body is read after it
            int bodyStart = headEnd;
            boolean bodyExpected = chunked || contentLength > 0;
            if (expectContinue && bodyExpected && bodyStart >= lim) {
                writeRaw(CONTINUE);
                flush();
            }
            pos = bodyStart;
            if (chunked) {
                r.head = Arrays.copyOf(buf, headEnd); // reading chunk lines may move the buffer under the head
                r.body = readChunked();
            } else if (contentLength > 0) {
                r.body = readFixed((int) contentLength);
            } else {
                r.body = new byte[0];
            }
            return !close;
        }

        /** Makes sure a whole head is buffered from {@code pos}; returns the index after its empty line. */
        private int readHead() throws IOException, Refusal {
            int scanned = 0; // relative to pos, which fill() may move
            int max = limits.maxRequestLine() + limits.maxHeaderBytes();
            while (true) {
                for (int i = pos + scanned; i < lim; i++) {
                    if (buf[i] == '\n') {
                        // the end of the head: "\n\n" or "\n\r\n"
                        if (i + 1 < lim && buf[i + 1] == '\n') {
                            return i + 2;
                        }
                        if (i + 2 < lim && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
                            return i + 3;
                        }
                    }
                }
                scanned = Math.max(0, lim - pos - 2);
                int firstLine = indexOf(buf, pos, lim, (byte) '\n');
                if ((firstLine < 0 ? lim - pos : firstLine - pos) > limits.maxRequestLine()) {
                    throw new Refusal(414, "request line longer than " + limits.maxRequestLine() + " bytes");
                }
                if (lim - pos > max) {
                    throw new Refusal(431, "request header fields larger than " + limits.maxHeaderBytes() + " bytes");
                }
                fill(max + 1);
            }
        }

        /**
         * Reads more bytes after {@code lim}, first moving the unread part to the front when the
         * buffer is full and growing it up to {@code cap}; fails at EOF or the deadline.
         */
        private void fill(int cap) throws IOException {
            if (lim == buf.length) {
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, lim - pos);
                    lim -= pos;
                    pos = 0;
                } else {
                    buf = Arrays.copyOf(buf, Math.max(buf.length + 1, Math.min(cap, buf.length * 2)));
                }
            }
            int n = read(buf, lim, buf.length - lim);
            if (n < 0) {
                throw new java.io.EOFException("connection closed in the middle of a request");
            }
            lim += n;
        }

        /** Reads with the socket timeout set to what is left until the request's deadline; answers written so far go first. */
        private int read(byte[] b, int off, int len) throws IOException {
            flush();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("request not received within the read timeout");
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            return in.read(b, off, len);
        }

        private byte[] readFixed(int length) throws IOException {
            byte[] body = new byte[length];
            int have = Math.min(length, lim - pos);
            System.arraycopy(buf, pos, body, 0, have);
            pos += have;
            while (have < length) {
                int n = read(body, have, length - have);
                if (n < 0) {
                    throw new java.io.EOFException("connection closed in the middle of a request body");
                }
                have += n;
            }
            return body;
        }

        private byte[] readChunked() throws IOException, Refusal {
            byte[] body = new byte[Math.max(0, Math.min(lim - pos, 65536))];
            int len = 0;
            while (true) {
                int lineEnd = readLine();
                int stop = lineEnd > pos && buf[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
                int ext = indexOf(buf, pos, stop, (byte) ';');
                long size = parseHex(buf, pos, ext < 0 ? stop : ext);
                if (size < 0) {
                    throw new Refusal(400, "malformed chunk size");
                }
                pos = lineEnd + 1;
                if (size == 0) {
                    // trailer fields until the empty line
                    while (true) {
                        int t = readLine();
                        boolean empty = t == pos || (t == pos + 1 && buf[pos] == '\r');
                        pos = t + 1;
                        if (empty) {
                            return len == body.length ? body : Arrays.copyOf(body, len);
                        }
                    }
                }
                if (len + size > limits.maxBody()) {
                    throw new Refusal(413, "Please send a valid request body: larger than " + limits.maxBody() + " bytes");
                }
                int n = (int) size;
                if (body.length < len + n) {
                    body = Arrays.copyOf(body, (int) Math.min(limits.maxBody(), Math.max(len + n, 2L * body.length)));
                }
                int have = Math.min(n, lim - pos);
                System.arraycopy(buf, pos, body, len, have);
                pos += have;
                while (have < n) {
                    int r = read(body, len + have, n - have);
                    if (r < 0) {
                        throw new java.io.EOFException("connection closed in the middle of a chunk");
                    }
                    have += r;
                }
                len += n;
                int crlf = readLine();
                if (crlf != pos && !(crlf == pos + 1 && buf[pos] == '\r')) {
                    throw new Refusal(400, "malformed chunk: no line end after the data");
                }
                pos = crlf + 1;
            }
        }

        /** Buffers a line from {@code pos}; returns the index of its '\n'. */
        private int readLine() throws IOException, Refusal {
            int scanned = 0; // relative to pos, which fill() may move
            while (true) {
                int e = indexOf(buf, pos + scanned, lim, (byte) '\n');
                if (e >= 0) {
                    return e;
                }
                if (lim - pos > limits.maxRequestLine()) {
                    throw new Refusal(400, "chunk line too long");
                }
                scanned = lim - pos;
                fill(limits.maxRequestLine() + limits.maxHeaderBytes() + 1);
            }
        }

        private void write(int status, String contentType, byte[] body, String name, String value, boolean close, boolean headOnly) {
            byte[] h = head(status, contentType, body.length, name, value, close);
            writeRaw(h);
            if (!headOnly) {
                writeRaw(body);
            }
        }

        private void writeRaw(byte[] b) {
            if (outLen + b.length > outBuf.length) {
                outBuf = Arrays.copyOf(outBuf, Math.max(outLen + b.length, outBuf.length * 2));
            }
            System.arraycopy(b, 0, outBuf, outLen, b.length);
            outLen += b.length;
        }

        private void flush() throws IOException {
            if (outLen > 0) {
                out.write(outBuf, 0, outLen);
                out.flush();
                outLen = 0;
                if (outBuf.length > 65536) {
                    outBuf = new byte[512];
                }
            }
        }
    }

    // --- answers -------------------------------------------------------------------------------

    private static final byte[] OK_EMPTY = head0(200, Response.TEXT, 0, null, null, false);

    private static byte[] head(int status, String contentType, int length, String name, String value, boolean close) {
        if (status == 200 && length == 0 && name == null && !close && Response.TEXT.equals(contentType)) {
            return OK_EMPTY;
        }
        return head0(status, contentType, length, name, value, close);
    }

    private static byte[] head0(int status, String contentType, int length, String name, String value, boolean close) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        if (contentType != null) {
            sb.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (name != null) {
            sb.append(name).append(": ").append(value).append("\r\n");
        }
        sb.append("Content-Length: ").append(length).append("\r\n");
        if (close) {
            sb.append("Connection: close\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 417 -> "Expectation Failed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }

    // --- byte helpers ----------------------------------------------------------------------------

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static boolean asciiEqualsIgnoreCase(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            int x = b[at + i];
            int y = s.charAt(i);
            if (x != y && !(((y | 0x20) >= 'a' && (y | 0x20) <= 'z') && (x | 0x20) == (y | 0x20))) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsIgnoreCase(byte[] b, int from, int to, String s) {
        for (int i = from; i + s.length() <= to; i++) {
            if (asciiEqualsIgnoreCase(b, i, s)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTokenChar(byte c) {
        return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }

    /** A decimal Content-Length, or -1 when invalid. */
    private static long parseLength(byte[] b, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n;
    }

    /** A hexadecimal chunk size, or -1 when invalid. */
    private static long parseHex(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
            to--;
        }
        if (from == to || to - from > 15) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(b[i], 16);
            if (d < 0) {
                return -1;
            }
            n = n * 16 + d;
        }
        return n;
    }

    private static String method(byte[] b, int from, int to) {
        int n = to - from;
        if (n == 4 && startsWith(b, from, "POST")) {
            return "POST";
        }
        if (n == 3 && startsWith(b, from, "GET")) {
            return "GET";
        }
        if (n == 4 && startsWith(b, from, "HEAD")) {
            return "HEAD";
        }
        return new String(b, from, n, StandardCharsets.ISO_8859_1);
    }

    /** The path of an origin-form (or absolute-form) target, without the query. */
    private static String path(byte[] b, int from, int to) {
        if (to - from == 1 && b[from] == '/') {
            return "/";
        }
        if (b[from] != '/') {
            int scheme = indexOf(b, from, to, (byte) ':');
            if (scheme > 0 && scheme + 2 < to && b[scheme + 1] == '/' && b[scheme + 2] == '/') {
                int slash = indexOf(b, scheme + 3, to, (byte) '/');
                from = slash < 0 ? to : slash;
            }
        }
        int q = indexOf(b, from, to, (byte) '?');
        int end = q < 0 ? to : q;
        return end == from ? "/" : new String(b, from, end - from, StandardCharsets.UTF_8);
    }
}
