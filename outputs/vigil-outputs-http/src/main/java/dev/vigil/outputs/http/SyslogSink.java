package dev.vigil.outputs.http;

import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.SendResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Syslog in RFC 5424 form, {@code <PRI>1 TIMESTAMP HOSTNAME vigil PROCID alert - MSG}, where PRI is
 * facility × 8 + the severity (Falco's priorities are the syslog severities, emergency 0 to debug
 * 7), TIMESTAMP the alert time in UTC with microseconds, HOSTNAME the alert's host (or this
 * machine's), and MSG the alert JSON or a CEF record. UDP sends one datagram per alert, cut to the
 * largest IPv4 payload at a character boundary; TCP and TLS keep one connection and frame each
 * message by octet counting (RFC 6587: {@code LENGTH SP MESSAGE}). A connection error closes the
 * connection and the batch is retried; the next batch connects again.
 */
final class SyslogSink extends AlertSink {
    static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(Tls.KEYS);
        k.addAll(List.of("host", "port", "protocol", "format", "facility"));
        KEYS = Set.copyOf(k);
    }

    static final int UDP_MAX = 65_507;
    private static final List<String> FACILITIES = List.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
            "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4",
            "local5", "local6", "local7");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    /** Closes a socket whose write has hung longer than the timeout; shared by all syslog sinks. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vigil-syslog-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final String host;
    private final int port;
    private final String protocol;
    private final boolean cef;
    private final int facility;
    private final Duration timeout;
    private final Tls.Setup tls;
    private final String localHost;
    private final String procId = Long.toString(ProcessHandle.current().pid());

    private DatagramSocket udp;
    private Socket socket;
    private OutputStream out;

    private SyslogSink(String host, int port, String protocol, boolean cef, int facility, Duration timeout, Tls.Setup tls) {
        this.host = host;
        this.port = port;
        this.protocol = protocol;
        this.cef = cef;
        this.facility = facility;
        this.timeout = timeout;
        this.tls = tls;
        this.localHost = localHostName();
    }

    static SyslogSink create(OutputSettings s) throws ConfigException {
        String host = s.require("host");
        String protocol = s.oneOf("protocol", "udp", Set.of("udp", "tcp", "tls"));
        int port = s.integer("port", protocol.equals("tls") ? 6514 : 514, 1, 65535);
        boolean cef = s.oneOf("format", "json", Set.of("json", "cef")).equals("cef");
        String fac = s.oneOf("facility", "local0", Set.copyOf(FACILITIES));
        Tls.Setup tls = protocol.equals("tls") ? Tls.setup(s) : null;
        return new SyslogSink(host, port, protocol, cef, FACILITIES.indexOf(fac), HttpTransport.timeout(s), tls);
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "-";
        }
    }

    @Override
    public Batching batching() {
        return new Batching(200, 1 << 20, Duration.ZERO);
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        try {
            if (protocol.equals("udp")) {
                sendDatagrams(alerts);
            } else {
                sendFrames(alerts);
            }
            return SendResult.ok();
        } catch (IOException e) {
            close();
            return SendResult.retry(host + ":" + port + " (" + protocol + "): " + HttpTransport.describe(e));
        }
    }

    private void sendDatagrams(List<FalcoAlert> alerts) throws IOException {
        if (udp == null) {
            DatagramSocket d = new DatagramSocket();
            d.connect(new InetSocketAddress(InetAddress.getByName(host), port));
            udp = d;
        }
        for (FalcoAlert a : alerts) {
            byte[] m = message(a);
            udp.send(new DatagramPacket(m, utf8Prefix(m, UDP_MAX)));
        }
    }

    /** The length of the longest prefix of {@code b} within {@code max} bytes that does not split a UTF-8 sequence. */
    static int utf8Prefix(byte[] b, int max) {
        if (b.length <= max) {
            return b.length;
        }
        int n = max;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--;
        }
        return n;
    }

    private void sendFrames(List<FalcoAlert> alerts) throws IOException {
        ByteArrayOutputStream frames = new ByteArrayOutputStream(alerts.size() * 1024);
        for (FalcoAlert a : alerts) {
            byte[] m = message(a);
            frames.writeBytes((m.length + " ").getBytes(StandardCharsets.US_ASCII));
            frames.writeBytes(m);
        }
        if (socket != null && peerClosed()) {
            close();
        }
        if (socket == null) {
            connect();
        }
        Socket s = socket;
        ScheduledFuture<?> guard = WATCHDOG.schedule(() -> closeQuietly(s), timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            frames.writeTo(out);
            out.flush();
        } finally {
            guard.cancel(false);
        }
    }

    /** Whether the receiver has closed the connection (syslog receivers never send, so a read sees only the end). */
    private boolean peerClosed() {
        try {
            socket.setSoTimeout(1);
            InputStream in = socket.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(InetAddress.getByName(host), port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.context().getSocketFactory().createSocket(s, host, port, true);
                if (tls.verify()) {
                    SSLParameters p = ssl.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    ssl.setSSLParameters(p);
                }
                ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                ssl.startHandshake();
                s = ssl;
            }
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
        socket = s;
        out = s.getOutputStream();
    }

    /** One RFC 5424 message. */
    byte[] message(FalcoAlert a) {
        long nanos = a.timeNanos();
        long secs = Math.floorDiv(nanos, 1_000_000_000L);
        long micros = Math.floorMod(nanos, 1_000_000_000L) / 1000;
        StringBuilder sb = new StringBuilder(1024);
        sb.append('<').append(facility * 8 + a.priority().ordinal()).append(">1 ");
        sb.append(SECONDS.format(Instant.ofEpochSecond(secs))).append('.').append(String.format("%06d", micros)).append("Z ");
        sb.append(headerField(a.hostname() == null || a.hostname().isEmpty() ? localHost : a.hostname(), 255)).append(' ');
        sb.append("vigil ").append(procId).append(" alert - ");
        if (cef) {
            cef(sb, a);
        } else {
            sb.append(a.toJson());
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A header field: printable US-ASCII without spaces, at most {@code max} characters, "-" when empty. */
    private static String headerField(String v, int max) {
        StringBuilder sb = new StringBuilder(Math.min(v.length(), max));
        for (int i = 0; i < v.length() && sb.length() < max; i++) {
            char c = v.charAt(i);
            sb.append(c > 32 && c < 127 ? c : '_');
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    /** CEF severity (0-10) of a priority. */
    static int cefSeverity(FalcoAlert a) {
        return switch (a.priority()) {
            case DEBUG -> 0;
            case INFORMATIONAL -> 3;
            case NOTICE -> 4;
            case WARNING -> 6;
            case ERROR -> 7;
            case CRITICAL -> 8;
            case ALERT -> 9;
            case EMERGENCY -> 10;
        };
    }

    /** The CEF record Falcosidekick users' SIEM parsers expect: Falco's vendor and product header, then the extension. */
    static void cef(StringBuilder sb, FalcoAlert a) {
        sb.append("CEF:0|Falcosecurity|Falco|1.0|Falco Event|");
        cefEscape(sb, a.rule(), true);
        sb.append('|').append(cefSeverity(a)).append('|');
        sb.append("uuid=");
        cefValue(sb, a.uuid() == null ? "" : a.uuid());
        sb.append(" start=").append(Math.floorDiv(a.timeNanos(), 1_000_000L));
        sb.append(" msg=");
        cefValue(sb, a.output());
        sb.append(" source=");
        cefValue(sb, a.source());
        sb.append(" hostname=");
        cefValue(sb, a.hostname() == null ? "" : a.hostname());
        sb.append(" outputfields=");
        boolean first = true;
        for (Map.Entry<String, Object> e : new TreeMap<>(a.outputFields()).entrySet()) {
            if (!first) {
                sb.append(' ');
            }
            first = false;
            cefValue(sb, e.getKey() + ":" + Json.text(e.getValue()));
        }
        sb.append(" tags=");
        cefValue(sb, String.join(",", a.tags()));
    }

    private static void cefValue(StringBuilder sb, String v) {
        cefEscape(sb, v, false);
    }

    /** CEF escaping: in the header '|' and '\\' are escaped and line breaks become spaces; in the extension '=', '\\' and line breaks are escaped. */
    private static void cefEscape(StringBuilder sb, String v, boolean header) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' || (header ? c == '|' : c == '=')) {
                sb.append('\\').append(c);
            } else if (c == '\n' || c == '\r') {
                sb.append(header ? " " : c == '\n' ? "\\n" : "\\r");
            } else {
                sb.append(c);
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing after an error; nothing more to do
        }
    }

    @Override
    public void close() {
        if (udp != null) {
            udp.close();
            udp = null;
        }
        if (socket != null) {
            closeQuietly(socket);
            socket = null;
            out = null;
        }
    }
}
