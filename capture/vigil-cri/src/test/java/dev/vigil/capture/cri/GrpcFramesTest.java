package dev.vigil.capture.cri;

import static dev.vigil.capture.cri.GrpcUnixClient.CONTINUATION;
import static dev.vigil.capture.cri.GrpcUnixClient.DATA;
import static dev.vigil.capture.cri.GrpcUnixClient.FLAG_ACK;
import static dev.vigil.capture.cri.GrpcUnixClient.FLAG_END_HEADERS;
import static dev.vigil.capture.cri.GrpcUnixClient.FLAG_END_STREAM;
import static dev.vigil.capture.cri.GrpcUnixClient.FLAG_PADDED;
import static dev.vigil.capture.cri.GrpcUnixClient.GOAWAY;
import static dev.vigil.capture.cri.GrpcUnixClient.HEADERS;
import static dev.vigil.capture.cri.GrpcUnixClient.PING;
import static dev.vigil.capture.cri.GrpcUnixClient.RST_STREAM;
import static dev.vigil.capture.cri.GrpcUnixClient.SETTINGS;
import static dev.vigil.capture.cri.GrpcUnixClient.WINDOW_UPDATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's HTTP/2 frame handling against a scripted server on a unix socket: the server reads
 * the client's whole request, then writes the frames a test gives and records what the client
 * sent back until the client closes.
 */
class GrpcFramesTest {
    private Path dir;
    private Path socket;
    private ServerSocketChannel server;

    record Frame(int type, int flags, int stream, byte[] payload) {}

