package dev.vigil.capture.ebpf;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Loads the real probe into the running kernel and checks what arrives for real processes, files and
 * sockets. Needs root (or CAP_BPF+CAP_PERFMON), BTF and libbpf.so.1: when they are missing the tests FAIL,
 * except on a developer machine (CI unset) as a non-root user, where they are skipped with the reason.
 */
@Timeout(30)
class ProbeTest {
    private static final long DEADLINE_NANOS = 5_000_000_000L;
    private static final int SELF = (int) ProcessHandle.current().pid();
    private static final int O_CREAT = 0100;
    private static final Set<Integer> SELECTED = Set.of(Syscalls.number("open"), Syscalls.number("openat"),
            Syscalls.number("openat2"), Syscalls.number("connect"), Syscalls.number("close"));

    @BeforeAll
    static void prerequisites() {
        EbpfPrerequisites.require();
    }

    /** A copy of the fields a test looks at, since the reader reuses its RawRecord. */
    record Seen(RawRecord.Kind kind, int pid, int tid, int ppid, int nr, long ret, long ts, String comm,
                String filename, List<String> argv, String path, int flags, int dirfd, int fd, int family, int port,
                byte[] address, String unixPath, int exitCode, int childPid, int childTid, long arg0, long cgroupId,
                boolean hasAddress, boolean socketKnown, int skFamily, int skType, int skProtocol, boolean hasLocal,
                byte[] localAddress, int localPort, boolean hasPeer, byte[] peerAddress, int peerPort, int openFmode, long pidns,
                int cpu, byte[] io, long arg1, String exeName, boolean exeFromMemfd) {

        static Seen of(RawRecord r) {
            boolean sock = r.kind() == RawRecord.Kind.CONNECT || r.kind() == RawRecord.Kind.ENDPOINT;
            return new Seen(r.kind(), r.pid(), r.tid(), r.ppid(), r.syscallNr(), r.ret(), r.monotonicNanos(), r.comm(),
                    r.filename(), List.copyOf(r.argv()), r.path(), r.flags(), r.dirfd(), r.fd(), r.family(), r.port(),
                    r.address().clone(), r.unixPath(), r.exitCode(), r.childPid(), r.childTid(), r.arg(0), r.cgroupId(),
                    sock && r.hasAddress(), sock && r.socketKnown(), r.socketFamily(), r.socketType(), r.socketProtocol(),
                    sock && r.hasLocal(), r.localAddress().clone(), r.localPort(), sock && r.hasPeer(),
                    r.peerAddress().clone(), r.peerPort(), r.kind() == RawRecord.Kind.OPEN ? r.openFmode() : 0,
                    r.kind() == RawRecord.Kind.EXEC || r.kind() == RawRecord.Kind.EXEC_FAIL ? r.pidns() : 0, r.cpu(),
                    r.kind() == RawRecord.Kind.GENERIC ? r.ioBytes() : new byte[0], r.arg(1),
                    r.kind() == RawRecord.Kind.EXEC ? r.exeName() : "", r.kind() == RawRecord.Kind.EXEC && r.exeFromMemfd());
        }

        @Override
        public String toString() {
            return kind + " pid=" + pid + " ppid=" + ppid + " nr=" + nr + " ret=" + ret + " comm=" + comm
                    + switch (kind) {
                        case EXEC, EXEC_FAIL -> " file=" + filename + " argv=" + argv;
                        case OPEN -> " path=" + path + " flags=0" + Integer.toOctalString(flags) + " dirfd=" + dirfd + " fmode=" + openFmode;
                        case CONNECT, ENDPOINT -> " fd=" + fd + " family=" + family + " addr=" + Arrays.toString(address)
                                + " port=" + port + " unix=" + unixPath + " sk=" + skFamily + "/" + skType + "/" + skProtocol
                                + " local=" + Arrays.toString(localAddress) + ":" + localPort + " peer="
                                + Arrays.toString(peerAddress) + ":" + peerPort;
                        case EXIT -> " status=" + exitCode;
                        case FORK -> " child=" + childPid + "/" + childTid;
                        case GENERIC -> " arg0=" + arg0;
                    };
        }
    }

    /** Polls the probe into a list. */
    private static final class Collector {
        final Probe probe;
        final List<Seen> seen = new ArrayList<>();

        Collector(Probe probe) {
            this.probe = probe;
        }

        void pollOnce() {
            probe.poll(r -> seen.add(Seen.of(r)), 10);
        }

