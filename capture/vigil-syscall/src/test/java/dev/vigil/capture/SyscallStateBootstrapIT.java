package dev.vigil.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.ebpf.RawRecord.Kind;
import dev.vigil.capture.ebpf.Records;
import dev.vigil.capture.state.FdInfo;
import dev.vigil.capture.state.FdType;
import dev.vigil.capture.state.ProcessInfo;
import dev.vigil.capture.state.SyscallState;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bootstraps state from this machine's real /proc: the test JVM itself, a child it starts, its
 * open files and sockets. Nothing is skipped: on a machine without /proc this fails.
 */
class SyscallStateBootstrapIT {
    final long self = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    @Test
    void bootstrapSeesTheTestJvmAsFalcoWould() throws Exception {
        try (SyscallState state = SyscallState.builder().metadataSources(List.of()).build()) {
            ProcessInfo p = state.process((int) self);
            assertThat(p).as("the test JVM is in the bootstrapped table").isNotNull();
            assertThat(state.processCount()).isGreaterThan(5);
            assertThat(p.ppid()).isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
            assertThat(p.comm()).isEqualTo("java");
            Path javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
            assertThat(p.exepath()).isEqualTo(javaExe.toString());
            List<String> argv = ProcessFsArgv.of(self);
            assertThat(p.exe()).isEqualTo(argv.get(0));
            List<String> javaArgs = ProcessHandle.current().info().arguments().map(List::of).orElseThrow();
            assertThat(p.args()).isEqualTo(javaArgs);
            assertThat(p.cmdline()).isEqualTo("java " + String.join(" ", javaArgs));
            assertThat(p.cwd()).isEqualTo(Path.of(System.getProperty("user.dir")).toRealPath() + "/");
            int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            assertThat(p.uid()).isEqualTo(uid);
            assertThat(p.vpid()).isEqualTo((int) self);
            assertThat(p.container().isHost()).as("this VM's /process_api memory cgroup is not a container").isTrue();
            assertThat(p.startNanos()).isBetween(
                    ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli() * 1_000_000 - 2_000_000_000L,
                    ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli() * 1_000_000 + 2_000_000_000L);

            // the same through the event view, for a record of this process
            FieldView v = new FieldView(state);
            v.apply(Records.of(Kind.GENERIC, System.nanoTime(), (int) self).uid(uid, p.gid())
                    .nr(state.syscallNumber("getpid")).ret(self).build());
            assertThat(v.get("proc.pid")).isEqualTo(self);
            assertThat(v.get("proc.exepath")).isEqualTo(javaExe.toString());
            assertThat(v.get("proc.cmdline")).isEqualTo(p.cmdline());
            assertThat(v.get("proc.cwd")).isEqualTo(p.cwd());
            assertThat(v.get("user.uid")).isEqualTo((long) uid);
            assertThat(v.get("user.name")).isEqualTo(System.getProperty("user.name"));
            assertThat(v.get("container.id")).isEqualTo("host");
            assertThat(v.get("container.name")).isEqualTo("host");
            // the container plugin's container.start_ts is proc.pidns_init_start_ts, host processes
            // included: the start of pid 1 of the host pid namespace
            assertThat(v.get("proc.pidns_init_start_ts")).isEqualTo(state.process(1).startNanos());
            assertThat(v.get("container.start_ts")).isEqualTo(state.process(1).startNanos());
            assertThat(v.get("proc.vpid")).isEqualTo(self);
            long parent = ProcessHandle.current().parent().orElseThrow().pid();
            assertThat(v.get("proc.pname")).isEqualTo(Files.readString(Path.of("/proc/" + parent + "/comm")).trim());
            assertThat((String) v.get("thread.cap_effective")).as("the build VM runs tests as root").contains("CAP_SYS_ADMIN");
            assertThat(v.get("proc.is_exe_upper_layer")).isEqualTo(false);
            assertThat(v.get("proc.exe_ino")).isEqualTo(Files.getAttribute(javaExe, "unix:ino"));
            assertThat(v.get("proc.sname")).isNotNull();
            assertThat(v.get("proc.env[PATH]")).isEqualTo(System.getenv("PATH"));
            assertThat(v.get("proc.aname")).asList().isNotEmpty();
            assertThat((String) v.get("proc.stdin.type")).isNotNull();
        }
    }

