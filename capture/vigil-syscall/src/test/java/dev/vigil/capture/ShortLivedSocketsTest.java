package dev.vigil.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.vigil.capture.ebpf.EbpfPrerequisites;
import dev.vigil.capture.ebpf.Probe;
import dev.vigil.capture.ebpf.ProbeConfig;
import dev.vigil.capture.ebpf.PythonChild;
import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.event.IpAddress;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real probe and real short-lived processes: each child has exited (and been reaped, so
 * {@code /proc/<pid>} is gone) before its records are read and applied, so the socket fields can only
 * come from what the kernel put in the records. Prerequisites as {@code ProbeTest}: missing ones FAIL,
 * except on a developer machine (CI unset) as a non-root user, where the tests are skipped.
 */
@Timeout(30)
class ShortLivedSocketsTest {
    private static final long DEADLINE_NANOS = 5_000_000_000L;
    private static final int SELF = (int) ProcessHandle.current().pid();
    private static final IpAddress LOOPBACK = IpAddress.parse("127.0.0.1").orElseThrow();

    private Probe probe;
    private SyscallState state;
    private FieldView v;

    @BeforeAll
    static void prerequisites() {
        EbpfPrerequisites.require();
    }

    @BeforeEach
    void open() throws Exception {
        // this JVM's own records are dropped in the kernel: only the children's arrive
        probe = Probe.open(new ProbeConfig(ProbeConfig.DEFAULT_RING_BUFFER_BYTES, SELF));
        state = SyscallState.builder().scanProc(false).metadataSources(List.of()).build();
        v = new FieldView(state);
    }

    @AfterEach
    void close() {
        if (probe != null) {
            probe.close();
        }
        if (state != null) {
            state.close();
        }
    }

    /**
     * Reads the probe until {@code wanted} records of {@code pid} matched, applying every record of that
     * process to the state and taking the fields of each match right after it was applied.
     */
    private List<Map<String, Object>> applyUntil(int pid, int wanted, Predicate<RawRecord> match, String... fields) {
        assertThat(Path.of("/proc/" + pid)).as("the child is gone before its records are applied").doesNotExist();
        List<Map<String, Object>> seen = new ArrayList<>();
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (seen.size() < wanted) {
            probe.poll(r -> {
                if (r.pid() != pid) {
                    return;
                }
                v.apply(r);
                if (match.test(r)) {
                    Map<String, Object> values = new LinkedHashMap<>();
                    for (String f : fields) {
                        values.put(f, v.get(f));
                    }
                    seen.add(values);
                }
            }, 10);
            if (System.nanoTime() - deadline > 0) {
                fail("only " + seen.size() + " of " + wanted + " records of " + pid + " arrived within 5 s: " + seen);
            }
        }
        assertThat(probe.stats().drops()).isZero();
        return seen;
    }

