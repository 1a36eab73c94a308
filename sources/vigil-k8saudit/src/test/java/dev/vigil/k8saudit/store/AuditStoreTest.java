package dev.vigil.k8saudit.store;

import static dev.vigil.k8saudit.store.StoreTestSupport.event;
import static dev.vigil.k8saudit.store.StoreTestSupport.events;
import static dev.vigil.k8saudit.store.StoreTestSupport.segment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.protect.AuditProtector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditStoreTest {
    @TempDir
    Path dir;

    StoreVerifier.Report verify() throws Exception {
        return StoreVerifier.verify(dir, StoreKeys.readPublic(dir.resolve(StoreKeys.PUBLIC_FILE)));
    }

    @Test
    void roundTripKeepsEventsInOrderWithAHashChain() throws Exception {
        try (AuditStore s = AuditStore.open(dir)) {
            List<AuditStore.Outcome> o = s.appendAll(events(1, 5));
            assertThat(o).extracting(AuditStore.Outcome::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(s.append(event(6)).seq()).isEqualTo(6);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(StoreKeys.PRIVATE_FILE)))).isEqualTo("rw-------");
        StoreFormat.Segment seg = StoreFormat.read(segment(dir, 1));
        assertThat(seg.records()).hasSize(6);
        byte[] prev = new byte[32];
        for (int i = 0; i < 6; i++) {
            StoreFormat.Rec r = seg.records().get(i);
            assertThat(r.seq()).isEqualTo(i + 1);
            assertThat(r.prev()).isEqualTo(prev);
            assertThat(r.hashOk()).isTrue();
            assertThat(AuditEventParser.parse(new String(r.body(), StandardCharsets.UTF_8)).getFirst().auditId()).isEqualTo("id-" + (i + 1));
            prev = r.hash();
        }
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.recoveries()).isEmpty();
            assertThat(s.append(event(7)).seq()).isEqualTo(7);
        }
        StoreVerifier.Report r = verify();
        assertThat(r.problem()).isNull();
        assertThat(r.records()).isEqualTo(7);
    }

    @Test
    void groupCommitForcesOncePerBatch() throws Exception {
        try (AuditStore s = AuditStore.open(dir)) {
            long before = s.forces();
            s.appendAll(events(1, 50));
            assertThat(s.forces() - before).isEqualTo(1);
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                int base = 100 + t * 100;
                ts[t] = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 20; i++) {
                            s.append(event(base + i));
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(s.lastSeq()).isEqualTo(130);
            assertThat(s.forces() - before).isBetween(2L, 81L);
        }
        assertThat(verify().intact()).isTrue();
    }

    @Test
    void resentEventsAreStoredOnceAlsoAfterReopen() throws Exception {
        AuditEvent a = event("same", "ResponseComplete", 1);
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.append(a).duplicate()).isFalse();
            assertThat(s.append(a).duplicate()).isTrue();
            assertThat(s.append(event("same", "RequestReceived", 1)).duplicate()).isFalse();
            List<AuditStore.Outcome> batch = s.appendAll(List.of(event(2), event(2)));
            assertThat(batch).extracting(AuditStore.Outcome::duplicate).containsExactly(false, true);
        }
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.append(a).duplicate()).isTrue();
            assertThat(s.append(event(2)).seq()).isEqualTo(-1);
            assertThat(s.lastSeq()).isEqualTo(3);
        }
    }

    @Test
    void sameKeyWithOtherContentIsNotADuplicate() throws Exception {
        AuditEvent a = event("k", "ResponseComplete", 1);
        String other = a.json().replace("\"username\":\"u\"", "\"username\":\"someone-else\"");
        try (AuditStore s = AuditStore.open(dir)) {
            s.append(a);
            assertThat(s.append(AuditEventParser.parse(other).getFirst()).duplicate()).isFalse();
            assertThat(s.lastSeq()).isEqualTo(2);
            // a webhook batch re-sent with both versions: both are remembered, nothing is stored again
            assertThat(s.appendAll(List.of(a, AuditEventParser.parse(other).getFirst()))).extracting(AuditStore.Outcome::duplicate)
                    .containsExactly(true, true);
            assertThat(s.lastSeq()).isEqualTo(2);
        }
        try (AuditStore s = AuditStore.open(dir)) { // the rebuilt index remembers both too
            assertThat(s.append(a).duplicate()).isTrue();
            assertThat(s.append(AuditEventParser.parse(other).getFirst()).duplicate()).isTrue();
        }
    }

    @Test
    void dedupIndexIsBounded() throws Exception {
        try (AuditStore s = AuditStore.open(dir, StoreOptions.defaults().withDedupCapacity(2), new AuditProtector())) {
            s.appendAll(events(1, 3));
            assertThat(s.append(event(3)).duplicate()).isTrue();
            assertThat(s.append(event(1)).duplicate()).isFalse();
        }
    }

    @Test
    void storedEventsAreProtected() throws Exception {
        AuditEvent secret = AuditEventParser.parse("{\"kind\":\"Event\",\"level\":\"RequestResponse\",\"auditID\":\"s\",\"stage\":\"ResponseComplete\","
                + "\"requestURI\":\"/api/v1/namespaces/d/secrets?access_token=abc\",\"verb\":\"create\",\"objectRef\":{\"resource\":\"secrets\"},"
                + "\"requestObject\":{\"data\":{\"k\":\"SECRETVALUE\"}},\"stageTimestamp\":\"2024-01-01T00:00:00Z\"}").getFirst();
        try (AuditStore s = AuditStore.open(dir)) {
            AuditStore.Outcome o = s.append(secret);
            assertThat(o.protection().changed()).isTrue();
        }
        String body = new String(StoreFormat.read(segment(dir, 1)).records().getFirst().body(), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain("SECRETVALUE", "abc").contains("\"level\":\"Metadata\"", "access_token=REDACTED");
    }

    /** Parses a request body the way the webhook does (byte mode, each event keeping its text). */
    static List<AuditEvent> received(byte[] body) throws Exception {
        AuditEventParser.Collector c = new AuditEventParser.Collector();
        new AuditEventParser().read(body, c);
        assertThat(c.problems()).isEmpty();
        return c.events();
    }

    @Test
    void unmodifiedEventsAreStoredByteIdenticalToTheirReceivedTextProtectedOnesRewritten() throws Exception {
        // as a Go encoder writes them (<, > and & escaped), with some whitespace besides: nothing is re-serialised
        String plain = "{\"kind\":\"Event\",\"level\":\"RequestResponse\",\"auditID\":\"p\",\"stage\":\"ResponseComplete\", "
                + "\"requestURI\":\"/api/v1/namespaces/d/configmaps?labelSelector=a\\u0026b\",\"verb\":\"create\",\"objectRef\":{\"resource\":\"configmaps\"},"
                + "\"requestObject\":{\"data\":{\"k\":\"\\u003cv\\u003e\"}},\"n\":1.50,\"stageTimestamp\":\"2024-01-01T00:00:00Z\"}";
        String secret = "{\"kind\":\"Event\",\"level\":\"RequestResponse\",\"auditID\":\"s\",\"stage\":\"ResponseComplete\",\n"
                + "  \"requestURI\":\"/api/v1/namespaces/d/secrets\",\"verb\":\"create\",\"objectRef\":{\"resource\":\"secrets\"},"
                + "\"requestObject\":{\"data\":{\"k\":\"SECRETVALUE\"}},\"responseObject\":{\"data\":{\"k\":\"SECRETVALUE\"}},"
                + "\"stageTimestamp\":\"2024-01-01T00:00:01Z\"}";
        String token = "{\"kind\":\"Event\",\"level\":\"Metadata\",\"auditID\":\"t\",\"stage\":\"ResponseComplete\","
                + "\"requestURI\":\"/api/v1/pods?watch=1&access_token=abc\",\"verb\":\"watch\",\"stageTimestamp\":\"2024-01-01T00:00:02Z\"}";
        byte[] body = ("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[" + plain + ",\n " + secret + "," + token + "]}")
                .getBytes(StandardCharsets.UTF_8);
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.appendAll(received(body))).extracting(o -> o.protection().changed()).containsExactly(false, true, true);
        }
        List<StoreFormat.Rec> recs = StoreFormat.read(segment(dir, 1)).records();
        assertThat(recs).hasSize(3);
        assertThat(recs.get(0).body()).isEqualTo(plain.getBytes(StandardCharsets.UTF_8));
        String stored = new String(recs.get(1).body(), StandardCharsets.UTF_8);
        assertThat(stored).isEqualTo("{\"kind\":\"Event\",\"level\":\"Metadata\",\"auditID\":\"s\",\"stage\":\"ResponseComplete\","
                + "\"requestURI\":\"/api/v1/namespaces/d/secrets\",\"verb\":\"create\",\"objectRef\":{\"resource\":\"secrets\"},"
                + "\"stageTimestamp\":\"2024-01-01T00:00:01Z\"}");
        assertThat(new String(recs.get(2).body(), StandardCharsets.UTF_8)).contains("access_token=REDACTED").doesNotContain("abc");
        assertThat(verify().intact()).isTrue();

        // the batch re-sent, into the running store and after a reopen (index rebuilt from the stored bytes): stored once
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.appendAll(received(body))).extracting(AuditStore.Outcome::duplicate).containsExactly(true, true, true);
            assertThat(s.appendAll(received(body))).extracting(AuditStore.Outcome::duplicate).containsExactly(true, true, true);
            // the same event written otherwise (parsed from its compact form) is other content: stored
            assertThat(s.append(AuditEventParser.parse(received(body).getFirst().json()).getFirst()).duplicate()).isFalse();
        }
        assertThat(verify().records()).isEqualTo(4);
    }

    @Test
    void tornTailIsTruncatedAndReportedOnReopen() throws Exception {
        try (AuditStore s = AuditStore.open(dir)) {
            s.appendAll(events(1, 3));
        }
        Path seg = segment(dir, 1);
        long good = Files.size(seg);
        byte[] rec = StoreFormat.record(4, "{\"x\":1}".getBytes(StandardCharsets.UTF_8), new byte[32], new byte[32]);
        Files.write(seg, Arrays.copyOf(rec, 20), StandardOpenOption.APPEND);
        assertThat(verify().problem().message()).contains("torn write");
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.recoveries()).singleElement().asString().contains("segment-000000000001.vas", "torn tail of 20 bytes at byte offset " + good,
                    "after seq 3");
            assertThat(Files.size(seg)).isEqualTo(good);
            assertThat(s.append(event(4)).seq()).isEqualTo(4);
        }
        assertThat(verify().intact()).isTrue();
    }

    @Test
    void zeroFilledTailIsTornToo() throws Exception {
        try (AuditStore s = AuditStore.open(dir)) {
            s.appendAll(events(1, 2));
        }
        Path seg = segment(dir, 1);
        long good = Files.size(seg);
        Files.write(seg, new byte[4096], StandardOpenOption.APPEND);
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.recoveries()).singleElement().asString().contains("torn tail of 4096 bytes at byte offset " + good);
            assertThat(s.append(event(3)).seq()).isEqualTo(3);
        }
        assertThat(verify().intact()).isTrue();
    }

    @Test
    void damageBeforeTheLastRecordIsNotTruncatedAway() throws Exception {
        try (AuditStore s = AuditStore.open(dir)) {
            s.appendAll(events(1, 3));
        }
        Path seg = segment(dir, 1);
        StoreFormat.Rec first = StoreFormat.read(seg).records().getFirst();
        byte[] b = Files.readAllBytes(seg);
        b[(int) first.offset() + 20] ^= 1;
        Files.write(seg, b);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuditStore.open(dir)).hasMessageContaining("record seq 1")
                .hasMessageContaining("vigil audit verify");
        assertThat(Files.readAllBytes(seg)).isEqualTo(b);
    }

    @Test
    void completeButWrongLastRecordIsTornToo() throws Exception {
        try (AuditStore s = AuditStore.open(dir)) {
            s.appendAll(events(1, 3));
        }
        Path seg = segment(dir, 1);
        StoreFormat.Rec last = StoreFormat.read(seg).records().getLast();
        byte[] b = Files.readAllBytes(seg);
        b[(int) last.offset() + 20] ^= 1;
        Files.write(seg, b);
        try (AuditStore s = AuditStore.open(dir)) {
            assertThat(s.recoveries()).singleElement().asString().contains("at byte offset " + last.offset(), "after seq 2");
            assertThat(s.lastSeq()).isEqualTo(2);
        }
    }

    @Test
    void rotationSealsSegmentsWithSignedCheckpoints() throws Exception {
        long recSize = StoreFormat.RECORD_FIXED + event(1).json().length();
        StoreOptions o = StoreOptions.defaults().withMaxSegmentBytes(StoreFormat.HEADER + 3 * recSize + 2);
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            s.appendAll(events(1, 7));
        }
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(1L, 2L, 3L);
        StoreFormat.Segment one = StoreFormat.read(segment(dir, 1));
        assertThat(one.records()).hasSize(3);
        assertThat(one.checkpoint().lastSeq()).isEqualTo(3);
        assertThat(one.checkpoint().segmentCount()).isEqualTo(1);
        assertThat(StoreFormat.read(segment(dir, 3)).checkpoint()).isNull();
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            s.rotate();
            assertThat(s.append(event(8)).seq()).isEqualTo(8);
        }
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(1L, 2L, 3L, 4L);
        StoreVerifier.Report r = verify();
        assertThat(r.problem()).isNull();
        assertThat(r.segments()).isEqualTo(4);
        assertThat(r.records()).isEqualTo(8);
    }

    @Test
    void retentionByCountKeepsASignedGenesisPointer() throws Exception {
        long recSize = StoreFormat.RECORD_FIXED + event(1).json().length();
        StoreOptions o = StoreOptions.defaults().withMaxSegmentBytes(StoreFormat.HEADER + 2 * recSize + 10).withMaxSegments(2);
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            s.appendAll(events(1, 11));
        }
        // 2 records a segment: 1..5 sealed, 6 live; keep 2 sealed
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(4L, 5L, 6L);
        StoreFormat.Genesis g = StoreFormat.readGenesis(dir.resolve(StoreFormat.GENESIS_FILE));
        assertThat(g.segmentIndex()).isEqualTo(4);
        assertThat(g.firstSeq()).isEqualTo(7);
        StoreVerifier.Report r = verify();
        assertThat(r.problem()).isNull();
        assertThat(r.firstSeq()).isEqualTo(7);
        assertThat(r.lastSeq()).isEqualTo(11);
    }

    @Test
    void interruptedRetentionIsFinishedOnOpen() throws Exception {
        StoreOptions o = StoreOptions.defaults();
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            s.appendAll(events(1, 2));
            s.rotate();
            s.appendAll(events(3, 4));
        }
        byte[] seg1 = Files.readAllBytes(segment(dir, 1));
        try (AuditStore s = AuditStore.open(dir, o.withMaxSegments(1), new AuditProtector())) {
            s.rotate();
        }
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(2L, 3L);
        Files.write(segment(dir, 1), seg1); // as if the crash came between GENESIS and the delete
        assertThat(verify().problem().message()).contains("precedes the genesis pointer");
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            assertThat(s.recoveries()).singleElement().asString().contains("segment-000000000001.vas", "interrupted retention");
        }
        assertThat(verify().problem()).isNull();
    }

    @Test
    void retentionByAge() throws Exception {
        StoreTestSupport.ManualClock clock = new StoreTestSupport.ManualClock();
        StoreOptions o = StoreOptions.defaults().withMaxAge(Duration.ofDays(30)).withClock(clock);
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            s.appendAll(events(1, 2));
            s.rotate();
            clock.millis += Duration.ofDays(20).toMillis();
            s.appendAll(events(3, 4));
            s.rotate();
            clock.millis += Duration.ofDays(11).toMillis();
            s.append(event(5));
            s.rotate();
        }
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(2L, 3L, 4L);
        assertThat(verify().firstSeq()).isEqualTo(3);
        clock.millis += Duration.ofDays(40).toMillis();
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            assertThat(s.lastSeq()).isEqualTo(5);
        }
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(4L);
        StoreVerifier.Report r = verify();
        assertThat(r.problem()).isNull();
        assertThat(r.records()).isZero();
    }
}
