package dev.vigil.k8saudit.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.store.AuditStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives {@link AuditLogFollower#pollOnce()} by hand: no timers, no sleeps. */
class AuditLogFollowerTest {
    @TempDir
    Path tmp;

    final List<String> seen = new ArrayList<>();
    final List<String> malformed = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    final AuditLogFollower.Reporter reporter = new AuditLogFollower.Reporter() {
        @Override
        public void malformed(String file, long line, String message) {
            malformed.add(file + ":" + line + ": " + message);
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }
    };

    static String line(int n) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"id-" + n
                + "\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/default/pods/p" + n
                + "\",\"verb\":\"get\",\"user\":{\"username\":\"u\"},\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"default\",\"name\":\"p" + n
                + "\"},\"responseStatus\":{\"code\":200},\"requestReceivedTimestamp\":\"2024-01-01T00:00:00.000000Z\","
                + "\"stageTimestamp\":\"2024-01-01T00:00:" + String.format("%02d", n % 60) + "." + String.format("%06d", n) + "Z\"}\n";
    }

    static String lines(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append(line(i));
        }
        return b.toString();
    }

    static void append(Path f, String text) throws IOException {
        Files.writeString(f, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static List<String> ids(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "id-" + i).toList();
    }

    AuditLogFollower follower(Path log, int chunk) {
        return new AuditLogFollower(log, tmp.resolve("follow.checkpoint"), evs -> evs.forEach(e -> seen.add(e.auditId())), reporter, chunk);
    }

    Path logDir() throws IOException {
        return Files.createDirectories(tmp.resolve("log"));
    }

    @Test
    void rotationWhileWritingWithPartialLineStoresEveryEventOnceInOrder() throws Exception {
        Path log = logDir().resolve("audit.log");
        append(log, lines(1, 3));
        try (AuditLogFollower f = follower(log, 300)) {
            assertThat(f.pollOnce()).isEqualTo(3);
            String l4 = line(4);
            append(log, lines(4, 5).substring(0, 0) + l4.substring(0, 40)); // half a line
            assertThat(f.pollOnce()).isZero();
            assertThat(seen).isEqualTo(ids(1, 3));
            append(log, l4.substring(40) + line(5) + line(6).substring(0, 25));
            // the rest of the half line arrives, then kube-apiserver finishes line 6 and rotates by rename
            append(log, line(6).substring(25));
            Files.move(log, log.resolveSibling("audit-2024-01-01T00-00-10.000.log"));
            append(log, lines(7, 8));
            assertThat(f.pollOnce()).isEqualTo(5);
            assertThat(f.currentFile()).isEqualTo("audit.log");
            // two rotations between polls, one with the new file still empty
            append(log, lines(9, 10));
            Files.move(log, log.resolveSibling("audit-2024-01-01T00-00-20.000.log"));
            append(log, lines(11, 12));
            Files.move(log, log.resolveSibling("audit-2024-01-01T00-00-30.000.log"));
            Files.createFile(log);
            assertThat(f.pollOnce()).isEqualTo(4);
            append(log, line(13).substring(0, 10));
            assertThat(f.pollOnce()).isZero();
            append(log, line(13).substring(10));
            assertThat(f.pollOnce()).isEqualTo(1);
        }
        assertThat(seen).isEqualTo(ids(1, 13));
        assertThat(malformed).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void restartFromCheckpointAfterCrashLosesNothingAndStoreDropsTheReplayedBatch() throws Exception {
        Path log = logDir().resolve("audit.log");
        append(log, lines(1, 20));
        Path storeDir = tmp.resolve("store");
        Path cp = tmp.resolve("follow.checkpoint");
        try (AuditStore store = AuditStore.open(storeDir)) {
            int[] batches = {0};
            AuditLogFollower.Sink crashing = evs -> {
                store.appendAll(evs);
                if (++batches[0] == 3) {
                    throw new IOException("simulated crash after the store appended, before the checkpoint");
                }
            };
            AuditLogFollower f = new AuditLogFollower(log, cp, crashing, reporter, line(1).length() * 4);
            assertThatThrownBy(f::pollOnce).hasMessageContaining("simulated crash");
            f.close();
            long appended = store.lastSeq();
            assertThat(appended).isGreaterThan(8);
            assertThat(FollowCheckpoint.read(cp).offset()).isEqualTo(lines(1, 8).length()); // before the unacknowledged batch
            assertThat(FollowCheckpoint.read(cp).line()).isEqualTo(8);
            // the writer goes on and rotates while we are down
            append(log, lines(21, 25));
            Files.move(log, log.resolveSibling("audit-2024-01-01T00-01-00.000.log"));
            append(log, lines(26, 30));

            List<String> replayed = new ArrayList<>();
            AuditLogFollower g = new AuditLogFollower(log, cp, evs -> {
                evs.forEach(e -> replayed.add(e.auditId()));
                store.appendAll(evs);
            }, reporter, 1 << 16);
            assertThat(g.pollOnce()).isEqualTo(22);
            g.close();
            assertThat(replayed).isEqualTo(ids(9, 30)); // duplicates only within the last unacknowledged batch (9..appended)
            assertThat(store.lastSeq()).isEqualTo(30); // the store dropped them
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void gzBackupsAreCaughtUpInNameOrderThenTheLiveFile() throws Exception {
        Path d = logDir();
        gz(d.resolve("audit-2024-01-01T00-00-20.000.log.gz"), lines(4, 6));
        gz(d.resolve("audit-2024-01-01T00-00-10.000.log.gz"), lines(1, 3));
        append(d.resolve("audit-2024-01-01T00-00-30.000.log"), lines(7, 8));
        append(d.resolve("audit.log"), lines(9, 10));
        append(d.resolve("unrelated.log"), lines(100, 101));
        try (AuditLogFollower f = follower(d.resolve("audit.log"), 1 << 16)) {
            assertThat(f.pollOnce()).isEqualTo(10);
        }
        assertThat(seen).isEqualTo(ids(1, 10));
    }

    @Test
    void aBackupCompressedAfterACheckpointIsRecognisedByContent() throws Exception {
        Path d = logDir();
        Path log = d.resolve("audit.log");
        append(log, lines(1, 4));
        try (AuditLogFollower f = follower(log, 1 << 16)) {
            f.pollOnce();
        }
        append(log, lines(5, 6));
        // rotated and compressed by kube-apiserver (--audit-log-compress) while Vigil was down
        gz(d.resolve("audit-2024-01-01T00-00-10.000.log.gz"), Files.readString(log));
        Files.delete(log);
        append(log, lines(7, 8));
        try (AuditLogFollower f = follower(log, 1 << 16)) {
            assertThat(f.pollOnce()).isEqualTo(4);
        }
        assertThat(seen).isEqualTo(ids(1, 8));
        assertThat(warnings).isEmpty();
    }

    @Test
    void copyTruncateIsDetectedAndTheFileReadFromZeroWithAWarning() throws Exception {
        Path log = logDir().resolve("audit.log");
        append(log, lines(1, 5));
        try (AuditLogFollower f = follower(log, 1 << 16)) {
            assertThat(f.pollOnce()).isEqualTo(5);
            // logrotate copytruncate: copy aside, truncate in place, the writer goes on from 0
            Files.writeString(log.resolveSibling("audit.log.1"), Files.readString(log));
            try (var ch = java.nio.channels.FileChannel.open(log, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            append(log, lines(6, 7));
            assertThat(f.pollOnce()).isEqualTo(2);
            assertThat(warnings).hasSize(1);
            assertThat(warnings.getFirst()).contains("audit.log was truncated or rewritten in place");
            // replaced in place with the file already longer than the offset: first bytes changed
            Files.writeString(log, lines(20, 25));
            assertThat(f.pollOnce()).isEqualTo(6);
            assertThat(warnings).hasSize(2);
        }
        assertThat(seen).isEqualTo(concat(ids(1, 7), ids(20, 25)));
    }

    @Test
    void malformedLinesAreReportedWithFileAndLineAndSkipped() throws Exception {
        Path log = logDir().resolve("audit.log");
        append(log, line(1) + "{not json\n" + line(2));
        append(log, "{\"kind\":\"Event\"}\n" + line(3) + line(4).substring(0, 30));
        try (AuditLogFollower f = follower(log, 1 << 16)) {
            assertThat(f.pollOnce()).isEqualTo(3);
            Files.move(log, log.resolveSibling("audit-2024-01-01T00-00-10.000.log"));
            append(log, line(5));
            assertThat(f.pollOnce()).isEqualTo(1);
            assertThat(f.malformed()).isEqualTo(3);
        }
        assertThat(seen).isEqualTo(List.of("id-1", "id-2", "id-3", "id-5"));
        assertThat(malformed).hasSize(3);
        assertThat(malformed.get(0)).startsWith("audit.log:2: malformed JSON");
        assertThat(malformed.get(1)).startsWith("audit.log:4: ");
        assertThat(malformed.get(2)).startsWith("audit-2024-01-01T00-00-10.000.log:6: ").contains("without a newline");
    }

    @Test
    void aGzStillBeingWrittenNextToItsOriginalIsIgnoredAndAFinishedGzAloneIsNotSpunOn() throws Exception {
        Path d = logDir();
        append(d.resolve("audit-2024-01-01T00-00-10.000.log"), lines(1, 2));
        Files.write(d.resolve("audit-2024-01-01T00-00-10.000.log.gz"), new byte[] {0x1f, (byte) 0x8b}); // compression under way
        gz(d.resolve("audit-2024-01-01T00-00-05.000.log.gz"), lines(100, 100));
        try (AuditLogFollower f = follower(d.resolve("audit.log"), 1 << 16)) {
            assertThat(f.pollOnce()).isEqualTo(3); // no live file yet
            assertThat(f.pollOnce()).isZero();
            append(d.resolve("audit.log"), lines(3, 3));
            assertThat(f.pollOnce()).isEqualTo(1);
        }
        assertThat(seen).containsExactly("id-100", "id-1", "id-2", "id-3");
        assertThat(malformed).isEmpty();
    }

    @Test
    void startPollsOnTheExecutorUntilStopped() throws Exception {
        Path log = logDir().resolve("audit.log");
        append(log, lines(1, 3));
        java.util.concurrent.CountDownLatch got = new java.util.concurrent.CountDownLatch(3);
        var ex = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (AuditLogFollower f = new AuditLogFollower(log, tmp.resolve("cp"), evs -> evs.forEach(e -> got.countDown()), reporter)) {
            f.start(ex, java.time.Duration.ofMillis(10));
            assertThat(got.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            f.stop();
            f.awaitStopped();
            assertThat(f.events()).isEqualTo(3);
        } finally {
            ex.shutdownNow();
        }
        assertThat(FollowCheckpoint.read(tmp.resolve("cp")).line()).isEqualTo(3);
    }

    @Test
    void checkpointIsWrittenAtomicallyAndRoundTrips() throws Exception {
        Path cp = tmp.resolve("c");
        new FollowCheckpoint(1, 2, 3, "ab", "audit=x.log", 4, 5).write(cp);
        assertThat(FollowCheckpoint.read(cp)).isEqualTo(new FollowCheckpoint(1, 2, 3, "ab", "audit=x.log", 4, 5));
        assertThat(tmp.resolve("c.tmp")).doesNotExist();
        assertThat(FollowCheckpoint.read(tmp.resolve("none"))).isNull();
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static void gz(Path p, String text) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @SuppressWarnings("unused")
    private static List<AuditEvent> none() {
        return List.of();
    }
}
