package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.app.EvtgenScenariosTest.Alert;
import dev.vigil.app.EvtgenScenariosTest.Alerts;
import dev.vigil.capture.ebpf.Probe;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vigil's bundled default rules against real threats and a benign workload: the live agent runs
 * in-process (real probe, real podman containers of a busybox image built here), every rule is
 * reported ({@code --rule-matching all}) and the alerts are parsed as Falco JSON. Each threat is
 * acted out in a container (and on the host where the rule covers the host) and must raise its rule
 * with the container's id, name and image and the process fields; then a benign corpus (a web
 * server under load, a shell writing data files, javac/java, tar and gzip, files staged and
 * built into an image) must raise no alert. The counts per rule are printed for docs/detection.md.
 *
 * <p>Container commands run applets through their full path ({@code /bin/nc}): busybox's shell runs
 * bare applet names in-process, where the kernel names the process {@code sh} or {@code exe}.
 *
 * <p>Needs root, podman, runc and busybox-static; fails (never skips) when one is missing in CI or as root.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DefaultRulesDetectionTest {
    @TempDir
    static Path work;

    private static RunningAgent running;
    private static StringWriter err;
    private static Alerts alerts;
    private static String image;
    private static String repository;
    private static String prefix;
    private static Podman.Container plain;
    private static Podman.Container privileged;
    private static Podman.Container readOnly;
    private static Podman.Container web;
    /** Rule name to the alerts the threat scenarios were expected to raise (for the report). */
    private static final Map<String, Integer> detected = new TreeMap<>();

    @BeforeAll
    static void startAgentAndContainers() throws Exception {
        Probe.Preflight pre = Probe.preflight();
        // as the other live tests of this module: without root the agent cannot capture, and the test fails
        assertThat(Files.readString(Path.of("/proc/self/status"))).as("must run as root (capture needs CAP_BPF+CAP_PERFMON)")
                .containsPattern("(?m)^Uid:\\s+0\\s");
        assertThat(pre.failures()).as("eBPF prerequisites").isEmpty();
        for (String tool : List.of("/usr/bin/podman", "/usr/sbin/runc", "/bin/busybox", "/usr/bin/python3")) {
            assertThat(Path.of(tool)).as("%s must be installed (./setup.sh --deps-only)", tool).isExecutable();
        }
        long started = System.nanoTime();
        RulesOptions defaults = new RulesOptions();
        defaults.defaultRulesDir = work.resolve("no-rules.d");
        StringWriter loadErr = new StringWriter();
        RuleSet rules = defaults.ruleSet(RuleSelection.all(), new PrintWriter(loadErr, true));
        assertThat(rules).as(loadErr.toString()).isNotNull();
        running = new RunningAgent(rules, Duration.ofMinutes(3));
        err = running.err;
        alerts = running.alerts;

        prefix = "vigil-dr-" + Long.toHexString(System.nanoTime());
        repository = "localhost/" + prefix;
        Map<String, String> files = new LinkedHashMap<>();
        files.put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        files.put("etc/group", "root:x:0:\n");
        files.put("etc/shadow", "root:*:19000:0:99999:7:::\n");
        files.put("www/index.html", "<h1>hello</h1>\n");
        // files that exist in the image, so that emptying them is a truncation, not a creation
        files.put("var/log/app.log", "started\n");
        files.put("root/.ash_history", "ls\n");
        image = Podman.buildBusyboxImage(work, prefix, "v1",
                List.of("sh", "sleep", "cat", "cp", "ln", "mkdir", "rm", "echo", "true", "mount", "nsenter", "insmod", "nc", "wget",
                        "httpd", "ip", "dd", "dpkg", "tar", "gzip", "usleep", "seq"),
                files, List.of("data"), List.of(new String[] {"lib", "usr/lib"}, new String[] {"lib64", "usr/lib64"}));
        plain = Podman.start(prefix + "-plain", image, List.of("--cap-add", "NET_ADMIN"));
        privileged = Podman.start(prefix + "-priv", image, List.of("--privileged", "-v", "/usr:/usr:ro"));
        readOnly = Podman.start(prefix + "-ro", image, List.of("--read-only"));
        for (Podman.Container c : List.of(plain, privileged, readOnly)) {
            awaitMetadata(c);
        }
        System.err.printf("detection: agent, image and containers ready in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            for (Podman.Container c : new Podman.Container[] {plain, privileged, readOnly, web}) {
                if (c != null) {
                    Podman.remove(c);
                }
            }
            if (image != null) {
                Podman.removeImage(image);
            }
        } finally {
            if (running != null) {
                assertThat(running.stop()).isZero();
                System.err.println(err);
            }
        }
    }

    /** The package manager rule doubles as the readiness probe: it fires once the engine has named the container. */
    private static void awaitMetadata(Podman.Container c) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (alerts.matching("Vigil Package Manager in Container", inContainer(c).and(a -> c.name().equals(a.field("container.name")))).isEmpty()) {
            assertThat(System.nanoTime()).as("container %s never named in an alert: %s", c.name(), err).isLessThan(deadline);
            Podman.exec(c, null, "/bin/dpkg --help >/dev/null 2>&1; true");
            LiveAgentTest.waitFor(() -> !alerts.matching("Vigil Package Manager in Container", inContainer(c)).isEmpty()
                    || System.nanoTime() > deadline, Duration.ofSeconds(45), err::toString);
        }
    }

    private static Predicate<Alert> inContainer(Podman.Container c) {
        return a -> c.shortId().equals(a.field("container.id"));
    }

    private static Predicate<Alert> field(String name, String value) {
        return a -> value.equals(a.field(name));
    }

    /** Waits for an alert of {@code rule} matching {@code p}; checks the container fields when {@code c} is given. */
    private static Alert expect(String rule, Podman.Container c, Predicate<Alert> p) throws InterruptedException {
        return expect(rule, c, true, p);
    }

    /** As above; {@code named}: whether the engine's metadata (name, image) is known by then (not at a container's first exec). */
    private static Alert expect(String rule, Podman.Container c, boolean named, Predicate<Alert> p) throws InterruptedException {
        Predicate<Alert> all = c == null ? p.and(field("container.id", "host")) : p.and(inContainer(c));
        LiveAgentTest.waitFor(() -> !alerts.matching(rule, all).isEmpty(), Duration.ofSeconds(15),
                () -> "no '" + rule + "' alert; alerts:\n" + String.join("\n", alerts.all().stream().map(Alert::json).toList()));
        Alert a = alerts.matching(rule, all).getFirst();
        if (c != null && named) {
            assertThat(a.field("container.name")).as(rule).isEqualTo(c.name());
            assertThat(a.field("container.image.repository")).as(rule).isEqualTo(repository);
            assertThat(a.field("container.image.tag")).as(rule).isEqualTo("v1");
        }
        assertThat(a.fields()).as(rule).containsKeys("proc.name", "proc.cmdline", "proc.pname", "proc.aname[2]", "user.name", "k8s.pod.name", "k8s.ns.name");
        assertThat(a.field("user.name")).as(rule).isEqualTo("root");
        detected.merge(rule, 1, Integer::sum);
        return a;
    }

    private static void exec(Podman.Container c, String script) throws Exception {
        Podman.exec(c, null, script); // exit codes ignored: refused attempts are the point
    }

    @Test
    @Order(1)
    void shellsPackagesAndTransferTools() throws Exception {
        Podman.Result tty = Podman.podman(60, "exec", "-t", plain.fullId(), "/bin/sh", "-c", "true");
        assertThat(tty.exit()).as(tty.out()).isZero();
        expect("Vigil Terminal Shell in Container", plain, field("proc.name", "sh").and(a -> !"0".equals(a.field("proc.tty"))));
        expect("Vigil Package Manager in Container", plain, field("proc.name", "dpkg"));
        // a loopback alias with a public-looking address: real connections that never leave the container
        exec(plain, "/bin/ip addr add 203.0.113.7/32 dev lo; (/bin/nc -l -p 8000 >/dev/null &); (/bin/nc -l -p 3333 >/dev/null &);"
                + " for port in 8000 3333; do i=0; until /bin/nc 203.0.113.7 $port </dev/null; do i=$((i+1)); [ $i -gt 100 ] && break; /bin/usleep 20000; done; done");
        expect("Vigil Transfer Tool in Container", plain, field("proc.name", "nc").and(a -> a.field("proc.cmdline").contains("203.0.113.7")));
        expect("Vigil Unexpected Outbound Connection from Container", plain, field("proc.name", "nc").and(a -> a.field("fd.name").endsWith("203.0.113.7:8000")));
        expect("Vigil Unexpected Inbound Connection to Container", plain, field("proc.name", "nc").and(a -> a.field("fd.name").endsWith("203.0.113.7:8000")));
        expect("Vigil Connection to Mining Pool", plain, field("proc.name", "nc").and(a -> a.field("fd.name").endsWith(":3333")));
    }

    @Test
    @Order(2)
    void containerEscapes() throws Exception {
        exec(plain, "/bin/mkdir -p /mnt/x; /bin/mount -t tmpfs none /mnt/x; /bin/nsenter -t 1 -m /bin/true; echo x > /tmp/m.ko; /bin/insmod /tmp/m.ko;"
                + " ( : >> /proc/sys/kernel/core_pattern ); ( : >> /sys/fs/cgroup/release_agent )");
        expect("Vigil Mount in Container", plain, field("proc.name", "mount"));
        expect("Vigil Namespace Change in Container", plain, field("proc.name", "nsenter").and(a -> "/proc/1/ns/mnt".equals(a.field("fd.name"))));
        expect("Vigil Kernel Module Load", plain, field("proc.name", "insmod"));
        expect("Vigil Write to Kernel Escape File", plain, field("fd.name", "/proc/sys/kernel/core_pattern"));
        expect("Vigil Write to Kernel Escape File", plain, field("fd.name", "/sys/fs/cgroup/release_agent"));
        expect("Vigil Privileged Container Started", privileged, false, field("proc.name", "sleep").and(a -> a.field("thread.cap_effective").contains("CAP_SYS_ADMIN")));
        exec(privileged, "/bin/dd if=/dev/vda of=/dev/null bs=512 count=1;"
                + " /usr/bin/python3 -c 'import ctypes; l = ctypes.CDLL(None); l.ptrace(16, 1, 0, 0)'");
        expect("Vigil Raw Block Device Opened in Container", privileged, field("proc.name", "dd").and(field("fd.name", "/dev/vda")));
        expect("Vigil Ptrace of Another Process", privileged, a -> a.field("proc.name").startsWith("python3") && a.field("evt.arg.request").contains("PTRACE_ATTACH"));
        // on the host: a module load by an unexpected program, ptrace by a program that is not a debugger
        Process victim = new ProcessBuilder("sleep", "30").start();
        try {
            // finit_module (313) of a bad fd: refused, but attempted
            Podman.run(30, List.of("/usr/bin/python3", "-c", "import ctypes; l = ctypes.CDLL(None); l.syscall(313, -1, b'', 0);"
                    + " l.ptrace(16, " + victim.pid() + ", 0, 0)"));
            expect("Vigil Kernel Module Load", null, a -> a.field("proc.name").startsWith("python3"));
            expect("Vigil Ptrace of Another Process", null, a -> a.field("proc.name").startsWith("python3") && "sleep".equals(a.field("evt.arg.pid")));
        } finally {
            victim.destroyForcibly();
        }
    }

    @Test
    @Order(3)
    void miningCredentialsExecutionAndTampering() throws Exception {
        exec(plain, "/bin/cp /bin/busybox /tmp/xmrig; /tmp/xmrig 2>/dev/null; /bin/echo stratum+tcp://pool.example.net:3333 >/dev/null;"
                + " /bin/mkdir -p /var/run/secrets/kubernetes.io/serviceaccount /root/.aws /root/.ssh;"
                + " echo t > /var/run/secrets/kubernetes.io/serviceaccount/token; /bin/cat /var/run/secrets/kubernetes.io/serviceaccount/token >/dev/null;"
                + " echo k > /root/.aws/credentials; /bin/cat /root/.aws/credentials >/dev/null;"
                + " echo k > /root/.ssh/id_rsa; /bin/cat /root/.ssh/id_rsa >/dev/null; /bin/cat /etc/shadow >/dev/null;"
                + " /bin/cp /bin/busybox /tmp/true; /tmp/true;"
                + " echo > /var/log/app.log; /bin/rm /var/log/app.log;"
                + " echo ls > /root/.ash_history; /bin/rm /root/.ash_history; /bin/ln -s /dev/null /root/.bash_history;"
                + " /bin/mkdir -p /usr/local/bin; /bin/cp /bin/busybox /usr/local/bin/helper");
        expect("Vigil Cryptominer Started", plain, field("proc.name", "xmrig"));
        expect("Vigil Cryptominer Started", plain, field("proc.name", "echo").and(a -> a.field("proc.cmdline").contains("stratum+tcp://")));
        expect("Vigil Service Account Token Read by Unexpected Program", plain, field("proc.name", "cat"));
        expect("Vigil Cloud Credentials Read by Unexpected Program", plain, field("fd.name", "/root/.aws/credentials"));
        expect("Vigil Private Key Read by Unexpected Program", plain, field("fd.name", "/root/.ssh/id_rsa"));
        expect("Vigil Sensitive File Read by Untrusted Program", plain, field("fd.name", "/etc/shadow").and(field("proc.name", "cat")));
        expect("Vigil Execution from Temporary Directory", plain, field("proc.exepath", "/tmp/true"));
        expect("Vigil Drifted Executable in Container", plain, field("proc.exepath", "/tmp/true").and(field("proc.is_exe_upper_layer", "true")));
        expect("Vigil Log File Truncated or Deleted", plain, a -> a.field("evt.type").startsWith("unlink") && "rm".equals(a.field("proc.name")));
        // `> file` on a file of the image: O_TRUNC of an existing file (the probe reads FMODE_CREATED, so overlay's
        // copy-up does not make it look like a creation)
        expect("Vigil Log File Truncated or Deleted", plain, a -> a.field("evt.type").startsWith("open")
                && "/var/log/app.log".equals(a.field("fd.name")));
        expect("Vigil Shell History Tampered", plain, a -> a.field("evt.type").startsWith("open")
                && "/root/.ash_history".equals(a.field("fd.name")));
        expect("Vigil Shell History Tampered", plain, a -> a.field("evt.type").startsWith("unlink"));
        expect("Vigil Shell History Tampered", plain, a -> a.field("evt.type").startsWith("symlink") && "ln".equals(a.field("proc.name")));
        expect("Vigil File Written Below System Directory in Container", plain, field("fd.name", "/usr/local/bin/helper").and(field("proc.name", "cp")));
        exec(readOnly, "( : > /etc/cron-job ); /bin/mkdir /opt; /bin/rm -f /bin/seq");
        expect("Vigil Write Refused by Read-Only Root Filesystem", readOnly, a -> a.field("evt.type").startsWith("open") && "/etc/cron-job".equals(a.field("fd.name")));
        expect("Vigil Write Refused by Read-Only Root Filesystem", readOnly, a -> a.field("evt.type").startsWith("unlink") && "rm".equals(a.field("proc.name")));
        exec(privileged, "/usr/bin/python3 -c 'import os; fd = os.memfd_create(\"stage2\"); os.write(fd, open(\"/bin/busybox\", \"rb\").read());"
                + " os.execv(\"/proc/self/fd/%d\" % fd, [\"true\"])'");
        // the exe path is the memfd's name when /proc still shows the process, the path execve was given otherwise
        expect("Vigil Fileless Execution from Memory", privileged,
                a -> a.field("proc.exepath").startsWith("/proc/self/fd/") || a.field("proc.exepath").equals("memfd:stage2"));

        // on the host
        Path shm = Path.of("/dev/shm/" + prefix + "-payload");
        Files.copy(Path.of("/bin/true"), shm);
        try {
            shm.toFile().setExecutable(true);
            Podman.run(30, List.of(shm.toString()));
            Podman.run(30, List.of("cat", "/etc/shadow"));
            expect("Vigil Execution from Temporary Directory", null, field("proc.exepath", shm.toString()));
            expect("Vigil Sensitive File Read by Untrusted Program", null, field("proc.name", "cat").and(field("fd.name", "/etc/shadow")));
        } finally {
            Files.deleteIfExists(shm);
        }
        // a program dropped into a binary directory of the host by something that is not a package manager
        Path dropped = Path.of("/usr/local/bin/" + prefix + "-dropped");
        try {
            Podman.run(30, List.of("cp", "/bin/true", dropped.toString()));
            expect("Vigil Write Below Binary Directory", null, field("fd.name", dropped.toString()).and(field("proc.name", "cp")));
        } finally {
            Files.deleteIfExists(dropped);
        }
    }

    /** A benign corpus for a bounded time: no alert from the default rules, on the host or in its containers. */
    @Test
    @Order(4)
    void benignWorkloadRaisesNoAlert() throws Exception {
        int before = alerts.all().size();
        long started = System.nanoTime();
        // a web server in a container (host network: clients are host processes), under load
        web = Podman.start(prefix + "-web", image, List.of("--network", "host"));
        exec(web, "/bin/httpd -p 127.0.0.1:18080 -h /www");
        Path runner = Files.createSymbolicLink(work.resolve("vigil-benign"), Path.of("/bin/sh"));
        Path src = Files.createDirectories(work.resolve("src/demo"));
        Files.writeString(src.resolve("Hello.java"), "package demo; public class Hello { public static void main(String[] a) { System.out.println(\"hi\"); } }\n");
        Path rootfs = Files.createDirectories(work.resolve("build/rootfs/usr/bin"));
        String javaHome = System.getProperty("java.home");
        String script = String.join("\n",
                "set -e",
                "cd " + work,
                "i=0; while [ $i -lt 200 ]; do busybox wget -q -O /dev/null http://127.0.0.1:18080/index.html; i=$((i+1)); done",
                javaHome + "/bin/javac -d " + work.resolve("classes") + " " + src.resolve("Hello.java"),
                javaHome + "/bin/java -cp " + work.resolve("classes") + " demo.Hello >/dev/null",
                javaHome + "/bin/java -version 2>/dev/null",
                "tar -czf " + work.resolve("src.tgz") + " -C " + work + " src classes",
                "gzip -c " + src.resolve("Hello.java") + " > " + work.resolve("Hello.java.gz"),
                // a database doing writes: 2,000 rows in 20 transactions (journal files created and deleted)
                "python3 -c 'import sqlite3; d = sqlite3.connect(\"" + work.resolve("shop.db") + "\"); d.execute(\"create table t (k integer primary key, v text)\");"
                        + " [d.executemany(\"insert into t (v) values (?)\", [(str(i),) for i in range(100)]) or d.commit() for _ in range(20)]; d.close()'",
                // package-installation-like writes at image build time: staged on the host, then built into an image
                "cp /bin/busybox " + rootfs.resolve("tool"),
                "mkdir -p " + work.resolve("build/rootfs/var/lib/dpkg") + " && echo 'Package: tool' > " + work.resolve("build/rootfs/var/lib/dpkg/status"),
                "printf 'FROM scratch\\nCOPY rootfs/ /\\n' > " + work.resolve("build/Containerfile"),
                "podman --runtime runc --cgroup-manager cgroupfs build -q -t " + repository + "-built:v1 " + work.resolve("build") + " >/dev/null",
                "podman --runtime runc --cgroup-manager cgroupfs rmi -f " + repository + "-built:v1 >/dev/null",
                "echo done");
        Podman.Result host = Podman.run(120, List.of(runner.toString(), "-c", script));
        assertThat(host.exit()).as(host.out()).isZero();
        // a shell script writing data files and archiving them in a container
        exec(plain, "i=0; while [ $i -lt 300 ]; do echo \"row $i\" >> /data/table.log; i=$((i+1)); done;"
                + " /bin/tar -czf /data/backup.tgz /data/table.log; /bin/cat /data/table.log >/dev/null; /bin/rm /data/backup.tgz");
        // a barrier: the probe is drained once an alert raised after the corpus has arrived
        int marks = alerts.matching("Vigil Package Manager in Container", inContainer(plain)).size();
        exec(plain, "/bin/dpkg --help >/dev/null 2>&1; true");
        LiveAgentTest.waitFor(() -> alerts.matching("Vigil Package Manager in Container", inContainer(plain)).size() > marks, Duration.ofSeconds(15), err::toString);
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Alert> all = alerts.all();
        List<Alert> during = all.subList(before, all.size());
        List<Alert> ours = new ArrayList<>();
        for (Alert a : during) {
            boolean barrier = a.rule().equals("Vigil Package Manager in Container") && "dpkg".equals(a.field("proc.name"));
            boolean mine = String.valueOf(a.field("container.name")).startsWith(prefix)
                    || List.of(String.valueOf(a.field("proc.name")), String.valueOf(a.field("proc.pname")), String.valueOf(a.field("proc.aname[2]"))).contains("vigil-benign");
            if (mine && !barrier) {
                ours.add(a);
            }
        }
        System.err.printf("detection: benign corpus ran %.1f s, %d alerts from it, %d alerts machine-wide in that window%n", seconds, ours.size(), during.size());
        during.forEach(a -> System.err.println("detection: benign-window alert: " + a.json()));
        System.err.println("detection: threat alerts checked per rule: " + detected);
        assertThat(ours).as("alerts from the benign corpus").isEmpty();
    }
}