    @Test
    void aChildStartedAfterBootstrapIsFoundByARescan() throws Exception {
        try (SyscallState state = SyscallState.builder().metadataSources(List.of()).build()) {
            Process child = new ProcessBuilder("/bin/sleep", "5").start();
            try {
                assertThat(state.process((int) child.pid())).isNull();
                awaitExec(child.pid(), "sleep");
                state.rescan();
                ProcessInfo c = state.process((int) child.pid());
                assertThat(c).isNotNull();
                assertThat(c.ppid()).isEqualTo((int) self);
                assertThat(c.comm()).isEqualTo("sleep");
                assertThat(c.exe()).isEqualTo("/bin/sleep");
                assertThat(c.args()).containsExactly("5");
                assertThat(c.cmdline()).isEqualTo("sleep 5");
                assertThat(c.exepath()).isEqualTo(Path.of("/bin/sleep").toRealPath().toString());
                assertThat(state.parent(c).pid()).isEqualTo((int) self);
                assertThat(c.container().isHost()).isTrue();
            } finally {
                child.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void openFilesAndSocketsAreReadFromProcWithFalcoOrientation() throws Exception {
        Path file = Files.writeString(tmp.resolve("open-me.txt"), "x").toRealPath();
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (FileInputStream in = new FileInputStream(file.toFile());
             ServerSocket server = new ServerSocket(0, 10, lo);
             Socket client = new Socket(lo, server.getLocalPort());
             Socket accepted = server.accept();
             SyscallState state = SyscallState.builder().metadataSources(List.of()).build()) {
            ProcessInfo p = state.process((int) self);
            int sport = server.getLocalPort();
            int cport = client.getLocalPort();
            List<FdInfo> fds = new ArrayList<>();
            for (int n : p.fdNumbers()) {
                fds.add(p.fd(n));
            }
            assertThat(fds).anySatisfy(f -> {
                assertThat(f.type()).isEqualTo(FdType.FILE);
                assertThat(f.name()).isEqualTo(file.toString());
            });
            FdInfo listener = fds.stream().filter(f -> f.isListening() && f.serverPort() == sport).findFirst().orElseThrow();
            assertThat(listener.type()).isEqualTo(FdType.IPV4);
            assertThat(listener.name()).isEqualTo("127.0.0.1:" + sport);
            assertThat(listener.l4proto()).isEqualTo("tcp");
            String tuple = "127.0.0.1:" + cport + "->127.0.0.1:" + sport;
            FdInfo out = fds.stream().filter(f -> f.type().isIp() && !f.isServer() && f.clientPort() == cport).findFirst().orElseThrow();
            assertThat(out.name()).isEqualTo(tuple);
            FdInfo in2 = fds.stream().filter(f -> f.type().isIp() && f.isServer() && !f.isListening() && f.clientPort() == cport)
                    .findFirst().orElseThrow();
            assertThat(in2.name()).as("an accepted socket is oriented client->server too").isEqualTo(tuple);

            // a connect record carries only the peer: the local side is read lazily from /proc/<pid>/net
            FieldView v = new FieldView(state);
            int uid = p.uid();
            v.apply(Records.of(Kind.CONNECT, System.nanoTime(), (int) self).uid(uid, p.gid()).nr(state.syscallNumber("connect"))
                    .fd(out.num()).address(2, new byte[] {127, 0, 0, 1}, sport).ret(0).build());
            assertThat(v.get("fd.name")).isEqualTo(tuple);
            assertThat(v.get("fd.lport")).isEqualTo((long) cport);
            assertThat(v.get("fd.rport")).isEqualTo((long) sport);
            assertThat(v.get("fd.cport")).isEqualTo((long) cport);
            assertThat(v.get("fd.sport")).isEqualTo((long) sport);
            assertThat(v.get("fd.port")).asList().containsExactly((long) cport, (long) sport);
            assertThat(v.get("fd.is_server")).isEqualTo(false);
            assertThat(v.get("fd.l4proto")).isEqualTo("tcp");

            // an accept record: the new fd is the server side
            v.apply(Records.of(Kind.GENERIC, System.nanoTime(), (int) self).uid(uid, p.gid()).nr(state.syscallNumber("accept4"))
                    .args(listener.num(), 0, 0, 0).ret(in2.num()).build());
            assertThat(v.get("fd.name")).isEqualTo(tuple);
            assertThat(v.get("fd.is_server")).isEqualTo(true);
            assertThat(v.get("fd.lport")).isEqualTo((long) sport);
            assertThat(v.get("fd.rport")).isEqualTo((long) cport);
            assertThat(v.get("evt.arg.fd")).isEqualTo("<4t>" + tuple);
            assertThat(in.available()).isEqualTo(1);
            assertThat(accepted.isConnected()).isTrue();
        }
    }

    private static void awaitExec(long pid, String comm) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            String c = Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
            if (c.equals(comm)) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("process " + pid + " did not exec " + comm);
    }

    /** argv of a process, read independently of the state code. */
    static final class ProcessFsArgv {
        static List<String> of(long pid) throws IOException {
            byte[] b = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.add(new String(b, start, i - start));
                    start = i + 1;
                }
            }
            return out;
        }
    }
}
