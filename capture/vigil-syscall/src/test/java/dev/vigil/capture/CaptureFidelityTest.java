package dev.vigil.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.file.CaptureReader;
import dev.vigil.capture.file.CaptureWriter;
import dev.vigil.capture.state.SyscallState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state restored from a capture file answers every field as the recorded live state did, with
 * this machine changed in between (files rewritten and deleted): the replay reads nothing here.
 * The live side reads this JVM's real /proc entries, a real file's creation time and real passwd
 * files, so the answers the file must carry are real ones.
 */
class CaptureFidelityTest {
    static final int P1 = 4_100_201;
    static final List<String> FIELDS = List.of("evt.type", "evt.rawtime", "evt.hostname", "proc.name", "proc.pid", "proc.exepath",
            "proc.cmdline", "proc.pname", "proc.aname[2]", "proc.cwd", "proc.env", "proc.vpid", "proc.tty", "proc.sid", "proc.exe_ino",
            "proc.exe_ino.ctime", "proc.is_exe_upper_layer", "proc.is_exe_writable", "proc.stdin.name", "user.uid", "user.name",
            "user.homedir", "group.name", "user.loginuid", "user.loginname", "thread.cap_effective", "fd.num", "fd.type", "fd.name",
            "fd.sip", "fd.sport", "fd.sproto", "evt.is_open_create", "container.id", "container.name");

    @TempDir
    Path dir;

    private static RawRecord rec(RawRecord.Kind kind, long mono, int pid, int uid, String syscall, long ret, String comm) {
        RawRecord r = new RawRecord();
        r.setHeader(kind, mono, 1, ret, pid, pid, 1, uid, uid, syscall == null ? -1 : Syscalls.number(syscall), comm);
        return r;
    }

    private static Map<String, Object> fields(FieldView v) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String f : FIELDS) {
            m.put(f, v.get(f));
        }
        return m;
    }

    @Test
    void aRestoredStateAnswersAsTheLiveOneDid() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nalice:x:1000:\n");
        int self = (int) ProcessHandle.current().pid();
        String java = ProcessHandle.current().info().command().orElseThrow();
        long t = System.nanoTime();

        List<Map<String, Object>> live = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (SyscallState state = SyscallState.builder().scanProc(false).etcDir(etc).metadataSources(List.of()).build();
             CaptureWriter writer = new CaptureWriter(bytes, state, Map.of(), false)) {
            FieldView v = new FieldView(state);
            List<RawRecord> records = new ArrayList<>();
            RawRecord close = rec(RawRecord.Kind.GENERIC, t, self, 0, "close", -9, "java");
            close.setArg(0, -1);
            records.add(close);
            RawRecord exec = rec(RawRecord.Kind.EXEC, t + 1_000, self, 0, "execve", 0, "java");
            exec.setExec(java, List.of("java", "-version"), self, 0, "", "", -1);
            records.add(exec);
            Path created = dir.resolve("created.txt");
            RawRecord open = rec(RawRecord.Kind.OPEN, 0, self, 0, "openat", 42, "java");
            open.setOpen(created.toString(), 0100 | 01, 0644, -100);
            records.add(open);
            RawRecord connect = rec(RawRecord.Kind.CONNECT, t + 3_000, self, 0, "connect", -115, "java");
            connect.setConnect(999, 2, 443, new byte[] {10, 0, 0, 1}, "");
            records.add(connect);
            RawRecord setuid = rec(RawRecord.Kind.GENERIC, t + 4_000, self, 0, "setuid", 0, "java");
            setuid.setArg(0, 0);
            records.add(setuid);
            RawRecord child = rec(RawRecord.Kind.EXEC, t + 5_000, P1, 1000, "execve", 0, "sh");
            child.setHeader(RawRecord.Kind.EXEC, t + 5_000, 1, 0, P1, P1, self, 1000, 1000, Syscalls.number("execve"), "sh");
            child.setExec("/bin/sh", List.of("sh", "-c", "true"), P1, 0, "", "", 1000);
            records.add(child);
            RawRecord later = rec(RawRecord.Kind.GENERIC, t + 3_000_000_000L, P1, 1000, "close", 0, "sh");
            later.setArg(0, 3);
            records.add(later);
            RawRecord exit = rec(RawRecord.Kind.EXIT, t + 3_000_001_000L, P1, 1000, null, 0, "sh");
            exit.setExit(0);
            records.add(exit);

            for (RawRecord r : records) {
                if (r == open) {
                    Files.writeString(created, "new"); // created just before the open is applied, as the kernel would
                    r.setHeader(RawRecord.Kind.OPEN, System.nanoTime(), 1, 42, self, self, 1, 0, 0, Syscalls.number("openat"), "java");
                }
                if (r == later) {
                    // the host's users change between two checks: the live state reloads them
                    Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alicia:/home/alicia:/bin/bash\n"
                            .replace("alice:", "alicia:"));
                }
                v.apply(r);
                writer.append(r);
                live.add(fields(v));
            }
        }

        // what the live state saw, as a sanity check of the test itself
        assertThat(live.get(1)).containsEntry("proc.exepath", Path.of(java).toRealPath().toString()).containsEntry("user.name", "root");
        assertThat(live.get(1).get("proc.env")).asString().contains("PATH=");
        assertThat(live.get(2)).containsEntry("evt.is_open_create", true).containsEntry("fd.name", dir.resolve("created.txt").toString());
        assertThat(live.get(3)).containsEntry("fd.sproto", "https");
        assertThat(live.get(4).get("thread.cap_effective")).asString().contains("CAP_SYS_ADMIN");
        assertThat(live.get(5)).containsEntry("user.name", "alice").containsEntry("proc.pname", "java");
        assertThat(live.get(6)).containsEntry("user.name", "alicia").containsEntry("user.homedir", "/home/alicia");

        // this machine changes before the replay: nothing of it may show
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nmallory:x:1000:1000::/tmp:/bin/sh\n");
        Files.delete(dir.resolve("created.txt"));

        List<Map<String, Object>> replayed = new ArrayList<>();
        try (CaptureReader in = new CaptureReader("fidelity", new ByteArrayInputStream(bytes.toByteArray()))) {
            FieldView v = new FieldView(in.state());
            RawRecord r = new RawRecord();
            while (in.next(r)) {
                v.apply(r);
                replayed.add(fields(v));
            }
            assertThat(in.warning()).isNull();
        }
        assertThat(replayed).hasSameSizeAs(live);
        for (int i = 0; i < live.size(); i++) {
            assertThat(replayed.get(i)).as("record %d", i).isEqualTo(live.get(i));
        }
    }
}
