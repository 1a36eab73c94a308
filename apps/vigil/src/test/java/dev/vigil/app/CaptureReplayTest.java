package dev.vigil.app;

import static dev.vigil.app.LiveAgentTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.file.CaptureWriter;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil capture} then {@code vigil replay} against the live agent, on this host: real probe,
 * real syscalls from child processes. Runs as root in CI; fails (never skips) when capture is not
 * possible there.
 */
class CaptureReplayTest {
    private static final String RULES = """
            - macro: opened_for_read
              condition: evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.num >= 0
            - rule: marker file read by cat
              desc: test
              condition: opened_for_read and proc.name = cat and fd.name endswith vigil-capture-marker
              output: marker read (file=%fd.name program=%proc.name pid=%proc.pid parent=%proc.pname cmdline=%proc.cmdline user=%user.name uid=%user.uid exe=%proc.exepath ino=%proc.exe_ino cwd=%proc.cwd tty=%proc.tty sid=%proc.sid caps=%thread.cap_effective login=%user.loginuid ancestors=%proc.aname[2])
              priority: WARNING
              tags: [test]
            - rule: marker program executed
              desc: test
              condition: evt.type = execve and proc.exepath endswith vigil-capture-exe
              output: exec (exe=%proc.exepath args=%proc.args ancestor=%proc.aname[1] writable=%proc.is_exe_writable env=%proc.env[VIGIL_MARK] host=%evt.hostname)
              priority: NOTICE
            """;

