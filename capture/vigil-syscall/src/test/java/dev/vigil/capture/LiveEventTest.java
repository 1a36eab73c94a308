package dev.vigil.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.ebpf.RawRecord.Kind;
import dev.vigil.capture.ebpf.Records;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.capture.state.WallClock;
import dev.vigil.event.EventTypes;
import dev.vigil.event.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@link SyscallState#apply} and {@link LiveEvent#load} with synthetic records for
 * processes that do not exist (pids above pid_max), so every value comes from the records, and
 * checks the fields the upstream rules use.
 */
class LiveEventTest {
    static final long WALL0 = 1_750_000_000_123_456_789L;
    static final long MONO0 = 5_000_000_000L;
    static final int BASH = 4_100_001;
    static final int SH = 4_100_002;
    static final int CAT = 4_100_003;
    static final String CID = "2c4ab4b160998c13285b572c5ff0f202847745c931ca79ec43a9ffe72acbdb0e";

    @TempDir
    Path etc;
    SyscallState state;
    FieldView v;
    long t;

    @BeforeEach
    void setUp() throws IOException {
        Files.writeString(etc.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/bash
                alice:x:1000:1000:Alice:/home/alice:/bin/bash
                nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
                """);
        Files.writeString(etc.resolve("group"), "root:x:0:\nalice:x:1000:\nnogroup:x:65534:\n");
        WallClock clock = new WallClock(() -> WALL0, () -> MONO0);
        state = SyscallState.builder().scanProc(false).etcDir(etc).metadataSources(List.of()).clock(clock).build();
        v = new FieldView(state);
        t = MONO0;
    }

    @AfterEach
    void tearDown() {
        state.close();
    }

    private Records rec(Kind k, int pid) {
        t += 1_000;
        return Records.of(k, t, pid).uid(1000, 1000);
    }

    private int nr(String name) {
        int n = state.syscallNumber(name);
        assertThat(n).as(name).isNotNegative();
        return n;
    }

    private void apply(Records r) {
        v.apply(r.build());
    }

    /** bash (cwd /home/alice) -> sh -c "cat notes.txt" -> cat notes.txt */
    private void spawnTree() {
        apply(rec(Kind.EXEC, BASH).ppid(1).comm("bash").filename("/bin/bash").argv("-bash").loginUid(1000).vpid(BASH));
        apply(rec(Kind.GENERIC, BASH).nr(nr("chdir")).path("/home/alice").ret(0));
        apply(rec(Kind.FORK, BASH).comm("bash").child(SH));
        apply(rec(Kind.EXEC, SH).ppid(BASH).comm("sh").filename("/bin/sh").argv("sh", "-c", "cat notes.txt"));
        apply(rec(Kind.FORK, SH).comm("sh").child(CAT));
        apply(rec(Kind.EXEC, CAT).ppid(SH).comm("cat").filename("/usr/bin/cat").argv("cat", "notes.txt"));
    }

    @Test
    void execBuildsTheProcessFieldsAndAncestry() {
        spawnTree();
        assertThat(v.get("evt.type")).isEqualTo("execve");
        assertThat(v.event.typeCode()).isEqualTo(EventTypes.get().code("execve"));
        assertThat(v.get("evt.dir")).isEqualTo("<");
        assertThat(v.get("evt.res")).isEqualTo("SUCCESS");
        assertThat(v.get("proc.name")).isEqualTo("cat");
        assertThat(v.get("proc.exe")).isEqualTo("cat");
        assertThat(v.get("proc.exepath")).isEqualTo("/usr/bin/cat");
        assertThat(v.get("proc.args")).isEqualTo("notes.txt");
        assertThat(v.get("proc.cmdline")).isEqualTo("cat notes.txt");
        assertThat(v.num("proc.cmdnargs")).isEqualTo(1);
        assertThat(v.num("proc.pid")).isEqualTo(CAT);
        assertThat(v.num("proc.ppid")).isEqualTo(SH);
        assertThat(v.get("proc.pname")).isEqualTo("sh");
        assertThat(v.get("proc.pexe")).isEqualTo("sh");
        assertThat(v.get("proc.pexepath")).isEqualTo("/bin/sh");
        assertThat(v.get("proc.pcmdline")).isEqualTo("sh -c cat notes.txt");
        assertThat(v.get("proc.aname[0]")).isEqualTo("cat");
        assertThat(v.get("proc.aname[1]")).isEqualTo("sh");
        assertThat(v.get("proc.aname[2]")).isEqualTo("bash");
        assertThat(v.get("proc.aname[3]")).isNull();
        assertThat(v.get("proc.aname")).isEqualTo(List.of("sh", "bash"));
        assertThat(v.get("proc.aexe[2]")).isEqualTo("-bash");
        assertThat(v.get("proc.aexepath")).isEqualTo(List.of("/bin/sh", "/bin/bash"));
        assertThat(v.get("proc.acmdline[1]")).isEqualTo("sh -c cat notes.txt");
        assertThat(v.get("proc.apid")).isEqualTo(List.of((long) SH, (long) BASH));
        assertThat(v.get("proc.apid[2]")).isEqualTo((long) BASH);
        assertThat(v.num("proc.loginshellid")).as("oldest ancestor whose argv[0] ends in sh").isEqualTo(BASH);
        assertThat(v.get("proc.cwd")).as("inherited through fork, with libsinsp's trailing slash").isEqualTo("/home/alice/");
        assertThat(v.get("user.uid")).isEqualTo(1000L);
        assertThat(v.get("user.name")).isEqualTo("alice");
        assertThat(v.get("user.loginuid")).as("inherited login uid").isEqualTo(1000L);
        assertThat(v.get("user.loginname")).isEqualTo("alice");
        assertThat(v.get("user.homedir")).isEqualTo("/home/alice");
        assertThat(v.get("group.gid")).isEqualTo(1000L);
        assertThat(v.get("group.name")).isEqualTo("alice");
        assertThat(v.get("container.id")).isEqualTo("host");
        assertThat(v.get("container.name")).isEqualTo("host");
        assertThat(v.get("proc.is_exe_from_memfd")).isEqualTo(false);
        assertThat(v.get("thread.tid")).isEqualTo((long) CAT);
        assertThat(v.get("evt.arg.filename")).isEqualTo("/usr/bin/cat");
        assertThat(v.get("syscall.type")).isEqualTo("execve");
        // values that exist in state are returned as the same object: no copy per event
        assertThat(v.get("proc.cmdline")).isSameAs(state.process(CAT).cmdline());
        assertThat(v.get("proc.pname")).isSameAs(state.process(SH).comm());
    }

    @Test
    void openResolvesRelativePathsAgainstTheCwdAndRendersFlagsAsFalco() {
        spawnTree();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("notes.txt").dirfd(-100).flags(02000000).ret(3));
        assertThat(v.get("evt.type")).isEqualTo("openat");
        assertThat(v.event.typeCode()).isEqualTo(EventTypes.get().code("openat"));
        assertThat(v.get("fd.num")).isEqualTo(3L);
        assertThat(v.get("fd.type")).isEqualTo("file");
        assertThat(v.get("fd.typechar")).isEqualTo("f");
        assertThat(v.get("fd.name")).isEqualTo("/home/alice/notes.txt");
        assertThat(v.get("fd.nameraw")).isEqualTo("notes.txt");
        assertThat(v.get("fd.directory")).isEqualTo("/home/alice");
        assertThat(v.get("fd.filename")).isEqualTo("notes.txt");
        assertThat(v.get("evt.is_open_read")).isEqualTo(true);
        assertThat(v.get("evt.is_open_write")).isEqualTo(false);
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_RDONLY|O_CLOEXEC");
        assertThat(v.get("evt.arg[flags]")).isEqualTo("O_RDONLY|O_CLOEXEC");
        assertThat(v.get("evt.rawarg.flags")).isEqualTo(4097L);
        assertThat(v.get("evt.arg.fd")).isEqualTo("<f>/home/alice/notes.txt");
        assertThat(v.get("evt.arg.dirfd")).isEqualTo("AT_FDCWD");
        assertThat(v.get("evt.arg.name")).isEqualTo("/home/alice/notes.txt");
        assertThat(v.get("evt.arg.mode")).isEqualTo("0");
        assertThat(v.get("evt.arg[0]")).isEqualTo("<f>/home/alice/notes.txt");
        assertThat(v.get("evt.args")).isEqualTo("fd=3(<f>/home/alice/notes.txt) dirfd=-100(AT_FDCWD) "
                + "name=notes.txt(/home/alice/notes.txt) flags=4097(O_RDONLY|O_CLOEXEC) mode=0 ");
        assertThat(v.get("evt.res")).isEqualTo("SUCCESS");
        assertThat(v.get("evt.rawres")).isEqualTo(3L);
        assertThat(v.get("evt.failed")).isEqualTo(false);
        assertThat(v.get("evt.abspath.src")).isEqualTo("/home/alice/notes.txt");
        assertThat(v.get("evt.abspath.dst")).isNull();
        assertThat(v.get("fs.path.name")).isEqualTo("/home/alice/notes.txt");
        assertThat(v.get("fs.path.nameraw")).isEqualTo("notes.txt");
        assertThat(v.get("fd.l4proto")).isEqualTo("<NA>");
        assertThat(v.get("fd.sockfamily")).isNull();
        assertThat(v.get("fd.ip")).isNull();
        assertThat(state.process(CAT).fd(3).name()).isEqualTo("/home/alice/notes.txt");

        // write + create + truncate, with a mode: flags render in libsinsp's table order
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/tmp/out.log").dirfd(-100).flags(01 | 0100 | 01000).mode(0644).ret(4));
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_TRUNC|O_CREAT|O_WRONLY");
        assertThat(v.get("evt.arg.mode")).isEqualTo("0644");
        assertThat(v.get("evt.is_open_write")).isEqualTo(true);
        assertThat(v.get("evt.is_open_read")).isEqualTo(false);

        apply(rec(Kind.OPEN, CAT).nr(nr("open")).path("data.bin").flags(2 | 02000000 | 0100).ret(5));
        assertThat(v.get("evt.type")).isEqualTo("open");
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_CREAT|O_RDWR|O_CLOEXEC");
        assertThat(v.get("evt.is_open_read")).isEqualTo(true);
        assertThat(v.get("evt.is_open_write")).isEqualTo(true);
        assertThat(v.get("fd.name")).isEqualTo("/home/alice/data.bin");

        // an O_EXCL create with an executable mode is an open+create+exec
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/tmp/dropper").dirfd(-100).flags(01 | 0100 | 0200).mode(0755).ret(6));
        assertThat(v.get("evt.is_open_create")).isEqualTo(true);
        assertThat(v.get("evt.is_open_exec")).isEqualTo(true);
        // the driver marks an open that created its file with O_F_CREATED (FMODE_CREATED)
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_EXCL|O_CREAT|O_WRONLY|O_F_CREATED");
        assertThat(v.get("evt.rawarg.flags")).isEqualTo((long) (Flags.PPM_O_EXCL | Flags.PPM_O_CREAT | Flags.PPM_O_WRONLY | Flags.PPM_O_F_CREATED));
        assertThat(v.get("evt.arg.mode")).isEqualTo("0755");

        // O_CREAT|O_TRUNC on a file that existed (no birth time to read here): the kernel's answer decides, as in Falco
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/var/log/app.log").dirfd(-100).flags(01 | 0100 | 01000).mode(0644).ret(10)
                .created(false));
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_TRUNC|O_CREAT|O_WRONLY");
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/var/log/new.log").dirfd(-100).flags(01 | 0100 | 01000).mode(0644).ret(11)
                .created(true));
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED");

        // a mode without O_CREAT or O_TMPFILE is not reported: the driver sends 0
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("notes.txt").dirfd(-100).flags(0).mode(0644).ret(9));
        assertThat(v.get("evt.arg.mode")).isEqualTo("0");
        assertThat(v.get("evt.arg.flags")).isEqualTo("O_RDONLY");

        // openat relative to a directory fd
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/etc").dirfd(-100).flags(0200000).ret(7));
        assertThat(v.get("fd.type")).isEqualTo("directory");
        assertThat(v.get("fd.typechar")).isEqualTo("d");
        assertThat(v.get("fd.directory")).isEqualTo("/etc");
        assertThat(v.get("fd.filename")).isNull();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("./ssh/../passwd").dirfd(7).flags(0).ret(8));
        assertThat(v.get("fd.name")).isEqualTo("/etc/passwd");
        assertThat(v.get("evt.arg.dirfd")).isEqualTo("<d>/etc");
    }

    @Test
    void failedOpenHasFdNumMinusOneAndTheErrnoName() {
        spawnTree();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("../bob/../../../etc/shadow").dirfd(-100).flags(0).ret(-13));
        assertThat(v.get("fd.num")).isEqualTo(-1L);
        assertThat(v.get("fd.typechar")).isEqualTo("f");
        assertThat(v.get("fd.name")).isEqualTo("/etc/shadow");
        assertThat(v.get("fd.nameraw")).isEqualTo("../bob/../../../etc/shadow");
        assertThat(v.get("evt.res")).isEqualTo("EACCES");
        assertThat(v.get("evt.rawres")).isEqualTo(-13L);
        assertThat(v.get("evt.failed")).isEqualTo(true);
        assertThat(v.get("evt.arg.fd")).isEqualTo("EACCES");
        assertThat(state.process(CAT).fd(-1)).isNull();
    }

    @Test
    void errnoNamesCoverTheWholeTable() {
        assertThat(Errno.name(1)).isEqualTo("EPERM");
        assertThat(Errno.name(2)).isEqualTo("ENOENT");
        assertThat(Errno.name(11)).isEqualTo("EAGAIN");
        assertThat(Errno.name(13)).isEqualTo("EACCES");
        assertThat(Errno.name(30)).isEqualTo("EROFS");
        assertThat(Errno.name(111)).isEqualTo("ECONNREFUSED");
        assertThat(Errno.name(115)).isEqualTo("EINPROGRESS");
        assertThat(Errno.name(133)).isEqualTo("EHWPOISON");
        assertThat(Errno.name(512)).isEqualTo("ERESTARTSYS");
        assertThat(Errno.name(41)).isNull();
        assertThat(Errno.name(9999)).isNull();
        spawnTree();
        apply(rec(Kind.GENERIC, CAT).nr(nr("close")).args(99).ret(-9999));
        assertThat(v.get("evt.res")).as("unknown errno renders as the number").isEqualTo("-9999");
    }

    @Test
    void connectIsTheClientSideAndKeepsTheServerEndpoint() {
        spawnTree();
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(2, 1 | 02000000, 0).ret(5));
        assertThat(v.get("evt.type")).isEqualTo("socket");
        assertThat(v.get("evt.arg.domain")).isEqualTo("AF_INET");
        assertThat(v.get("fd.type")).isEqualTo("ipv4");
        assertThat(v.get("fd.l4proto")).isEqualTo("tcp");
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(5).address(2, new byte[] {10, 1, 2, 3}, 443).ret(-115));
        assertThat(v.get("evt.type")).isEqualTo("connect");
        assertThat(v.get("evt.res")).isEqualTo("EINPROGRESS");
        assertThat(v.get("evt.rawres")).isEqualTo(-115L);
        assertThat(v.get("fd.num")).isEqualTo(5L);
        assertThat(v.get("fd.typechar")).isEqualTo("4");
        assertThat(v.get("fd.sockfamily")).isEqualTo("ip");
        assertThat(v.get("fd.l4proto")).isEqualTo("tcp");
        IpAddress server = IpAddress.parse("10.1.2.3").orElseThrow();
        assertThat(v.get("fd.sip")).isEqualTo(server);
        assertThat(v.get("fd.rip")).isEqualTo(server);
        assertThat(v.get("fd.snet")).isEqualTo(server);
        assertThat(v.get("fd.sport")).isEqualTo(443L);
        assertThat(v.get("fd.rport")).isEqualTo(443L);
        assertThat(v.get("fd.sproto")).isEqualTo("https");
        assertThat(v.get("fd.is_server")).isEqualTo(false);
        assertThat(v.get("fd.connected")).isEqualTo(true);
        assertThat(v.get("fd.name_changed")).isEqualTo(true);
        assertThat(v.get("fd.ip")).isEqualTo(List.of(server)).as("the local side of a vanished process is unknown");
        assertThat(v.get("fd.port")).isEqualTo(List.of(443L));
        assertThat(v.get("evt.arg.addr")).isEqualTo("10.1.2.3:443");
        assertThat((String) v.get("evt.arg.fd")).startsWith("<4t>");

        // a failed connect leaves the fd as it was (libsinsp)
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(10, 2, 0).ret(6));
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(6).address(10, ipv6("2001:db8::1"), 53).ret(-111));
        assertThat(v.get("evt.res")).isEqualTo("ECONNREFUSED");
        assertThat(v.get("fd.type")).isEqualTo("ipv6");
        assertThat(v.get("fd.l4proto")).isEqualTo("udp");
        assertThat(v.get("fd.sip")).isNull();
        assertThat(v.get("fd.name_changed")).isEqualTo(false);
        // then a successful one to an IPv6 server; v4-mapped peers make an ipv4 fd
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(6).address(10, ipv6("2001:db8::1"), 53).ret(0));
        assertThat(v.get("fd.sip")).isEqualTo(IpAddress.parse("2001:db8::1").orElseThrow());
        assertThat(v.get("fd.name")).isEqualTo("2001:db8::1:53");
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(10, 1, 0).ret(9));
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(9).address(10, ipv6("::ffff:192.168.1.9"), 80).ret(0));
        assertThat(v.get("fd.type")).isEqualTo("ipv4");
        assertThat(v.get("fd.sip")).isEqualTo(IpAddress.parse("192.168.1.9").orElseThrow());

        // unix sockets are named by their path
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(1, 1, 0).ret(10));
        assertThat(v.get("evt.arg.domain")).as("libsinsp's table names AF_UNIX AF_LOCAL").isEqualTo("AF_LOCAL");
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(10).unix("/var/run/docker.sock").ret(0));
        assertThat(v.get("fd.type")).isEqualTo("unix");
        assertThat(v.get("fd.typechar")).isEqualTo("u");
        assertThat(v.get("fd.name")).isEqualTo("/var/run/docker.sock");
        assertThat(v.get("fd.sockfamily")).isEqualTo("unix");
        assertThat(v.get("fd.ip")).isNull();
    }

    @Test
    void socketRecordsCarryingTheKernelSocketNeedNoProc() {
        spawnTree();
        byte[] lo = {127, 0, 0, 1};
        byte[] any = {0, 0, 0, 0};
        // connect: the local endpoint and the protocol come from the record (no socket() seen, process unknown to /proc)
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(5).address(2, new byte[] {10, 1, 2, 3}, 443).ret(0)
                .socket(2, 1, 6).local(new byte[] {10, 0, 0, 2}, 40001).peer(new byte[] {10, 1, 2, 3}, 443));
        assertThat(v.get("fd.name")).isEqualTo("10.0.0.2:40001->10.1.2.3:443");
        assertThat(v.get("fd.l4proto")).isEqualTo("tcp");
        assertThat(v.get("fd.cip")).isEqualTo(IpAddress.parse("10.0.0.2").orElseThrow());
        assertThat(v.get("fd.lport")).isEqualTo(40001L);
        assertThat(v.get("fd.rport")).isEqualTo(443L);
        assertThat(state.currentFd().isUnresolved()).isFalse();

        // bind to a port: a server socket named by its address (libsinsp), with the kernel's protocol
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("bind")).fd(6).args(6).address(2, any, 8080).ret(0)
                .socket(2, 1, 6).local(any, 8080));
        assertThat(v.get("evt.type")).isEqualTo("bind");
        assertThat(v.get("evt.arg.addr")).isEqualTo("0.0.0.0:8080");
        assertThat(v.get("fd.name")).isEqualTo("0.0.0.0:8080");
        assertThat(v.get("fd.is_server")).isEqualTo(true);
        assertThat(v.get("fd.sport")).isEqualTo(8080L);
        assertThat(v.get("fd.name_changed")).isEqualTo(true);
        // accept on it: the new fd is the server side, the peer its client
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("accept4")).fd(6).args(6, 0, 0, 02000000).ret(7)
                .socket(2, 1, 6).local(lo, 8080).peer(new byte[] {127, 0, 0, 9}, 50123));
        assertThat(v.get("evt.type")).isEqualTo("accept4");
        assertThat(v.get("fd.num")).isEqualTo(7L);
        assertThat(v.get("fd.name")).isEqualTo("127.0.0.9:50123->127.0.0.1:8080");
        assertThat(v.get("fd.is_server")).isEqualTo(true);
        assertThat(v.get("fd.lport")).isEqualTo(8080L);
        assertThat(v.get("fd.rip")).isEqualTo(IpAddress.parse("127.0.0.9").orElseThrow());
        assertThat(v.get("fd.l4proto")).isEqualTo("tcp");
        assertThat(v.get("evt.arg.tuple")).isEqualTo("127.0.0.9:50123->127.0.0.1:8080");
        assertThat(state.process(CAT).fd(7).openFlags()).as("SOCK_CLOEXEC").isEqualTo(02000000);
        assertThat(state.process(CAT).fd(6).isListening()).isTrue();

        // bind to port 0 (a client's ephemeral port): the socket stays as it was
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(2, 2, 0).ret(8));
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("bind")).fd(8).args(8).address(2, any, 0).ret(0).socket(2, 2, 17).local(any, 39000));
        assertThat(v.get("fd.is_server")).isEqualTo(false);
        assertThat(v.get("fd.name")).isEqualTo("");
        assertThat(v.get("fd.name_changed")).isEqualTo(false);
        // UDP sendto: the tuple is the local endpoint -> the destination; the name changes with the destination
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("sendto")).fd(8).args(8, 0, 3).address(2, new byte[] {8, 8, 8, 8}, 53).ret(3)
                .socket(2, 2, 17).local(any, 39000));
        assertThat(v.get("evt.type")).isEqualTo("sendto");
        assertThat(v.get("fd.name")).isEqualTo("0.0.0.0:39000->8.8.8.8:53");
        assertThat(v.get("fd.name_changed")).isEqualTo(true);
        assertThat(v.get("fd.connected")).isEqualTo(false);
        assertThat(v.get("fd.l4proto")).isEqualTo("udp");
        assertThat(v.get("fd.sip")).isEqualTo(IpAddress.parse("8.8.8.8").orElseThrow());
        assertThat(v.get("evt.arg.tuple")).isEqualTo("0.0.0.0:39000->8.8.8.8:53");
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("sendmsg")).fd(8).args(8).address(2, new byte[] {8, 8, 8, 8}, 53).ret(3)
                .socket(2, 2, 17).local(any, 39000));
        assertThat(v.get("fd.name_changed")).as("same destination").isEqualTo(false);
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("sendto")).fd(8).args(8).address(2, new byte[] {1, 1, 1, 1}, 53).ret(3)
                .socket(2, 2, 17).local(any, 39000));
        assertThat(v.get("fd.name")).isEqualTo("0.0.0.0:39000->1.1.1.1:53");
        assertThat(v.get("fd.name_changed")).isEqualTo(true);
        // a failed send or one without a destination leaves the socket alone
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("sendto")).fd(8).args(8).address(2, new byte[] {9, 9, 9, 9}, 53).ret(-13)
                .socket(2, 2, 17).local(any, 39000));
        assertThat(v.get("fd.name")).isEqualTo("0.0.0.0:39000->1.1.1.1:53");
        assertThat(v.get("fd.name_changed")).isEqualTo(false);
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("sendto")).fd(8).args(8).ret(3).socket(2, 2, 17).local(any, 39000));
        assertThat(v.get("fd.name_changed")).isEqualTo(false);

        // a send on the connected TCP socket goes to its peer: nothing changes
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("sendto")).fd(5).args(5).ret(10)
                .socket(2, 1, 6).local(new byte[] {10, 0, 0, 2}, 40001).peer(new byte[] {10, 1, 2, 3}, 443));
        assertThat(v.get("fd.name")).isEqualTo("10.0.0.2:40001->10.1.2.3:443");
        assertThat(v.get("fd.name_changed")).isEqualTo(false);
        assertThat(v.get("fd.connected")).isEqualTo(true);

        // a unix server socket is named by its bound path, and its accepted sockets too
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("bind")).fd(9).args(9).unix("/run/app.sock").ret(0).socket(1, 1, 0));
        assertThat(v.get("fd.type")).isEqualTo("unix");
        assertThat(v.get("fd.name")).isEqualTo("/run/app.sock");
        apply(rec(Kind.ENDPOINT, CAT).nr(nr("accept")).fd(9).args(9).unix("/run/app.sock").ret(10).socket(1, 1, 0));
        assertThat(v.get("fd.num")).isEqualTo(10L);
        assertThat(v.get("fd.type")).isEqualTo("unix");
        assertThat(v.get("fd.name")).isEqualTo("/run/app.sock");
    }

    @Test
    void dupCopiesTheFdAndCloseRemovesItAfterTheEvent() {
        spawnTree();
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(2, 1, 0).ret(5));
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(5).address(2, new byte[] {10, 0, 0, 7}, 4444).ret(0));
        apply(rec(Kind.GENERIC, CAT).nr(nr("dup2")).args(5, 1).ret(1));
        assertThat(v.get("evt.type")).isEqualTo("dup2");
        assertThat(v.get("evt.rawres")).isEqualTo(1L);
        assertThat(v.get("fd.type")).isEqualTo("ipv4");
        assertThat(v.get("fd.sport")).isEqualTo(4444L);
        assertThat(state.process(CAT).fd(1).serverPort()).isEqualTo(4444);
        apply(rec(Kind.GENERIC, CAT).nr(nr("fcntl")).args(5, 0, 10).ret(10));
        assertThat(v.get("evt.arg.cmd")).isEqualTo("F_DUPFD");
        assertThat(state.process(CAT).fd(10).type().label()).isEqualTo("ipv4");

        apply(rec(Kind.GENERIC, CAT).nr(nr("close")).args(5).ret(0));
        assertThat(v.get("evt.type")).isEqualTo("close");
        assertThat(v.get("fd.num")).as("the closed fd is still visible to the close event").isEqualTo(5L);
        assertThat(v.get("fd.sip")).isEqualTo(IpAddress.parse("10.0.0.7").orElseThrow());
        assertThat(state.process(CAT).fd(5)).isNull();
        assertThat(state.process(CAT).fd(1)).isNotNull();

        // exec drops close-on-exec fds, keeps the others
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/tmp/a").dirfd(-100).flags(02000000).ret(11));
        apply(rec(Kind.EXEC, CAT).ppid(SH).comm("tail").filename("/usr/bin/tail").argv("tail", "-f", "x"));
        assertThat(state.process(CAT).fd(11)).isNull();
        assertThat(state.process(CAT).fd(1)).isNotNull();
        assertThat(v.get("proc.name")).isEqualTo("tail");
        assertThat(v.get("proc.cmdline")).isEqualTo("tail -f x");
    }

    @Test
    void forkCopiesTheParentAndExitForgetsTheProcessAfterItsEvent() {
        spawnTree();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/tmp/x").dirfd(-100).flags(0).ret(3));
        apply(rec(Kind.FORK, CAT).comm("cat").child(CAT + 10));
        assertThat(v.get("evt.type")).isEqualTo("clone");
        assertThat(v.get("evt.rawres")).isEqualTo((long) CAT + 10);
        assertThat(v.get("proc.pid")).as("the fork event belongs to the parent").isEqualTo((long) CAT);
        assertThat(state.process(CAT + 10).ppid()).isEqualTo(CAT);
        assertThat(state.process(CAT + 10).fd(3).name()).as("inherited fd").isEqualTo("/tmp/x");
        assertThat(state.process(CAT + 10).cmdline()).isEqualTo("cat notes.txt");
        // the child's fd table is its own after a change
        apply(rec(Kind.GENERIC, CAT + 10).nr(nr("close")).args(3).ret(0));
        apply(rec(Kind.GENERIC, CAT).nr(nr("getpid")).ret(CAT));
        assertThat(state.process(CAT + 10).fd(3)).isNull();
        assertThat(state.process(CAT).fd(3)).isNotNull();
        // a thread is not a process
        apply(rec(Kind.FORK, CAT).comm("cat").child(CAT));
        assertThat(state.processCount()).isEqualTo(4);

        apply(rec(Kind.EXIT, CAT + 10).comm("cat").exitCode(256));
        assertThat(v.get("evt.type")).isEqualTo("procexit");
        assertThat(v.event.typeCode()).isEqualTo(EventTypes.get().code("procexit"));
        assertThat(v.get("syscall.type")).isNull();
        assertThat(v.get("proc.name")).isEqualTo("cat");
        assertThat(v.get("proc.pname")).isEqualTo("cat");
        assertThat(v.get("evt.res")).isNull();
        assertThat(v.get("evt.rawres")).isNull();
        assertThat(v.get("evt.arg.ret")).isEqualTo("1");
        assertThat(state.process(CAT + 10)).as("kept until the next record").isNotNull();
        apply(rec(Kind.GENERIC, CAT).nr(nr("getpid")).ret(CAT));
        assertThat(state.process(CAT + 10)).isNull();
        assertThat(v.get("evt.type")).isEqualTo("getpid");
        assertThat(v.get("evt.res")).isEqualTo("SUCCESS");
        assertThat(v.get("evt.args")).as("generic syscalls have no rendered arguments").isEqualTo("");
    }

    @Test
    void syscallArgumentsRenderAsFalcoRendersThem() {
        spawnTree();
        apply(rec(Kind.GENERIC, CAT).nr(nr("ptrace")).args(16, SH, 0, 0).ret(0));
        assertThat(v.get("evt.type")).isEqualTo("ptrace");
        assertThat(v.get("evt.arg.request")).isEqualTo("PTRACE_ATTACH");
        assertThat(v.get("evt.arg.pid")).as("pids resolve to the process name").isEqualTo("sh");
        apply(rec(Kind.GENERIC, CAT).nr(nr("ptrace")).args(5, SH, 0x1000, 0x90).ret(0));
        assertThat(v.get("evt.arg.request")).isEqualTo("PTRACE_POKEDATA");
        assertThat(v.get("evt.arg.addr")).isEqualTo("1000");
        apply(rec(Kind.GENERIC, CAT).nr(nr("ptrace")).args(0).ret(0));
        assertThat(v.get("evt.arg.request")).isEqualTo("PTRACE_TRACEME");
        apply(rec(Kind.GENERIC, CAT).nr(nr("ptrace")).args(0x4206, SH).ret(0));
        assertThat(v.get("evt.arg.request")).isEqualTo("PTRACE_SEIZE");

        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(17, 3, 768).ret(12));
        assertThat(v.get("evt.arg.domain")).isEqualTo("AF_PACKET");
        assertThat(v.get("evt.args")).isEqualTo("fd=12(<o>) domain=17(AF_PACKET) type=3 proto=768 ");

        apply(rec(Kind.GENERIC, CAT).nr(nr("chmod")).path("suid.bin").args(0, 04755).ret(0));
        assertThat(v.get("evt.arg.mode")).isEqualTo("S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID");
        assertThat(v.get("evt.arg.filename")).isEqualTo("/home/alice/suid.bin");
        assertThat(v.get("fs.path.name")).isEqualTo("/home/alice/suid.bin");
        apply(rec(Kind.GENERIC, CAT).nr(nr("fchmodat")).path("x").args(-100, 0, 02000).ret(0));
        assertThat(v.get("evt.arg.mode")).isEqualTo("S_ISGID");

        apply(rec(Kind.GENERIC, CAT).nr(nr("renameat")).path("a.txt").filename("/tmp/b.txt").args(-100, 0, -100).ret(0));
        assertThat(v.get("evt.arg.oldpath")).isEqualTo("/home/alice/a.txt");
        assertThat(v.get("evt.arg.newpath")).isEqualTo("/tmp/b.txt");
        assertThat(v.get("fs.path.source")).isEqualTo("/home/alice/a.txt");
        assertThat(v.get("fs.path.sourceraw")).isEqualTo("a.txt");
        assertThat(v.get("fs.path.target")).isEqualTo("/tmp/b.txt");
        assertThat(v.get("fs.path.name")).isNull();
        assertThat(v.get("evt.abspath.src")).isEqualTo("/home/alice/a.txt");
        apply(rec(Kind.GENERIC, CAT).nr(nr("rename")).path(".bash_history").filename("/dev/null").ret(0));
        assertThat(v.get("evt.arg.oldpath")).isEqualTo("/home/alice/.bash_history");

        apply(rec(Kind.GENERIC, CAT).nr(nr("symlinkat")).path("/etc/shadow").filename("sh").args(0, -100).ret(0));
        assertThat(v.get("evt.arg.target")).isEqualTo("/etc/shadow");
        assertThat(v.get("evt.arg.linkpath")).isEqualTo("/home/alice/sh");
        apply(rec(Kind.GENERIC, CAT).nr(nr("unlinkat")).path(".bash_history").args(-100, 0, 0).ret(-2));
        assertThat(v.get("evt.arg.name")).isEqualTo("/home/alice/.bash_history");
        assertThat(v.get("evt.res")).isEqualTo("ENOENT");
        apply(rec(Kind.GENERIC, CAT).nr(nr("unlink")).path("/root/.ash_history").ret(0));
        assertThat(v.get("evt.arg.path")).isEqualTo("/root/.ash_history");

        apply(rec(Kind.GENERIC, CAT).nr(nr("bpf")).args(5).ret(7));
        assertThat(v.get("evt.arg.cmd")).isEqualTo("BPF_PROG_LOAD");

        apply(rec(Kind.GENERIC, CAT).nr(nr("setuid")).args(65534).ret(0).uid(65534, 1000));
        assertThat(v.get("evt.arg.uid")).as("uids resolve to user names").isEqualTo("nobody");
        assertThat(v.get("user.name")).isEqualTo("nobody");
        assertThat(v.get("user.uid")).isEqualTo(65534L);
        apply(rec(Kind.GENERIC, CAT).nr(nr("setresuid")).args(-1, 4242, -1).ret(-1).uid(65534, 1000));
        assertThat(v.get("evt.arg.ruid")).isEqualTo("<NONE>");
        assertThat(v.get("evt.arg.euid")).isEqualTo("<NA>");
        assertThat(v.get("evt.res")).isEqualTo("EPERM");

        apply(rec(Kind.GENERIC, CAT).nr(nr("memfd_create")).path("payload").args(0, 1).ret(13));
        assertThat(v.get("fd.type")).isEqualTo("memfd");
        // libsinsp's parser test "memfd_create": fd.name is the name argument, typechar m
        assertThat(v.get("fd.name")).isEqualTo("payload");
        assertThat(v.get("fd.typechar")).isEqualTo("m");
        assertThat(v.get("evt.arg.fd")).isEqualTo("<m>payload");
        assertThat(v.get("evt.arg.name")).isEqualTo("payload");
        assertThat(v.get("evt.arg.flags")).isEqualTo("MFD_CLOEXEC");

        apply(rec(Kind.GENERIC, CAT).nr(nr("kill")).args(SH, 9).ret(0));
        assertThat(v.get("evt.arg.sig")).isEqualTo("SIGKILL");
        apply(rec(Kind.GENERIC, CAT).nr(nr("unshare")).args(0x20000 | 0x10000000).ret(0));
        assertThat(v.get("evt.arg.flags")).isEqualTo("CLONE_NEWNS|CLONE_NEWUSER");
    }

    @Test
    void flagTablesKeepLibsinspOrder() {
        assertThat(Flags.FILE_FLAGS.render(Flags.openFlagsToPpm(01 | 0100 | 02000000))).isEqualTo("O_CREAT|O_WRONLY|O_CLOEXEC");
        assertThat(Flags.FILE_FLAGS.render(Flags.openFlagsToPpm(0))).isEqualTo("O_RDONLY");
        assertThat(Flags.FILE_FLAGS.render(Flags.openFlagsToPpm(2))).isEqualTo("O_RDWR");
        assertThat(Flags.FILE_FLAGS.render(Flags.openFlagsToPpm(020200000 | 2))).isEqualTo("O_DIRECTORY|O_RDWR|O_TMPFILE");
        assertThat(Flags.FILE_FLAGS.render(Flags.openFlagsToPpm(01 | 02000 | 04000))).isEqualTo("O_NONBLOCK|O_APPEND|O_WRONLY");
        assertThat(Flags.CHMOD_MODE.render(0644)).isEqualTo("S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR");
        assertThat(Flags.CHMOD_MODE.render(0)).isEmpty();
        assertThat(Flags.SOCKET_FAMILIES.render(10)).isEqualTo("AF_INET6");
        assertThat(Flags.SOCKET_FAMILIES.render(16)).as("AF_ROUTE precedes AF_NETLINK in libsinsp").isEqualTo("AF_ROUTE");
        assertThat(Flags.PTRACE_REQUESTS.render(Flags.ptraceToPpm(4))).isEqualTo("PTRACE_POKETEXT");
        assertThat(Flags.PTRACE_REQUESTS.render(Flags.ptraceToPpm(13))).isEqualTo("PTRACE_SETREGS");
        assertThat(Flags.FCNTL_COMMANDS.render(Flags.fcntlToPpm(1030))).isEqualTo("F_DUPFD_CLOEXEC");
    }

    @Test
    void containerFromTheRecordCgroupWhenProcIsUnavailable() {
        apply(rec(Kind.EXEC, BASH + 50).ppid(1).comm("nginx").filename("/usr/sbin/nginx").argv("nginx")
                .cgroup("libpod_parent", "libpod-" + CID));
        assertThat(v.get("container.id")).isEqualTo(CID.substring(0, 12));
        assertThat(v.get("container.full_id")).isEqualTo(CID);
        assertThat(v.get("container.type")).isEqualTo("podman");
        assertThat(v.get("container.name")).as("no metadata source: absent").isNull();
        assertThat(v.get("container.image.repository")).isNull();
        assertThat(v.get("k8s.pod.name")).isNull();
        assertThat(v.get("container.mount.dest[/proc*]")).isEqualTo("N/A");
        apply(rec(Kind.EXEC, BASH + 51).ppid(1).comm("x").filename("/x").argv("x")
                .cgroup("process_api", "3653fd9441448f2c3bbbd9b8a01d2ef0"));
        assertThat(v.get("container.id")).isEqualTo("host");
    }

    @Test
    void podFieldsOfACriContainer() throws Exception {
        state.close();
        String sandbox = "5b".repeat(32);
        dev.vigil.capture.state.ContainerMetadata meta = new dev.vigil.capture.state.ContainerMetadata("app", "quay.io/x/app:2",
                null, "quay.io/x/app", "2", null, false, List.of(), null, java.util.Map.of("io.kubernetes.pod.name", "web-0"))
                .withPod(sandbox, "10.244.0.9", java.util.Map.of("app", "web", "tier", "front", "canary", "",
                        "io.kubernetes.pod.name", "web-0", "annotation.x", "y"));
        dev.vigil.capture.state.ContainerMetadataSource source = new dev.vigil.capture.state.FixedMetadataSource(meta);
        state = SyscallState.builder().scanProc(false).etcDir(etc).metadataSources(List.of(source))
                .clock(new WallClock(() -> WALL0, () -> MONO0)).build();
        v = new FieldView(state);
        apply(rec(Kind.EXEC, BASH + 60).ppid(1).comm("app").filename("/app").argv("app")
                .cgroup("kubepods-besteffort-pod1.slice", "cri-containerd-" + CID + ".scope"));
        state.process(BASH + 60).container().metadataFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(v.get("k8s.pod.name")).isEqualTo("web-0");
        assertThat(v.get("k8s.pod.full_sandbox_id")).isEqualTo(sandbox);
        assertThat(v.get("k8s.pod.sandbox_id")).isEqualTo(sandbox.substring(0, 12));
        assertThat(v.get("k8s.pod.ip")).isEqualTo("10.244.0.9");
        assertThat(v.get("container.ip")).isEqualTo("10.244.0.9");
        assertThat(v.get("k8s.pod.label[tier]")).isEqualTo("front");
        assertThat(v.get("k8s.pod.label[none]")).isNull();
        // as Falco's container plugin: ", " between items, no kubelet or annotation entries, a bare key for an empty value
        assertThat(v.get("k8s.pod.labels")).isEqualTo("app:web, canary, tier:front");
        assertThat(v.get("container.labels")).as("only kubelet's labels: nothing left").isEqualTo("");
    }

    @Test
    void timeCountersAndNumericAccessWithoutBoxing() {
        spawnTree();
        long firstNum = v.num("evt.num");
        apply(rec(Kind.GENERIC, CAT).nr(nr("getpid")).ret(CAT));
        assertThat(v.num("evt.num")).isEqualTo(firstNum + 1);
        assertThat(v.event.timestampNanos()).isEqualTo(WALL0 + (t - MONO0));
        assertThat(v.get("evt.rawtime")).isEqualTo(WALL0 + (t - MONO0));
        assertThat(v.get("evt.deltatime")).isEqualTo(1_000L);
        assertThat(v.get("evt.rawtime.s")).isEqualTo((WALL0 + (t - MONO0)) / 1_000_000_000L);
        assertThat((String) v.get("evt.time")).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{9}");
        assertThat((String) v.get("evt.time.iso8601")).matches("2025-06-15T\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");
        assertThat(v.get("evt.source")).isEqualTo("syscall");
        assertThat(v.event.source()).isEqualTo("syscall");
        assertThat(v.has("proc.pid")).isTrue();
        assertThat(v.num("proc.pid")).isEqualTo(CAT);
        assertThat(v.has("fd.num")).isFalse();
        assertThat(v.num("evt.failed")).isZero();
        assertThat(v.num("evt.is_open_read")).isZero();
        assertThat(v.get("evt.type.is[getpid]")).isEqualTo(1L);
        assertThat(v.get("evt.type.is[open]")).isEqualTo(0L);
        assertThat(v.get("proc.duration")).isEqualTo(t - (MONO0 + 5_000)).as("since the fork record");
        assertThat(v.get("evt.cpu")).isNull();
        // a field of another source interned in the same slot table is absent here
        int audit = v.slots.slotOf(dev.vigil.event.FieldCatalog.forSource("k8s_audit").orElseThrow().resolve("ka.verb").orElseThrow());
        v.event.rebind();
        assertThat(v.event.value(audit)).isNull();
    }

    @Test
    void sessionAndProcessGroupFollowSetsidAndSetpgid() {
        apply(rec(Kind.EXEC, BASH).ppid(1).comm("bash").filename("/bin/bash").argv("-bash").vpid(BASH));
        apply(rec(Kind.GENERIC, BASH).nr(nr("setsid")).ret(BASH));
        apply(rec(Kind.FORK, BASH).comm("bash").child(SH));
        apply(rec(Kind.EXEC, SH).ppid(BASH).comm("sh").filename("/bin/sh").argv("sh"));
        assertThat(v.get("proc.sid")).isEqualTo((long) BASH);
        assertThat(v.get("proc.sname")).isEqualTo("bash");
        assertThat(v.get("proc.is_sid_leader")).isEqualTo(false);
        assertThat(v.get("proc.vpgid.name")).isEqualTo("bash");
        assertThat(v.get("proc.is_vpgid_leader")).isEqualTo(false);
        apply(rec(Kind.GENERIC, SH).nr(nr("setpgid")).args(0, 0).ret(0));
        assertThat(v.get("proc.vpgid")).isEqualTo((long) SH);
        assertThat(v.get("proc.is_vpgid_leader")).isEqualTo(true);
        assertThat(v.get("proc.vpgid.exe")).isEqualTo("sh");
        assertThat(v.get("proc.vpid")).isEqualTo((long) SH);
        assertThat(v.get("thread.vtid")).isEqualTo((long) SH);
    }

    @Test
    void domainNamesOfWatchedServers() {
        spawnTree();
        state.domainNames().watch("localhost");
        state.domainNames().refreshNow();
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(2, 1, 0).ret(5));
        apply(rec(Kind.CONNECT, CAT).nr(nr("connect")).fd(5).address(2, new byte[] {127, 0, 0, 1}, 6443).ret(0));
        assertThat(v.get("fd.sip.name")).isEqualTo("localhost");
        assertThat(v.get("fd.rip.name")).isEqualTo("localhost");
        assertThat(v.get("fd.cip.name")).isNull();
    }

    @Test
    void readingFieldsThatExistInStateAllocatesNothing() {
        spawnTree();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("notes.txt").dirfd(-100).flags(0).ret(3));
        String[] strings = {"proc.name", "proc.cmdline", "proc.exepath", "proc.pname", "proc.aname[2]", "fd.name",
            "fd.directory", "fd.typechar", "evt.type", "container.id", "user.name", "proc.cwd", "evt.res"};
        String[] numbers = {"proc.pid", "proc.ppid", "fd.num", "user.uid", "evt.rawres", "proc.tty", "evt.is_open_read"};
        int[] s = java.util.Arrays.stream(strings).mapToInt(v::slot).toArray();
        int[] n = java.util.Arrays.stream(numbers).mapToInt(v::slot).toArray();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < 2; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50_000; i++) {
                for (int slot : s) {
                    sink += v.event.value(slot) == null ? 0 : 1;
                }
                for (int slot : n) {
                    if (v.event.has(slot)) {
                        sink += v.event.longValue(slot);
                    }
                }
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (round == 1) {
                assertThat(allocated).as("bytes allocated by 1M field reads").isLessThan(64 * 1024);
            }
        }
        assertThat(sink).isNotZero();
    }

    @Test
    void aRecycledFdEntryCarriesNothingOfItsPreviousFile() {
        spawnTree();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/var/log/app/a.log").dirfd(-100).flags(02000001).ret(7));
        assertThat(v.get("fd.directory")).isEqualTo("/var/log/app");
        apply(rec(Kind.GENERIC, CAT).nr(nr("close")).args(7).ret(0));
        assertThat(v.get("fd.name")).as("the close event still sees the closed file").isEqualTo("/var/log/app/a.log");
        // the next entries may reuse the closed one
        apply(rec(Kind.GENERIC, CAT).nr(nr("socket")).args(2, 1, 0).ret(7));
        assertThat(v.get("fd.typechar")).isEqualTo("4");
        assertThat(v.get("fd.directory")).isNull();
        apply(rec(Kind.OPEN, CAT).nr(nr("openat")).path("/etc/b.conf").dirfd(-100).flags(0).ret(8));
        assertThat(v.get("fd.directory")).isEqualTo("/etc");
        assertThat(v.get("fd.filename")).isEqualTo("b.conf");
        assertThat(v.get("evt.is_open_write")).isEqualTo(false);
        // neither inherited the close-on-exec flag of the closed file: both survive an exec
        apply(rec(Kind.EXEC, CAT).ppid(SH).comm("tail").filename("/usr/bin/tail").argv("tail", "x"));
        assertThat(state.process(CAT).fd(7)).isNotNull();
        assertThat(state.process(CAT).fd(8)).isNotNull();
    }

    @Test
    void openingAndClosingAFileAgainAllocatesNothing() {
        spawnTree();
        dev.vigil.capture.ebpf.RawRecord open = rec(Kind.OPEN, CAT).nr(nr("openat")).path("/etc/hostname").dirfd(-100)
                .flags(0).ret(3).build();
        dev.vigil.capture.ebpf.RawRecord close = rec(Kind.GENERIC, CAT).nr(nr("close")).args(3).ret(0).build();
        int dir = v.slot("fd.directory");
        int name = v.slot("fd.filename");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < 2; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                v.apply(open);
                sink += v.event.value(dir) == null ? 0 : 1;
                sink += v.event.value(name) == null ? 0 : 1;
                v.apply(close);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (round == 1) {
                assertThat(allocated).as("bytes allocated by 20,000 opens and closes").isLessThan(64 * 1024);
            }
        }
        assertThat(sink).isEqualTo(80_000);
    }

    @Test
    void slotsInternedAfterConstructionNeedARebind() {
        spawnTree();
        dev.vigil.event.FieldRef ref = v.catalog.resolve("proc.exepath").orElseThrow();
        int slot = v.slots.slotOf(ref);
        assertThat(v.event.value(slot)).isNull();
        v.event.rebind();
        assertThat(v.event.value(slot)).isEqualTo("/usr/bin/cat");
    }

    /** The exe link is gone with the process: the path it was started through is resolved, if it is the inode the probe saw. */
    @Test
    void exepathOfAProcessGoneFromProcResolvesSymbolicLinks() throws IOException {
        spawnTree();
        Path real = Files.writeString(etc.resolve("real-tool"), "#");
        Path link = Files.createSymbolicLink(etc.resolve("tool-link"), real);
        long ino = ((Number) Files.getAttribute(real, "unix:ino")).longValue();
        int viaLink = 4_100_031;
        apply(rec(Kind.FORK, SH).comm("sh").child(viaLink));
        apply(rec(Kind.EXEC, viaLink).ppid(SH).comm("tool-link").filename(link.toString()).argv(link.toString())
                .exe(ino, 1L, 1L, 0100755, 0, 0, false, false, false));
        assertThat(v.get("proc.exepath")).isEqualTo(real.toRealPath().toString());
        assertThat(v.get("proc.exe")).isEqualTo(link.toString());
        assertThat(v.get("proc.name")).isEqualTo("tool-link");

        // another inode at that path now: the file changed since the exec, keep the path as given
        int replaced = 4_100_032;
        apply(rec(Kind.FORK, SH).comm("sh").child(replaced));
        apply(rec(Kind.EXEC, replaced).ppid(SH).comm("tool-link").filename(link.toString()).argv(link.toString())
                .exe(ino + 1, 1L, 1L, 0100755, 0, 0, false, false, false));
        assertThat(v.get("proc.exepath")).isEqualTo(link.toString());
    }

    @Test
    void kernelExeFactsAndCapabilitiesHoldForAProcessAlreadyGoneFromProc() {
        spawnTree();
        // pids not in /proc (scanProc off, no such process): only the exec record knows the facts
        int dropped = 4_100_021;
        int fileless = 4_100_022;
        apply(rec(Kind.FORK, SH).comm("sh").child(dropped));
        apply(rec(Kind.EXEC, dropped).ppid(SH).comm("eg_dropped").filename("/tmp/eg_dropped").argv("/tmp/eg_dropped").uid(1, 1)
                .exe(918273, 1_795_000_000_000_000_000L, 1_794_000_000_000_000_000L, 0100755, 0, 0, true, false, false)
                .caps(0, 0x200002L, 0x200002L).tty(136 << 8 | 5));
        assertThat(v.get("proc.tty")).as("/dev/pts/5, from the record: the process is not in /proc").isEqualTo(34821L);
        assertThat(v.get("evt.arg.tty")).isEqualTo("34821");
        assertThat(v.get("proc.is_exe_upper_layer")).isEqualTo(true);
        assertThat(v.get("proc.is_exe_writable")).as("mode 755 owned by root, run by uid 1").isEqualTo(false);
        assertThat(v.get("evt.arg.flags")).isEqualTo("EXE_UPPER_LAYER");
        assertThat(v.get("proc.exe_ino")).isEqualTo(918273L);
        assertThat(v.get("proc.exe_ino.ctime")).isEqualTo(1_795_000_000_000_000_000L);
        assertThat(v.get("proc.exe_ino.mtime")).isEqualTo(1_794_000_000_000_000_000L);
        assertThat(v.get("thread.cap_effective")).isEqualTo("CAP_DAC_OVERRIDE CAP_SYS_ADMIN");

        apply(rec(Kind.FORK, SH).comm("sh").child(fileless));
        apply(rec(Kind.EXEC, fileless).ppid(SH).comm("3").filename("/dev/fd/3").argv("eg_memfd")
                .exe(77, 1L, 1L, 0100777, 1000, 1000, false, false, true).caps(0, 0, 0));
        assertThat(v.get("proc.is_exe_from_memfd")).isEqualTo(true);
        assertThat(v.get("proc.tty")).as("no terminal in the record: inherited through fork (here none)").isEqualTo(0L);
        assertThat(v.get("evt.arg.flags")).isEqualTo("EXE_WRITABLE|EXE_FROM_MEMFD");
        assertThat(v.get("proc.is_exe_upper_layer")).isEqualTo(false);
        assertThat(v.get("thread.cap_effective")).isEqualTo("");
    }

    @Test
    void pidNamespaceComesFromTheExecRecordForAProcessGoneFromProc() {
        spawnTree();
        long pidns = 4_026_532_999L;
        int init = 4_100_031;
        int worker = 4_100_032;
        // a namespace's pid 1 and one of its processes, both gone from /proc (scanProc off) when handled
        apply(rec(Kind.FORK, SH).comm("sh").child(init));
        apply(rec(Kind.EXEC, init).ppid(SH).comm("tini").filename("/sbin/tini").argv("tini").vpid(1).pidns(pidns));
        long initStart = (Long) v.get("proc.pidns_init_start_ts");
        assertThat(initStart).as("the start of the namespace's pid 1").isPositive();
        apply(rec(Kind.FORK, init).comm("tini").child(worker));
        apply(rec(Kind.EXEC, worker).ppid(init).comm("app").filename("/app").argv("app").vpid(7).pidns(pidns));
        assertThat(v.get("proc.pidns_init_start_ts")).isEqualTo(initStart);
        assertThat(v.get("container.start_ts")).as("no container metadata: the namespace's start").isEqualTo(initStart);

        int unknownNs = 4_100_033;
        apply(rec(Kind.FORK, SH).comm("sh").child(unknownNs));
        apply(rec(Kind.EXEC, unknownNs).ppid(SH).comm("x").filename("/x").argv("x").vpid(3).pidns(4_026_533_000L));
        assertThat(v.get("proc.pidns_init_start_ts")).as("a namespace whose pid 1 was never seen").isNull();
    }

    @Test
    void execFailDoesNotChangeTheProcess() {
        spawnTree();
        apply(rec(Kind.EXEC_FAIL, CAT).nr(nr("execve")).filename("/nonexistent").ret(-2));
        assertThat(v.get("evt.type")).isEqualTo("execve");
        assertThat(v.get("evt.res")).isEqualTo("ENOENT");
        assertThat(v.get("proc.name")).isEqualTo("cat");
        apply(rec(Kind.EXEC, CAT).nr(nr("execveat")).ppid(SH).comm("true").filename("/bin/true").argv("true"));
        assertThat(v.get("evt.type")).isEqualTo("execveat");
    }

    private static byte[] ipv6(String s) {
        try {
            return java.net.InetAddress.getByName(s).getAddress().length == 16
                    ? java.net.InetAddress.getByName(s).getAddress()
                    : java.net.Inet6Address.getByAddress(null, mapped(java.net.InetAddress.getByName(s).getAddress()), -1).getAddress();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }
}
