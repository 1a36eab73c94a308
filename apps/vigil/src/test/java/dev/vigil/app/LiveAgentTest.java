package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RuleText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live agent on this host: real probe, real syscalls from child processes, real rules. Runs as
 * root in CI; fails (never skips) when capture is not possible there.
 */
class LiveAgentTest {
    private static final String RULES = """
            - macro: opened_for_read
              condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.num >= 0
            - rule: marker file read by cat
              desc: test
              condition: opened_for_read and proc.name = cat and fd.name endswith vigil-live-marker
              output: marker read (file=%fd.name program=%proc.name pid=%proc.pid parent=%proc.pname cmdline=%proc.cmdline user=%user.name container=%container.id)
              priority: WARNING
              tags: [test]
            - rule: marker program executed
              desc: test
              condition: evt.type = execve and proc.exepath endswith vigil-live-exe
              output: exec (exe=%proc.exepath args=%proc.args ancestor=%proc.aname[1])
              priority: NOTICE
            """;

    static void waitFor(Supplier<Boolean> condition, Duration timeout, Supplier<String> describe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + describe.get());
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void alertsOnRealSyscallsOfChildProcesses(@TempDir Path dir) throws Exception {
        RuleEngine.LoadResult loaded = RuleEngine.load(List.of(new RuleText("live.yaml", RULES)),
                RuleEngine.Options.defaults().withSuggestedOutput(false));
        assertThat(loaded.errors()).isEmpty();
        RuleSet rs = loaded.ruleSet(RuleSelection.all());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        LiveAgent agent = new LiveAgent(rs, RuleMatching.ALL, false, new PrintWriter(out, true), new PrintWriter(err, true), Duration.ofSeconds(1));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> code = pool.submit(() -> agent.run(Duration.ofSeconds(60)));
            waitFor(() -> err.toString().contains("capturing") || code.isDone(), Duration.ofSeconds(15), err::toString);
            assertThat(code.isDone()).as("agent stopped early: %s", err).isFalse();

            Path marker = Files.writeString(dir.resolve("vigil-live-marker"), "x");
            Process cat = new ProcessBuilder("cat", marker.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long catPid = cat.pid();
            assertThat(cat.waitFor()).isZero();
            Path exe = dir.resolve("vigil-live-exe");
            Files.copy(Path.of("/bin/true"), exe);
            exe.toFile().setExecutable(true);
            Process sh = new ProcessBuilder("/bin/sh", "-c", exe + " one two").start();
            assertThat(sh.waitFor()).isZero();

            waitFor(() -> out.toString().contains("marker read") && out.toString().contains("exec (exe="), Duration.ofSeconds(15),
                    () -> "alerts so far:\n" + out + "\nlog:\n" + err);
            agent.stop();
            assertThat(code.get()).isZero();
            String alerts = out.toString();
            assertThat(alerts).contains("Warning marker read (file=" + marker + " program=cat pid=" + catPid + " parent=java",
                    "cmdline=cat " + marker, "user=root", "container=host)");
            assertThat(alerts).contains("Notice exec (exe=" + exe + " args=one two ancestor=sh)");
            assertThat(err.toString()).contains("0 dropped in kernel").containsPattern("stopped after [0-9.]+ s: [0-9]+ events, 2 alerts")
                    .contains("1  marker file read by cat").contains("syscall-to-verdict latency p50");
        } finally {
            agent.stop();
            pool.shutdownNow();
        }
    }

    private static String markerRule(String marker) {
        return """
                - rule: reads %1$s
                  desc: test
                  condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and proc.name = cat and fd.name endswith %1$s
                  output: read %1$s (file=%%fd.name)
                  priority: WARNING
                """.formatted(marker);
    }