        /** Polls until every expectation has a matching record, failing with the missing ones at the deadline. */
        void awaitAll(Expect... expectations) {
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (true) {
                pollOnce();
                List<Expect> missing = Arrays.stream(expectations).filter(e -> seen.stream().noneMatch(e.test)).toList();
                if (missing.isEmpty()) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    fail("no record arrived within 5 s for: " + missing.stream().map(Expect::what).toList()
                            + "\nrecords of the processes involved:\n" + describeRelevant());
                }
            }
        }

        Seen first(Expect e) {
            return seen.stream().filter(e.test).findFirst().orElseThrow(() -> new AssertionError("no " + e.what));
        }

        String describeRelevant() {
            return seen.stream().filter(s -> s.kind != RawRecord.Kind.GENERIC && s.kind != RawRecord.Kind.OPEN
                    || s.pid == SELF).limit(200).map(Seen::toString).collect(Collectors.joining("\n"));
        }
    }

    record Expect(String what, Predicate<Seen> test) {
    }

    private static ProbeConfig config(int ignoreTgid) {
        return new ProbeConfig(ProbeConfig.DEFAULT_RING_BUFFER_BYTES, ignoreTgid);
    }

    @Test
    void capturesExecOpenConnectForkAndExitOfRealProcesses() throws Exception {
        try (Probe probe = Probe.open(config(0))) {
            probe.select(SELECTED, true, true, true);
            Collector c = new Collector(probe);
            c.pollOnce();

            Process trueProc = new ProcessBuilder("/bin/true").start();
            assertThat(trueProc.waitFor()).isZero();
            String script = "cat /etc/hostname > /dev/null; exit 3";
            Process sh = new ProcessBuilder("/bin/sh", "-c", script).start();
            assertThat(sh.waitFor()).isEqualTo(3);
            String missingBinary = "/nonexistent-vigil/" + UUID.randomUUID();
            assertThatThrownBy(() -> new ProcessBuilder(missingBinary).start()).isInstanceOf(IOException.class);

            Path tmp = Files.createTempFile("vigil-probe-", ".txt");
            Files.writeString(tmp, "x");
            Path socketPath = Path.of(System.getProperty("java.io.tmpdir"), "vigil-probe-" + UUID.randomUUID() + ".sock");
            int port;
            try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
                 SocketChannel client = SocketChannel.open(StandardProtocolFamily.INET);
                 ServerSocketChannel unixServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                 SocketChannel unixClient = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                port = server.getLocalPort();
                assertThat(client.connect(new InetSocketAddress("127.0.0.1", port))).isTrue();
                try (Socket accepted = server.accept()) {
                    assertThat(accepted.isConnected()).isTrue();
                }
                unixServer.bind(UnixDomainSocketAddress.of(socketPath));
                assertThat(unixClient.connect(UnixDomainSocketAddress.of(socketPath))).isTrue();
            } finally {
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(socketPath);
            }

            int truePid = (int) trueProc.pid();
            int shPid = (int) sh.pid();
            Expect execTrue = new Expect("EXEC /bin/true", s -> s.kind == RawRecord.Kind.EXEC && s.pid == truePid
                    && s.filename.equals("/bin/true"));
            Expect execSh = new Expect("EXEC /bin/sh", s -> s.kind == RawRecord.Kind.EXEC && s.pid == shPid
                    && s.filename.equals("/bin/sh"));
            Expect execCat = new Expect("EXEC cat from sh", s -> s.kind == RawRecord.Kind.EXEC && s.ppid == shPid
                    && s.filename.endsWith("/cat"));
            Expect execFail = new Expect("EXEC_FAIL " + missingBinary, s -> s.kind == RawRecord.Kind.EXEC_FAIL
                    && s.filename.equals(missingBinary));
            Expect openHostname = new Expect("OPEN /etc/hostname by cat", s -> s.kind == RawRecord.Kind.OPEN
                    && s.ppid == shPid && s.path.equals("/etc/hostname"));
            Expect openTmp = new Expect("OPEN " + tmp + " for writing (writeString, no O_EXCL)", s -> s.kind == RawRecord.Kind.OPEN && s.pid == SELF
                    && s.path.equals(tmp.toString()) && (s.flags & O_CREAT) != 0 && (s.flags & 0200) == 0 && (s.flags & 3) == 1);
            Expect createTmp = new Expect("OPEN " + tmp + " O_CREAT|O_EXCL (createTempFile)", s -> s.kind == RawRecord.Kind.OPEN
                    && s.pid == SELF && s.path.equals(tmp.toString()) && (s.flags & 0200) != 0);
            Expect connectTcp = new Expect("CONNECT 127.0.0.1:" + port, s -> s.kind == RawRecord.Kind.CONNECT
                    && s.pid == SELF && s.family == 2 && s.port == port
                    && Arrays.equals(s.address, new byte[] {127, 0, 0, 1}));
            Expect connectUnix = new Expect("CONNECT " + socketPath, s -> s.kind == RawRecord.Kind.CONNECT
                    && s.pid == SELF && s.family == 1 && s.unixPath.equals(socketPath.toString()));
            Expect forkSh = new Expect("FORK of sh by this JVM", s -> s.kind == RawRecord.Kind.FORK && s.pid == SELF
                    && s.childPid == shPid);
            Expect forkCat = new Expect("FORK by sh", s -> s.kind == RawRecord.Kind.FORK && s.pid == shPid
                    && s.childPid != shPid);
            Expect exitTrue = new Expect("EXIT /bin/true", s -> s.kind == RawRecord.Kind.EXIT && s.pid == truePid);
            Expect exitSh = new Expect("EXIT sh", s -> s.kind == RawRecord.Kind.EXIT && s.pid == shPid);
            c.awaitAll(execTrue, execSh, execCat, execFail, openHostname, openTmp, createTmp, connectTcp, connectUnix, forkSh,
                    forkCat, exitTrue, exitSh);

            // EXEC: filename, argv, process identity
            Seen t = c.first(execTrue);
            assertThat(t.argv).containsExactly("/bin/true");
            assertThat(t.ppid).isEqualTo(SELF); // the JVM's spawn helper execs in the child it forked
            assertThat(t.nr).isEqualTo(-1);
            assertThat(t.comm).isEqualTo("true");
            // the kernel's pid namespace of the process: /bin/true is long gone from /proc by now
            long ownPidns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().replaceAll("\\D", "").isEmpty() ? 0
                    : Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().replaceAll("\\D", ""));
            assertThat(t.pidns).as("pid namespace of the exec record").isEqualTo(ownPidns).isPositive();
            assertThat(c.first(execFail).pidns).as("pid namespace of the failed exec").isEqualTo(ownPidns);
            assertThat(c.first(execSh).argv).containsExactly("/bin/sh", "-c", script);
            Seen cat = c.first(execCat);
            assertThat(cat.argv).containsExactly("cat", "/etc/hostname");

            // EXEC_FAIL: the spawn helper's failed execve
            Seen failed = c.first(execFail);
            assertThat(failed.ret).isEqualTo(-2); // ENOENT
            assertThat(failed.nr).isEqualTo(Syscalls.number("execve"));
            assertThat(failed.argv).first().isEqualTo(missingBinary);

            // OPEN: path, flags and the fd in ret; the close of that fd arrives as GENERIC
            Seen hostname = c.first(openHostname);
            assertThat(hostname.pid).isEqualTo(cat.pid);
            assertThat(hostname.flags & 3).isZero(); // O_RDONLY
            assertThat(hostname.ret).isGreaterThanOrEqualTo(0);
            Seen written = c.first(openTmp);
            assertThat(written.ret).isGreaterThanOrEqualTo(0);
            assertThat(written.nr).isIn(Syscalls.number("openat"), Syscalls.number("open"));
            assertThat(written.dirfd).isEqualTo(-100); // AT_FDCWD
            // the kernel says whether the open created the file (FMODE_CREATED): the O_EXCL create did, the
            // O_CREAT|O_TRUNC rewrite of the existing file did not
            assertThat(c.first(createTmp).openFmode).as("createTempFile's open").isEqualTo(RecordLayout.OPEN_FMODE_KNOWN | RecordLayout.OPEN_CREATED);
            assertThat(written.openFmode).as("writeString's open of the existing file").isEqualTo(RecordLayout.OPEN_FMODE_KNOWN);
            assertThat(hostname.openFmode).as("a read-only open").isEqualTo(RecordLayout.OPEN_FMODE_KNOWN);
            Expect closeTmp = new Expect("close of the temp file's fd " + written.ret, s -> s.kind == RawRecord.Kind.GENERIC
                    && s.nr == Syscalls.number("close") && s.tid == written.tid && s.arg0 == written.ret
                    && s.ts > written.ts);
            c.awaitAll(closeTmp);
            assertThat(c.first(closeTmp).ret).isZero();

            // CONNECT
            assertThat(c.first(connectTcp).ret).isZero();
            assertThat(c.first(connectTcp).fd).isGreaterThanOrEqualTo(0);
            assertThat(c.first(connectUnix).ret).isZero();

            // FORK / EXIT
            Seen forkedCat = c.first(forkCat);
            assertThat(forkedCat.childPid).isEqualTo(cat.pid);
            assertThat(c.first(exitTrue).exitCode).isZero();
            assertThat(c.first(exitSh).exitCode).isEqualTo(3 << 8); // wait(2) status

            // only selected syscalls left the kernel; tracepoint records carry nr -1
            Set<Integer> allowedNr = new java.util.HashSet<>(SELECTED);
            allowedNr.add(Syscalls.number("execve"));
            allowedNr.add(Syscalls.number("execveat"));
            for (Seen s : c.seen) {
                switch (s.kind) {
                    case EXEC, EXIT, FORK -> assertThat(s.nr).as("%s", s).isEqualTo(-1);
                    default -> assertThat(allowedNr).as("%s", s).contains(s.nr);
                }
            }
            Probe.Stats stats = probe.stats();
            assertThat(stats.events()).isGreaterThanOrEqualTo(c.seen.size());
            assertThat(stats.drops()).isZero();
            assertThat(probe.decodeErrors()).isZero();
        }
    }

    private static String ip(byte[] address) throws IOException {
        return InetAddress.getByAddress(address).getHostAddress();
    }

    /**
     * A client that is gone before its record is read: the CONNECT record itself carries the local
     * address and port the kernel assigned (what the client's getsockname saw) and the socket's type.
     */
    @Test
    void connectCarriesTheKernelsLocalEndpointAndSocketType() throws Exception {
        try (Probe probe = Probe.open(config(SELF));
             ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            probe.select(Set.of(Syscalls.number("connect")), false, false, false);
            Collector c = new Collector(probe);
            int port = server.getLocalPort();
            String[] out = PythonChild.run("import os, socket\n"
                    + "s = socket.create_connection(('127.0.0.1', " + port + "))\n"
                    + "print(os.getpid(), *s.getsockname(), flush=True)\n").getFirst().split(" ");
            int pid = Integer.parseInt(out[0]);
            Expect connect = new Expect("CONNECT to 127.0.0.1:" + port + " by python " + pid,
                    s -> s.kind == RawRecord.Kind.CONNECT && s.pid == pid && s.port == port);
            c.awaitAll(connect);
            Seen s = c.first(connect);
            assertThat(s.ret).isZero();
            assertThat(s.hasAddress).isTrue();
            assertThat(s.address).containsExactly(127, 0, 0, 1);
            assertThat(s.socketKnown).isTrue();
            assertThat(s.skFamily).as("AF_INET").isEqualTo(2);
            assertThat(s.skType).as("SOCK_STREAM").isEqualTo(1);
            assertThat(s.skProtocol).as("IPPROTO_TCP").isEqualTo(6);
            assertThat(s.hasLocal).isTrue();
            assertThat(ip(s.localAddress)).as("the client's getsockname address").isEqualTo(out[1]);
            assertThat(s.localPort).as("the client's getsockname port").isEqualTo(Integer.parseInt(out[2]));
            assertThat(s.hasPeer).isTrue();
            assertThat(s.peerAddress).containsExactly(127, 0, 0, 1);
            assertThat(s.peerPort).isEqualTo(port);
            assertThat(probe.stats().drops()).isZero();
        }
    }

    /** UDP sendto and sendmsg name their destination; the kernel bound the socket to a local port on the first send. */
    @Test
    void sendtoAndSendmsgCarryTheirUdpDestination() throws Exception {
        try (Probe probe = Probe.open(config(SELF));
             DatagramSocket first = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket second = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            probe.select(Set.of(Syscalls.number("sendto"), Syscalls.number("sendmsg")), false, false, false);
            Collector c = new Collector(probe);
            int p1 = first.getLocalPort();
            int p2 = second.getLocalPort();
            String[] out = PythonChild.run("import os, socket\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "s.sendto(b'vigil', ('127.0.0.1', " + p1 + "))\n"
                    + "s.sendmsg([b'vigil'], [], 0, ('127.0.0.1', " + p2 + "))\n"
                    + "print(os.getpid(), *s.getsockname(), flush=True)\n").getFirst().split(" ");
            int pid = Integer.parseInt(out[0]);
            int localPort = Integer.parseInt(out[2]);
            Expect sendto = new Expect("sendto 127.0.0.1:" + p1 + " by python " + pid, s -> s.kind == RawRecord.Kind.ENDPOINT
                    && s.pid == pid && s.nr == Syscalls.number("sendto"));
            Expect sendmsg = new Expect("sendmsg 127.0.0.1:" + p2 + " by python " + pid, s -> s.kind == RawRecord.Kind.ENDPOINT
                    && s.pid == pid && s.nr == Syscalls.number("sendmsg"));
            c.awaitAll(sendto, sendmsg);
            for (Seen s : List.of(c.first(sendto), c.first(sendmsg))) {
                assertThat(s.ret).as("%s", s).isEqualTo(5);
                assertThat(s.hasAddress).as("%s", s).isTrue();
                assertThat(s.family).isEqualTo(2);
                assertThat(s.address).containsExactly(127, 0, 0, 1);
                assertThat(s.skType).as("SOCK_DGRAM").isEqualTo(2);
                assertThat(s.skProtocol).as("IPPROTO_UDP").isEqualTo(17);
                assertThat(s.hasLocal).isTrue();
                assertThat(ip(s.localAddress)).as("an unconnected socket: the wildcard address").isEqualTo(out[1]);
                assertThat(s.localPort).isEqualTo(localPort);
                assertThat(s.hasPeer).as("not connected").isFalse();
            }
            assertThat(c.first(sendto).port).isEqualTo(p1);
            assertThat(c.first(sendto).fd).isEqualTo(c.first(sendmsg).fd);
            assertThat(c.first(sendmsg).port).isEqualTo(p2);
        }
    }

    /**
     * Reads, writes and a recvfrom carry the first bytes they transferred (at most the snaplen, nothing for a
     * failed call), and every record names a CPU of this machine.
     */
    @Test
    void ioCallsCarryTheirFirstBytesAndEveryRecordItsCpu(@TempDir Path dir) throws Exception {
        try (Probe probe = Probe.open(config(SELF));
             DatagramSocket sink = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            probe.select(Set.of(Syscalls.number("read"), Syscalls.number("write"), Syscalls.number("pread64"),
                    Syscalls.number("pwrite64"), Syscalls.number("recvfrom"), Syscalls.number("poll")), false, false, false);
            Collector c = new Collector(probe);
            Path file = dir.resolve("io.bin");
            String long100 = "L".repeat(100);
            String[] out = PythonChild.run("import os, socket\n"
                    + "fd = os.open('" + file + "', os.O_RDWR | os.O_CREAT, 0o600)\n"
                    + "os.write(fd, b'vigil-write')\n"
                    + "os.pwrite(fd, b'" + long100 + "', 20)\n"
                    + "os.lseek(fd, 0, 0)\n"
                    + "os.read(fd, 5)\n"
                    + "os.pread(fd, 4, 20)\n"
                    + "try:\n    os.read(-1, 3)\nexcept OSError:\n    pass\n"
                    + "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "r.bind(('127.0.0.1', 0))\n"
                    + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "s.sendto(b'\\xca\\xfe\\xba\\xbe\\x00\\x01class', r.getsockname())\n"
                    + "r.recvfrom(64)\n"
                    + "s.sendto(b'T' * 100, r.getsockname())\n"
                    + "r.recvfrom(4, socket.MSG_TRUNC)\n"
                    + "import select\n"
                    + "p = select.poll()\n"
                    + "for f in range(12):\n    p.register(100 + f, select.POLLIN)\n"
                    + "p.poll(0)\n"
                    + "print(os.getpid(), fd, flush=True)\n").getFirst().split(" ");
            int pid = Integer.parseInt(out[0]);
            long fd = Long.parseLong(out[1]);
            Expect write = io(pid, "write", 11, "vigil-write");
            Expect pwrite = io(pid, "pwrite64", 100, "L".repeat(RawRecord.IO_SNAPLEN));
            Expect read = io(pid, "read", 5, "vigil");
            Expect pread = io(pid, "pread64", 4, "LLLL");
            Expect failed = new Expect("failed read by python " + pid, s -> s.kind == RawRecord.Kind.GENERIC
                    && s.pid == pid && s.nr == Syscalls.number("read") && s.ret == -9);
            Expect recv = new Expect("recvfrom by python " + pid, s -> s.kind == RawRecord.Kind.GENERIC
                    && s.pid == pid && s.nr == Syscalls.number("recvfrom") && s.ret == 11);
            Expect truncated = io(pid, "recvfrom", 100, "TTTT");
            Expect poll = new Expect("poll by python " + pid, s -> s.kind == RawRecord.Kind.GENERIC && s.pid == pid
                    && s.nr == Syscalls.number("poll") && s.arg1 == 12);
            c.awaitAll(write, pwrite, read, pread, failed, recv, truncated, poll);
            byte[] fds = c.first(poll).io;
            assertThat(fds).as("the first ten pollfd entries").hasSize(RawRecord.IO_SNAPLEN);
            for (int i = 0; i < 10; i++) {
                ByteBuffer entry = ByteBuffer.wrap(fds, 8 * i, 8).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(entry.getInt()).isEqualTo(100 + i);
                assertThat(entry.getShort()).as("events: POLLIN").isEqualTo((short) 1);
                assertThat(entry.getShort()).as("revents: POLLNVAL, no such fd").isEqualTo((short) 0x20);
            }
            assertThat(c.first(write).arg0).isEqualTo(fd);
            assertThat(c.first(failed).io).as("a failed call transferred nothing").isEmpty();
            assertThat(c.first(recv).io).containsExactly(0xca, 0xfe, 0xba, 0xbe, 0, 1, 'c', 'l', 'a', 's', 's');
            int cpus = Runtime.getRuntime().availableProcessors();
            assertThat(c.seen).allSatisfy(s -> assertThat(s.cpu).as("%s", s).isBetween(0, cpus - 1));
        }
    }

    /** An exec of a memfd names the memfd as the kernel does; an exec of a file names nothing. */
    @Test
    void execOfAMemfdCarriesItsName() throws Exception {
        try (Probe probe = Probe.open(config(SELF))) {
            probe.select(Set.of(), true, false, false);
            Collector c = new Collector(probe);
            String shm = "/dev/shm/memfd:vg_probe_shm_" + SELF;
            String pid = PythonChild.run("import os, shutil, sys\n"
                    + "shutil.copy('/bin/true', '" + shm + "')\n"
                    + "os.chmod('" + shm + "', 0o755)\n"
                    + "child = os.fork()\n"
                    + "if child == 0:\n    os.execv('" + shm + "', ['shm'])\n"
                    + "os.waitpid(child, 0)\n"
                    + "os.unlink('" + shm + "')\n"
                    + "fd = os.memfd_create('vg_probe_memfd', 0)\n"
                    + "os.write(fd, open('/bin/true', 'rb').read())\n"
                    + "print(os.getpid(), flush=True)\n"
                    + "os.execve(fd, ['vg_probe_memfd'], {})\n").getFirst();
            // the same process first executed python, then the memfd
            Expect exec = new Expect("EXEC of a memfd by " + pid, s -> s.kind == RawRecord.Kind.EXEC
                    && s.pid == Integer.parseInt(pid) && s.exeFromMemfd);
            Expect shmExec = new Expect("EXEC of " + shm, s -> s.kind == RawRecord.Kind.EXEC && s.ppid == Integer.parseInt(pid)
                    && s.filename.equals(shm));
            c.awaitAll(exec, shmExec);
            assertThat(c.first(exec).exeName).isEqualTo("memfd:vg_probe_memfd");
            assertThat(c.first(shmExec).exeFromMemfd).as("a file named memfd:... in /dev/shm is not a memfd").isFalse();
            assertThat(c.seen).filteredOn(s -> s.kind == RawRecord.Kind.EXEC && !s.exeFromMemfd)
                    .allSatisfy(s -> assertThat(s.exeName).isEmpty());
        }
    }

    private static Expect io(int pid, String syscall, long ret, String bytes) {
        return new Expect(syscall + " of " + ret + " bytes by python " + pid, s -> s.kind == RawRecord.Kind.GENERIC
                && s.pid == pid && s.nr == Syscalls.number(syscall) && s.ret == ret
                && new String(s.io, java.nio.charset.StandardCharsets.ISO_8859_1).equals(bytes));
    }

    /** A child server: bind names its address (the kernel's port for port 0), accept both ends of the new socket. */
    @Test
    void bindAndAcceptOfAChildServer() throws Exception {
        try (Probe probe = Probe.open(config(SELF))) {
            probe.select(Set.of(Syscalls.number("bind"), Syscalls.number("accept"), Syscalls.number("accept4")),
                    false, false, false);
            Collector c = new Collector(probe);
            int pid;
            int port;
            int clientPort;
            String[] accepted;
            try (PythonChild child = PythonChild.start("import os, socket\n"
                    + "srv = socket.socket()\n"
                    + "srv.bind(('127.0.0.1', 0))\n"
                    + "srv.listen(1)\n"
                    + "srv.settimeout(10)\n"
                    + "print(os.getpid(), srv.fileno(), srv.getsockname()[1], flush=True)\n"
                    + "conn, peer = srv.accept()\n"
                    + "print(conn.fileno(), *peer, flush=True)\n"
                    + "conn.close()\n")) {
                String[] first = child.nextLine();
                pid = Integer.parseInt(first[0]);
                port = Integer.parseInt(first[2]);
                try (Socket client = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                    clientPort = client.getLocalPort();
                    accepted = child.nextLine();
                }
                child.awaitExit();
                assertThat(Integer.parseInt(first[1])).as("listening fd").isGreaterThanOrEqualTo(0);
                int listenFd = Integer.parseInt(first[1]);
                Expect bind = new Expect("bind by python " + pid, s -> s.kind == RawRecord.Kind.ENDPOINT && s.pid == pid
                        && s.nr == Syscalls.number("bind"));
                Expect accept = new Expect("accept by python " + pid, s -> s.kind == RawRecord.Kind.ENDPOINT && s.pid == pid
                        && (s.nr == Syscalls.number("accept") || s.nr == Syscalls.number("accept4")) && s.ret >= 0);
                c.awaitAll(bind, accept);

                Seen b = c.first(bind);
                assertThat(b.ret).isZero();
                assertThat(b.fd).isEqualTo(listenFd);
                assertThat(b.hasAddress).isTrue();
                assertThat(b.address).containsExactly(127, 0, 0, 1);
                assertThat(b.port).as("bound with port 0").isZero();
                assertThat(b.hasLocal).isTrue();
                assertThat(b.localPort).as("the port the kernel chose").isEqualTo(port);
                assertThat(b.skType).isEqualTo(1);

                Seen a = c.first(accept);
                assertThat(a.fd).as("the listening socket").isEqualTo(listenFd);
                assertThat(a.ret).as("the new fd").isEqualTo(Integer.parseInt(accepted[0]));
                assertThat(a.skType).as("SOCK_STREAM").isEqualTo(1);
                assertThat(a.skProtocol).as("IPPROTO_TCP").isEqualTo(6);
                assertThat(a.hasLocal).isTrue();
                assertThat(a.localAddress).containsExactly(127, 0, 0, 1);
                assertThat(a.localPort).isEqualTo(port);
                assertThat(a.hasPeer).isTrue();
                assertThat(ip(a.peerAddress)).isEqualTo(accepted[1]);
                assertThat(a.peerPort).as("this JVM's client port, as the child's accept saw it")
                        .isEqualTo(clientPort).isEqualTo(Integer.parseInt(accepted[2]));
            }
        }
    }

    /** accept of a unix socket carries the path the listener is bound to, read from the kernel socket. */
    @Test
    void acceptOfAUnixSocketCarriesItsPath(@TempDir Path dir) throws Exception {
        Path socketPath = dir.resolve("srv.sock");
        try (Probe probe = Probe.open(config(SELF))) {
            probe.select(Set.of(Syscalls.number("accept"), Syscalls.number("accept4")), false, false, false);
            Collector c = new Collector(probe);
            int pid;
            try (PythonChild child = PythonChild.start("import os, socket\n"
                    + "srv = socket.socket(socket.AF_UNIX)\n"
                    + "srv.bind('" + socketPath + "')\n"
                    + "srv.listen(1)\n"
                    + "srv.settimeout(10)\n"
                    + "print(os.getpid(), flush=True)\n"
                    + "conn, _ = srv.accept()\n"
                    + "conn.close()\n")) {
                pid = Integer.parseInt(child.nextLine()[0]);
                try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    assertThat(client.connect(UnixDomainSocketAddress.of(socketPath))).isTrue();
                    child.awaitExit();
                }
            }
            Expect accept = new Expect("unix accept by python " + pid, s -> s.kind == RawRecord.Kind.ENDPOINT
                    && s.pid == pid && s.ret >= 0);
            c.awaitAll(accept);
            Seen a = c.first(accept);
            assertThat(a.skFamily).as("AF_UNIX").isEqualTo(1);
            assertThat(a.hasAddress).isTrue();
            assertThat(a.unixPath).isEqualTo(socketPath.toString());
            assertThat(a.hasLocal).as("no IP endpoints").isFalse();
        }
    }

    @Test
    void dropsTheIgnoredTgidInTheKernel() throws Exception {
        try (Probe probe = Probe.open(config(SELF))) {
            probe.select(SELECTED, true, true, true);
            Collector c = new Collector(probe);
            Path tmp = Files.createTempFile("vigil-ignored-", ".txt");
            try {
                Files.writeString(tmp, "ignored"); // this JVM's openat: must not arrive
                Process cat = new ProcessBuilder("/bin/cat", tmp.toString()).start(); // the sentinel
                cat.getInputStream().readAllBytes();
                assertThat(cat.waitFor()).isZero();
                int catPid = (int) cat.pid();
                c.awaitAll(new Expect("OPEN " + tmp + " by cat", s -> s.kind == RawRecord.Kind.OPEN && s.pid == catPid
                        && s.path.equals(tmp.toString())));
            } finally {
                Files.deleteIfExists(tmp);
            }
            assertThat(c.seen).as("records of the ignored tgid %d", SELF).noneMatch(s -> s.pid == SELF);
            assertThat(probe.stats().drops()).isZero();
        }
    }

    @Test
    void reselectingChangesWhatTheKernelSends() throws Exception {
        try (Probe probe = Probe.open(config(SELF))) {
            probe.select(Set.of(), false, true, false); // EXIT only
            Collector c = new Collector(probe);
            Process p = new ProcessBuilder("/bin/cat", "/etc/hostname").start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            int pid = (int) p.pid();
            c.awaitAll(new Expect("EXIT cat", s -> s.kind == RawRecord.Kind.EXIT && s.pid == pid));
            assertThat(c.seen).as("only EXIT was selected").allMatch(s -> s.kind == RawRecord.Kind.EXIT);

            probe.select(SELECTED, true, false, false); // now exec and opens, no exit
            Process q = new ProcessBuilder("/bin/cat", "/etc/hostname").start();
            q.getInputStream().readAllBytes();
            q.waitFor();
            int qpid = (int) q.pid();
            c.seen.clear();
            c.awaitAll(new Expect("OPEN /etc/hostname by the second cat", s -> s.kind == RawRecord.Kind.OPEN
                    && s.pid == qpid && s.path.equals("/etc/hostname")));
            Process sentinel = new ProcessBuilder("/bin/true").start();
            sentinel.waitFor();
            c.awaitAll(new Expect("EXEC sentinel", s -> s.kind == RawRecord.Kind.EXEC && s.pid == sentinel.pid()));
            assertThat(c.seen).as("EXIT is switched off").noneMatch(s -> s.kind == RawRecord.Kind.EXIT);

            assertThatThrownBy(() -> probe.select(Set.of(512), false, false, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512");
        }
    }

    @Test
    void rawTracepointFallbackLoadsAndDelivers() throws Exception {
        try (Probe probe = Probe.open(config(SELF), true)) {
            assertThat(probe.usesRawTracepoints()).isTrue();
            probe.select(SELECTED, true, true, true);
            Collector c = new Collector(probe);
            Process p = new ProcessBuilder("/bin/cat", "/etc/hostname").start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor()).isZero();
            int pid = (int) p.pid();
            c.awaitAll(new Expect("EXEC cat", s -> s.kind == RawRecord.Kind.EXEC && s.pid == pid
                            && s.argv.equals(List.of("/bin/cat", "/etc/hostname"))),
                    new Expect("OPEN /etc/hostname", s -> s.kind == RawRecord.Kind.OPEN && s.pid == pid
                            && s.path.equals("/etc/hostname") && s.ret >= 0),
                    new Expect("EXIT cat", s -> s.kind == RawRecord.Kind.EXIT && s.pid == pid));
            assertThat(probe.stats().drops()).isZero();
        }
    }

    @Test
    void verifierRejectionIsReportedWithItsLog(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("rejected.bpf.c");
        try (InputStream in = getClass().getResourceAsStream("rejected.bpf.c")) {
            assertThat(in).as("test fixture rejected.bpf.c").isNotNull();
            Files.copy(in, source);
        }
        Path object = dir.resolve("rejected.bpf.o");
        Process clang = new ProcessBuilder("clang", "-target", "bpf", "-g", "-O2", "-I/usr/include/x86_64-linux-gnu",
                "-c", source.toString(), "-o", object.toString()).redirectErrorStream(true).start();
        String output = new String(clang.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(clang.waitFor()).as("clang: %s", output).isZero();

        assertThatThrownBy(() -> Probe.open(config(SELF), false, Files.readAllBytes(object)))
                .isInstanceOfSatisfying(ProbeException.class, e -> {
                    assertThat(e.getMessage()).contains("tp_btf", "raw_tp", "bpf_object__load");
                    assertThat(e.libbpfLog()).contains("invalid mem access");
                    assertThat(e.getMessage()).contains("--- libbpf log ---");
                });
    }

    @Test
    void anUnreadableObjectIsReported() {
        assertThatThrownBy(() -> Probe.open(config(SELF), false, "not an ELF file".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(ProbeException.class).hasMessageContaining("bpf_object__open_mem failed");
    }

    @Test
    void closedProbeRejectsUse() throws Exception {
        Probe probe = Probe.open(config(SELF));
        assertThat(probe.usesRawTracepoints()).isFalse();
        probe.close();
        probe.close(); // idempotent
        assertThatThrownBy(() -> probe.poll(r -> { }, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(probe::stats).isInstanceOf(IllegalStateException.class);
    }
}
