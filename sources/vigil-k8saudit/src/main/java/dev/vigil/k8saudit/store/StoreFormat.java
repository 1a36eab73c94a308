package dev.vigil.k8saudit.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The on-disk format (see docs/audit-store.md); all integers big-endian. */
final class StoreFormat {
    static final byte[] SEGMENT_MAGIC = "VIGILSG1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] GENESIS_MAGIC = "VIGILGN1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CHECKPOINT_DOMAIN = "vigil-audit-store checkpoint v1\0".getBytes(StandardCharsets.US_ASCII);
    static final byte[] GENESIS_DOMAIN = "vigil-audit-store genesis v1\0".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 24;
    static final byte RECORD = 'R';
    static final byte CHECKPOINT = 'C';
    static final int HASH = 32;
    /** type, seq, length, then body, prev hash, hash. */
    static final int RECORD_FIXED = 1 + 8 + 4 + HASH + HASH;
    /** type, last seq, last hash, segment count, sealed-at millis, signature length. */
    static final int CHECKPOINT_FIXED = 1 + 8 + HASH + 8 + 8 + 2;
    static final int MAX_BODY = 64 * 1024 * 1024;
    static final String GENESIS_FILE = "GENESIS";
    private static final Pattern SEGMENT_NAME = Pattern.compile("segment-(\\d{12})\\.vas");

    private StoreFormat() {}

    static String segmentName(long index) {
        return String.format("segment-%012d.vas", index);
    }