    @BeforeEach
    void listen() throws IOException {
        dir = Files.createTempDirectory("vigil-h2");
        socket = dir.resolve("s.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** Serves one connection: returns the frames the client sent (request, then replies to the script). */
    private CompletableFuture<List<Frame>> serve(byte[] script, boolean closeAfter) {
        return CompletableFuture.supplyAsync(() -> {
            List<Frame> got = new ArrayList<>();
            try (SocketChannel c = server.accept()) {
                byte[] preface = read(c, GrpcUnixClient.PREFACE.length);
                assertThat(preface).isEqualTo(GrpcUnixClient.PREFACE);
                while (true) {
                    Frame f = readFrame(c);
                    got.add(f);
                    if (f.type == DATA && (f.flags & FLAG_END_STREAM) != 0) {
                        break;
                    }
                }
                c.write(ByteBuffer.wrap(script));
                if (closeAfter) {
                    return got;
                }
                while (true) {
                    Frame f = readFrame(c);
                    if (f == null) {
                        return got;
                    }
                    got.add(f);
                }
            } catch (IOException e) {
                return got;
            }
        });
    }

    private static byte[] read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return null;
            }
        }
        return b.array();
    }

    private static Frame readFrame(SocketChannel c) throws IOException {
        byte[] h = read(c, 9);
        if (h == null) {
            return null;
        }
        int len = ((h[0] & 0xFF) << 16) | ((h[1] & 0xFF) << 8) | (h[2] & 0xFF);
        byte[] p = len == 0 ? new byte[0] : read(c, len);
        return new Frame(h[3] & 0xFF, h[4] & 0xFF, ByteBuffer.wrap(h, 5, 4).getInt() & 0x7FFF_FFFF, p);
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        GrpcUnixClient.Connection.frame(out, type, flags, stream, payload);
    }

    private static byte[] grpcBody(byte[] message) {
        return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    }

    private static byte[] literals(String... nameValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            m.put(nameValues[i], nameValues[i + 1]);
        }
        return Hpack.encode(m);
    }

    private GrpcUnixClient client(long millis) {
        return new GrpcUnixClient(socket, Duration.ofMillis(millis));
    }

    @Test
    void fullExchangeWithSettingsPingPaddingAndIndexedHeaders() throws Exception {
        byte[] message = "hello from the runtime".getBytes();
        byte[] body = grpcBody(message);
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        frame(s, SETTINGS, 0, 0, ByteBuffer.allocate(12).putShort((short) 3).putInt(100).putShort((short) 5).putInt(32768).array());
        frame(s, PING, 0, 0, "12345678".getBytes());
        frame(s, WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(1000).array());
        // :status 200 (static index 8) and content-type literal with incremental indexing
        ByteArrayOutputStream hb = new ByteArrayOutputStream();
        hb.write(0x88);
        hb.write(0x5f); // literal with incremental indexing, name: static index 31 (content-type)
        hb.write(16);
        hb.writeBytes("application/grpc".getBytes());
        frame(s, HEADERS, FLAG_END_HEADERS, 1, hb.toByteArray());
        // DATA in two frames, the first padded
        byte[] first = new byte[1 + 10 + 3];
        first[0] = 3;
        System.arraycopy(body, 0, first, 1, 10);
        frame(s, DATA, FLAG_PADDED, 1, first);
        frame(s, DATA, 0, 1, java.util.Arrays.copyOfRange(body, 10, body.length));
        // trailers: grpc-status 0, the dynamic entry (index 62) repeated to prove the table is kept
        ByteArrayOutputStream tb = new ByteArrayOutputStream();
        tb.writeBytes(literals("grpc-status", "0"));
        tb.write(0x80 | 62);
        frame(s, HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, tb.toByteArray());
        var served = serve(s.toByteArray(), false);

        byte[] got = client(5000).call("/runtime.v1.RuntimeService/Version", new byte[] {8, 1});
        assertThat(got).isEqualTo(message);

        List<Frame> frames = served.get(5, TimeUnit.SECONDS);
        Frame settings = frames.getFirst();
        assertThat(settings.type).isEqualTo(SETTINGS);
        assertThat(settings.payload.length % 6).isZero();
        Frame headers = frames.stream().filter(f -> f.type == HEADERS).findFirst().orElseThrow();
        assertThat(headers.stream).isEqualTo(1);
        assertThat(headers.flags & FLAG_END_HEADERS).isNotZero();
        List<String> fields = new Hpack.Decoder(4096).decode(headers.payload).stream()
                .map(f -> f.name() + "=" + f.value()).toList();
        assertThat(fields).contains(":method=POST", ":scheme=http", ":path=/runtime.v1.RuntimeService/Version",
                "content-type=application/grpc", "te=trailers", "grpc-timeout=5000m");
        Frame request = frames.stream().filter(f -> f.type == DATA).findFirst().orElseThrow();
        assertThat(request.payload).isEqualTo(grpcBody(new byte[] {8, 1}));
        assertThat(request.flags & FLAG_END_STREAM).isNotZero();
        assertThat(frames).anySatisfy(f -> {
            assertThat(f.type).isEqualTo(SETTINGS);
            assertThat(f.flags).isEqualTo(FLAG_ACK);
        });
        assertThat(frames).anySatisfy(f -> {
            assertThat(f.type).isEqualTo(PING);
            assertThat(f.flags).isEqualTo(FLAG_ACK);
            assertThat(f.payload).isEqualTo("12345678".getBytes());
        });
        assertThat(frames).filteredOn(f -> f.type == WINDOW_UPDATE && f.stream == 1).isNotEmpty();
    }

    @Test
    void trailersOnlyErrorSplitOverContinuation() throws Exception {
        byte[] block = literals(":status", "200", "content-type", "application/grpc", "grpc-status", "5",
                "grpc-message", "container \"abc\" in namespace %22k8s.io%22: not found");
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        frame(s, HEADERS, FLAG_END_STREAM, 1, java.util.Arrays.copyOfRange(block, 0, 20));
        frame(s, CONTINUATION, FLAG_END_HEADERS, 1, java.util.Arrays.copyOfRange(block, 20, block.length));
        var served = serve(s.toByteArray(), false);
        assertThatThrownBy(() -> client(5000).call("/x.Y/Z", new byte[0])).isInstanceOfSatisfying(GrpcException.class, e -> {
            assertThat(e.status()).isEqualTo(5);
            assertThat(e.grpcMessage()).isEqualTo("container \"abc\" in namespace \"k8s.io\": not found");
        });
        served.get(5, TimeUnit.SECONDS);
    }

    @Test
    void streamResetIsAnError() throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        frame(s, RST_STREAM, 0, 1, ByteBuffer.allocate(4).putInt(8).array());
        var served = serve(s.toByteArray(), false);
        assertThatThrownBy(() -> client(5000).call("/x.Y/Z", new byte[0])).isInstanceOf(IOException.class)
                .hasMessageContaining("reset").hasMessageContaining("error code 8");
        served.get(5, TimeUnit.SECONDS);
    }

    @Test
    void goawayBeforeTheStreamRefusesTheCall() throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        frame(s, GOAWAY, 0, 0, ByteBuffer.allocate(12).putInt(0).putInt(0).put("bye!".getBytes()).array());
        var served = serve(s.toByteArray(), false);
        assertThatThrownBy(() -> client(5000).call("/x.Y/Z", new byte[0])).isInstanceOf(IOException.class)
                .hasMessageContaining("refused").hasMessageContaining("bye!");
        served.get(5, TimeUnit.SECONDS);
    }

    @Test
    void closeAfterGoawayMidResponseIsAnError() throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        frame(s, HEADERS, FLAG_END_HEADERS, 1, literals(":status", "200"));
        frame(s, GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(1).putInt(0).array());
        var served = serve(s.toByteArray(), true);
        assertThatThrownBy(() -> client(5000).call("/x.Y/Z", new byte[0])).isInstanceOf(IOException.class)
                .hasMessageContaining("closed").hasMessageContaining("GOAWAY");
        served.get(5, TimeUnit.SECONDS);
    }

    @Test
    void silentServerTimesOut() throws Exception {
        var served = serve(new byte[0], false);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client(300).call("/x.Y/Z", new byte[0])).isInstanceOf(IOException.class)
                .hasMessageContaining("timed out");
        long took = System.nanoTime() - t0;
        assertThat(took).isBetween(250_000_000L, 3_000_000_000L);
        served.get(5, TimeUnit.SECONDS);
    }

    @Test
    void oversizedFrameAndNon200AreErrors() throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        frame(s, DATA, 0, 1, new byte[GrpcUnixClient.MAX_FRAME + 1]);
        var served = serve(s.toByteArray(), false);
        assertThatThrownBy(() -> client(5000).call("/x.Y/Z", new byte[0])).hasMessageContaining("exceeds");
        served.get(5, TimeUnit.SECONDS);

        s = new ByteArrayOutputStream();
        frame(s, HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, literals(":status", "415"));
        served = serve(s.toByteArray(), false);
        assertThatThrownBy(() -> client(5000).call("/x.Y/Z", new byte[0])).hasMessageContaining("HTTP status 415");
        served.get(5, TimeUnit.SECONDS);
    }

    @Test
    void messageFraming() {
        assertThatThrownBy(() -> GrpcUnixClient.Connection.message("m", new byte[] {0, 0, 0, 0, 9, 1}))
                .hasMessageContaining("does not match");
        assertThatThrownBy(() -> GrpcUnixClient.Connection.message("m", new byte[] {1, 0, 0, 0, 0}))
                .hasMessageContaining("compressed");
        assertThatThrownBy(() -> GrpcUnixClient.Connection.message("m", new byte[0]))
                .hasMessageContaining("without a message");
    }
}