    private static RuleSet rules() {
        RuleEngine.LoadResult loaded = RuleEngine.load(List.of(new dev.vigil.rules.RuleText("capture.yaml", RULES)), RuleEngine.Options.defaults());
        assertThat(loaded.errors()).isEmpty();
        return loaded.ruleSet(RuleSelection.all());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> parse(String jsonLines) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : jsonLines.lines().filter(l -> !l.isBlank()).toList()) {
            out.add((Map<String, Object>) JsonTree.parse(line));
        }
        out.sort(Comparator.comparing((Map<String, Object> m) -> (String) m.get("rule")));
        return out;
    }

    /** An alert without its time: the live agent and the capture sample the wall clock separately. */
    private static Map<String, Object> timeless(Map<String, Object> alert) {
        Map<String, Object> m = new LinkedHashMap<>(alert);
        m.remove("time");
        String output = (String) m.get("output");
        m.put("output", output.substring(output.indexOf(": ") + 2));
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = new LinkedHashMap<>((Map<String, Object>) m.get("output_fields"));
        fields.remove("evt.time.iso8601");
        m.put("output_fields", fields);
        return m;
    }

    @Test
    void replayedAlertsEqualTheLiveAgentsAlerts(@TempDir Path dir) throws Exception {
        Path rulesFile = Files.writeString(dir.resolve("rules.yaml"), RULES);
        Path file = dir.resolve("activity.vcap");
        RuleSet rs = rules();
        StringWriter captureErr = new StringWriter();
        CaptureAgent capture = new CaptureAgent(rs, rulesFile.toString(), file, false, new PrintWriter(captureErr, true), Duration.ofSeconds(1));
        StringWriter liveOut = new StringWriter();
        StringWriter liveErr = new StringWriter();
        LiveAgent live = new LiveAgent(rs, RuleMatching.FIRST, true, new PrintWriter(liveOut, true), new PrintWriter(liveErr, true), Duration.ofSeconds(1));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> captureCode = pool.submit(() -> capture.run(Duration.ofSeconds(60)));
            Future<Integer> liveCode = pool.submit(() -> live.run(Duration.ofSeconds(60)));
            waitFor(() -> captureErr.toString().contains("capturing") || captureCode.isDone(), Duration.ofSeconds(20), captureErr::toString);
            waitFor(() -> liveErr.toString().contains("capturing") || liveCode.isDone(), Duration.ofSeconds(20), liveErr::toString);
            assertThat(captureCode.isDone()).as("capture stopped early: %s", captureErr).isFalse();
            assertThat(liveCode.isDone()).as("live agent stopped early: %s", liveErr).isFalse();

            // the activity, from child processes (the JVM's own syscalls are not captured). The children stay
            // alive until both agents are past their records: what /proc says about them is then the same for both.
            Path marker = Files.writeString(dir.resolve("vigil-capture-marker"), "x");
            Process cat = new ProcessBuilder("cat", marker.toString(), "-").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Path exe = dir.resolve("vigil-capture-exe");
            Files.copy(Path.of("/bin/sleep"), exe);
            assertThat(exe.toFile().setExecutable(true)).isTrue();
            ProcessBuilder shb = new ProcessBuilder("/bin/sh", "-c", exe + " 600; true");
            shb.environment().put("VIGIL_MARK", "captured");
            Process sh = shb.start();
            try {
                waitFor(() -> liveOut.toString().contains("marker read") && liveOut.toString().contains("exec (exe="),
                        Duration.ofSeconds(20), () -> "live alerts so far:\n" + liveOut + "\nlog:\n" + liveErr);
                long mark = System.nanoTime();
                assertThat(new ProcessBuilder("true").start().waitFor()).isZero();
                waitFor(() -> capture.lastRecordMono() > mark || captureCode.isDone(), Duration.ofSeconds(20), captureErr::toString);
            } finally {
                cat.getOutputStream().close();
                sh.descendants().forEach(ProcessHandle::destroy);
                sh.destroy();
            }
            assertThat(cat.waitFor()).isZero();
            sh.waitFor();
            live.stop();
            capture.stop();
            assertThat(liveCode.get()).isZero();
            assertThat(captureCode.get()).as(captureErr.toString()).isZero();
        } finally {
            live.stop();
            capture.stop();
            pool.shutdownNow();
        }
        assertThat(captureErr.toString()).containsPattern("stopped after [0-9.]+ s: [0-9]+ records written to .*activity.vcap, [0-9]+ bytes, 0 dropped in kernel");
        assertThat(liveErr.toString()).contains("0 dropped in kernel");

        // the machine changes before the replay: the marker files are gone
        Files.delete(dir.resolve("vigil-capture-marker"));
        Files.delete(dir.resolve("vigil-capture-exe"));

        CliTest.Result replay = CliTest.run("replay", "--rules", rulesFile.toString(), file.toString());
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.err()).doesNotContain("warning").containsPattern("[0-9]+ records, 2 alerts");
        List<Map<String, Object>> liveAlerts = parse(liveOut.toString());
        List<Map<String, Object>> replayed = parse(replay.out());
        assertThat(liveAlerts).hasSize(2);
        assertThat(replayed).hasSize(2);
        assertThat(replayed.get(1).get("output")).asString().contains("exec (exe=" + dir.resolve("vigil-capture-exe") + " args=600 ancestor=sh writable=true env=captured host=");
        assertThat(replayed.get(0).get("output")).asString().contains("marker read (file=" + dir.resolve("vigil-capture-marker"),
                "program=cat", "parent=java", "user=root uid=0", "exe=/usr/bin/cat", "ancestors=");
        for (int i = 0; i < 2; i++) {
            assertThat(timeless(replayed.get(i))).as("alert %d", i).isEqualTo(timeless(liveAlerts.get(i)));
            Instant a = Instant.parse((String) replayed.get(i).get("time"));
            Instant b = Instant.parse((String) liveAlerts.get(i).get("time"));
            assertThat(Duration.between(a, b).abs()).as("recorded time vs live time of alert %d", i).isLessThan(Duration.ofMillis(1));
        }

        // the text form is the same alert line
        CliTest.Result text = CliTest.run("replay", "--text", "--rules", rulesFile.toString(), file.toString());
        assertThat(text.out().lines().sorted().toList())
                .isEqualTo(replayed.stream().map(m -> (String) m.get("output")).sorted().toList());
    }

    @Test
    void theCaptureCommandWritesAGzipFileThatReplays(@TempDir Path dir) throws Exception {
        Path rulesFile = Files.writeString(dir.resolve("rules.yaml"), RULES);
        Path file = dir.resolve("cli.vcap.gz");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            Future<Integer> code = pool.submit(() -> Main.execute(new String[] {"capture", "-w", file.toString(), "--duration", "4s",
                    "--rules", rulesFile.toString()}, new PrintWriter(out, true), new PrintWriter(err, true)));
            waitFor(() -> err.toString().contains("capturing") || code.isDone(), Duration.ofSeconds(20), err::toString);
            assertThat(code.isDone()).as("capture stopped early: %s", err).isFalse();
            Path marker = Files.writeString(dir.resolve("vigil-capture-marker"), "x");
            assertThat(new ProcessBuilder("cat", marker.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor()).isZero();
            assertThat(code.get()).as(err.toString()).isZero();
        } finally {
            pool.shutdownNow();
        }
        assertThat(err.toString()).contains("records written to " + file);
        byte[] head = Files.readAllBytes(file);
        assertThat(head[0] & 0xff).isEqualTo(0x1f);
        assertThat(head[1] & 0xff).isEqualTo(0x8b);
        CliTest.Result replay = CliTest.run("replay", "--text", "--rules", rulesFile.toString(), file.toString());
        assertThat(replay.code()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("Warning marker read (file=" + dir.resolve("vigil-capture-marker"));
    }

    @Test
    void replayReportsCutAndDamagedCaptureFiles(@TempDir Path dir) throws IOException {
        Path rulesFile = Files.writeString(dir.resolve("rules.yaml"), RULES);
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\n");
        Path file = dir.resolve("synthetic.vcap");
        long[] recordEnds = new long[2];
        try (SyscallState state = SyscallState.builder().scanProc(false).etcDir(etc).metadataSources(List.of()).build();
             CaptureWriter w = CaptureWriter.create(file, state, Map.of(), false)) {
            int pid = 4_100_301;
            RawRecord exec = new RawRecord();
            exec.setHeader(RawRecord.Kind.EXEC, System.nanoTime(), 1, 0, pid, pid, 1, 0, 0, Syscalls.number("execve"), "cat");
            exec.setExec("/usr/bin/cat", List.of("cat", "/tmp/vigil-capture-marker"), pid, 0, "", "", -1);
            RawRecord open = new RawRecord();
            open.setHeader(RawRecord.Kind.OPEN, System.nanoTime(), 1, 3, pid, pid, 1, 0, 0, Syscalls.number("openat"), "cat");
            open.setOpen("/tmp/vigil-capture-marker", 0, 0, -100);
            int i = 0;
            for (RawRecord r : List.of(exec, open)) {
                state.apply(r);
                w.append(r);
                w.flush();
                recordEnds[i++] = w.bytes();
            }
        }
        CliTest.Result whole = CliTest.run("replay", "--text", "--rules", rulesFile.toString(), file.toString());
        assertThat(whole.code()).isZero();
        assertThat(whole.out()).contains("Warning marker read (file=/tmp/vigil-capture-marker program=cat");

        byte[] bytes = Files.readAllBytes(file);
        Path cut = Files.write(dir.resolve("cut.vcap"), java.util.Arrays.copyOf(bytes, (int) recordEnds[1] - 3));
        CliTest.Result r = CliTest.run("replay", "--text", "--rules", rulesFile.toString(), cut.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).containsPattern("vigil: warning: " + java.util.regex.Pattern.quote(cut.toString())
                + ": truncated file: the OPEN record at byte offset [0-9]+ is cut short \\(the file ends at byte offset "
                + (recordEnds[1] - 3) + "\\); replay stops after 1 records").contains("vigil: 1 records, 0 alerts");

        byte[] v9 = bytes.clone();
        v9[8] = 9;
        Path future = Files.write(dir.resolve("v9.vcap"), v9);
        CliTest.Result bad = CliTest.run("replay", "--rules", rulesFile.toString(), future.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("vigil: " + future + ": unsupported capture format version 9 (this Vigil reads version 1) at byte offset 8");
    }
}
