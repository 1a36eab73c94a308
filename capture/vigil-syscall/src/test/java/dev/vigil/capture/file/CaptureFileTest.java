package dev.vigil.capture.file;

import static dev.vigil.capture.file.CaptureFiles.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.state.ContainerMetadata;
import dev.vigil.capture.state.ContainerMetadataSource;
import dev.vigil.capture.state.HostFact;
import dev.vigil.capture.state.ProcessInfo;
import dev.vigil.capture.state.ProcessSnapshot;
import dev.vigil.capture.state.StateSnapshot;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.capture.state.WallClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture files round-trip: every record kind, the state snapshot, the clock offsets, gzip. */
class CaptureFileTest {
    static final String CID = "2c4ab4b160998c13285b572c5ff0f202847745c931ca79ec43a9ffe72acbdb0e";

    @TempDir
    Path dir;

    @Test
    void everyRecordKindRoundTrips() throws IOException {
        List<String> expected = everyKind().stream().map(CaptureFiles::describe).toList();
        byte[] file = sample(dir, false);
        try (CaptureReader in = new CaptureReader("sample", new ByteArrayInputStream(file))) {
            assertThat(in.version()).isEqualTo(1);
            assertThat(in.properties()).containsEntry("test", "sample");
            assertThat(readAll(in)).containsExactlyElementsOf(expected);
            assertThat(in.records()).isEqualTo(expected.size());
            assertThat(in.warning()).isNull();
            assertThat(in.skippedEntries()).isZero();
            assertThat(in.offset()).isEqualTo(file.length);
        }
    }

    @Test
    void startsWithTheDocumentedHeader() throws IOException {
        byte[] file = sample(dir, false);
        assertThat(java.util.Arrays.copyOf(file, 12)).containsExactly(0x89, 'V', 'I', 'G', 'C', 'A', 'P', '\n', 1, 0, 0, 0);
        assertThat(file[12]).as("the first entry is INFO").isEqualTo((byte) 0x10);
        assertThat(java.util.Arrays.copyOfRange(file, file.length - 3, file.length)).as("the last entry is END, counting the records")
                .containsExactly(0x1F, 1, everyKind().size());
    }

    @Test
    void gzipWrapsTheWholeFile() throws IOException {
        byte[] plain = sample(dir, false);
        byte[] gz = sample(dir, true);
        assertThat(gz[0] & 0xff).isEqualTo(0x1f);
        assertThat(gz[1] & 0xff).isEqualTo(0x8b);
        assertThat(gz.length).isLessThan(plain.length);
        try (CaptureReader a = new CaptureReader("plain", new ByteArrayInputStream(plain));
             CaptureReader b = new CaptureReader("gz", new ByteArrayInputStream(gz))) {
            assertThat(readAll(b)).isEqualTo(readAll(a));
        }
        Path p = Files.write(dir.resolve("c.vcap.gz"), gz);
        Path q = Files.write(dir.resolve("c.vcap"), plain);
        Path json = Files.writeString(dir.resolve("e.jsonl"), "{\"source\":\"syscall\",\"fields\":{}}\n");
        assertThat(CaptureReader.isCaptureFile(p)).isTrue();
        assertThat(CaptureReader.isCaptureFile(q)).isTrue();
        assertThat(CaptureReader.isCaptureFile(json)).isFalse();
        assertThat(CaptureReader.isCaptureFile(Files.write(dir.resolve("empty"), new byte[0]))).isFalse();
    }