    @Test
    void tcpConnectOfAGoneClientIsNamedWithBothEnds() throws Exception {
        probe.select(Set.of(Syscalls.number("connect")), false, false, false);
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            int sport = server.getLocalPort();
            String[] out = PythonChild.run("import os, socket\n"
                    + "s = socket.create_connection(('127.0.0.1', " + sport + "))\n"
                    + "print(os.getpid(), s.getsockname()[1], flush=True)\n").getFirst().split(" ");
            int pid = Integer.parseInt(out[0]);
            long cport = Long.parseLong(out[1]);
            Map<String, Object> f = applyUntil(pid, 1, r -> r.kind() == RawRecord.Kind.CONNECT && r.port() == sport,
                    "evt.type", "fd.name", "fd.l4proto", "fd.typechar", "fd.cip", "fd.cport", "fd.lip", "fd.lport",
                    "fd.sip", "fd.sport", "fd.rport", "fd.is_server", "fd.connected", "fd.port").getFirst();
            assertThat(f.get("evt.type")).isEqualTo("connect");
            assertThat(f.get("fd.name")).isEqualTo("127.0.0.1:" + cport + "->127.0.0.1:" + sport);
            assertThat(f.get("fd.l4proto")).isEqualTo("tcp");
            assertThat(f.get("fd.typechar")).isEqualTo("4");
            assertThat(f.get("fd.cip")).isEqualTo(LOOPBACK);
            assertThat(f.get("fd.cport")).isEqualTo(cport);
            assertThat(f.get("fd.lip")).isEqualTo(LOOPBACK);
            assertThat(f.get("fd.lport")).isEqualTo(cport);
            assertThat(f.get("fd.sip")).isEqualTo(LOOPBACK);
            assertThat(f.get("fd.sport")).isEqualTo((long) sport);
            assertThat(f.get("fd.rport")).isEqualTo((long) sport);
            assertThat(f.get("fd.is_server")).isEqualTo(false);
            assertThat(f.get("fd.connected")).isEqualTo(true);
            assertThat(f.get("fd.port")).isEqualTo(List.of(cport, (long) sport));
        }
    }

    @Test
    void udpSendtoOfAGoneClientNamesTheDestinationAndFlagsItsChanges() throws Exception {
        // socket() is not selected: the fd and its protocol are known only from the sendto records
        probe.select(Set.of(Syscalls.number("sendto")), false, false, false);
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            int pa = a.getLocalPort();
            int pb = b.getLocalPort();
            String[] out = PythonChild.run("import os, socket\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "for port in (" + pa + ", " + pa + ", " + pb + "):\n"
                    + "    s.sendto(b'vigil', ('127.0.0.1', port))\n"
                    + "print(os.getpid(), s.getsockname()[1], flush=True)\n").getFirst().split(" ");
            int pid = Integer.parseInt(out[0]);
            String local = "0.0.0.0:" + out[1];
            List<Map<String, Object>> sends = applyUntil(pid, 3, r -> r.kind() == RawRecord.Kind.ENDPOINT,
                    "evt.type", "fd.name", "fd.l4proto", "fd.typechar", "fd.name_changed", "fd.connected", "fd.sip",
                    "fd.sport", "fd.lport", "fd.is_server", "evt.rawres");
            assertThat(sends).extracting(m -> m.get("evt.type")).containsOnly("sendto");
            assertThat(sends).extracting(m -> m.get("fd.l4proto")).containsOnly("udp");
            assertThat(sends).extracting(m -> m.get("fd.typechar")).containsOnly("4");
            assertThat(sends).extracting(m -> m.get("fd.connected")).as("the outbound macro's UDP branch").containsOnly(false);
            assertThat(sends).extracting(m -> m.get("fd.is_server")).containsOnly(false);
            assertThat(sends).extracting(m -> m.get("fd.lport")).containsOnly(Long.parseLong(out[1]));
            assertThat(sends).extracting(m -> m.get("evt.rawres")).containsOnly(5L);
            assertThat(sends).extracting(m -> m.get("fd.name"))
                    .containsExactly(local + "->127.0.0.1:" + pa, local + "->127.0.0.1:" + pa, local + "->127.0.0.1:" + pb);
            assertThat(sends).extracting(m -> m.get("fd.name_changed")).as("a new destination changes the name")
                    .containsExactly(true, false, true);
            assertThat(sends.getLast().get("fd.sip")).isEqualTo(LOOPBACK);
            assertThat(sends.getLast().get("fd.sport")).isEqualTo((long) pb);
        }
    }

    @Test
    void acceptOfAGoneServerIsItsServerSideWithThePeerAsClient() throws Exception {
        probe.select(Set.of(Syscalls.number("bind"), Syscalls.number("accept"), Syscalls.number("accept4")),
                false, false, false);
        int pid;
        int sport;
        int cport;
        try (PythonChild child = PythonChild.start("import os, socket\n"
                + "srv = socket.socket()\n"
                + "srv.bind(('127.0.0.1', 0))\n"
                + "srv.listen(1)\n"
                + "srv.settimeout(10)\n"
                + "print(os.getpid(), srv.getsockname()[1], flush=True)\n"
                + "conn, peer = srv.accept()\n"
                + "conn.close()\n")) {
            String[] first = child.nextLine();
            pid = Integer.parseInt(first[0]);
            sport = Integer.parseInt(first[1]);
            try (Socket client = new Socket(InetAddress.getByName("127.0.0.1"), sport)) {
                cport = client.getLocalPort();
                child.awaitExit();
            }
        }
        List<Map<String, Object>> events = applyUntil(pid, 2, r -> r.kind() == RawRecord.Kind.ENDPOINT && r.ret() >= 0,
                "evt.type", "fd.name", "fd.l4proto", "fd.is_server", "fd.connected", "fd.cip", "fd.cport", "fd.sport",
                "fd.lport", "fd.rport", "evt.arg.addr");
        Map<String, Object> bind = events.getFirst();
        assertThat(bind.get("evt.type")).isEqualTo("bind");
        assertThat(bind.get("evt.arg.addr")).isEqualTo("127.0.0.1:0");
        Map<String, Object> accept = events.getLast();
        assertThat(accept.get("evt.type")).isIn("accept", "accept4");
        assertThat(accept.get("fd.name")).isEqualTo("127.0.0.1:" + cport + "->127.0.0.1:" + sport);
        assertThat(accept.get("fd.l4proto")).isEqualTo("tcp");
        assertThat(accept.get("fd.is_server")).isEqualTo(true);
        assertThat(accept.get("fd.connected")).isEqualTo(true);
        assertThat(accept.get("fd.cip")).isEqualTo(LOOPBACK);
        assertThat(accept.get("fd.cport")).isEqualTo((long) cport);
        assertThat(accept.get("fd.sport")).isEqualTo((long) sport);
        assertThat(accept.get("fd.lport")).isEqualTo((long) sport);
        assertThat(accept.get("fd.rport")).isEqualTo((long) cport);
    }
}
