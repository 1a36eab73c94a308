package dev.vigil.k8saudit.store;

import static dev.vigil.k8saudit.store.StoreTestSupport.event;
import static dev.vigil.k8saudit.store.StoreTestSupport.events;
import static dev.vigil.k8saudit.store.StoreTestSupport.segment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.k8saudit.protect.AuditProtector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of tampering is found, at the right position. Store: segments 1 (seq 1-4) and 2 (5-8) sealed, 3 (9-10) live. */
class StoreVerifyTest {
    @TempDir
    Path dir;
    Path seg1;
    StoreFormat.Segment one;

    @BeforeEach
    void build() throws Exception {
        long recSize = StoreFormat.RECORD_FIXED + event(1).json().length();
        StoreOptions o = StoreOptions.defaults().withMaxSegmentBytes(StoreFormat.HEADER + 4 * recSize + 20);
        try (AuditStore s = AuditStore.open(dir, o, new AuditProtector())) {
            s.appendAll(events(1, 10));
        }
        assertThat(StoreFormat.segments(dir).keySet()).containsExactly(1L, 2L, 3L);
        seg1 = segment(dir, 1);
        one = StoreFormat.read(seg1);
        assertThat(one.records()).hasSize(4);
        assertThat(verify().problem()).isNull();
    }

    StoreVerifier.Report verify() throws Exception {
        return StoreVerifier.verify(dir, StoreKeys.readPublic(dir.resolve(StoreKeys.PUBLIC_FILE)));
    }

    StoreVerifier.Problem problem() throws Exception {
        StoreVerifier.Report r = verify();
        assertThat(r.intact()).isFalse();
        return r.problem();
    }

    byte[] bytes(StoreFormat.Rec r) throws Exception {
        byte[] b = Files.readAllBytes(seg1);
        return Arrays.copyOfRange(b, (int) r.offset(), (int) r.offset() + r.length());
    }

