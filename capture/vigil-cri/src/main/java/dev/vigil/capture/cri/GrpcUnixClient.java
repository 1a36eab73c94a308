package dev.vigil.capture.cri;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unary gRPC calls over HTTP/2 (prior knowledge, no TLS) on a unix domain socket, written for the
 * CRI socket of containerd and CRI-O. Every call opens its own connection and closes it at the end:
 * metadata lookups are rare (once per new container, a few retries) and a connection costs about a
 * millisecond on a local socket, while a shared one would need a reader thread, stream-id
 * bookkeeping and reconnects after the server's idle GOAWAY. Calls are thread-safe for that reason.
 *
 * <p>Every socket operation (connect, each write, each read) waits at most until the call's
 * deadline ({@code timeout} after the call starts), with a non-blocking channel and a selector;
 * the deadline also goes to the server as {@code grpc-timeout}.
 *
 * <p>The request is sent whole right after the preface, so it must fit the initial flow-control
 * windows every peer starts with (65,535 bytes; CRI requests are well under a kilobyte), and DATA
 * frames of at most 16 KiB. The response may be up to 16 MiB: the client opens 1 MiB windows and
 * gives back what each DATA frame used.
 */
public final class GrpcUnixClient {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int PRIORITY = 0x2;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;
    /** The frame size every peer must accept (SETTINGS_MAX_FRAME_SIZE default); this client announces no more. */
    static final int MAX_FRAME = 16_384;
    /** The receive window this client opens on the connection and the stream. */
    static final int WINDOW = 1 << 20;
    /** Largest response this client accepts. */
    static final int MAX_RESPONSE = 16 << 20;
    private static final int STREAM = 1;

    private final Path socket;
    private final Duration timeout;