    @Test
    void theStateSnapshotRoundTrips() throws Exception {
        Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
        Files.writeString(dir.resolve("group"), "root:x:0:\nalice:x:1000:\n");
        ContainerMetadata meta = new ContainerMetadata("web", "docker.io/library/nginx:1.27", "sha256:aaaa", "docker.io/library/nginx",
                "1.27", null, true, List.of(new ContainerMetadata.Mount("/proc", "/host/proc", "ro", false, "rprivate")),
                1_700_000_000_000_000_000L, Map.of("io.kubernetes.pod.name", "web-0", "x", "é"))
                .withPod("9c".repeat(32), "10.244.3.4", Map.of("app", "web", "é", "ü"));
        ContainerMetadataSource source = new dev.vigil.capture.state.FixedMetadataSource(meta);
        int self = (int) ProcessHandle.current().pid();
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             SyscallState state = SyscallState.builder().scanProc(false).etcDir(dir).metadataSources(List.of(source))
                     .clock(new WallClock(() -> WALL0, () -> MONO0)).build()) {
            // this JVM, read from /proc: real environment, executable, open fds (a listening socket among them)
            RawRecord probe = header(RawRecord.Kind.GENERIC, MONO0 + 1, self, "java");
            probe.setHeader(RawRecord.Kind.GENERIC, MONO0 + 1, 1, -9, self, self, 1, 0, 0, Syscalls.number("close"), "java");
            probe.setArg(0, -1);
            state.apply(probe);
            // a container process, from records only
            RawRecord exec = header(RawRecord.Kind.EXEC, MONO0 + 2, P1, "nginx");
            exec.setExec("/usr/sbin/nginx", List.of("nginx", "-g", "daemon off;"), 1, 0, "libpod-" + CID + ".scope", "machine.slice", -1);
            state.apply(exec);
            RawRecord open = header(RawRecord.Kind.OPEN, MONO0 + 3, P1, "nginx");
            open.setHeader(RawRecord.Kind.OPEN, MONO0 + 3, 1, 7, P1, P1, 1, 101, 101, Syscalls.number("openat"), "nginx");
            open.setOpen("/var/log/nginx/access.log", 02000000 | 01 | 02000, 0, -100);
            state.apply(open);
            RawRecord connect = header(RawRecord.Kind.CONNECT, MONO0 + 4, P1, "nginx");
            connect.setHeader(RawRecord.Kind.CONNECT, MONO0 + 4, 1, 0, P1, P1, 1, 101, 101, Syscalls.number("connect"), "nginx");
            connect.setConnect(9, 10, 5432, java.util.HexFormat.of().parseHex("fd000000000000000000000000000002"), "");
            state.apply(connect);
            assertThat(state.process(P1).container().metadataFuture().get(10, TimeUnit.SECONDS)).isEqualTo(meta);

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            StateSnapshot expected;
            try (CaptureWriter w = new CaptureWriter(bytes, state, Map.of("k", "v"), false)) {
                expected = state.snapshot();
            }
            ProcessSnapshot jvm = expected.processes().stream().filter(p -> p.pid() == self).findFirst().orElseThrow();
            assertThat(jvm.envLoaded()).isTrue();
            assertThat(jvm.env()).anyMatch(e -> e.startsWith("PATH="));
            assertThat(jvm.exepath()).endsWith("/java");
            assertThat(jvm.fds()).anyMatch(f -> f.type().isIp() && f.listening() && f.serverPort() == listening.getLocalPort());
            assertThat(expected.containers()).singleElement().satisfies(c -> assertThat(c.metadata()).isEqualTo(meta));
            assertThat(expected.hostFacts()).extracting(HostFact::kind)
                    .contains(HostFact.Kind.USERS, HostFact.Kind.USERS_STAMP, HostFact.Kind.HOSTNAME, HostFact.Kind.SERVICES);

            try (CaptureReader in = new CaptureReader("state", new ByteArrayInputStream(bytes.toByteArray()))) {
                assertThat(in.snapshot()).isEqualTo(expected);
                assertThat(in.properties()).isEqualTo(Map.of("k", "v"));
                SyscallState restored = in.state();
                assertThat(restored.isRestored()).isTrue();
                assertThat(restored.processCount()).isEqualTo(state.processCount());
                ProcessInfo a = state.process(P1);
                ProcessInfo b = restored.process(P1);
                assertThat(b.cmdline()).isEqualTo(a.cmdline()).isEqualTo("nginx -g daemon off;");
                assertThat(b.container().id()).isEqualTo(CID.substring(0, 12));
                assertThat(b.container().metadata()).isEqualTo(meta);
                assertThat(b.container().mountsString()).isEqualTo(a.container().mountsString());
                assertThat(b.fd(7).name()).isEqualTo("/var/log/nginx/access.log");
                assertThat(b.fd(9).name()).isEqualTo(a.fd(9).name()).endsWith("fd00::2:5432");
                assertThat(restored.userName(b)).isEqualTo(state.userName(a));
                assertThat(restored.hostname()).isEqualTo(state.hostname());
                assertThat(restored.serviceName(22, "tcp")).isEqualTo(state.serviceName(22, "tcp"));
                ProcessInfo j = restored.process(self);
                assertThat(restored.env(j)).isEqualTo(state.env(state.process(self)));
                assertThat(j.exeIno()).isEqualTo(state.process(self).exeIno());
                assertThat(in.next(new RawRecord())).isFalse();
                assertThat(in.warning()).isNull();
            }
        }
    }

    @Test
    void recordedClockOffsetsAreReplayed() throws IOException {
        AtomicLong wall = new AtomicLong(WALL0);
        AtomicLong mono = new AtomicLong(MONO0);
        WallClock clock = new WallClock(wall::get, mono::get);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] live = new long[3];
        try (SyscallState state = SyscallState.builder().scanProc(false).etcDir(dir).metadataSources(List.of()).clock(clock).build();
             CaptureWriter w = new CaptureWriter(bytes, state, Map.of(), false)) {
            long[] times = {MONO0 + 1_000, MONO0 + 11_000_000_000L, MONO0 + 12_000_000_000L};
            for (int i = 0; i < 3; i++) {
                if (i == 1) {
                    // NTP stepped the wall clock by 0.25 s: the next sample moves the offset
                    mono.set(times[1]);
                    wall.set(WALL0 + (times[1] - MONO0) + 250_000_000L);
                }
                RawRecord r = header(RawRecord.Kind.EXIT, times[i], P1 + i, "x");
                r.setExit(0);
                state.apply(r);
                w.append(r);
                live[i] = clock.toWallNanos(times[i]);
            }
        }
        assertThat(live[1] - live[0]).isEqualTo(11_000_000_000L - 1_000 + 250_000_000L);
        try (CaptureReader in = new CaptureReader("clock", new ByteArrayInputStream(bytes.toByteArray()))) {
            RawRecord r = new RawRecord();
            for (int i = 0; i < 3; i++) {
                assertThat(in.next(r)).isTrue();
                assertThat(in.state().clock().toWallNanos(r.monotonicNanos())).as("record %d", i).isEqualTo(live[i]);
            }
        }
    }

    @Test
    void unknownEntryTypesAreSkipped() throws IOException {
        byte[] file = sample(dir, false);
        // insert an entry of a future type (0x7a, 3 bytes) just before the END entry
        byte[] patched = new byte[file.length + 5];
        int end = file.length - 3; // END: type 0x1f, length 1, count
        System.arraycopy(file, 0, patched, 0, end);
        System.arraycopy(new byte[] {0x7a, 3, 1, 2, 3}, 0, patched, end, 5);
        System.arraycopy(file, end, patched, end + 5, 3);
        try (CaptureReader in = new CaptureReader("future", new ByteArrayInputStream(patched))) {
            assertThat(readAll(in)).hasSize(everyKind().size());
            assertThat(in.skippedEntries()).isEqualTo(1);
        }
    }

    @Test
    void theWriterCountsRecordsAndBytes(@TempDir Path out) throws IOException {
        Path file = out.resolve("c.vcap");
        try (SyscallState state = syntheticState(dir); CaptureWriter w = CaptureWriter.create(file, state, Map.of(), false)) {
            for (RawRecord r : everyKind()) {
                state.apply(r);
                w.append(r);
            }
            assertThat(w.records()).isEqualTo(everyKind().size());
            w.close();
            assertThat(w.bytes()).isEqualTo(Files.size(file));
        }
    }
}
