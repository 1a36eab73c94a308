package dev.vigil.k8saudit.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Walks a store from its genesis pointer through every segment: signatures (genesis, checkpoints), the
 * hash chain, sequence continuity and segment continuity. Stops at the first problem.
 */
public final class StoreVerifier {
    /**
     * The first bad position.
     *
     * @param file the file name (segment or GENESIS)
     * @param seq the sequence number expected at that position, -1 when not about a record
     * @param offset the byte offset in the file, -1 when not about a position in a file
     */
    public record Problem(String file, long seq, long offset, String message) {
        @Override
        public String toString() {
            return file + (seq >= 0 ? " seq " + seq : "") + (offset >= 0 ? " byte " + offset : "") + ": " + message;
        }
    }

    /** What a verification found: counts, and the first problem or null. */
    public record Report(int segments, long records, long firstSeq, long lastSeq, Problem problem) {
        public boolean intact() {
            return problem == null;
        }
    }

    private StoreVerifier() {}

    public static Report verify(Path dir, PublicKey key) throws IOException {
        Path gf = dir.resolve(StoreFormat.GENESIS_FILE);
        if (!Files.exists(gf)) {
            return new Report(0, 0, 0, 0, new Problem(StoreFormat.GENESIS_FILE, -1, -1, "missing: not a store, or its genesis pointer was deleted"));
        }
        StoreFormat.Genesis g;
        try {
            g = StoreFormat.readGenesis(gf);
        } catch (IOException e) {
            return new Report(0, 0, 0, 0, new Problem(StoreFormat.GENESIS_FILE, -1, 0, "malformed: " + e.getMessage()));
        }
        if (!StoreKeys.verify(key, StoreFormat.signed(StoreFormat.GENESIS_DOMAIN, g.fields()), g.sig())) {
            return new Report(0, 0, 0, 0, new Problem(StoreFormat.GENESIS_FILE, -1, -1,
                    "signature invalid: forged genesis pointer, or the store was signed with a different key"));
        }
        TreeMap<Long, Path> segs = StoreFormat.segments(dir);
        long expectIndex = g.segmentIndex();
        long expectSeq = g.firstSeq();
        byte[] expectPrev = g.prevHash();
        int count = 0;
        long records = 0;
        if (segs.isEmpty()) {
            return new Report(0, 0, 0, 0, new Problem(StoreFormat.segmentName(expectIndex), expectSeq, -1, "missing: the store has no segments"));
        }
        if (segs.firstKey() < expectIndex) {
            return new Report(0, 0, 0, 0, new Problem(segs.firstEntry().getValue().getFileName().toString(), -1, -1,
                    "segment precedes the genesis pointer (segment " + expectIndex + "): inserted or restored"));
        }
        for (Map.Entry<Long, Path> en : segs.entrySet()) {
            String name = en.getValue().getFileName().toString();
            boolean lastSegment = en.getKey().equals(segs.lastKey());
            if (en.getKey() != expectIndex) {
                return report(count, records, g, expectSeq, new Problem(StoreFormat.segmentName(expectIndex), expectSeq, -1,
                        "segment missing (deleted): the chain continues in " + name));
            }
            StoreFormat.Segment s = StoreFormat.read(en.getValue());
            count++;
            if (s.index() < 0) {
                return report(count, records, g, expectSeq, new Problem(name, expectSeq, 0, s.problem()));
            }
            if (s.index() != en.getKey()) {
                return report(count, records, g, expectSeq, new Problem(name, expectSeq, 8,
                        "header names segment " + s.index() + ": renamed or copied"));
            }
            if (s.firstSeq() != expectSeq) {
                return report(count, records, g, expectSeq, new Problem(name, expectSeq, 16, "header says the segment starts at seq "
                        + s.firstSeq() + ", expected " + expectSeq + ": records deleted or inserted"));
            }
            for (StoreFormat.Rec r : s.records()) {
                if (r.seq() != expectSeq) {
                    String why = r.seq() > expectSeq ? "records deleted or reordered" : "record inserted or records reordered";
                    return report(count, records, g, expectSeq, new Problem(name, expectSeq, r.offset(),
                            "found seq " + r.seq() + " where seq " + expectSeq + " belongs: " + why));
                }
                if (!Arrays.equals(r.prev(), expectPrev)) {
                    return report(count, records, g, expectSeq, new Problem(name, expectSeq, r.offset(),
                            "previous-record hash does not match the chain: a record before it was removed, inserted or replaced"));
                }
                if (!r.hashOk()) {
                    return report(count, records, g, expectSeq, new Problem(name, expectSeq, r.offset(),
                            "record hash mismatch: the record was modified"));
                }
                expectSeq++;
                expectPrev = r.hash();
                records++;
            }
            if (s.problem() != null) {
                String msg = s.torn() && lastSegment && s.checkpoint() == null
                        ? s.problem() + ": a torn write (opening the store truncates it)"
                        : s.problem() + (s.torn() ? ": truncated" : "");
                return report(count, records, g, expectSeq, new Problem(name, expectSeq, s.problemOffset(), msg));
            }
            StoreFormat.Checkpoint cp = s.checkpoint();
            if (cp == null) {
                if (!lastSegment) {
                    return report(count, records, g, expectSeq, new Problem(name, expectSeq, s.goodEnd(),
                            "sealed segment has no checkpoint: truncated"));
                }
            } else {
                if (cp.lastSeq() != expectSeq - 1 || !Arrays.equals(cp.lastHash(), expectPrev) || cp.segmentCount() != en.getKey()) {
                    return report(count, records, g, expectSeq, new Problem(name, cp.lastSeq(), cp.offset(),
                            "checkpoint (last seq " + cp.lastSeq() + ", hash " + HexFormat.of().formatHex(cp.lastHash(), 0, 8)
                                    + "..., segment " + cp.segmentCount() + ") does not match the records before it: records truncated or the checkpoint forged"));
                }
                if (!StoreKeys.verify(key, StoreFormat.signed(StoreFormat.CHECKPOINT_DOMAIN, cp.fields()), cp.sig())) {
                    return report(count, records, g, expectSeq, new Problem(name, cp.lastSeq(), cp.offset(),
                            "checkpoint signature invalid: forged, or signed with a different key"));
                }
            }
            expectIndex++;
        }
        return report(count, records, g, expectSeq, null);
    }

    private static Report report(int segments, long records, StoreFormat.Genesis g, long nextSeq, Problem p) {
        return new Report(segments, records, g.firstSeq(), nextSeq - 1, p);
    }
}
