package dev.vigil.bench;

import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import dev.vigil.event.IpAddress;
import dev.vigil.event.SnapshotEvent;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The rules engine's hot path: one syscall event evaluated against the full upstream stable Falco
 * rule set ({@code falco_rules.yaml}). One operation is one event.
 *
 * <p>The rules file is read from the system property {@code vigil.rules}, by default
 * {@value #DEFAULT_RULES}, a path relative to the working directory: <b>run the benchmark from the
 * repository root</b> (the shared fixtures sit beside the repository), e.g.
 *
 * <pre>
 * java -jar testing/vigil-benchmarks/target/benchmarks.jar RuleEvaluationBenchmark -prof gc
 * </pre>
 *
 * <p>The events are the engine's own {@link SnapshotEvent} objects, built once at setup against the
 * rule set's slot table (no JSON on the measured path): a fixed mix of 64 syscall events shaped like
 * what a busy Kubernetes node produces — opens dominate, then socket activity, execs about 10%,
 * about a third in containers — with every field the stable rules' conditions read for those event
 * types filled as the kernel-side extraction would (see {@link EventMix}). Three of the events
 * trigger upstream rules, so both the rejecting and the fully-evaluated paths are measured; setup
 * checks that at least one and not all of them match.
 *
 * <ul>
 *   <li>{@code firstMatch}: {@link RuleSet#firstMatch}, Falco's default (stop at the first rule).
 *   <li>{@code allMatches}: {@link RuleSet#evaluate} with {@link RuleMatching#ALL} and a reusable
 *       counting sink.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Thread)
public class RuleEvaluationBenchmark {
    /** The upstream stable rules, relative to the repository root. */
    public static final String DEFAULT_RULES = "../shared/fixtures/falco-rules/upstream/falco_rules.yaml";

    private RuleSet ruleSet;
    private SnapshotEvent[] events;
    private int cursor;
    private final CountingSink sink = new CountingSink();

    /** A reusable sink that only counts the rules handed to it. */
    static final class CountingSink implements Consumer<CompiledRule> {
        long matches;

        @Override
        public void accept(CompiledRule rule) {
            matches++;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Path rules = Path.of(System.getProperty("vigil.rules", DEFAULT_RULES));
        if (!Files.isRegularFile(rules)) {
            throw new IllegalStateException("rules file " + rules.toAbsolutePath()
                    + " not found: run from the repository root or set -Dvigil.rules=PATH");
        }
        RuleEngine.LoadResult loaded = RuleEngine.loadPaths(List.of(rules), RuleEngine.Options.defaults());
        if (!loaded.successful()) {
            throw new IllegalStateException("rules did not load: " + loaded.errors());
        }
        ruleSet = loaded.ruleSet(RuleSelection.all());
        EventMix mix = EventMix.build(ruleSet.slots());
        events = mix.events.toArray(SnapshotEvent[]::new);
        verify(mix);
        cursor = 0;
        sink.matches = 0;
    }

    /** Throws unless some but not all events match; reports what the mix is made of. */
    private void verify(EventMix mix) {
        int matching = 0;
        Map<String, Integer> byRule = new TreeMap<>();
        List<String> unexpected = new ArrayList<>();
        for (int i = 0; i < events.length; i++) {
            CompiledRule first = ruleSet.firstMatch(events[i]);
            int all = ruleSet.evaluate(events[i], RuleMatching.ALL, r -> byRule.merge(r.name(), 1, Integer::sum));
            if ((first != null) != (all > 0)) {
                throw new IllegalStateException("firstMatch and evaluate(ALL) disagree on event " + i);
            }
            if (first != null) {
                matching++;
            }
            String want = mix.expected.get(i);
            String got = first == null ? null : first.name();
            if (!Objects.equals(want, got)) {
                unexpected.add("event " + i + " (" + mix.labels.get(i) + "): expected " + want + ", got " + got);
            }
        }
        if (matching == 0) {
            throw new IllegalStateException("no event matches any rule: the benchmark would only measure rejection");
        }
        if (matching == events.length) {
            throw new IllegalStateException("every event matches a rule: the mix is not realistic");
        }
        System.err.printf("[vigil] %d running rules; %d events %s; %d match: %s%n",
                ruleSet.runningRules().size(), events.length, mix.composition(), matching, byRule);
        for (String u : unexpected) {
            System.err.println("[vigil] WARNING " + u);
        }
    }

    private SnapshotEvent next() {
        int i = cursor;
        cursor = i + 1 == events.length ? 0 : i + 1;
        return events[i];
    }

    @Benchmark
    public void firstMatch(Blackhole bh) {
        bh.consume(ruleSet.firstMatch(next()));
    }

    @Benchmark
    public void allMatches(Blackhole bh) {
        bh.consume(ruleSet.evaluate(next(), RuleMatching.ALL, sink));
    }

    // ---------------------------------------------------------------------------------------------
    // The event mix
    // ---------------------------------------------------------------------------------------------

    /** A user as the kernel and /etc/passwd describe it. */
    record User(String name, long uid, String group, long gid, long loginuid, String loginname) {
        static final User ROOT = new User("root", 0, "root", 0, -1, "");
        static final User ROOT_CRON = new User("root", 0, "root", 0, 0, "root");
        static final User ALICE = new User("alice", 1000, "alice", 1000, 1000, "alice");
        static final User ALICE_SUDO = new User("root", 0, "root", 0, 1000, "alice");
        static final User SYSLOG = new User("syslog", 104, "adm", 4, -1, "");
        static final User NOBODY = new User("nobody", 65534, "nogroup", 65534, -1, "");
        static final User WWW = new User("www-data", 33, "www-data", 33, -1, "");
        static final User POSTGRES = new User("postgres", 999, "postgres", 999, -1, "");
        static final User APP = new User("app", 10001, "app", 10001, -1, "");
        static final User JOURNAL = new User("systemd-journal", 998, "systemd-journal", 998, -1, "");
    }

    /** The container a process runs in; {@link #HOST} for the host. */
    record Ctr(String id, String name, String repository, String tag, String pod, String namespace, boolean privileged) {
        static final Ctr HOST = new Ctr("host", "host", null, null, null, null, false);
        static final Ctr NGINX = new Ctr("3ad4f7c2b9e1", "nginx", "docker.io/library/nginx", "1.27.3",
                "web-7d9c6b5f4-x2kqp", "shop", false);
        static final Ctr JAVA = new Ctr("8b1e0c9f4a27", "orders", "registry.example.com/shop/orders", "2026.11.3",
                "orders-5f8d7c9b6-7hm4t", "shop", false);
        static final Ctr POSTGRES = new Ctr("c0ffee12ab34", "postgres", "docker.io/library/postgres", "17.2",
                "orders-db-0", "shop", false);
        static final Ctr COREDNS = new Ctr("5e6f7a8b9c0d", "coredns", "registry.k8s.io/coredns/coredns", "v1.11.3",
                "coredns-76f75df574-9sq8n", "kube-system", false);
        static final Ctr FLUENT = new Ctr("f1b2c3d4e5a6", "fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", "3.2.2",
                "fluent-bit-z8q4n", "logging", false);
        static final Ctr DEBIAN = new Ctr("d3b1a4e5f6c7", "toolbox", "docker.io/library/debian", "bookworm-slim",
                "toolbox-6c9f8d7b5-pw2lz", "default", false);
    }

    private static final String CAPS_ROOT = "CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL"
            + " CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN"
            + " CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE"
            + " CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG"
            + " CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG"
            + " CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE";
    private static final String CAPS_CONTAINER = "CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID"
            + " CAP_SETUID CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SYS_CHROOT CAP_MKNOD CAP_AUDIT_WRITE CAP_SETFCAP";
    private static final long TTY_PTS0 = 136L << 8; // major 136 (pts), minor 0
    private static final long SECOND = 1_000_000_000L;

    /**
     * A process as the thread table knows it. {@code ancestors} and {@code ancestorPaths} start with
     * the parent; {@code pcmdline} is the parent's command line.
     */
    record Proc(String name, String exe, String exepath, String args, long pid, long tty, User user, String cwd,
            long ageNanos, List<String> ancestors, List<String> ancestorPaths, String pcmdline, Ctr ctr,
            boolean fromMemfd, boolean upperLayer) {
        String cmdline() {
            return args.isEmpty() ? name : name + " " + args;
        }

        /** The same process doing something else later on. */
        Proc aged(long nanos) {
            return new Proc(name, exe, exepath, args, pid, tty, user, cwd, nanos, ancestors, ancestorPaths, pcmdline,
                    ctr, fromMemfd, upperLayer);
        }
    }

    private static Proc proc(String name, String exepath, String args, long pid, long tty, User user, String cwd,
            long ageNanos, Ctr ctr, String pcmdline, String... ancestors) {
        List<String> names = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (String a : ancestors) {
            int sep = a.indexOf('=');
            names.add(a.substring(0, sep));
            paths.add(a.substring(sep + 1));
        }
        return new Proc(name, exepath, exepath, args, pid, tty, user, cwd, ageNanos, List.copyOf(names),
                List.copyOf(paths), pcmdline, ctr, false, false);
    }

    // Long-lived processes of the node (age = time since exec).
    private static final Proc KUBELET = proc("kubelet", "/usr/bin/kubelet",
            "--config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf", 1187, 0, User.ROOT,
            "/", 86_400 * SECOND, Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc CONTAINERD = proc("containerd", "/usr/bin/containerd", "", 903, 0, User.ROOT, "/",
            86_410 * SECOND, Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc SSHD = proc("sshd", "/usr/sbin/sshd", "-D", 1021, 0, User.ROOT, "/", 86_412 * SECOND,
            Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc RSYSLOGD = proc("rsyslogd", "/usr/sbin/rsyslogd", "-n -iNONE", 811, 0, User.SYSLOG, "/",
            86_415 * SECOND, Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc JOURNALD = proc("systemd-journal", "/usr/lib/systemd/systemd-journald", "", 402, 0,
            User.ROOT, "/", 86_420 * SECOND, Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc NODE_EXPORTER = proc("node_exporter", "/usr/local/bin/node_exporter",
            "--path.rootfs=/host --collector.systemd", 1544, 0, User.NOBODY, "/", 86_300 * SECOND, Ctr.HOST,
            "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc CHRONYD = proc("chronyd", "/usr/sbin/chronyd", "-F 1", 790, 0,
            new User("_chrony", 110, "_chrony", 117, -1, ""), "/", 86_416 * SECOND, Ctr.HOST, "/sbin/init",
            "systemd=/usr/lib/systemd/systemd");
    private static final Proc SHIM = proc("containerd-shim", "/usr/bin/containerd-shim-runc-v2",
            "-namespace k8s.io -id 3ad4f7c2b9e1 -address /run/containerd/containerd.sock", 2210, 0, User.ROOT, "/",
            7_200 * SECOND, Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    // An interactive ssh session of alice (pts/0), and what she runs with sudo.
    private static final Proc ALICE_BASH = proc("bash", "/usr/bin/bash", "", 48211, TTY_PTS0, User.ALICE,
            "/home/alice", 0, Ctr.HOST, "sshd: alice@pts/0", "sshd=/usr/sbin/sshd", "sshd=/usr/sbin/sshd",
            "systemd=/usr/lib/systemd/systemd");
    private static final Proc SUDO = proc("sudo", "/usr/bin/sudo", "cat /etc/shadow", 48377, TTY_PTS0,
            User.ALICE_SUDO, "/home/alice", 2_000_000, Ctr.HOST, "-bash", "bash=/usr/bin/bash", "sshd=/usr/sbin/sshd",
            "sshd=/usr/sbin/sshd", "systemd=/usr/lib/systemd/systemd");
    private static final Proc CAT_SHADOW = proc("cat", "/usr/bin/cat", "/etc/shadow", 48378, TTY_PTS0,
            User.ALICE_SUDO, "/home/alice", 400_000, Ctr.HOST, "sudo cat /etc/shadow", "sudo=/usr/bin/sudo",
            "bash=/usr/bin/bash", "sshd=/usr/sbin/sshd", "sshd=/usr/sbin/sshd", "systemd=/usr/lib/systemd/systemd");
    private static final Proc STRACE = proc("strace", "/usr/bin/strace", "-f -p 903", 48390, TTY_PTS0,
            User.ALICE_SUDO, "/home/alice", 3_000_000, Ctr.HOST, "sudo strace -f -p 903", "sudo=/usr/bin/sudo",
            "bash=/usr/bin/bash", "sshd=/usr/sbin/sshd", "sshd=/usr/sbin/sshd", "systemd=/usr/lib/systemd/systemd");
    private static final Proc SSH_CLIENT = proc("ssh", "/usr/bin/ssh", "deploy@198.51.100.23", 48412, TTY_PTS0,
            User.ALICE, "/home/alice", 1_000_000, Ctr.HOST, "-bash", "bash=/usr/bin/bash", "sshd=/usr/sbin/sshd",
            "sshd=/usr/sbin/sshd", "systemd=/usr/lib/systemd/systemd");
    private static final Proc SSHD_SESSION = proc("sshd", "/usr/sbin/sshd", "-D -R", 48190, 0, User.ROOT, "/",
            50_000_000, Ctr.HOST, "sshd -D", "sshd=/usr/sbin/sshd", "systemd=/usr/lib/systemd/systemd");
    // A cron job: cron -> cron -> sh -c -> python3.
    private static final Proc CRON_PY = proc("python3", "/usr/bin/python3.12", "/opt/backup/rotate.py --daily", 51002, 0,
            User.ROOT_CRON, "/root", 0, Ctr.HOST, "sh -c python3 /opt/backup/rotate.py --daily", "sh=/usr/bin/dash",
            "cron=/usr/sbin/cron", "cron=/usr/sbin/cron", "systemd=/usr/lib/systemd/systemd");
    private static final Proc LOGROTATE = proc("logrotate", "/usr/sbin/logrotate", "/etc/logrotate.conf", 51120, 0,
            User.ROOT, "/", 0, Ctr.HOST, "/sbin/init", "systemd=/usr/lib/systemd/systemd");
    private static final Proc RUNC = new Proc("runc", "/usr/bin/runc", "memfd:runc_cloned:/proc/self/exe",
            "--root /run/containerd/runc/k8s.io --log /run/containerd/io.containerd.runtime.v2.task/k8s.io/9f2c/log.json"
                    + " --log-format json exec --process /tmp/runc-process2207 --detach 9f2c",
            51230, 0, User.ROOT, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/9f2c", 0,
            List.of("containerd-shim", "systemd"), List.of("/usr/bin/containerd-shim-runc-v2", "/usr/lib/systemd/systemd"),
            "containerd-shim -namespace k8s.io -id 9f2c -address /run/containerd/containerd.sock", Ctr.HOST, true, false);
    // Container workloads.
    private static final Proc NGINX = proc("nginx", "/usr/sbin/nginx", "", 2250, 0, User.WWW, "/", 7_100 * SECOND,
            Ctr.NGINX, "nginx: master process nginx -g daemon off;", "nginx=/usr/sbin/nginx",
            "containerd-shim=/usr/bin/containerd-shim-runc-v2", "systemd=/usr/lib/systemd/systemd");
    private static final Proc NGINX_ENTRY = proc("bash", "/usr/bin/bash", "/docker-entrypoint.sh nginx -g daemon off;",
            2231, 0, User.ROOT, "/", 60_000_000, Ctr.NGINX, "containerd-shim -namespace k8s.io -id 3ad4f7c2b9e1",
            "containerd-shim=/usr/bin/containerd-shim-runc-v2", "systemd=/usr/lib/systemd/systemd");
    private static final Proc JAVA = proc("java", "/opt/java/openjdk/bin/java",
            "-XX:MaxRAMPercentage=75 -jar /app/orders.jar", 3310, 0, User.APP, "/app", 5_400 * SECOND, Ctr.JAVA,
            "containerd-shim -namespace k8s.io -id 8b1e0c9f4a27", "containerd-shim=/usr/bin/containerd-shim-runc-v2",
            "systemd=/usr/lib/systemd/systemd");
    private static final Proc POSTGRES = proc("postgres", "/usr/lib/postgresql/17/bin/postgres", "", 3402, 0,
            User.POSTGRES, "/var/lib/postgresql/data", 5_300 * SECOND, Ctr.POSTGRES, "postgres",
            "postgres=/usr/lib/postgresql/17/bin/postgres", "containerd-shim=/usr/bin/containerd-shim-runc-v2",
            "systemd=/usr/lib/systemd/systemd");
    private static final Proc COREDNS = proc("coredns", "/coredns", "-conf /etc/coredns/Corefile", 1890, 0,
            new User("nonroot", 65532, "nonroot", 65532, -1, ""), "/", 86_000 * SECOND, Ctr.COREDNS,
            "containerd-shim -namespace k8s.io -id 5e6f7a8b9c0d", "containerd-shim=/usr/bin/containerd-shim-runc-v2",
            "systemd=/usr/lib/systemd/systemd");
    private static final Proc FLUENT = proc("fluent-bit", "/fluent-bit/bin/fluent-bit",
            "-c /fluent-bit/etc/fluent-bit.conf", 1960, 0, User.ROOT, "/", 86_000 * SECOND, Ctr.FLUENT,
            "containerd-shim -namespace k8s.io -id f1b2c3d4e5a6", "containerd-shim=/usr/bin/containerd-shim-runc-v2",
            "systemd=/usr/lib/systemd/systemd");
    private static final Proc PROBE_CURL = proc("curl", "/usr/bin/curl", "-fsS http://localhost:8080/healthz", 51340, 0,
            User.APP, "/app", 0, Ctr.JAVA, "sh -c curl -fsS http://localhost:8080/healthz", "sh=/usr/bin/dash",
            "containerd-shim=/usr/bin/containerd-shim-runc-v2", "systemd=/usr/lib/systemd/systemd");
    private static final Proc APT = proc("apt-get", "/usr/bin/apt-get",
            "install -y --no-install-recommends ca-certificates", 51401, 0, User.ROOT, "/", 0, Ctr.DEBIAN,
            "sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates", "sh=/usr/bin/dash",
            "containerd-shim=/usr/bin/containerd-shim-runc-v2", "systemd=/usr/lib/systemd/systemd");
    private static final Proc EXEC_SHELL = proc("bash", "/usr/bin/bash", "", 51460, TTY_PTS0, User.ROOT, "/", 0,
            Ctr.JAVA, "runc --root /run/containerd/runc/k8s.io exec --tty 8b1e0c9f4a27", "runc=/usr/bin/runc",
            "containerd-shim=/usr/bin/containerd-shim-runc-v2", "systemd=/usr/lib/systemd/systemd");

    /** Builds the 64 events against the rule set's slot table. */
    static final class EventMix {
        final List<SnapshotEvent> events = new ArrayList<>();
        final List<String> expected = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        private final Map<String, Integer> kinds = new LinkedHashMap<>();
        private int inContainers;
        private final FieldSlots slots;
        private final FieldCatalog catalog = FieldCatalog.forSource(FieldCatalog.SYSCALL).orElseThrow();
        private SnapshotEvent ev;
        private long evtNum = 48_211_907;
        private long time = 1_795_651_200_000_000_000L; // 2026-11-26T00:00:00Z

        private EventMix(FieldSlots slots) {
            this.slots = slots;
        }

        String composition() {
            return "(" + kinds + ", " + inContainers + " in containers)";
        }

        // --- building blocks --------------------------------------------------------------------

        private EventMix begin(String kind, String type, Proc p, String label, String expectedRule) {
            int code = EventTypes.get().code(type);
            if (code < 0) {
                throw new IllegalStateException("unknown event type " + type);
            }
            ev = new SnapshotEvent(slots);
            ev.setSource(FieldCatalog.SYSCALL);
            ev.setTypeCode(code);
            ev.setTimestampNanos(time += 13_700);
            set("evt.type", type);
            set("evt.num", ++evtNum);
            process(p);
            events.add(ev);
            expected.add(expectedRule);
            labels.add(type + " " + label);
            kinds.merge(kind, 1, Integer::sum);
            if (!p.ctr().id().equals("host")) {
                inContainers++;
            }
            return this;
        }

        private EventMix set(String field, Object value) {
            FieldRef ref = catalog.resolve(field).orElseThrow(() -> new IllegalArgumentException("no field " + field));
            ev.set(ref, value);
            return this;
        }

        private void result(long rawres, String res) {
            set("evt.rawres", rawres);
            set("evt.res", res);
        }

        private void process(Proc p) {
            set("proc.name", p.name());
            set("proc.exe", p.exe());
            set("proc.exepath", p.exepath());
            set("proc.args", p.args());
            set("proc.cmdline", p.cmdline());
            set("proc.pid", p.pid());
            set("proc.tty", p.tty());
            set("proc.cwd", p.cwd().endsWith("/") ? p.cwd() : p.cwd() + "/");
            set("proc.duration", p.ageNanos());
            set("proc.is_exe_from_memfd", p.fromMemfd());
            set("proc.is_exe_upper_layer", p.upperLayer());
            if (!p.ancestors().isEmpty()) {
                set("proc.pname", p.ancestors().get(0));
                set("proc.pexepath", p.ancestorPaths().get(0));
                set("proc.pexe", p.ancestorPaths().get(0));
                set("proc.pcmdline", p.pcmdline());
            }
            set("proc.aname", p.ancestors());
            set("proc.aexepath", p.ancestorPaths());
            // every indexed ancestor slot the rules use (proc.aname[2], proc.aexepath[2]...), as the
            // extractor fills them: [0] is the process itself, [n] the n-th ancestor, absent past the top
            for (FieldRef ref : slots.all()) {
                if (!ref.hasArg() || ref.index() < 0) {
                    continue;
                }
                int n = ref.index();
                Object v = switch (ref.name()) {
                    case "proc.aname" -> n == 0 ? p.name() : n <= p.ancestors().size() ? p.ancestors().get(n - 1) : null;
                    case "proc.aexepath" -> n == 0 ? p.exepath()
                            : n <= p.ancestorPaths().size() ? p.ancestorPaths().get(n - 1) : null;
                    default -> null;
                };
                if (v != null) {
                    ev.set(slots.slotOf(ref), v);
                }
            }
            User u = p.user();
            set("user.name", u.name());
            set("user.uid", u.uid());
            set("user.loginuid", u.loginuid());
            set("user.loginname", u.loginname());
            set("group.gid", u.gid());
            set("group.name", u.group());
            set("thread.cap_effective", u.uid() != 0 ? "" : p.ctr().id().equals("host") ? CAPS_ROOT : CAPS_CONTAINER);
            Ctr c = p.ctr();
            set("container.id", c.id());
            set("container.name", c.name());
            if (!c.id().equals("host")) {
                set("container.image.repository", c.repository());
                set("container.image.tag", c.tag());
                set("container.privileged", c.privileged());
                set("k8s.pod.name", c.pod());
                set("k8s.ns.name", c.namespace());
            }
        }

        private void fileFd(long fd, String path, String raw) {
            int slash = path.lastIndexOf('/');
            set("fd.num", fd);
            set("fd.name", path);
            set("fd.nameraw", raw);
            set("fd.directory", slash == 0 ? "/" : path.substring(0, slash));
            set("fd.filename", path.substring(slash + 1));
            set("fd.typechar", "f");
            set("fd.type", "file");
        }

        // --- event kinds ------------------------------------------------------------------------

        /** An exec exit event: the fields are those of the new process image. */
        private void exec(String type, Proc p, String label, String expectedRule) {
            begin("exec", type, p, label, expectedRule);
            result(0, "SUCCESS");
            set("evt.args", "res=0 exe=" + p.exe() + " args=" + p.args().replace(' ', '.') + " tid=" + p.pid()
                    + "(" + p.name() + ") pid=" + p.pid() + " ptid=" + (p.pid() - 1) + " cwd=" + p.cwd()
                    + " tty=" + p.tty() + " loginuid=" + p.user().loginuid());
        }

        private static final String RD = "O_RDONLY|O_CLOEXEC";

        /** A successful open of {@code path} returning {@code fd}. */
        private void open(String type, Proc p, String path, String flags, long fd, String expectedRule) {
            openRaw(type, p, path, path, flags, fd, expectedRule);
        }

        private void openRaw(String type, Proc p, String path, String raw, String flags, long fd, String expectedRule) {
            begin("open", type, p, path, expectedRule);
            boolean write = flags.contains("O_WRONLY") || flags.contains("O_RDWR");
            boolean read = !flags.contains("O_WRONLY");
            set("evt.is_open_read", read);
            set("evt.is_open_write", write);
            set("evt.is_open_exec", false);
            set("evt.arg.flags", flags);
            set("evt.arg.name", raw);
            if (fd >= 0) {
                result(fd, "SUCCESS");
            } else {
                result(fd, fd == -2 ? "ENOENT" : "EACCES");
            }
            fileFd(fd >= 0 ? fd : -1, path, raw);
            set("evt.args", "fd=" + fd + "(<f>" + path + ") dirfd=-100(AT_FDCWD) name=" + raw + " flags=(" + flags
                    + ") mode=0 dev=803 ino=" + (1_000_000 + Math.abs(path.hashCode() % 900_000)));
        }

        private static IpAddress ip(String text) {
            return IpAddress.parse(text).orElseThrow();
        }

        /**
         * A socket endpoint pair: client (c) and server (s). {@code local} says which side is this
         * process (the client for connect and sendto, the server for accept).
         */
        private void inet(boolean v6, String l4, String cip, long cport, String sip, long sport, boolean localIsClient,
                long fd) {
            IpAddress c = ip(cip);
            IpAddress s = ip(sip);
            set("fd.num", fd);
            set("fd.typechar", v6 ? "6" : "4");
            set("fd.type", v6 ? "ipv6" : "ipv4");
            set("fd.l4proto", l4);
            set("fd.cip", c);
            set("fd.sip", s);
            set("fd.cport", cport);
            set("fd.sport", sport);
            set("fd.lip", localIsClient ? c : s);
            set("fd.rip", localIsClient ? s : c);
            set("fd.lport", localIsClient ? cport : sport);
            set("fd.rport", localIsClient ? sport : cport);
            set("fd.ip", List.of(c, s));
            set("fd.port", List.of(cport, sport));
            set("fd.net", List.of(c, s));
            set("fd.snet", s);
            set("fd.cnet", c);
            String cs = v6 ? "[" + cip + "]" : cip;
            String ss = v6 ? "[" + sip + "]" : sip;
            set("fd.name", cs + ":" + cport + "->" + ss + ":" + sport);
        }

        private void connect(Proc p, boolean v6, String l4, String cip, long cport, String sip, long sport,
                String sipName, boolean inProgress, String expectedRule) {
            begin("network", "connect", p, sip + ":" + sport, expectedRule);
            inet(v6, l4, cip, cport, sip, sport, true, 7);
            set("fd.connected", !inProgress);
            set("fd.name_changed", true);
            if (sipName != null) {
                set("fd.sip.name", sipName);
            }
            if (inProgress) {
                result(-115, "EINPROGRESS");
            } else {
                result(0, "SUCCESS");
            }
            set("evt.args", "res=" + (inProgress ? "-115(EINPROGRESS)" : "0") + " tuple=" + (v6 ? "[" + cip + "]" : cip)
                    + ":" + cport + "->" + (v6 ? "[" + sip + "]" : sip) + ":" + sport + " fd=7");
        }

        private void connectUnix(Proc p, String path) {
            begin("network", "connect", p, path, null);
            set("fd.num", 9L);
            set("fd.typechar", "u");
            set("fd.type", "unix");
            set("fd.name", "ffff8a07c3e1d800->ffff8a07c3e1c400 " + path);
            set("fd.connected", true);
            set("fd.name_changed", true);
            result(0, "SUCCESS");
            set("evt.args", "res=0 tuple=ffff8a07c3e1d800->ffff8a07c3e1c400 " + path + " fd=9");
        }

        private void accept(String type, Proc p, String cip, long cport, String sip, long sport, long fd) {
            begin("network", type, p, cip + " -> " + sip + ":" + sport, null);
            inet(false, "tcp", cip, cport, sip, sport, false, fd);
            set("fd.connected", true);
            set("fd.name_changed", false);
            result(fd, "SUCCESS");
            set("evt.args", "fd=" + fd + "(<4t>" + cip + ":" + cport + "->" + sip + ":" + sport + ") tuple=" + cip + ":"
                    + cport + "->" + sip + ":" + sport + " queuepct=0 queuelen=0 queuemax=4096");
        }

        private void sendUdp(String type, Proc p, String cip, long cport, String sip, long sport, long bytes) {
            begin("network", type, p, sip + ":" + sport, null);
            inet(false, "udp", cip, cport, sip, sport, true, 11);
            set("fd.connected", false);
            set("fd.name_changed", true);
            result(bytes, "SUCCESS");
            set("evt.args", "res=" + bytes + " data=... tuple=" + cip + ":" + cport + "->" + sip + ":" + sport);
        }

        private void socket(Proc p, String domain, String sockType, long fd) {
            begin("network", "socket", p, domain, null);
            set("evt.arg.domain", domain);
            set("evt.arg.type", sockType);
            set("evt.arg.proto", "0");
            set("fd.num", fd);
            result(fd, "SUCCESS");
            set("evt.args", "fd=" + fd + " domain=(" + domain + ") type=(" + sockType + ") proto=0");
        }

        private void other(String type, Proc p, String label, String expectedRule, String... args) {
            begin("other", type, p, label, expectedRule);
            result(0, "SUCCESS");
            StringBuilder all = new StringBuilder("res=0");
            for (int i = 0; i < args.length; i += 2) {
                set("evt.arg." + args[i], args[i + 1]);
                all.append(' ').append(args[i]).append('=').append(args[i + 1]);
            }
            set("evt.args", all.toString());
        }

        // --- the mix ----------------------------------------------------------------------------

        static EventMix build(FieldSlots slots) {
            EventMix m = new EventMix(slots);
            final String wr = "O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC";

            // execs (7): interactive login shell, a cron job, an exec probe and apt in containers,
            // runc re-executing itself from a memfd, a systemd timer child, kubectl exec -it
            m.exec("execve", ALICE_BASH, "bash (sshd, tty)", null);
            m.exec("execve", CRON_PY, "python3 (cron)", null);
            m.exec("execve", PROBE_CURL, "curl (container probe)", null);
            m.exec("execve", APT, "apt-get (container)", null);
            m.exec("execveat", RUNC, "runc (memfd re-exec)", null);
            m.exec("execve", LOGROTATE, "logrotate (systemd)", null);
            m.exec("execve", EXEC_SHELL, "bash (container, tty)", "Terminal shell in container");

            // opens (31)
            m.open("openat", PROBE_CURL.aged(300_000), "/etc/ld.so.cache", RD, 3, null);
            m.open("openat", CRON_PY.aged(900_000), "/usr/lib/x86_64-linux-gnu/libc.so.6", RD, 3, null);
            m.open("openat", KUBELET, "/proc/3310/stat", RD, 31, null);
            m.open("openat", KUBELET, "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/memory.stat", RD, 32, null);
            m.open("openat", SSHD_SESSION, "/etc/passwd", RD, 5, null);
            m.open("openat", SSHD_SESSION, "/etc/shadow", RD, 5, null);
            m.open("openat", CAT_SHADOW, "/etc/shadow", RD, 3, "Read sensitive file untrusted");
            m.open("openat", SUDO, "/etc/pam.d/common-auth", RD, 4, null);
            m.open("openat", RSYSLOGD, "/var/log/syslog", wr, 8, null);
            m.open("openat", NGINX, "/var/log/nginx/access.log", wr, 5, null);
            m.open("openat", CONTAINERD, "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db",
                    "O_RDWR|O_CREAT|O_CLOEXEC", 14, null);
            m.open("openat", NGINX, "/etc/hosts", RD, 6, null);
            m.open("openat", COREDNS, "/etc/resolv.conf", RD, 8, null);
            m.open("open", JAVA, "/usr/share/zoneinfo/UTC", RD, 41, null);
            m.open("openat2", RUNC.aged(2_000_000), "/proc/self/mountinfo", RD, 5, null);
            m.open("openat", CRON_PY.aged(1_500_000), "/usr/lib/python3.12/encodings/__pycache__/utf_8.cpython-312.pyc",
                    RD, -2, null);
            m.open("openat", JAVA, "/app/lib/libnetty_transport_native_epoll_x86_64.so", RD, -2, null);
            m.open("openat", ALICE_BASH.aged(2_000_000), "/home/alice/.bashrc", RD, 3, null);
            m.open("openat", CRON_PY.aged(40_000_000), "/tmp/tmp8f3k2l9q", "O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC", 4, null);
            m.open("openat", KUBELET, "/var/lib/kubelet/pods/0b7c4e1a-6f2d-4a8e-9c3b-2d1e5f7a9b0c/volumes/"
                    + "kubernetes.io~projected/kube-api-access-7xk2p/token", RD, 33, null);
            m.open("openat", NGINX, "/usr/share/nginx/html/index.html", RD, 12, null);
            m.open("openat", POSTGRES, "/var/lib/postgresql/data/pg_wal/000000010000000000000003", "O_RDWR|O_CLOEXEC",
                    22, null);
            m.open("openat", PROBE_CURL.aged(500_000), "/etc/ssl/certs/ca-certificates.crt", RD, 4, null);
            m.open("openat", FLUENT, "/var/log/containers/web-7d9c6b5f4-x2kqp_shop_nginx-3ad4f7c2b9e1.log", RD, 18,
                    null);
            m.open("openat", JOURNALD, "/var/log/journal/5f2c9e0b7a1d4c3e8f6a2b1d0c9e8f7a/system.journal",
                    "O_RDWR|O_CREAT|O_NONBLOCK|O_CLOEXEC", 19, null);
            m.openRaw("openat", CRON_PY.aged(1_200_000), "/usr/lib/python3.12/os.py",
                    "/usr/lib/python3/dist-packages/../../python3.12/os.py", RD, 3, null);
            m.open("openat", APT.aged(800_000_000), "/var/log/apt/history.log", wr, 7, null);
            m.open("openat", SSHD_SESSION, "/etc/nsswitch.conf", RD, 5, null);
            m.open("openat", NODE_EXPORTER, "/proc/meminfo", RD, 9, null);
            m.open("openat", NODE_EXPORTER, "/sys/class/net/eth0/statistics/rx_bytes", RD, 10, null);
            m.open("openat", LOGROTATE.aged(30_000_000), "/var/lib/logrotate/status.tmp",
                    "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC", 3, null);

            // network (16)
            m.connect(KUBELET, false, "tcp", "10.0.0.21", 53422, "10.0.0.10", 6443, null, true, null);
            m.connect(JAVA, false, "tcp", "10.244.1.31", 40118, "10.244.1.17", 5432, null, false, null);
            m.connect(COREDNS, false, "tcp", "10.244.1.8", 39002, "10.96.0.1", 443, "kubernetes.default.svc.cluster.local",
                    true, null);
            m.connect(PROBE_CURL.aged(200_000), false, "udp", "10.244.1.31", 58211, "10.96.0.10", 53, null, false, null);
            m.connectUnix(KUBELET, "/run/containerd/containerd.sock");
            m.connect(CRON_PY.aged(60_000_000), true, "tcp", "2a05:d018:1b4:9e00::21", 50344, "2606:4700::6810:85e5", 443,
                    null, true, null);
            m.connect(SSH_CLIENT, false, "tcp", "10.0.0.21", 50610, "198.51.100.23", 22, null, true, null);
            m.connect(FLUENT, false, "tcp", "10.244.1.9", 41876, "10.244.2.9", 24224, null, false, null);
            m.accept("accept4", SSHD, "203.0.113.45", 51522, "10.0.0.21", 22, 4);
            m.accept("accept4", NGINX, "10.244.0.1", 40312, "10.244.1.12", 8080, 14);
            m.accept("accept", KUBELET, "10.0.0.10", 53980, "10.0.0.21", 10250, 40);
            m.socket(JAVA, "AF_INET", "SOCK_STREAM|SOCK_CLOEXEC", 57);
            m.socket(SSHD_SESSION, "AF_UNIX", "SOCK_DGRAM|SOCK_CLOEXEC", 6);
            m.socket(KUBELET, "AF_NETLINK", "SOCK_RAW|SOCK_CLOEXEC", 42);
            m.sendUdp("sendto", COREDNS, "10.244.1.8", 45120, "10.0.0.2", 53, 64);
            m.sendUdp("sendmsg", CHRONYD, "10.0.0.21", 123, "162.159.200.1", 123, 48);

            // other syscalls (10): renames, unlinks, mkdir, setuid, ptrace, memfd_create, dup, chmod
            m.other("renameat", LOGROTATE.aged(20_000_000), "/var/log/syslog -> /var/log/syslog.1", null,
                    "olddirfd", "-100(AT_FDCWD)", "oldpath", "/var/log/syslog", "newdirfd", "-100(AT_FDCWD)",
                    "newpath", "/var/log/syslog.1");
            m.other("rename", CRON_PY.aged(45_000_000), "/tmp/tmp8f3k2l9q -> /var/lib/backup/state.json", null,
                    "oldpath", "/tmp/tmp8f3k2l9q", "newpath", "/var/lib/backup/state.json");
            m.other("unlinkat", CONTAINERD, "init.pid", null, "dirfd", "-100(AT_FDCWD)", "name",
                    "/run/containerd/io.containerd.runtime.v2.task/k8s.io/9f2c/init.pid", "flags", "0");
            m.other("unlink", CRON_PY.aged(46_000_000), "/tmp/tmp1q9x7c2a", null, "path", "/tmp/tmp1q9x7c2a");
            m.other("mkdirat", KUBELET, "volumes dir", null, "dirfd", "-100(AT_FDCWD)", "path",
                    "/var/lib/kubelet/pods/0b7c4e1a-6f2d-4a8e-9c3b-2d1e5f7a9b0c/volumes", "mode", "0750");
            m.other("setuid", SUDO.aged(1_000_000), "setuid(0)", null, "uid", "0(<root>)");
            m.other("ptrace", STRACE, "PTRACE_SEIZE containerd", "PTRACE attached to process",
                    "request", "PTRACE_SEIZE", "pid", "903");
            m.other("memfd_create", RUNC.aged(100_000), "runc_cloned", null, "name", "runc_cloned:/proc/self/exe",
                    "flags", "MFD_CLOEXEC|MFD_ALLOW_SEALING");
            m.begin("other", "dup2", NGINX_ENTRY, "stdout -> pipe", null);
            m.result(1, "SUCCESS");
            m.set("fd.num", 3L).set("fd.typechar", "p").set("fd.type", "pipe").set("fd.name", "pipe:[91827]");
            m.set("evt.arg.oldfd", "3(<p>pipe:[91827])").set("evt.arg.newfd", "1").set("evt.args", "res=1 oldfd=3 newfd=1");
            m.other("fchmodat", KUBELET, "token 0644", null, "dirfd", "-100(AT_FDCWD)", "filename",
                    "/var/lib/kubelet/pods/0b7c4e1a-6f2d-4a8e-9c3b-2d1e5f7a9b0c/volumes/kubernetes.io~projected/"
                            + "kube-api-access-7xk2p/..data/token", "mode", "0644");

            if (m.events.size() != 64) {
                throw new IllegalStateException("the mix has " + m.events.size() + " events, expected 64");
            }
            return m;
        }
    }
}