    public GrpcUnixClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Calls {@code method} ({@code /package.Service/Method}) with one request message and returns
     * the response message.
     *
     * @throws GrpcException the server answered with a non-OK grpc-status
     * @throws IOException the socket failed, timed out, or the server broke the protocol
     */
    public byte[] call(String method, byte[] request) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = new Connection(socket, deadline)) {
            return c.unary(method, request, timeout);
        }
    }

    /** One HTTP/2 connection carrying one stream. */
    static final class Connection implements AutoCloseable {
        private final SocketChannel ch;
        private final Selector selector;
        private final long deadline;
        private final Hpack.Decoder hpack = new Hpack.Decoder(4096);
        private ByteBuffer in = ByteBuffer.allocate(MAX_FRAME + 9).flip();

        Connection(Path socket, long deadline) throws IOException {
            this.deadline = deadline;
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            Selector s = null;
            try {
                c.configureBlocking(false);
                s = Selector.open();
                if (!c.connect(UnixDomainSocketAddress.of(socket))) {
                    SelectionKey k = c.register(s, SelectionKey.OP_CONNECT);
                    while (!c.finishConnect()) {
                        await(s, k, SelectionKey.OP_CONNECT, "connecting to " + socket);
                    }
                }
            } catch (IOException e) {
                closeQuietly(c, s);
                throw new IOException(socket + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeQuietly(c, s);
                throw e;
            }
            this.ch = c;
            this.selector = s;
        }

        private static void closeQuietly(SocketChannel c, Selector s) {
            try {
                c.close();
                if (s != null) {
                    s.close();
                }
            } catch (IOException ignored) {
                // the connect failure is what matters
            }
        }

        private void await(Selector s, SelectionKey k, int ops, String what) throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("timed out " + what);
            }
            k.interestOps(ops);
            s.select(Math.max(1, left / 1_000_000));
            s.selectedKeys().clear();
        }

        byte[] unary(String method, byte[] request, Duration timeout) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(PREFACE, 0, PREFACE.length);
            // SETTINGS: ENABLE_PUSH=0, INITIAL_WINDOW_SIZE=WINDOW, MAX_HEADER_LIST_SIZE=1 MiB
            ByteBuffer settings = ByteBuffer.allocate(18)
                    .putShort((short) 0x2).putInt(0)
                    .putShort((short) 0x4).putInt(WINDOW)
                    .putShort((short) 0x6).putInt(1 << 20);
            frame(out, SETTINGS, 0, 0, settings.array());
            frame(out, WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(WINDOW - 65_535).array());
            Map<String, String> h = new LinkedHashMap<>();
            h.put(":method", "POST");
            h.put(":scheme", "http");
            h.put(":path", method);
            h.put(":authority", "localhost");
            h.put("content-type", "application/grpc");
            h.put("te", "trailers");
            h.put("grpc-timeout", Math.max(1, timeout.toMillis()) + "m");
            h.put("user-agent", "vigil-cri/1");
            frame(out, HEADERS, FLAG_END_HEADERS, STREAM, Hpack.encode(h));
            byte[] body = ByteBuffer.allocate(5 + request.length).put((byte) 0).putInt(request.length).put(request).array();
            if (body.length > 65_535) {
                throw new IOException("request of " + body.length + " bytes exceeds the initial flow-control window");
            }
            for (int off = 0; off < body.length || off == 0; off += MAX_FRAME) {
                int n = Math.min(MAX_FRAME, body.length - off);
                boolean last = off + n >= body.length;
                byte[] chunk = new byte[n];
                System.arraycopy(body, off, chunk, 0, n);
                frame(out, DATA, last ? FLAG_END_STREAM : 0, STREAM, chunk);
                if (last) {
                    break;
                }
            }
            write(out.toByteArray());
            return readResponse(method);
        }

        private byte[] readResponse(String method) throws IOException {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            Map<String, String> headers = null;
            Map<String, String> trailers = null;
            String goaway = null;
            while (true) {
                Frame f = readFrame(goaway);
                switch (f.type) {
                    case DATA -> {
                        if (f.stream != STREAM) {
                            throw new IOException("protocol error: DATA on stream " + f.stream);
                        }
                        byte[] p = unpad(f);
                        if (data.size() + p.length > MAX_RESPONSE) {
                            throw new IOException("response of " + method + " exceeds " + MAX_RESPONSE + " bytes");
                        }
                        data.write(p, 0, p.length);
                        if ((f.flags & FLAG_END_STREAM) != 0) {
                            return finish(method, headers, trailers, data.toByteArray());
                        }
                        if (f.payload.length > 0) {
                            ByteArrayOutputStream wu = new ByteArrayOutputStream();
                            byte[] inc = ByteBuffer.allocate(4).putInt(f.payload.length).array();
                            frame(wu, WINDOW_UPDATE, 0, 0, inc);
                            frame(wu, WINDOW_UPDATE, 0, STREAM, inc);
                            write(wu.toByteArray());
                        }
                    }
                    case HEADERS -> {
                        Map<String, String> block = headerBlock(f);
                        if (f.stream != STREAM) {
                            continue;
                        }
                        if (headers == null) {
                            headers = block;
                        } else {
                            trailers = block;
                        }
                        if ((f.flags & FLAG_END_STREAM) != 0) {
                            return finish(method, headers, trailers, data.toByteArray());
                        }
                    }
                    case RST_STREAM -> {
                        if (f.stream == STREAM) {
                            throw new IOException(method + ": stream reset by the server (error code " + errorCode(f.payload, 0) + ")");
                        }
                    }
                    case SETTINGS -> {
                        if ((f.flags & FLAG_ACK) == 0) {
                            settings(f);
                            ByteArrayOutputStream ack = new ByteArrayOutputStream();
                            frame(ack, SETTINGS, FLAG_ACK, 0, new byte[0]);
                            write(ack.toByteArray());
                        }
                    }
                    case PING -> {
                        if (f.payload.length != 8) {
                            throw new IOException("protocol error: PING of " + f.payload.length + " bytes");
                        }
                        if ((f.flags & FLAG_ACK) == 0) {
                            ByteArrayOutputStream pong = new ByteArrayOutputStream();
                            frame(pong, PING, FLAG_ACK, 0, f.payload);
                            write(pong.toByteArray());
                        }
                    }
                    case GOAWAY -> {
                        if (f.payload.length < 8) {
                            throw new IOException("protocol error: GOAWAY of " + f.payload.length + " bytes");
                        }
                        int last = ByteBuffer.wrap(f.payload).getInt() & 0x7FFF_FFFF;
                        String debug = new String(f.payload, 8, f.payload.length - 8, StandardCharsets.UTF_8);
                        goaway = "GOAWAY (error code " + errorCode(f.payload, 4) + (debug.isEmpty() ? "" : ", " + debug) + ")";
                        if (last < STREAM) {
                            throw new IOException(method + ": the server refused the call: " + goaway);
                        }
                    }
                    case PUSH_PROMISE -> throw new IOException("protocol error: PUSH_PROMISE although push is disabled");
                    case CONTINUATION -> throw new IOException("protocol error: CONTINUATION without HEADERS");
                    default -> {
                        // PRIORITY, WINDOW_UPDATE (the request was sent whole within the initial
                        // windows) and unknown frame types are ignored
                    }
                }
            }
        }

        private static long errorCode(byte[] p, int off) {
            return p.length >= off + 4 ? ByteBuffer.wrap(p, off, 4).getInt() & 0xFFFF_FFFFL : -1;
        }

        private void settings(Frame f) throws IOException {
            if (f.stream != 0 || f.payload.length % 6 != 0) {
                throw new IOException("protocol error: malformed SETTINGS");
            }
            ByteBuffer b = ByteBuffer.wrap(f.payload);
            while (b.hasRemaining()) {
                int id = b.getShort() & 0xFFFF;
                long v = b.getInt() & 0xFFFF_FFFFL;
                // this client's frames are small: of the server's settings only invalid values matter
                if (id == 0x5 && (v < MAX_FRAME || v > 16_777_215)) {
                    throw new IOException("protocol error: SETTINGS_MAX_FRAME_SIZE " + v);
                }
                if (id == 0x4 && v > 0x7FFF_FFFFL) {
                    throw new IOException("protocol error: SETTINGS_INITIAL_WINDOW_SIZE " + v);
                }
            }
        }

        private Map<String, String> headerBlock(Frame first) throws IOException {
            byte[] p = unpad(first);
            int off = 0;
            if ((first.flags & FLAG_PRIORITY) != 0) {
                if (p.length < 5) {
                    throw new IOException("protocol error: HEADERS too short for its priority");
                }
                off = 5;
            }
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.write(p, off, p.length - off);
            int flags = first.flags;
            while ((flags & FLAG_END_HEADERS) == 0) {
                Frame c = readFrame(null);
                if (c.type != CONTINUATION || c.stream != first.stream) {
                    throw new IOException("protocol error: expected CONTINUATION, got frame type " + c.type);
                }
                if (block.size() + c.payload.length > 1 << 20) {
                    throw new IOException("header block over 1 MiB");
                }
                block.write(c.payload, 0, c.payload.length);
                flags = c.flags;
            }
            List<Hpack.Field> fields;
            try {
                fields = hpack.decode(block.toByteArray());
            } catch (Hpack.HpackException e) {
                throw new IOException("HPACK: " + e.getMessage(), e);
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (Hpack.Field fd : fields) {
                m.merge(fd.name(), fd.value(), (a, b) -> a + "," + b);
            }
            return m;
        }

        private static byte[] unpad(Frame f) throws IOException {
            if ((f.flags & FLAG_PADDED) == 0 || (f.type != DATA && f.type != HEADERS)) {
                return f.payload;
            }
            if (f.payload.length < 1) {
                throw new IOException("protocol error: padded frame without a pad length");
            }
            int pad = f.payload[0] & 0xFF;
            if (pad >= f.payload.length) {
                throw new IOException("protocol error: padding longer than the frame");
            }
            byte[] p = new byte[f.payload.length - 1 - pad];
            System.arraycopy(f.payload, 1, p, 0, p.length);
            return p;
        }

        private static byte[] finish(String method, Map<String, String> headers, Map<String, String> trailers, byte[] data)
                throws IOException {
            if (headers == null) {
                throw new IOException(method + ": response without headers");
            }
            String status = headers.get(":status");
            if (!"200".equals(status)) {
                throw new IOException(method + ": HTTP status " + status);
            }
            Map<String, String> t = trailers != null ? trailers : headers;
            String grpcStatus = t.get("grpc-status");
            if (grpcStatus == null) {
                throw new IOException(method + ": response without grpc-status");
            }
            int code;
            try {
                code = Integer.parseInt(grpcStatus.trim());
            } catch (NumberFormatException e) {
                throw new IOException(method + ": bad grpc-status " + grpcStatus);
            }
            if (code != 0) {
                String msg = t.getOrDefault("grpc-message", "");
                try {
                    msg = URLDecoder.decode(msg.replace("+", "%2B"), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    // keep the raw message
                }
                throw new GrpcException(method, code, msg);
            }
            return message(method, data);
        }

        /** The single message of a unary response: 1 byte compressed flag, 4 bytes length, the message. */
        static byte[] message(String method, byte[] data) throws IOException {
            if (data.length < 5) {
                throw new IOException(method + ": response without a message (" + data.length + " bytes)");
            }
            if (data[0] != 0) {
                throw new IOException(method + ": compressed response message (not requested)");
            }
            int len = ByteBuffer.wrap(data, 1, 4).getInt();
            if (len < 0 || len != data.length - 5) {
                throw new IOException(method + ": message length " + len + " does not match the " + (data.length - 5) + " bytes received");
            }
            byte[] m = new byte[len];
            System.arraycopy(data, 5, m, 0, len);
            return m;
        }

        record Frame(int type, int flags, int stream, byte[] payload) {}

        private Frame readFrame(String goaway) throws IOException {
            fill(9, goaway);
            int len = ((in.get() & 0xFF) << 16) | ((in.get() & 0xFF) << 8) | (in.get() & 0xFF);
            int type = in.get() & 0xFF;
            int flags = in.get() & 0xFF;
            int stream = in.getInt() & 0x7FFF_FFFF;
            if (len > MAX_FRAME) {
                throw new IOException("protocol error: frame of " + len + " bytes exceeds the " + MAX_FRAME + " announced");
            }
            fill(len, goaway);
            byte[] p = new byte[len];
            in.get(p);
            return new Frame(type, flags, stream, p);
        }

        /** Makes sure {@code n} bytes are buffered, reading until the deadline. */
        private void fill(int n, String goaway) throws IOException {
            if (in.remaining() >= n) {
                return;
            }
            in.compact();
            SelectionKey k = null;
            try {
                while (in.position() < n) {
                    int r = ch.read(in);
                    if (r < 0) {
                        throw new IOException("connection closed by the server before the response ended"
                                + (goaway == null ? "" : " after " + goaway));
                    }
                    if (r == 0) {
                        if (k == null) {
                            k = ch.keyFor(selector) != null ? ch.keyFor(selector) : ch.register(selector, SelectionKey.OP_READ);
                        }
                        await(selector, k, SelectionKey.OP_READ, "waiting for the response");
                    }
                }
            } finally {
                in.flip();
            }
        }

        private void write(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            SelectionKey k = null;
            while (b.hasRemaining()) {
                if (ch.write(b) == 0) {
                    if (k == null) {
                        k = ch.keyFor(selector) != null ? ch.keyFor(selector) : ch.register(selector, SelectionKey.OP_WRITE);
                    }
                    await(selector, k, SelectionKey.OP_WRITE, "sending the request");
                }
            }
        }

        static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
            int len = payload.length;
            out.write(len >>> 16);
            out.write(len >>> 8);
            out.write(len);
            out.write(type);
            out.write(flags);
            out.writeBytes(ByteBuffer.allocate(4).putInt(stream).array());
            out.write(payload, 0, len);
        }

        @Override
        public void close() throws IOException {
            try {
                selector.close();
            } finally {
                ch.close();
            }
        }
    }
}