    private static void catFile(Path p) throws Exception {
        Process cat = new ProcessBuilder("cat", p.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(cat.waitFor()).isZero();
    }

    /** Rules change while the agent runs (file watch and explicit reload); a broken file keeps the old rules. */
    @Test
    void reloadsRulesWithoutStopping(@TempDir Path dir) throws Exception {
        Path rulesDir = Files.createDirectories(dir.resolve("rules.d"));
        Path file = Files.writeString(rulesDir.resolve("local.yaml"), markerRule("vigil-first"));
        RuleEngine.Options options = RuleEngine.Options.defaults().withSuggestedOutput(false);
        java.util.function.Supplier<RuleSet> loader = () -> {
            RuleEngine.LoadResult r = RuleEngine.loadPaths(List.of(rulesDir), options);
            return r.successful() ? r.ruleSet(RuleSelection.all()) : null;
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        LiveAgent agent = new LiveAgent(loader.get(), RuleMatching.ALL, false, new PrintWriter(out, true), new PrintWriter(err, true), Duration.ofSeconds(1));
        agent.reloadWith(loader);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (RulesWatcher watcher = new RulesWatcher(List.of(rulesDir), Duration.ofMillis(100), agent::requestReload)) {
            Future<Integer> code = pool.submit(() -> agent.run(Duration.ofSeconds(60)));
            waitFor(() -> err.toString().contains("capturing") || code.isDone(), Duration.ofSeconds(15), err::toString);
            watcher.start();
            Path first = Files.writeString(dir.resolve("vigil-first"), "1");
            Path second = Files.writeString(dir.resolve("vigil-second"), "2");
            catFile(first);
            waitFor(() -> out.toString().contains("read vigil-first"), Duration.ofSeconds(15), out::toString);

            // the file changes: the watcher triggers a reload, the new rule runs, the old one is gone
            Files.writeString(file, markerRule("vigil-second"));
            waitFor(() -> err.toString().contains("rules reloaded"), Duration.ofSeconds(15), err::toString);
            catFile(first);
            catFile(second);
            waitFor(() -> out.toString().contains("read vigil-second"), Duration.ofSeconds(15), out::toString);
            assertThat(out.toString().lines().filter(l -> l.contains("read vigil-first"))).hasSize(1);

            // a broken file is rejected with its errors and the running rules stay
            Files.writeString(file, "- rule: broken\n  condition: evt.type=\n");
            waitFor(() -> err.toString().contains("previous rules keep running"), Duration.ofSeconds(15), err::toString);
            catFile(second);
            waitFor(() -> out.toString().lines().filter(l -> l.contains("read vigil-second")).count() == 2, Duration.ofSeconds(15), out::toString);
            agent.stop();
            assertThat(code.get()).isZero();
            assertThat(err.toString()).contains("0 dropped in kernel");
        } finally {
            agent.stop();
            pool.shutdownNow();
        }
    }

    @Test
    void selectsOnlyTheSyscallsRulesAndStateNeed() {
        RuleEngine.LoadResult loaded = RuleEngine.load(List.of(new RuleText("live.yaml", RULES)), RuleEngine.Options.defaults());
        var nrs = LiveAgent.selection(loaded.ruleSet(RuleSelection.all()));
        assertThat(nrs).contains(dev.vigil.capture.ebpf.Syscalls.number("openat"), dev.vigil.capture.ebpf.Syscalls.number("close"))
                .doesNotContain(dev.vigil.capture.ebpf.Syscalls.number("read"), dev.vigil.capture.ebpf.Syscalls.number("write"));
    }

    @Test
    void eventTypesFalcoNamesWithoutThe64SuffixSelectTheirSyscalls() {
        String rules = "- rule: positional io\n  desc: d\n  condition: evt.type in (pread, pwrite)\n  output: o\n  priority: NOTICE\n";
        RuleEngine.LoadResult loaded = RuleEngine.load(List.of(new RuleText("io.yaml", rules)), RuleEngine.Options.defaults());
        assertThat(loaded.errors()).isEmpty();
        assertThat(LiveAgent.selection(loaded.ruleSet(RuleSelection.all())))
                .contains(dev.vigil.capture.ebpf.Syscalls.number("pread64"), dev.vigil.capture.ebpf.Syscalls.number("pwrite64"));
    }
}
