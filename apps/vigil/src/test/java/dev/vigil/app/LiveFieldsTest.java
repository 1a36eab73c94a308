package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.state.Capabilities;
import dev.vigil.event.FieldCatalog;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RuleText;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.ConditionParser;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every syscall-source field the upstream stable rules ({@code falco_rules.yaml}) use, extracted by
 * the live agent from real system calls, with the value Falco gives. One agent runs for the whole
 * class, with generated rules: each scenario has a rule keyed on a marker of its own (a process
 * name, given by the symlink the process was started through, or a file name) whose output prints,
 * as {@code %field}, the stable fields that apply to its event type; the alerts are JSON, so the
 * values arrive typed in {@code output_fields}.
 *
 * <p>The system calls come from child processes of this JVM (the probe ignores the JVM itself):
 * dash scripts for process ancestry, {@code setsid}, {@code setpriv} and {@code script} for the
 * session, credentials and terminal, and two Python drivers that make each system call by number
 * ({@code evtgen/eg.py} for the open family and the memfd exec, {@code fields/lf.py} for the
 * rest), so the C library cannot substitute another call. Expected values follow libsinsp and the
 * container plugin (see {@code ../shared/specs/falco-rules.md} section 6); where the value is the
 * kernel's, it is read back from {@code /proc} or {@code stat(2)}.
 *
 * <p>Each check records the field it proved; {@link #unionOfCoveredFieldsIsTheStableFieldSet()}
 * (run last) computes the stable rules' field set with the engine and requires that every field
 * is covered, except those listed in {@link #NOT_EXERCISED} with the reason. Fields that only make
 * sense in conditions ({@code fd.ip}, {@code fd.net}, {@code fd.snet}, {@code fd.sip.name}, the
 * any-ancestor {@code proc.aname}) are proved by a rule that must fire and a twin that must not.
 *
 * <p>Needs root, python3, setpriv, setsid, script; fails (never skips) when one is missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveFieldsTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Fields of the stable set that this host cannot produce, with the reason. */
    static final Map<String, String> NOT_EXERCISED = Map.of(
            "container.image.repository", "container engine metadata: a host process has none; checked against real podman "
                    + "containers by EvtgenScenariosTest and PodmanContainerIT",
            "container.privileged", "container engine metadata (as above)",
            "k8s.ns.name", "CRI pod label of a Kubernetes container; no kubelet here (PodmanContainerIT checks the label mapping)");

    /** Everything a process carries, printed by every rule. */
    private static final List<String> PROC = List.of("proc.pid", "proc.name", "proc.exe", "proc.exepath", "proc.args",
            "proc.cmdline", "proc.pname", "proc.pexe", "proc.pexepath", "proc.pcmdline", "proc.aname[1]", "proc.aname[2]",
            "proc.aname[3]", "proc.aname[4]", "proc.aname[5]", "proc.aname[6]", "proc.aname[7]", "proc.aexepath[2]",
            "proc.sname", "proc.tty", "proc.cwd", "proc.duration", "proc.vpid", "proc.is_exe_upper_layer",
            "proc.is_exe_from_memfd", "proc.exe_ino.ctime", "proc.exe_ino.mtime", "proc.exe_ino.ctime_duration_proc_start",
            "user.uid", "user.name", "user.loginuid", "user.loginname", "group.gid", "group.name", "thread.cap_effective",
            "container.id", "container.start_ts");
    private static final List<String> EVT = List.of("evt.num", "evt.type", "evt.dir", "evt.res", "evt.rawres", "evt.args", "evt.rawtime");
    private static final List<String> FD = List.of("fd.num", "fd.type", "fd.typechar", "fd.name", "fd.nameraw", "fd.directory",
            "fd.filename", "fd.name_changed", "fd.connected", "fd.l4proto", "fd.sip", "fd.sport", "fd.cip", "fd.cport",
            "fd.lport", "fd.rport", "fd.sip.name");
    private static final List<String> OPEN = List.of("evt.is_open_read", "evt.is_open_write", "evt.is_open_create",
            "evt.arg.flags", "evt.arg.mode");
    private static final List<String> FS = List.of("evt.arg.oldpath", "evt.arg.newpath", "evt.arg.path", "evt.arg.name",
            "evt.arg.target", "evt.arg.linkpath", "evt.arg.mode", "evt.arg.filename");

    private static final List<String> IO = List.of("evt.buffer", "evt.buflen", "evt.buflen.in", "evt.buflen.out",
            "evt.buflen.file", "evt.buflen.file.in", "evt.buflen.file.out", "evt.buflen.net", "evt.buflen.net.in",
            "evt.buflen.net.out", "evt.cpu", "evt.arg.data");

    private record RuleDef(String name, String condition, List<String> fields) {}

    private static final List<RuleDef> RULES = List.of(
            new RuleDef("LF ready", "evt.type = execve and proc.name = lf_ready", List.of("proc.args")),
            new RuleDef("LF exec", "evt.type = execve and proc.name in (lf_exe, lf_tty, lf_nobody, lf_login)", cat(PROC, EVT)),
            new RuleDef("LF exec memfd", "evt.type in (execve, execveat) and proc.is_exe_from_memfd = true and proc.args contains lf_memfd_exec",
                    cat(PROC, EVT)),
            new RuleDef("LF exec failed", "evt.type = execve and evt.res != SUCCESS and proc.name = lf_execfail",
                    cat(PROC, EVT, List.of("evt.arg.filename"))),
            new RuleDef("LF any ancestor", "evt.type = execve and proc.name = lf_exe and proc.aname = lf_gp", List.of("proc.pid")),
            new RuleDef("LF any ancestor is not the process", "evt.type = execve and proc.name = lf_exe and proc.aname = lf_exe",
                    List.of("proc.pid")),
            new RuleDef("LF any ancestor absent", "evt.type = execve and proc.name = lf_exe and proc.aname = lf_elsewhere",
                    List.of("proc.pid")),
            new RuleDef("LF open", "evt.type in (open, openat, openat2) and proc.name = lf_open and fd.name contains /lf_",
                    cat(PROC, EVT, FD, OPEN)),
            new RuleDef("LF connect", "evt.type = connect and proc.name in (lf_tcp, lf_tcpnb, lf_udp, lf_tcp6, lf_unix)",
                    cat(PROC, EVT, FD)),
            new RuleDef("LF fd.ip", "evt.type = connect and proc.name = lf_tcp and fd.ip = 127.0.0.1", List.of("fd.name")),
            new RuleDef("LF fd.ip other", "evt.type = connect and proc.name = lf_tcp and fd.ip = 10.9.8.7", List.of("fd.name")),
            new RuleDef("LF fd.net", "evt.type = connect and proc.name = lf_tcp and fd.net = 127.0.0.0/8", List.of("fd.name")),
            new RuleDef("LF fd.net other", "evt.type = connect and proc.name = lf_tcp and fd.net = 10.0.0.0/8", List.of("fd.name")),
            new RuleDef("LF fd.snet", "evt.type = connect and proc.name = lf_tcp and fd.snet = 127.0.0.0/8", List.of("fd.name")),
            new RuleDef("LF fd.snet other", "evt.type = connect and proc.name = lf_tcp and fd.snet in (10.0.0.0/8, 192.168.0.0/16)",
                    List.of("fd.name")),
            new RuleDef("LF fd.sip.name", "evt.type = connect and proc.name = lf_tcp and fd.sip.name = localhost", List.of("fd.name")),
            new RuleDef("LF fd.sip.name other", "evt.type = connect and proc.name = lf_tcp and fd.sip.name = lf-nowhere.invalid",
                    List.of("fd.name")),
            new RuleDef("LF socket", "evt.type = socket and proc.name = lf_packet", cat(PROC, EVT, List.of("fd.num", "evt.arg.domain"))),
            new RuleDef("LF setuid", "evt.type = setuid and proc.name = lf_setuid", cat(PROC, EVT, List.of("evt.arg.uid"))),
            new RuleDef("LF ptrace", "evt.type = ptrace and proc.name = lf_ptrace", cat(PROC, EVT, List.of("evt.arg.request"))),
            new RuleDef("LF dup2", "evt.type = dup2 and proc.name = lf_dup2", cat(PROC, EVT, FD)),
            new RuleDef("LF fs", "evt.type in (rename, renameat, unlink, unlinkat, mkdir, symlink, chmod) and proc.name = lf_fs",
                    cat(PROC, EVT, FS)),
            new RuleDef("LF memfd_create", "evt.type = memfd_create and proc.name = lf_memfd", cat(PROC, EVT, FD)),
            new RuleDef("LF poll", "evt.type in (poll, ppoll) and proc.name = lf_poll", cat(EVT, List.of("fdlist.nums",
                    "fdlist.names", "fdlist.cips", "fdlist.sips", "fdlist.cports", "fdlist.sports"))),
            new RuleDef("LF io", "evt.type in (pread, pwrite, recvfrom) and proc.name = lf_io", cat(PROC, EVT, FD, IO)),
            // the condition of the sandbox rule "Java Process Class File Download", for this process
            new RuleDef("LF class download", "evt.type = recvfrom and fd.type in (ipv4, ipv6) and evt.buffer bcontains cafebabe"
                    + " and proc.name = lf_io", List.of("fd.name")));

    @TempDir
    static Path tmp;

    private static Path work;
    private static Path names;
    private static Path eg;
    private static Path lf;
    private static Path python;
    private static LiveAgent agent;
    private static ExecutorService pool;
    private static Future<Integer> agentExit;
    private static StringWriter out;
    private static StringWriter err;
    private static final Alerts alerts = new Alerts();
    /** Field (canonical) -> scenarios that proved it. */
    private static final Map<String, Set<String>> covered = new ConcurrentHashMap<>();
    private static final FieldCatalog CATALOG = FieldCatalog.forSource(FieldCatalog.SYSCALL).orElseThrow();
    private static int nonce;
    private static long started;

    // ------------------------------------------------------------------ class setup

    @BeforeAll
    static void startAgent() throws Exception {
        started = System.nanoTime();
        String status = Files.readString(Path.of("/proc/self/status"));
        assertThat(status).as("must run as root (capture needs CAP_BPF+CAP_PERFMON)").containsPattern("(?m)^Uid:\\s+0\\s");
        assertThat(PYTHON).as("python3 (apt-get install -y python3)").isExecutable();
        for (String tool : List.of("/usr/bin/setpriv", "/usr/bin/setsid", "/usr/bin/script", "/bin/dash", "/bin/true")) {
            assertThat(Path.of(tool)).as("%s must be installed (util-linux, bsdutils, dash, coreutils)", tool).isExecutable();
        }
        python = PYTHON.toRealPath();
        // readable by nobody too (the setpriv scenario executes from here)
        work = tmp.toRealPath();
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        names = Files.createDirectories(work.resolve("names"));
        eg = copyResource("evtgen/eg.py", work.resolve("eg.py"));
        lf = copyResource("fields/lf.py", work.resolve("lf.py"));
        for (String n : List.of("lf_gp", "lf_par", "lf_tty")) {
            Files.createSymbolicLink(names.resolve(n), Path.of("/bin/dash"));
        }
        for (String n : List.of("lf_ready", "lf_nobody", "lf_login")) {
            Files.createSymbolicLink(names.resolve(n), Path.of("/bin/true"));
        }
        for (String n : List.of("lf_io", "lf_poll", "lf_open", "lf_tcp", "lf_tcpnb", "lf_udp", "lf_tcp6", "lf_unix", "lf_packet", "lf_setuid",
                "lf_ptrace", "lf_dup2", "lf_fs", "lf_memfd", "lf_execfail")) {
            Files.createSymbolicLink(names.resolve(n), python);
        }
        // files that exist before the scenarios (long enough before: an open that creates is told
        // from one that does not by the file's birth time)
        Files.writeString(work.resolve("lf_read.txt"), "r");
        Files.writeString(work.resolve("lf_write.txt"), "w");
        Files.writeString(work.resolve("lf_trunc.txt"), "t");
        Files.createDirectory(work.resolve("lf_dir"));
        Files.writeString(work.resolve("lf_dup.txt"), "d");

        StringBuilder yaml = new StringBuilder();
        for (RuleDef r : RULES) {
            yaml.append("- rule: ").append(r.name()).append('\n')
                    .append("  desc: LiveFieldsTest scenario\n")
                    .append("  condition: ").append(r.condition()).append('\n')
                    .append("  output: \"").append(r.name().replace(' ', '_'))
                    .append(r.fields().stream().map(f -> " " + f + "=%" + f).collect(Collectors.joining())).append("\"\n")
                    .append("  priority: NOTICE\n");
        }
        RuleEngine.LoadResult loaded = RuleEngine.load(List.of(new RuleText("live_fields.yaml", yaml.toString())), RuleEngine.Options.defaults());
        assertThat(loaded.errors()).as("rules:\n%s", yaml).isEmpty();
        RuleSet rules = loaded.ruleSet(RuleSelection.all());

        out = new StringWriter();
        err = new StringWriter();
        agent = new LiveAgent(rules, RuleMatching.ALL, true, new PrintWriter(out, true), new PrintWriter(err, true), Duration.ofSeconds(30));
        pool = Executors.newSingleThreadExecutor();
        agentExit = pool.submit(() -> agent.run(Duration.ofMinutes(5)));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!err.toString().contains("capturing") && !agentExit.isDone()) {
            assertThat(System.nanoTime()).as("agent start: %s", err).isLessThan(deadline);
            Thread.sleep(10);
        }
        assertThat(agentExit.isDone()).as("agent stopped early: %s", err).isFalse();
        barrier();
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.stop();
            agentExit.get(30, TimeUnit.SECONDS);
            pool.shutdownNow();
            System.err.printf("live fields: %d ms%n%s", (System.nanoTime() - started) / 1_000_000, err);
            assertThat(err.toString()).contains(" 0 dropped in kernel");
        }
    }

    // ------------------------------------------------------------------ exec

    @Test
    @Order(1)
    void execveOfABinaryUnderAKnownParentChain() throws Exception {
        Path exe = Files.createDirectories(work.resolve("bin")).resolve("lf_exe");
        Files.copy(Path.of("/bin/true"), exe);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path pidFile = work.resolve("exe.pid");
        Path par = Files.writeString(work.resolve("par.sh"), exe + " one 'two three' &\necho $! > " + pidFile + "\nwait\n");
        Path gp = Files.writeString(work.resolve("gp.sh"), names.resolve("lf_par") + " " + par + "\n:\n");
        // setsid: lf_gp leads a new session without a terminal
        run(List.of("/usr/bin/setsid", "-w", names.resolve("lf_gp").toString(), gp.toString()), 0);
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        Alert a = await("LF exec", x -> Long.valueOf(pid).equals(x.get("proc.pid")));
        String s = "exec";
        // the exe link names the file itself, not the symbolic link the shells were started through
        String dash = Path.of("/bin/dash").toRealPath().toString();

        eq(s, a, "evt.type", "execve");
        eq(s, a, "evt.dir", "<");
        eq(s, a, "evt.res", "SUCCESS");
        eq(s, a, "evt.rawres", 0L);
        positive(s, a, "evt.num");
        eq(s, a, "proc.name", "lf_exe");
        eq(s, a, "proc.exe", exe.toString());
        eq(s, a, "proc.exepath", exe.toString());
        eq(s, a, "proc.args", "one two three");
        eq(s, a, "proc.cmdline", "lf_exe one two three");
        eq(s, a, "proc.pname", "lf_par");
        eq(s, a, "proc.pexe", names.resolve("lf_par").toString());
        eq(s, a, "proc.pexepath", dash);
        eq(s, a, "proc.pcmdline", "lf_par " + par);
        eq(s, a, "proc.aname[1]", "lf_par");
        eq(s, a, "proc.aname[2]", "lf_gp");
        eq(s, a, "proc.aname[3]", comm(ProcessHandle.current().pid()));
        // above this JVM: whatever /proc shows
        List<String> above = ancestorsOfThisJvm();
        for (int n = 4; n <= 7; n++) {
            eq(s, a, "proc.aname[" + n + "]", n - 4 < above.size() ? above.get(n - 4) : null);
        }
        eq(s, a, "proc.aexepath[2]", dash);
        eq(s, a, "proc.sname", "lf_gp");
        eq(s, a, "proc.tty", 0L);
        eq(s, a, "proc.cwd", work + "/");
        long duration = num(a, "proc.duration");
        assertThat(duration).as("proc.duration").isPositive().isLessThan(Duration.ofSeconds(20).toNanos());
        cover(s, "proc.duration");
        eq(s, a, "proc.vpid", pid);
        eq(s, a, "proc.is_exe_upper_layer", false);
        eq(s, a, "proc.is_exe_from_memfd", false);
        long ctime = nanos((FileTime) Files.getAttribute(exe, "unix:ctime"));
        long mtime = Files.getLastModifiedTime(exe).to(TimeUnit.NANOSECONDS);
        eq(s, a, "proc.exe_ino.ctime", ctime);
        eq(s, a, "proc.exe_ino.mtime", mtime);
        long sinceCtime = num(a, "proc.exe_ino.ctime_duration_proc_start");
        assertThat(sinceCtime).as("process start - exe ctime").isPositive().isLessThanOrEqualTo(num(a, "evt.rawtime") - ctime);
        cover(s, "proc.exe_ino.ctime_duration_proc_start");
        eq(s, a, "user.uid", 0L);
        eq(s, a, "user.name", "root");
        // inherited from this JVM: unset (4294967295 in /proc, -1 for Falco) unless a login session set it
        long loginUid = Long.parseLong(Files.readString(Path.of("/proc/self/loginuid")).strip());
        if (loginUid == 4294967295L) {
            eq(s, a, "user.loginuid", -1L);
            eq(s, a, "user.loginname", null); // libsinsp has "<NA>", which is also what the text output shows
        } else {
            eq(s, a, "user.loginuid", loginUid);
            eq(s, a, "user.loginname", userName(loginUid));
        }
        eq(s, a, "group.gid", 0L);
        eq(s, a, "group.name", "root");
        eq(s, a, "thread.cap_effective", Capabilities.names(capBoundingSetOfThisJvm()));
        eq(s, a, "container.id", "host");
        // the container plugin's container.start_ts is proc.pidns_init_start_ts: for a host process the
        // start of pid 1 of the host pid namespace, about the boot time
        long init = initStartNanos();
        assertThat(num(a, "container.start_ts")).as("container.start_ts of a host process").isCloseTo(init,
                org.assertj.core.data.Offset.offset(1_500_000_000L));
        cover(s, "container.start_ts");

        // the any-ancestor form: matches an ancestor (from the parent up), never the process itself
        await("LF any ancestor", x -> Long.valueOf(pid).equals(x.get("proc.pid")));
        barrier();
        assertThat(alerts.matching("LF any ancestor is not the process", x -> true)).as("proc.aname starts at the parent").isEmpty();
        assertThat(alerts.matching("LF any ancestor absent", x -> true)).isEmpty();
        cover("exec (condition proc.aname=lf_gp)", "proc.aname");
    }

    @Test
    @Order(3)
    void controllingTerminalUnderScript() throws Exception {
        Path nr = work.resolve("tty.nr");
        Path sh = Files.writeString(work.resolve("tty.sh"), "cut -d' ' -f7 /proc/$$/stat > " + nr + "\n:\n");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-q", "-c", names.resolve("lf_tty") + " " + sh, "/dev/null");
        pb.environment().put("SHELL", "/bin/sh");
        run(pb, 0);
        long tty = Long.parseLong(Files.readString(nr).strip());
        assertThat(tty).as("tty_nr in /proc/PID/stat under script").isNotZero();
        Alert a = await("LF exec", x -> "lf_tty".equals(x.get("proc.name")));
        eq("exec under a pty", a, "proc.tty", tty);
    }

    @Test
    @Order(4)
    void credentialsOfNobody() throws Exception {
        run(List.of("/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", names.resolve("lf_nobody").toString()), 0);
        Alert a = await("LF exec", x -> "lf_nobody".equals(x.get("proc.name")));
        String s = "exec as nobody";
        eq(s, a, "user.uid", 65534L);
        eq(s, a, "user.name", "nobody");
        eq(s, a, "group.gid", 65534L);
        eq(s, a, "group.name", "nogroup");
        eq(s, a, "thread.cap_effective", ""); // a uid change from root clears the capabilities
        eq(s, a, "proc.exepath", Path.of("/bin/true").toRealPath().toString());
        eq(s, a, "proc.pname", comm(ProcessHandle.current().pid()));
    }

    @Test
    @Order(5)
    void loginUidAndLoginName() throws Exception {
        run(List.of("/bin/sh", "-c", "echo 65534 > /proc/self/loginuid && exec " + names.resolve("lf_login")), 0);
        Alert a = await("LF exec", x -> "lf_login".equals(x.get("proc.name")));
        eq("login uid set", a, "user.loginuid", 65534L);
        eq("login uid set", a, "user.loginname", "nobody");
        eq("login uid set", a, "user.name", "root");
    }

    @Test
    @Order(6)
    void fileExecutedFromAMemfd() throws Exception {
        String tag = "lf_memfd_exec";
        run(List.of(python.toString(), "-I", "-S", eg.toString(), "memfd-exec", "/bin/true", "eg_memfd", tag), 0);
        Alert a = await("LF exec memfd", x -> String.valueOf(x.get("proc.args")).contains(tag));
        // a successful execveat is reported as an execve exit, as libsinsp does
        eq("memfd exec", a, "evt.type", "execve");
        eq("memfd exec", a, "proc.is_exe_from_memfd", true);
        eq("memfd exec", a, "proc.is_exe_upper_layer", false);
        // the name /proc shows while the process lives, also for a process gone before its exec was handled
        eq("memfd exec", a, "proc.exepath", "memfd:eg_memfd");
    }

    @Test
    @Order(7)
    void failedExecve() throws Exception {
        String missing = work.resolve("lf_missing_program").toString();
        Map<String, String> r = lf("lf_execfail", "execfail", missing);
        assertThat(r).containsEntry("ret", "-2");
        Alert a = await("LF exec failed", x -> true);
        String s = "execve ENOENT";
        eq(s, a, "evt.type", "execve");
        eq(s, a, "evt.res", "ENOENT");
        eq(s, a, "evt.rawres", -2L);
        eq(s, a, "evt.arg.filename", missing);
        eq(s, a, "proc.name", "lf_execfail");
        eq(s, a, "proc.exepath", python.toString());
    }

    // ------------------------------------------------------------------ open family

    @Test
    @Order(10)
    void opensForReadWriteCreateTruncateAndFailures() throws Exception {
        // junk mode without O_CREAT: the driver reports mode 0 unless the call can create
        int readFd = egOpen("openat", "O_RDONLY|O_CLOEXEC", "0644", "lf_read.txt");
        int writeFd = egOpen("open", "O_WRONLY|O_APPEND", "0", "lf_write.txt");
        int createFd = egOpen("openat2", "O_WRONLY|O_CREAT|O_EXCL", "0640", "lf_create.txt");
        int truncFd = egOpen("openat", "O_WRONLY|O_CREAT|O_TRUNC", "0600", "lf_trunc.txt");
        int missing = egOpen("openat", "O_RDONLY", "0", "lf_missing.txt");
        int dirFd = egOpen("openat", "O_RDONLY|O_DIRECTORY", "0", "lf_dir");
        assertThat(missing).isEqualTo(-2);

        Alert r = awaitOpen("lf_read.txt");
        String s = "openat read";
        eq(s, r, "evt.type", "openat");
        eq(s, r, "evt.dir", "<");
        eq(s, r, "evt.res", "SUCCESS");
        eq(s, r, "evt.rawres", (long) readFd);
        positive(s, r, "evt.num");
        eq(s, r, "fd.num", (long) readFd);
        eq(s, r, "fd.type", "file");
        eq(s, r, "fd.typechar", "f");
        eq(s, r, "fd.name", work + "/lf_read.txt");
        eq(s, r, "fd.nameraw", "lf_read.txt");
        eq(s, r, "fd.directory", work.toString());
        eq(s, r, "fd.filename", "lf_read.txt");
        eq(s, r, "fd.name_changed", false);
        eq(s, r, "evt.is_open_read", true);
        eq(s, r, "evt.is_open_write", false);
        eq(s, r, "evt.is_open_create", false);
        eq(s, r, "evt.arg.flags", "O_RDONLY|O_CLOEXEC");
        eq(s, r, "evt.arg.mode", "0");
        eq(s, r, "evt.args", "fd=" + readFd + "(<f>" + work + "/lf_read.txt) dirfd=-100(AT_FDCWD) name=lf_read.txt(" + work
                + "/lf_read.txt) flags=4097(O_RDONLY|O_CLOEXEC) mode=0 ");
        eq(s, r, "fd.sip", null);
        eq(s, r, "fd.l4proto", "<NA>");
        eq(s, r, "proc.name", "lf_open");
        eq(s, r, "proc.exepath", python.toString());
        eq(s, r, "proc.cwd", work + "/");

        Alert w = awaitOpen("lf_write.txt");
        s = "open write";
        eq(s, w, "evt.type", "open");
        eq(s, w, "fd.num", (long) writeFd);
        eq(s, w, "evt.is_open_read", false);
        eq(s, w, "evt.is_open_write", true);
        eq(s, w, "evt.is_open_create", false);
        eq(s, w, "evt.arg.flags", "O_APPEND|O_WRONLY");
        eq(s, w, "fd.name", work + "/lf_write.txt");

        Alert c = awaitOpen("lf_create.txt");
        s = "openat2 create";
        eq(s, c, "evt.type", "openat2");
        eq(s, c, "fd.num", (long) createFd);
        eq(s, c, "evt.is_open_create", true);
        eq(s, c, "evt.is_open_write", true);
        // the driver adds O_F_CREATED when the kernel created the file (FMODE_CREATED)
        eq(s, c, "evt.arg.flags", "O_EXCL|O_CREAT|O_WRONLY|O_F_CREATED");
        eq(s, c, "evt.arg.mode", "0640");

        Alert t = awaitOpen("lf_trunc.txt");
        s = "openat truncate";
        eq(s, t, "fd.num", (long) truncFd);
        eq(s, t, "evt.is_open_create", false);
        eq(s, t, "evt.arg.flags", "O_TRUNC|O_CREAT|O_WRONLY");
        eq(s, t, "evt.arg.mode", "0600");

        Alert m = awaitOpen("lf_missing.txt");
        s = "openat ENOENT";
        eq(s, m, "evt.res", "ENOENT");
        eq(s, m, "evt.rawres", -2L);
        // the stable macro open_file_failed: fd.typechar='f' and fd.num=-1 and evt.res startswith E
        eq(s, m, "fd.num", -1L);
        eq(s, m, "fd.typechar", "f");
        eq(s, m, "fd.name", work + "/lf_missing.txt");
        eq(s, m, "fd.nameraw", "lf_missing.txt");

        Alert d = awaitOpen("lf_dir");
        s = "openat directory";
        eq(s, d, "fd.num", (long) dirFd);
        eq(s, d, "fd.typechar", "d");
        eq(s, d, "fd.type", "directory");
        eq(s, d, "fd.name", work + "/lf_dir");
        eq(s, d, "fd.directory", work + "/lf_dir");
        eq(s, d, "fd.filename", null);
        eq(s, d, "evt.arg.flags", "O_DIRECTORY|O_RDONLY");
    }

    private static int egOpen(String syscall, String flags, String mode, String path) throws Exception {
        String output = runOutput(List.of(names.resolve("lf_open").toString(), "-I", "-S", eg.toString(), syscall, flags, mode, path), 0);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + syscall + " (-?\\d+)$").matcher(output);
        assertThat(m.find()).as("eg.py output: %s", output).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static Alert awaitOpen(String file) throws InterruptedException {
        return await("LF open", x -> (work + "/" + file).equals(x.get("fd.name")));
    }

    // ------------------------------------------------------------------ sockets

    @Test
    @Order(20)
    void tcpConnectToALocalServerSocket() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            try (Held h = hold("lf_tcp", "connect", "4", "tcp", "1", "127.0.0.1", String.valueOf(port))) {
                assertThat(h.facts).containsEntry("ret", "0");
                int cport = Integer.parseInt(h.facts.get("cport"));
                Alert a = await("LF connect", x -> "lf_tcp".equals(x.get("proc.name")));
                String s = "connect tcp";
                String tuple = "127.0.0.1:" + cport + "->127.0.0.1:" + port;
                eq(s, a, "evt.type", "connect");
                eq(s, a, "evt.res", "SUCCESS");
                eq(s, a, "evt.rawres", 0L);
                eq(s, a, "fd.num", Long.parseLong(h.facts.get("fd")));
                eq(s, a, "fd.typechar", "4");
                eq(s, a, "fd.type", "ipv4");
                eq(s, a, "fd.l4proto", "tcp");
                eq(s, a, "fd.sip", "127.0.0.1");
                eq(s, a, "fd.sport", (long) port);
                eq(s, a, "fd.cip", "127.0.0.1");
                eq(s, a, "fd.cport", (long) cport);
                eq(s, a, "fd.lport", (long) cport);
                eq(s, a, "fd.rport", (long) port);
                eq(s, a, "fd.name", tuple);
                eq(s, a, "fd.connected", true);
                eq(s, a, "fd.name_changed", true);
                // the agent resolves the names the rules compare fd.sip.name with (here: localhost)
                eq(s, a, "fd.sip.name", "localhost");
                eq(s, a, "evt.args", "res=0 tuple=" + tuple + " fd=" + h.facts.get("fd") + "(<4t>" + tuple + ") addr=127.0.0.1:" + port + " ");
                eq(s, a, "fd.directory", null);
                eq(s, a, "fd.filename", null);

                for (String f : List.of("fd.ip", "fd.net", "fd.snet", "fd.sip.name")) {
                    Alert hit = await("LF " + f, x -> tuple.equals(x.get("fd.name")));
                    assertThat(hit).isNotNull();
                }
            }
        }
        barrier();
        for (String f : List.of("fd.ip", "fd.net", "fd.snet", "fd.sip.name")) {
            assertThat(alerts.matching("LF " + f + " other", x -> true)).as("%s compared with a value that does not match", f).isEmpty();
            cover("connect tcp (condition)", f);
        }
    }

    @Test
    @Order(21)
    void nonBlockingConnectInProgress() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            try (Held h = hold("lf_tcpnb", "connect", "4", "tcp", "0", "127.0.0.1", String.valueOf(port))) {
                long ret = Long.parseLong(h.facts.get("ret"));
                assertThat(ret).as("a non-blocking connect on loopback").isEqualTo(-115L);
                Alert a = await("LF connect", x -> "lf_tcpnb".equals(x.get("proc.name")));
                String s = "connect tcp non-blocking";
                eq(s, a, "evt.res", "EINPROGRESS");
                eq(s, a, "evt.rawres", -115L);
                eq(s, a, "fd.name", "127.0.0.1:" + h.facts.get("cport") + "->127.0.0.1:" + port);
                // libsinsp without connection tracking: an in-progress connect counts as connected
                eq(s, a, "fd.connected", true);
            }
        }
    }

    @Test
    @Order(22)
    void udpConnect() throws Exception {
        try (Held h = hold("lf_udp", "connect", "4", "udp", "1", "127.0.0.2", "9")) {
            assertThat(h.facts).containsEntry("ret", "0");
            String cport = h.facts.get("cport");
            Alert a = await("LF connect", x -> "lf_udp".equals(x.get("proc.name")));
            String s = "connect udp";
            eq(s, a, "fd.typechar", "4");
            eq(s, a, "fd.type", "ipv4");
            eq(s, a, "fd.l4proto", "udp");
            eq(s, a, "fd.sip", "127.0.0.2");
            eq(s, a, "fd.sport", 9L);
            eq(s, a, "fd.cport", Long.parseLong(cport));
            eq(s, a, "fd.name", h.facts.get("cip") + ":" + cport + "->127.0.0.2:9");
            // no rule compares fd.sip.name with a name that resolves to 127.0.0.2
            eq(s, a, "fd.sip.name", null);
        }
    }

    @Test
    @Order(23)
    void ipv6Connect() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("::1"))) {
            int port = server.getLocalPort();
            try (Held h = hold("lf_tcp6", "connect", "6", "tcp", "1", "::1", String.valueOf(port))) {
                assertThat(h.facts).containsEntry("ret", "0");
                String cport = h.facts.get("cport");
                Alert a = await("LF connect", x -> "lf_tcp6".equals(x.get("proc.name")));
                String s = "connect tcp6";
                eq(s, a, "fd.typechar", "6");
                eq(s, a, "fd.type", "ipv6");
                eq(s, a, "fd.l4proto", "tcp");
                eq(s, a, "fd.sip", "::1");
                eq(s, a, "fd.sport", (long) port);
                eq(s, a, "fd.cip", "::1");
                eq(s, a, "fd.cport", Long.parseLong(cport));
                eq(s, a, "fd.name", "::1:" + cport + "->::1:" + port);
            }
        }
    }

    @Test
    @Order(24)
    void unixSocketConnect() throws Exception {
        Path sock = work.resolve("lf.sock");
        try (Held h = hold("lf_unix", "unix", sock.toString())) {
            assertThat(h.facts).containsEntry("ret", "0");
            Alert a = await("LF connect", x -> "lf_unix".equals(x.get("proc.name")));
            String s = "connect unix";
            eq(s, a, "fd.typechar", "u");
            eq(s, a, "fd.type", "unix");
            eq(s, a, "fd.num", Long.parseLong(h.facts.get("fd")));
            eq(s, a, "evt.res", "SUCCESS");
            // libsinsp prefixes the kernel addresses of both socket ends ("ffff...->ffff... /path"),
            // which the probe does not read: Vigil names the socket by its path (docs/syscall-fields.md)
            assertThat(a.get("fd.name")).isEqualTo(sock.toString());
            eq(s, a, "fd.sip", null);
        }
    }

    @Test
    @Order(25)
    void packetSocketDomain() throws Exception {
        runOutput(List.of(names.resolve("lf_packet").toString(), "-I", "-S", eg.toString(), "packet"), 0);
        Alert a = await("LF socket", x -> true);
        String s = "socket AF_PACKET";
        eq(s, a, "evt.type", "socket");
        eq(s, a, "evt.arg.domain", "AF_PACKET");
        assertThat(String.valueOf(a.get("evt.args"))).as("evt.args").startsWith("fd=" + a.get("fd.num") + "(")
                .endsWith(" domain=17(AF_PACKET) type=3 proto=0 ");
        cover(s, "evt.args");
    }

    // ------------------------------------------------------------------ credentials, ptrace, fds, paths

    @Test
    @Order(30)
    void setuidRendersTheUidAsAUserName() throws Exception {
        Map<String, String> r = lf("lf_setuid", "setuid", "65534");
        assertThat(r).containsEntry("ret", "0");
        Alert a = await("LF setuid", x -> true);
        String s = "setuid";
        eq(s, a, "evt.type", "setuid");
        eq(s, a, "evt.res", "SUCCESS");
        eq(s, a, "evt.arg.uid", "nobody");
        eq(s, a, "user.uid", 65534L);
        eq(s, a, "user.name", "nobody");
    }

    @Test
    @Order(31)
    void ptraceRequests() throws Exception {
        Map<String, String> r = lf("lf_ptrace", "ptrace");
        assertThat(r).containsEntry("attach", "0").containsEntry("traceme", "0");
        Alert attach = await("LF ptrace", x -> "PTRACE_ATTACH".equals(x.get("evt.arg.request")));
        eq("ptrace attach", attach, "evt.res", "SUCCESS");
        eq("ptrace attach", attach, "evt.arg.request", "PTRACE_ATTACH");
        Alert traceme = await("LF ptrace", x -> "PTRACE_TRACEME".equals(x.get("evt.arg.request")));
        eq("ptrace traceme", traceme, "evt.arg.request", "PTRACE_TRACEME");
    }

    @Test
    @Order(32)
    void dup2OfAFile() throws Exception {
        Map<String, String> r = lf("lf_dup2", "dup2", work.resolve("lf_dup.txt").toString(), "42");
        assertThat(r).containsEntry("ret", "42");
        Alert a = await("LF dup2", x -> true);
        String s = "dup2";
        eq(s, a, "evt.type", "dup2");
        eq(s, a, "evt.rawres", 42L);
        eq(s, a, "evt.res", "SUCCESS");
        // libsinsp adds the new fd and makes it the event's fd
        eq(s, a, "fd.num", 42L);
        eq(s, a, "fd.name", work + "/lf_dup.txt");
        eq(s, a, "fd.typechar", "f");
    }

    @Test
    @Order(33)
    void pathSyscalls() throws Exception {
        Files.writeString(work.resolve("lf_ren_a"), "a");
        Files.writeString(work.resolve("lf_ren_c"), "c");
        Files.writeString(work.resolve("lf_unl_a"), "a");
        Files.writeString(work.resolve("lf_unl_b"), "b");
        Files.writeString(work.resolve("lf_chmod"), "m");
        assertThat(lf("lf_fs", "rename", work + "/lf_ren_a", "lf_ren_b")).containsEntry("ret", "0");
        assertThat(lf("lf_fs", "renameat", "lf_ren_c", work + "/lf_ren_d")).containsEntry("ret", "0");
        assertThat(lf("lf_fs", "unlink", "lf_unl_a")).containsEntry("ret", "0");
        assertThat(lf("lf_fs", "unlinkat", "lf_unl_b")).containsEntry("ret", "0");
        assertThat(lf("lf_fs", "mkdir", "lf_newdir", "750")).containsEntry("ret", "0");
        assertThat(lf("lf_fs", "symlink", "lf_target_rel", "lf_link")).containsEntry("ret", "0");
        assertThat(lf("lf_fs", "chmod", "lf_chmod", "755")).containsEntry("ret", "0");

        Alert a = await("LF fs", x -> "rename".equals(x.get("evt.type")));
        eq("rename", a, "evt.arg.oldpath", work + "/lf_ren_a");
        // relative paths are made absolute against the working directory, as libsinsp does
        eq("rename", a, "evt.arg.newpath", work + "/lf_ren_b");
        eq("rename", a, "evt.res", "SUCCESS");
        a = await("LF fs", x -> "renameat".equals(x.get("evt.type")));
        eq("renameat", a, "evt.arg.oldpath", work + "/lf_ren_c");
        eq("renameat", a, "evt.arg.newpath", work + "/lf_ren_d");
        a = await("LF fs", x -> "unlink".equals(x.get("evt.type")));
        eq("unlink", a, "evt.arg.path", work + "/lf_unl_a");
        a = await("LF fs", x -> "unlinkat".equals(x.get("evt.type")));
        eq("unlinkat", a, "evt.arg.name", work + "/lf_unl_b");
        a = await("LF fs", x -> "mkdir".equals(x.get("evt.type")));
        eq("mkdir", a, "evt.arg.path", work + "/lf_newdir");
        eq("mkdir", a, "evt.res", "SUCCESS");
        a = await("LF fs", x -> "symlink".equals(x.get("evt.type")));
        // the target is stored as given (a string, not a path of this process)
        eq("symlink", a, "evt.arg.target", "lf_target_rel");
        eq("symlink", a, "evt.arg.linkpath", work + "/lf_link");
        a = await("LF fs", x -> "chmod".equals(x.get("evt.type")));
        eq("chmod", a, "evt.arg.filename", work + "/lf_chmod");
        eq("chmod", a, "evt.arg.mode", "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR");
    }

    @Test
    @Order(34)
    void memfdCreate() throws Exception {
        Map<String, String> r = lf("lf_memfd", "memfd", "lf_memfd_name");
        long fd = Long.parseLong(r.get("ret"));
        assertThat(fd).isNotNegative();
        Alert a = await("LF memfd_create", x -> true);
        String s = "memfd_create";
        eq(s, a, "evt.type", "memfd_create");
        eq(s, a, "fd.num", fd);
        // libsinsp names the fd after the memfd_create name argument (its parser test "memfd_create")
        eq(s, a, "fd.name", "lf_memfd_name");
        eq(s, a, "fd.typechar", "m");
        eq(s, a, "fd.type", "memfd");
    }

    @Test
    @Order(35)
    void ioBuffersAndTheirLengths() throws Exception {
        Path file = work.resolve("lf_io.bin");
        Map<String, String> r = lf("lf_io", "io", file.toString());
        assertThat(r).containsEntry("w", "14").containsEntry("r", "5").containsEntry("ret", "13");
        int cpus = Runtime.getRuntime().availableProcessors();

        Alert a = await("LF io", x -> "pwrite".equals(x.get("evt.type")) && file.toString().equals(x.get("fd.name")));
        String s = "pwrite";
        // printable ASCII as it is, other bytes as dots (Falco's default buffer format)
        eq(s, a, "evt.buffer", "lf-io-pwrite..");
        eq(s, a, "evt.arg.data", "lf-io-pwrite..");
        eq(s, a, "evt.buflen", 14L);
        eq(s, a, "evt.buflen.out", 14L);
        eq(s, a, "evt.buflen.file", 14L);
        eq(s, a, "evt.buflen.file.out", 14L);
        eq(s, a, "evt.buflen.in", null);
        eq(s, a, "evt.buflen.file.in", null);
        eq(s, a, "evt.buflen.net", null);
        assertThat(num(a, "evt.cpu")).as("%s: evt.cpu", s).isBetween(0L, cpus - 1L);
        cover(s, "evt.cpu");

        a = await("LF io", x -> "pread".equals(x.get("evt.type")) && file.toString().equals(x.get("fd.name")));
        s = "pread";
        eq(s, a, "evt.buffer", "lf-io");
        eq(s, a, "evt.buflen", 5L);
        eq(s, a, "evt.buflen.in", 5L);
        eq(s, a, "evt.buflen.file.in", 5L);
        eq(s, a, "evt.buflen.out", null);
        eq(s, a, "evt.buflen.file.out", null);

        a = await("LF io", x -> "recvfrom".equals(x.get("evt.type")));
        s = "recvfrom";
        String tuple = "127.0.0.1:" + r.get("cport") + "->127.0.0.1:" + r.get("sport");
        eq(s, a, "fd.name", tuple);
        eq(s, a, "evt.buffer", ".......4class");
        eq(s, a, "evt.buflen", 13L);
        eq(s, a, "evt.buflen.net", 13L);
        eq(s, a, "evt.buflen.net.in", 13L);
        eq(s, a, "evt.buflen.net.out", null);
        eq(s, a, "evt.buflen.file", null);
        Alert hit = await("LF class download", x -> tuple.equals(x.get("fd.name")));
        assertThat(hit).isNotNull();
        cover("recvfrom (condition)", "evt.buffer");
    }

    @Test
    @Order(36)
    void pollNamesItsDescriptors() throws Exception {
        Path file = work.resolve("lf_read.txt");
        Map<String, String> r = lf("lf_poll", "poll", file.toString());
        String nums = r.get("fd") + "," + r.get("sfd") + ",999";
        Alert a = await("LF poll", x -> nums.equals(x.get("fdlist.nums")));
        String s = "poll";
        eq(s, a, "evt.type", "poll");
        eq(s, a, "evt.rawres", Long.parseLong(r.get("ret")));
        // a descriptor the fd table does not know is named <NA>, as libsinsp does
        eq(s, a, "fdlist.names", file + ",127.0.0.1:" + r.get("cport") + "->127.0.0.1:" + r.get("sport") + ",<NA>");
        // only the socket has endpoints
        eq(s, a, "fdlist.cips", "127.0.0.1");
        eq(s, a, "fdlist.sips", "127.0.0.1");
        eq(s, a, "fdlist.cports", r.get("cport"));
        eq(s, a, "fdlist.sports", r.get("sport"));
        cover(s, "fdlist.nums");
    }

    // ------------------------------------------------------------------ coverage

    @Test
    @Order(100)
    void unionOfCoveredFieldsIsTheStableFieldSet() throws Exception {
        Set<String> stable = stableRulesFieldSet();
        Set<String> bases = stable.stream().map(f -> CATALOG.resolve(f).orElseThrow().name()).collect(Collectors.toCollection(TreeSet::new));
        // section 6 of the rules spec counts 58 distinct base fields in falco_rules.yaml
        assertThat(bases).as("base fields of the stable rules").hasSize(58);
        Set<String> exempt = NOT_EXERCISED.keySet().stream().map(LiveFieldsTest::canonical).collect(Collectors.toSet());
        assertThat(stable).as("fields declared not exercised must be stable fields").containsAll(exempt);
        Set<String> missing = new TreeSet<>(stable);
        missing.removeAll(covered.keySet());
        missing.removeAll(exempt);
        Set<String> both = new TreeSet<>(exempt);
        both.retainAll(covered.keySet());
        StringBuilder report = new StringBuilder("stable-rule fields and the scenarios that prove them:\n");
        for (String f : stable) {
            report.append(String.format("  %-42s %s%n", f, covered.containsKey(f) ? new TreeSet<>(covered.get(f))
                    : "NOT EXERCISED: " + NOT_EXERCISED.getOrDefault(f, "?")));
        }
        System.err.print(report);
        assertThat(missing).as("stable fields no scenario proved (run the whole class)\n%s", report).isEmpty();
        assertThat(both).as("fields both covered and declared not exercised").isEmpty();
    }

    /**
     * The field expressions of the stable rules: every field operand of every rule condition (macros
     * expanded, parsed with the engine's condition parser), every {@code %field} of the outputs (the
     * engine's compiled output formats) and every field the engine compares with a literal, in
     * canonical spelling ({@code evt.arg[flags]}, {@code proc.aname[2]}).
     */
    @SuppressWarnings("unchecked")
    static Set<String> stableRulesFieldSet() throws Exception {
        Path shared = Path.of(System.getProperty("vigil.shared.dir", "../shared"));
        Path file = shared.resolve("fixtures/falco-rules/upstream/falco_rules.yaml");
        assertThat(file).as("upstream stable rules (vigil.shared.dir=%s)", shared).isRegularFile();
        RuleEngine.LoadResult loaded = RuleEngine.loadPaths(List.of(file), RuleEngine.Options.defaults().withSuggestedOutput(false));
        assertThat(loaded.errors()).isEmpty();
        Set<String> fields = new TreeSet<>();
        for (CompiledRule r : loaded.rules()) {
            assertThat(r.source()).isEqualTo(FieldCatalog.SYSCALL);
            r.outputFormat().keys().forEach(k -> fields.add(canonical(k)));
            fields.addAll(r.literals().keySet());
            r.exceptionFields().forEach(k -> fields.add(canonical(k)));
        }
        Map<String, String> macros = new HashMap<>();
        List<String> conditions = new ArrayList<>();
        for (Object item : (List<Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file))) {
            Map<String, Object> m = (Map<String, Object>) item;
            if (m.containsKey("macro")) {
                macros.put((String) m.get("macro"), (String) m.get("condition"));
            } else if (m.containsKey("rule")) {
                conditions.add((String) m.get("condition"));
            }
        }
        assertThat(conditions).hasSize(loaded.rules().size());
        Set<String> expanded = new TreeSet<>();
        for (String c : conditions) {
            collect(ConditionParser.parse(c), macros, expanded, fields);
        }
        return fields;
    }

    private static void collect(Ast.Expr e, Map<String, String> macros, Set<String> seen, Set<String> fields) throws Exception {
        switch (e) {
            case Ast.And a -> {
                for (Ast.Expr c : a.children()) {
                    collect(c, macros, seen, fields);
                }
            }
            case Ast.Or o -> {
                for (Ast.Expr c : o.children()) {
                    collect(c, macros, seen, fields);
                }
            }
            case Ast.Not n -> collect(n.child(), macros, seen, fields);
            case Ast.MacroRef m -> {
                if (seen.add(m.name())) {
                    assertThat(macros).as("macro %s", m.name()).containsKey(m.name());
                    collect(ConditionParser.parse(macros.get(m.name())), macros, seen, fields);
                }
            }
            case Ast.Check c -> {
                operand(c.lhs(), fields);
                if (c.rhs() instanceof Ast.OperandRhs r) {
                    operand(r.operand(), fields);
                }
            }
        }
    }

    private static void operand(Ast.Operand o, Set<String> fields) {
        if (o instanceof Ast.FieldOperand f) {
            fields.add(canonical(f.text()));
        } else if (o instanceof Ast.Transformer t) {
            t.args().forEach(x -> operand(x, fields));
        }
    }

    static String canonical(String written) {
        return CATALOG.resolve(written).orElseThrow(() -> new AssertionError("not a syscall field: " + written)).canonical();
    }

    // ------------------------------------------------------------------ checks

    private static void cover(String scenario, String field) {
        covered.computeIfAbsent(canonical(field), k -> ConcurrentHashMap.newKeySet()).add(scenario);
    }

    /** Asserts one output field's typed value and records the field as proved by {@code scenario}. */
    private static void eq(String scenario, Alert a, String field, Object expected) {
        assertThat(a.fields()).as("%s: %s is not in the output: %s", scenario, field, a.json()).containsKey(field);
        Object actual = a.get(field);
        Object want = expected instanceof Integer i ? Long.valueOf(i) : expected;
        assertThat(actual).as("%s: %s in %s", scenario, field, a.json()).isEqualTo(want);
        cover(scenario, field);
    }

    private static void positive(String scenario, Alert a, String field) {
        assertThat(num(a, field)).as("%s: %s", scenario, field).isPositive();
        cover(scenario, field);
    }

    private static long num(Alert a, String field) {
        Object v = a.get(field);
        assertThat(v).as("%s in %s", field, a.json()).isInstanceOf(Long.class);
        return (Long) v;
    }

    // ------------------------------------------------------------------ alerts

    /** One JSON alert. */
    record Alert(String rule, Map<String, Object> fields, String json) {
        Object get(String field) {
            return fields.get(field);
        }
    }

    /** The agent's JSON lines, parsed as they complete. */
    static final class Alerts {
        private final List<Alert> all = new ArrayList<>();
        private int consumed;

        @SuppressWarnings("unchecked")
        synchronized List<Alert> all() {
            String s = out.toString();
            int end = s.lastIndexOf('\n') + 1;
            if (end > consumed) {
                for (String line : s.substring(consumed, end).split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        Map<String, Object> m = (Map<String, Object>) JsonTree.parse(line);
                        all.add(new Alert((String) m.get("rule"), (Map<String, Object>) m.get("output_fields"), line));
                    } catch (IOException | ClassCastException e) {
                        throw new AssertionError("not a JSON alert: " + line, e);
                    }
                }
                consumed = end;
            }
            return List.copyOf(all);
        }

        List<Alert> matching(String rule, Predicate<Alert> p) {
            return all().stream().filter(a -> a.rule().equals(rule) && p.test(a)).toList();
        }
    }

    /** The first alert of {@code rule} that satisfies {@code p}, waiting for it (polling, with a deadline). */
    private static Alert await(String rule, Predicate<Alert> p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<Alert> m = alerts.matching(rule, p);
            if (!m.isEmpty()) {
                return m.getFirst();
            }
            if (System.nanoTime() > deadline || agentExit.isDone()) {
                List<Alert> ofRule = alerts.matching(rule, x -> true);
                throw new AssertionError("no alert of '" + rule + "' as expected; alerts of the rule ("
                        + ofRule.size() + "):\n" + ofRule.stream().limit(6).map(Alert::json).collect(Collectors.joining("\n"))
                        + "\nagent log:\n" + err);
            }
            Thread.sleep(5);
        }
    }

    /** A marker process whose alert proves that every earlier event has been evaluated (one ring, one reader). */
    private static void barrier() throws Exception {
        String tag = "barrier-" + (++nonce);
        run(List.of(names.resolve("lf_ready").toString(), tag), 0);
        await("LF ready", x -> tag.equals(x.get("proc.args")));
    }

    // ------------------------------------------------------------------ processes

    private static Path copyResource(String name, Path to) throws IOException {
        try (InputStream in = LiveFieldsTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            Files.copy(in, to);
        }
        return to;
    }

    private static void run(List<String> cmd, int expectedExit) throws Exception {
        runOutput(cmd, expectedExit);
    }

    private static String runOutput(List<String> cmd, int expectedExit) throws Exception {
        return run(new ProcessBuilder(cmd), expectedExit);
    }

    private static String run(ProcessBuilder pb, int expectedExit) throws Exception {
        Process p = pb.directory(work.toFile()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s did not finish", pb.command()).isTrue();
        assertThat(p.exitValue()).as("%s: %s", pb.command(), output).isEqualTo(expectedExit);
        return output;
    }

    /** lf.py COMMAND ARGS run as {@code name}, in the work directory; its key=value lines. */
    private static Map<String, String> lf(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(names.resolve(name).toString(), "-I", "-S", lf.toString()));
        cmd.addAll(List.of(args));
        return facts(runOutput(cmd, 0));
    }

    private static Map<String, String> facts(String output) {
        Map<String, String> m = new LinkedHashMap<>();
        output.lines().filter(l -> l.contains("=")).forEach(l -> m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        return m;
    }

    /** An lf.py process that stays alive (its sockets open) until closed. */
    private static final class Held implements AutoCloseable {
        final Process process;
        final Map<String, String> facts;

        Held(Process process, Map<String, String> facts) {
            this.process = process;
            this.facts = facts;
        }

        @Override
        public void close() throws Exception {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.flush();
            }
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static Held hold(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(names.resolve(name).toString(), "-I", "-S", lf.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder();
        // lf.py prints its facts, then waits for stdin to close; "cport" or "ret" ends the facts
        String line;
        while ((line = r.readLine()) != null) {
            sb.append(line).append('\n');
            if (line.startsWith("cport=") || (line.startsWith("ret=") && !cmd.contains("connect"))) {
                break;
            }
        }
        return new Held(p, facts(sb.toString()));
    }

    /** The name /etc/passwd gives uid {@code uid}, or null. */
    private static String userName(long uid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 2 && f[2].equals(Long.toString(uid))) {
                return f[0];
            }
        }
        return null;
    }

    private static String comm(long pid) throws IOException {
        return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    }

    /** comm of this JVM's parent, grandparent... up to pid 1. */
    private static List<String> ancestorsOfThisJvm() throws IOException {
        List<String> l = new ArrayList<>();
        long pid = ProcessHandle.current().pid();
        while (true) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            if (ppid <= 0) {
                return l;
            }
            l.add(comm(ppid));
            pid = ppid;
        }
    }

    private static long capBoundingSetOfThisJvm() throws IOException {
        String status = Files.readString(Path.of("/proc/self/status"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^CapBnd:\\s*([0-9a-f]+)").matcher(status);
        assertThat(m.find()).isTrue();
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    /** Start of pid 1, epoch ns: boot time plus its start in clock ticks. */
    private static long initStartNanos() throws IOException {
        long btime = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("btime "))
                .mapToLong(l -> Long.parseLong(l.substring(6).strip())).findFirst().orElseThrow();
        String stat = Files.readString(Path.of("/proc/1/stat"));
        long ticks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
        return btime * 1_000_000_000L + ticks * 10_000_000L;
    }

    private static long nanos(FileTime t) {
        java.time.Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @SafeVarargs
    private static List<String> cat(List<String>... parts) {
        List<String> l = new ArrayList<>();
        for (List<String> p : parts) {
            for (String f : p) {
                if (!l.contains(f)) {
                    l.add(f);
                }
            }
        }
        return l;
    }
}