    /** Segment files of a directory by index. */
    static TreeMap<Long, Path> segments(Path dir) throws IOException {
        TreeMap<Long, Path> out = new TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = SEGMENT_NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.put(Long.parseLong(m.group(1)), p);
                }
            }
        }
        return out;
    }

    static byte[] header(long index, long firstSeq) {
        return ByteBuffer.allocate(HEADER).put(SEGMENT_MAGIC).putLong(index).putLong(firstSeq).array();
    }

    static byte[] hash(long seq, byte[] prev, byte[] body) {
        return chainHash(seq, prev, sha256(body));
    }

    /**
     * The record hash from the body's own SHA-256: SHA-256(seq ‖ prev ‖ SHA-256(body)). The body digest
     * is also what the re-send check compares, so each body is hashed once.
     */
    static byte[] chainHash(long seq, byte[] prev, byte[] bodyDigest) {
        return chainHash(newSha256(), seq, prev, bodyDigest);
    }

    /** {@link #chainHash(long, byte[], byte[])} with a digest the caller reuses (reset, as {@code digest()} leaves it). */
    static byte[] chainHash(MessageDigest d, long seq, byte[] prev, byte[] bodyDigest) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            d.update((byte) (seq >>> shift));
        }
        d.update(prev);
        d.update(bodyDigest);
        return d.digest();
    }

    static byte[] sha256(byte[] body) {
        return newSha256().digest(body);
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] record(long seq, byte[] body, byte[] prev, byte[] hash) {
        return ByteBuffer.allocate(RECORD_FIXED + body.length).put(RECORD).putLong(seq).putInt(body.length).put(body).put(prev).put(hash)
                .array();
    }

    /** The checkpoint fields that are signed (after the domain string). */
    static byte[] checkpointFields(long lastSeq, byte[] lastHash, long segmentCount, long sealedAtMillis) {
        return ByteBuffer.allocate(8 + HASH + 8 + 8).putLong(lastSeq).put(lastHash).putLong(segmentCount).putLong(sealedAtMillis).array();
    }

    static byte[] signed(byte[] domain, byte[] fields) {
        byte[] m = Arrays.copyOf(domain, domain.length + fields.length);
        System.arraycopy(fields, 0, m, domain.length, fields.length);
        return m;
    }

    static byte[] checkpoint(byte[] fields, byte[] sig) {
        return ByteBuffer.allocate(1 + fields.length + 2 + sig.length).put(CHECKPOINT).put(fields).putShort((short) sig.length).put(sig)
                .array();
    }

    static byte[] genesisFields(long segmentIndex, long firstSeq, byte[] prevHash) {
        return ByteBuffer.allocate(8 + 8 + HASH).putLong(segmentIndex).putLong(firstSeq).put(prevHash).array();
    }

    static byte[] genesis(byte[] fields, byte[] sig) {
        return ByteBuffer.allocate(GENESIS_MAGIC.length + fields.length + 2 + sig.length).put(GENESIS_MAGIC).put(fields)
                .putShort((short) sig.length).put(sig).array();
    }

    record Genesis(long segmentIndex, long firstSeq, byte[] prevHash, byte[] fields, byte[] sig) {}

    static Genesis readGenesis(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int fixed = GENESIS_MAGIC.length + 8 + 8 + HASH + 2;
        if (b.length < fixed || !Arrays.equals(b, 0, GENESIS_MAGIC.length, GENESIS_MAGIC, 0, GENESIS_MAGIC.length)) {
            throw new IOException(file + ": not a genesis file");
        }
        ByteBuffer bb = ByteBuffer.wrap(b, GENESIS_MAGIC.length, b.length - GENESIS_MAGIC.length);
        long idx = bb.getLong();
        long first = bb.getLong();
        byte[] prev = new byte[HASH];
        bb.get(prev);
        int sl = Short.toUnsignedInt(bb.getShort());
        if (bb.remaining() != sl) {
            throw new IOException(file + ": bad signature length");
        }
        byte[] sig = new byte[sl];
        bb.get(sig);
        return new Genesis(idx, first, prev, Arrays.copyOfRange(b, GENESIS_MAGIC.length, GENESIS_MAGIC.length + 8 + 8 + HASH), sig);
    }

    record Rec(long offset, long seq, byte[] body, byte[] prev, byte[] hash, int length) {
        boolean hashOk() {
            return Arrays.equals(hash, StoreFormat.hash(seq, prev, body));
        }
    }

    record Checkpoint(long offset, long lastSeq, byte[] lastHash, long segmentCount, long sealedAtMillis, byte[] fields, byte[] sig) {}

    /**
     * A parsed segment: the header, the complete records, the checkpoint if any, and the first structural problem
     * (an incomplete record at the end, an unknown type byte, bytes after the checkpoint) with its offset, or null.
     */
    record Segment(Path file, long index, long firstSeq, List<Rec> records, Checkpoint checkpoint, long goodEnd, long size,
            String problem, long problemOffset, boolean torn) {}

    static Segment read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        List<Rec> recs = new ArrayList<>();
        if (b.length < HEADER) {
            return new Segment(file, -1, -1, recs, null, 0, b.length, "segment header incomplete (" + b.length + " of 24 bytes)", 0, true);
        }
        if (!Arrays.equals(b, 0, 8, SEGMENT_MAGIC, 0, 8)) {
            return new Segment(file, -1, -1, recs, null, 0, b.length, "bad segment magic", 0, false);
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.position(8);
        long index = bb.getLong();
        long firstSeq = bb.getLong();
        int pos = HEADER;
        Checkpoint cp = null;
        while (pos < b.length) {
            if (cp != null) {
                return new Segment(file, index, firstSeq, recs, cp, pos, b.length, "bytes after the checkpoint", pos, false);
            }
            byte type = b[pos];
            if (type == RECORD) {
                if (b.length - pos < 1 + 8 + 4) {
                    return torn(file, index, firstSeq, recs, pos, b.length);
                }
                bb.position(pos + 1);
                long seq = bb.getLong();
                int len = bb.getInt();
                if (len < 0 || len > MAX_BODY) {
                    return new Segment(file, index, firstSeq, recs, null, pos, b.length, "record length " + len + " out of range", pos, false);
                }
                if (b.length - pos < RECORD_FIXED + (long) len) {
                    return torn(file, index, firstSeq, recs, pos, b.length);
                }
                byte[] body = Arrays.copyOfRange(b, pos + 13, pos + 13 + len);
                byte[] prev = Arrays.copyOfRange(b, pos + 13 + len, pos + 13 + len + HASH);
                byte[] h = Arrays.copyOfRange(b, pos + 13 + len + HASH, pos + 13 + len + 2 * HASH);
                recs.add(new Rec(pos, seq, body, prev, h, RECORD_FIXED + len));
                pos += RECORD_FIXED + len;
            } else if (type == CHECKPOINT) {
                if (b.length - pos < CHECKPOINT_FIXED) {
                    return torn(file, index, firstSeq, recs, pos, b.length);
                }
                bb.position(pos + 1);
                long lastSeq = bb.getLong();
                byte[] lh = new byte[HASH];
                bb.get(lh);
                long count = bb.getLong();
                long sealed = bb.getLong();
                int sl = Short.toUnsignedInt(bb.getShort());
                if (b.length - pos < CHECKPOINT_FIXED + sl) {
                    return torn(file, index, firstSeq, recs, pos, b.length);
                }
                byte[] sig = Arrays.copyOfRange(b, pos + CHECKPOINT_FIXED, pos + CHECKPOINT_FIXED + sl);
                byte[] fields = Arrays.copyOfRange(b, pos + 1, pos + CHECKPOINT_FIXED - 2);
                cp = new Checkpoint(pos, lastSeq, lh, count, sealed, fields, sig);
                pos += CHECKPOINT_FIXED + sl;
            } else {
                return new Segment(file, index, firstSeq, recs, null, pos, b.length,
                        String.format("unknown item type 0x%02x", type & 0xff), pos, false);
            }
        }
        return new Segment(file, index, firstSeq, recs, cp, pos, b.length, null, -1, false);
    }

    private static Segment torn(Path file, long index, long firstSeq, List<Rec> recs, int pos, int size) {
        return new Segment(file, index, firstSeq, recs, null, pos, size,
                "incomplete item at the end (" + (size - pos) + " bytes)", pos, true);
    }
}