    void rewrite(byte[]... parts) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        Files.write(seg1, out.toByteArray());
    }

    byte[] range(long from, long to) throws Exception {
        return Arrays.copyOfRange(Files.readAllBytes(seg1), (int) from, (int) to);
    }

    StoreFormat.Rec rec(int seq) {
        return one.records().get(seq - 1);
    }

    @Test
    void flippedBodyByte() throws Exception {
        byte[] b = Files.readAllBytes(seg1);
        b[(int) rec(2).offset() + 13 + 5] ^= 0x20;
        Files.write(seg1, b);
        StoreVerifier.Problem p = problem();
        assertThat(p.file()).isEqualTo("segment-000000000001.vas");
        assertThat(p.seq()).isEqualTo(2);
        assertThat(p.offset()).isEqualTo(rec(2).offset());
        assertThat(p.message()).contains("modified");
        assertThat(verify().records()).isEqualTo(1);
    }

    @Test
    void deletedRecord() throws Exception {
        rewrite(range(0, rec(2).offset()), range(rec(3).offset(), Files.size(seg1)));
        StoreVerifier.Problem p = problem();
        assertThat(p.seq()).isEqualTo(2);
        assertThat(p.offset()).isEqualTo(rec(2).offset());
        assertThat(p.message()).contains("found seq 3 where seq 2 belongs", "deleted");
    }

    @Test
    void swappedRecords() throws Exception {
        rewrite(range(0, rec(2).offset()), bytes(rec(3)), bytes(rec(2)), range(rec(4).offset(), Files.size(seg1)));
        StoreVerifier.Problem p = problem();
        assertThat(p.seq()).isEqualTo(2);
        assertThat(p.offset()).isEqualTo(rec(2).offset());
        assertThat(p.message()).contains("found seq 3 where seq 2 belongs", "reordered");
    }

    @Test
    void insertedRecord() throws Exception {
        rewrite(range(0, rec(4).offset()), bytes(rec(1)), range(rec(4).offset(), Files.size(seg1)));
        StoreVerifier.Problem p = problem();
        assertThat(p.seq()).isEqualTo(4);
        assertThat(p.offset()).isEqualTo(rec(4).offset());
        assertThat(p.message()).contains("found seq 1 where seq 4 belongs", "inserted");
    }

    @Test
    void forgedRecordWithValidHashBreaksTheNextLink() throws Exception {
        byte[] body = "{\"kind\":\"Event\",\"auditID\":\"forged\"}".getBytes();
        byte[] h = StoreFormat.hash(2, rec(1).hash(), body);
        rewrite(range(0, rec(2).offset()), StoreFormat.record(2, body, rec(1).hash(), h), range(rec(3).offset(), Files.size(seg1)));
        StoreVerifier.Problem p = problem();
        assertThat(p.seq()).isEqualTo(3);
        assertThat(p.message()).contains("previous-record hash");
    }

    @Test
    void truncatedSealedSegment() throws Exception {
        rewrite(range(0, rec(4).offset() + 10));
        StoreVerifier.Problem p = problem();
        assertThat(p.file()).isEqualTo("segment-000000000001.vas");
        assertThat(p.seq()).isEqualTo(4);
        assertThat(p.offset()).isEqualTo(rec(4).offset());
        assertThat(p.message()).contains("truncated");
    }

    @Test
    void sealedSegmentCutAtARecordBoundary() throws Exception {
        rewrite(range(0, rec(4).offset()));
        StoreVerifier.Problem p = problem();
        assertThat(p.seq()).isEqualTo(4);
        assertThat(p.offset()).isEqualTo(rec(4).offset());
        assertThat(p.message()).contains("no checkpoint", "truncated");
    }

    @Test
    void replacedCheckpointSignature() throws Exception {
        byte[] b = Files.readAllBytes(seg1);
        b[b.length - 1] ^= 1;
        Files.write(seg1, b);
        StoreVerifier.Problem p = problem();
        assertThat(p.offset()).isEqualTo(one.checkpoint().offset());
        assertThat(p.seq()).isEqualTo(4);
        assertThat(p.message()).contains("checkpoint signature invalid");
    }

    @Test
    void checkpointResignedByAnotherKey() throws Exception {
        var other = StoreKeys.generate();
        StoreFormat.Checkpoint cp = one.checkpoint();
        byte[] sig = StoreKeys.sign(other.getPrivate(), StoreFormat.signed(StoreFormat.CHECKPOINT_DOMAIN, cp.fields()));
        rewrite(range(0, cp.offset()), StoreFormat.checkpoint(cp.fields(), sig));
        StoreVerifier.Problem p = problem();
        assertThat(p.offset()).isEqualTo(cp.offset());
        assertThat(p.message()).contains("checkpoint signature invalid");
    }

    @Test
    void verifyingWithAnotherKeyFailsAtTheGenesisPointer() throws Exception {
        var other = StoreKeys.generate();
        StoreVerifier.Report r = StoreVerifier.verify(dir, other.getPublic());
        assertThat(r.problem().file()).isEqualTo("GENESIS");
        assertThat(r.problem().message()).contains("different key");
    }

    @Test
    void deletedSegment() throws Exception {
        Files.delete(segment(dir, 2));
        StoreVerifier.Problem p = problem();
        assertThat(p.file()).isEqualTo("segment-000000000002.vas");
        assertThat(p.seq()).isEqualTo(5);
        assertThat(p.message()).contains("segment missing");
    }

    @Test
    void deletedOldestSegmentWithoutTheGenesisPointer() throws Exception {
        Files.delete(seg1);
        StoreVerifier.Problem p = problem();
        assertThat(p.file()).isEqualTo("segment-000000000001.vas");
        assertThat(p.seq()).isEqualTo(1);
    }

    @Test
    void modifiedRecordInTheLiveSegment() throws Exception {
        Path seg3 = segment(dir, 3);
        StoreFormat.Rec r10 = StoreFormat.read(seg3).records().get(1);
        byte[] b = Files.readAllBytes(seg3);
        b[(int) r10.offset() + 30] ^= 1;
        Files.write(seg3, b);
        StoreVerifier.Problem p = problem();
        assertThat(p.file()).isEqualTo("segment-000000000003.vas");
        assertThat(p.seq()).isEqualTo(10);
        assertThat(p.offset()).isEqualTo(r10.offset());
    }
}
