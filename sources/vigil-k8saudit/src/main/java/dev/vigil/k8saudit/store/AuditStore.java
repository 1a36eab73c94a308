package dev.vigil.k8saudit.store;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.protect.AuditProtector;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A chronological, tamper-evident, append-only store of (protected) audit events: segment files of
 * hash-chained records, each sealed segment ending with an Ed25519-signed checkpoint, and a signed
 * genesis pointer naming where the chain starts. See docs/audit-store.md for the format.
 *
 * <p>{@link #append} and {@link #appendAll} return only once the records are on disk (fsync); appends
 * from several threads share one force (group commit). Re-sent events (same auditID, stage and
 * stageTimestamp) are stored once.
 */
public final class AuditStore implements Closeable {
    /**
     * Records of the batch being appended are encoded here and written with one call (fewer syscalls); direct, so
     * the write does not copy it again. Allocated on the first append.
     */
    private static final int PENDING_BYTES = 4 << 20;
    private ByteBuffer pending;
    /** Used under the store's lock: one for bodies, one for the chain. */
    private final java.security.MessageDigest bodySha = StoreFormat.newSha256();
    private final java.security.MessageDigest chainSha = StoreFormat.newSha256();

    /** What became of one appended event: its sequence number, or -1 when it was a duplicate. */
    public record Outcome(long seq, boolean duplicate, AuditProtector.Result protection) {}

    private final Path dir;
    private final StoreOptions options;
    private final AuditProtector protector;
    private final PrivateKey key;
    private final List<String> recoveries = new ArrayList<>();
    /** Recently stored events that carry an auditID, by their body's digest, oldest first (re-send detection). */
    private final Map<Sent, Boolean> recent;
    private final Object syncLock = new Object();
    /** Checkpoints of sealed segments already read by retention, by segment index. */
    private final Map<Long, StoreFormat.Checkpoint> sealedCheckpoints = new java.util.HashMap<>();

    /** The live segment; volatile so that {@link #sync} reads it without the store's lock. */
    private volatile FileChannel channel;
    private long segmentIndex;
    private long segmentSize;
    private long segmentRecords;
    private long lastSeq;
    private byte[] lastHash;
    /** Records written so far, some perhaps still in {@link #pending}; under the store's lock. */
    private long written;
    /**
     * {@link #written} as of the last time every record counted was in the channel (set by
     * {@link #flushPending}); read by {@link #sync} without the store's lock.
     */
    private volatile long flushed;
    private volatile long durable;
    private long forces;
    private boolean closed;

    private AuditStore(Path dir, StoreOptions options, AuditProtector protector, PrivateKey key) {
        this.dir = dir;
        this.options = options;
        this.protector = protector;
        this.key = key;
        int cap = Math.max(1, options.dedupCapacity());
        this.recent = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Sent, Boolean> e) {
                return size() > cap;
            }
        };
    }

    /** Opens (creating when needed) the store in {@code dir}; a torn last record is truncated and listed in {@link #recoveries()}. */
    public static AuditStore open(Path dir, StoreOptions options, AuditProtector protector) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        PrivateKey key = loadKey(dir, options);
        AuditStore s = new AuditStore(dir, options, protector, key);
        s.init();
        return s;
    }

    public static AuditStore open(Path dir) throws IOException {
        return open(dir, StoreOptions.defaults(), new AuditProtector());
    }

    private static PrivateKey loadKey(Path dir, StoreOptions options) throws IOException {
        if (options.privateKey() != null) {
            return StoreKeys.readPrivate(options.privateKey());
        }
        Path priv = dir.resolve(StoreKeys.PRIVATE_FILE);
        if (Files.exists(priv)) {
            return StoreKeys.readPrivate(priv);
        }
        KeyPair kp = StoreKeys.generate();
        StoreKeys.write(kp, priv, dir.resolve(StoreKeys.PUBLIC_FILE));
        syncDir(dir);
        return kp.getPrivate();
    }

    private void init() throws IOException {
        TreeMap<Long, Path> segs = StoreFormat.segments(dir);
        Path genesisFile = dir.resolve(StoreFormat.GENESIS_FILE);
        if (segs.isEmpty()) {
            if (Files.exists(genesisFile)) {
                throw new IOException(dir + ": has a genesis file but no segments (run vigil audit verify)");
            }
            writeGenesis(1, 1, new byte[StoreFormat.HASH]);
            lastSeq = 0;
            lastHash = new byte[StoreFormat.HASH];
            startSegment(1);
            return;
        }
        StoreFormat.Genesis g = StoreFormat.readGenesis(genesisFile);
        // a retention interrupted after GENESIS moved on but before the old files were deleted
        while (!segs.isEmpty() && segs.firstKey() < g.segmentIndex() && segs.size() > 1) {
            Path old = segs.pollFirstEntry().getValue();
            Files.delete(old);
            recoveries.add(old.getFileName() + ": before the genesis pointer (interrupted retention), removed");
        }
        syncDir(dir);
        long lastIndex = segs.lastKey();
        Path last = segs.get(lastIndex);
        StoreFormat.Segment seg = StoreFormat.read(last);
        if (seg.index() < 0) {
            throw new IOException(last + ": " + seg.problem());
        }
        long keep = seg.goodEnd();
        List<StoreFormat.Rec> recs = new ArrayList<>(seg.records());
        if (seg.problem() != null) {
            boolean zeros = allZero(last, seg.goodEnd());
            if (!seg.torn() && !zeros) {
                throw new IOException(last + ": damaged at byte " + seg.problemOffset() + ": " + seg.problem() + " (run vigil audit verify)");
            }
        }
        // a complete but wrong last record is a torn write too; a wrong record before it is damage
        for (int i = 0; i < recs.size(); i++) {
            StoreFormat.Rec r = recs.get(i);
            if (!r.hashOk()) {
                if (i == recs.size() - 1 && seg.checkpoint() == null) {
                    keep = r.offset();
                    recs.remove(i);
                    break;
                }
                throw new IOException(last + ": record seq " + r.seq() + " at byte " + r.offset() + " fails its hash (run vigil audit verify)");
            }
        }
        if (keep < seg.size()) {
            try (FileChannel c = FileChannel.open(last, StandardOpenOption.WRITE)) {
                c.truncate(keep);
                c.force(true);
            }
            recoveries.add(last.getFileName() + ": torn tail of " + (seg.size() - keep) + " bytes at byte offset " + keep
                    + " truncated (after seq " + (recs.isEmpty() ? seg.firstSeq() - 1 : recs.getLast().seq()) + ")");
        }
        if (!recs.isEmpty()) {
            lastSeq = recs.getLast().seq();
            lastHash = recs.getLast().hash();
        } else if (segs.firstKey() == lastIndex || lastIndex == g.segmentIndex()) {
            lastSeq = g.firstSeq() - 1;
            lastHash = g.prevHash();
        } else {
            StoreFormat.Segment prev = StoreFormat.read(segs.lowerEntry(lastIndex).getValue());
            if (prev.checkpoint() == null) {
                throw new IOException(prev.file() + ": not sealed (run vigil audit verify)");
            }
            lastSeq = prev.checkpoint().lastSeq();
            lastHash = prev.checkpoint().lastHash();
        }
        rebuildRecent(segs);
        if (seg.checkpoint() != null) {
            segmentIndex = lastIndex;
            applyRetention(lastIndex + 1);
            startSegment(lastIndex + 1);
        } else {
            segmentIndex = lastIndex;
            channel = FileChannel.open(last, StandardOpenOption.WRITE);
            channel.position(keep);
            segmentSize = keep;
            segmentRecords = recs.size();
            applyRetention(lastIndex);
        }
    }

    private static boolean allZero(Path file, long from) throws IOException {
        byte[] b = Files.readAllBytes(file);
        for (long i = from; i < b.length; i++) {
            if (b[(int) i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void rebuildRecent(TreeMap<Long, Path> segs) throws IOException {
        List<Sent> keys = new ArrayList<>();
        int cap = Math.max(1, options.dedupCapacity());
        for (Path p : segs.descendingMap().values()) {
            List<StoreFormat.Rec> recs = StoreFormat.read(p).records();
            for (int i = recs.size() - 1; i >= 0 && keys.size() < cap; i--) {
                try {
                    byte[] body = recs.get(i).body();
                    for (AuditEvent e : AuditEventParser.parse(new String(body, StandardCharsets.UTF_8))) {
                        if (e.auditId() != null) {
                            keys.add(Sent.of(StoreFormat.sha256(body)));
                        }
                    }
                } catch (AuditEventParser.AuditFormatException ignored) {
                    // verify reports bad bodies; they carry no key
                }
            }
            if (keys.size() >= cap) {
                break;
            }
        }
        Collections.reverse(keys);
        for (Sent k : keys) {
            recent.put(k, Boolean.TRUE);
        }
    }

    /**
     * The first 128 bits of a stored body's SHA-256. The body holds the event's auditID, stage and
     * stageTimestamp, so equal digests mean the same key and the same content: a re-send. The same
     * key with other content is another event, and is stored.
     */
    private record Sent(long hi, long lo) {
        static Sent of(byte[] sha256) {
            ByteBuffer b = ByteBuffer.wrap(sha256);
            return new Sent(b.getLong(0), b.getLong(8));
        }
    }

    /** Torn tails truncated when the store was opened, one line each. */
    public List<String> recoveries() {
        return List.copyOf(recoveries);
    }

    public Path dir() {
        return dir;
    }

    /** The last sequence number stored (0 when empty). */
    public synchronized long lastSeq() {
        return lastSeq;
    }

    /** How many times data was forced to disk (group commit makes this smaller than the appends). */
    public long forces() {
        synchronized (syncLock) {
            return forces;
        }
    }

    /** Protects and stores one event; returns once it is durable. */
    public Outcome append(AuditEvent event) throws IOException {
        return appendAll(List.of(event)).getFirst();
    }

    /** Protects and stores events in order; returns once all are durable (one fsync for the batch). */
    public List<Outcome> appendAll(List<AuditEvent> events) throws IOException {
        List<Outcome> out = new ArrayList<>(events.size());
        long target;
        synchronized (this) {
            ensureOpen();
            for (AuditEvent e : events) {
                AuditProtector.Result p = protector.protect(e);
                boolean keyed = p.event().auditId() != null;
                // an event protection left alone is stored as it was received; a rewritten one as compact JSON
                ByteBuffer body = p.event().sourceText();
                if (body == null) {
                    body = ByteBuffer.wrap(p.event().json().getBytes(StandardCharsets.UTF_8));
                    bodySha.update(body.array());
                } else {
                    p.event().digestSourceText(bodySha);
                }
                byte[] bodyDigest = bodySha.digest();
                // remembered by key AND content (the digest covers both): same key with other content is not a
                // re-send and is stored, and a batch re-sent with both versions stores neither again
                Sent remembered = keyed ? Sent.of(bodyDigest) : null;
                if (remembered != null && recent.containsKey(remembered)) {
                    out.add(new Outcome(-1, true, p));
                    continue;
                }
                writeRecord(body, bodyDigest);
                if (remembered != null) {
                    recent.put(remembered, Boolean.TRUE);
                }
                out.add(new Outcome(lastSeq, false, p));
            }
            flushPending();
            target = written;
        }
        sync(target);
        return out;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private void writeRecord(ByteBuffer body, byte[] bodyDigest) throws IOException {
        int len = body.remaining();
        long size = StoreFormat.RECORD_FIXED + (long) len;
        if (options.maxSegmentBytes() > 0 && segmentRecords > 0 && segmentSize + size > options.maxSegmentBytes()) {
            rotateLocked();
        }
        long seq = lastSeq + 1;
        byte[] h = StoreFormat.chainHash(chainSha, seq, lastHash, bodyDigest);
        if (pending == null) {
            pending = ByteBuffer.allocateDirect(PENDING_BYTES);
        }
        if (pending.remaining() < size) {
            flushPending();
        }
        ByteBuffer to = size <= pending.remaining() ? pending : ByteBuffer.allocate((int) size);
        to.put(StoreFormat.RECORD).putLong(seq).putInt(len).put(body.duplicate()).put(lastHash).put(h);
        if (to != pending) {
            writeFully(channel, to.flip());
        }
        segmentSize += size;
        segmentRecords++;
        lastSeq = seq;
        lastHash = h;
        written++;
    }

    /** Writes the records encoded so far with one write call. Caller holds the store's lock. */
    private void flushPending() throws IOException {
        if (pending != null && pending.position() > 0) {
            writeFully(channel, pending.flip());
            pending.clear();
        }
        flushed = written; // (a record too large for the buffer was written directly, after flushing it)
    }

    private static void writeFully(FileChannel c, byte[] b) throws IOException {
        writeFully(c, ByteBuffer.wrap(b));
    }

    private static void writeFully(FileChannel c, ByteBuffer bb) throws IOException {
        while (bb.hasRemaining()) {
            c.write(bb);
        }
    }

    private void sync(long target) throws IOException {
        synchronized (syncLock) {
            if (durable >= target) {
                return;
            }
            // not under the store's lock, which a batch being appended holds for a while: records counted in w
            // are in the channel read after it, or in an older segment, which was forced when sealed
            long w = flushed;
            FileChannel c = channel;
            try {
                c.force(false);
                forces++;
            } catch (ClosedChannelException sealed) {
                // the segment was sealed (forced) and closed by a rotation meanwhile, or the store closed after forcing
            }
            if (w > durable) {
                durable = w;
            }
        }
    }

    /** Seals the current segment (when it holds records) and starts a new one. */
    public synchronized void rotate() throws IOException {
        ensureOpen();
        if (segmentRecords > 0) {
            rotateLocked();
        }
    }

    private void rotateLocked() throws IOException {
        flushPending();
        channel.force(false);
        byte[] fields = StoreFormat.checkpointFields(lastSeq, lastHash, segmentIndex, options.clock().millis());
        byte[] sig = StoreKeys.sign(key, StoreFormat.signed(StoreFormat.CHECKPOINT_DOMAIN, fields));
        writeFully(channel, StoreFormat.checkpoint(fields, sig));
        channel.force(false);
        channel.close();
        long next = segmentIndex + 1;
        applyRetention(next);
        startSegment(next);
    }

    private void startSegment(long index) throws IOException {
        Path p = dir.resolve(StoreFormat.segmentName(index));
        channel = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeFully(channel, StoreFormat.header(index, lastSeq + 1));
        channel.force(false);
        syncDir(dir);
        segmentIndex = index;
        segmentSize = StoreFormat.HEADER;
        segmentRecords = 0;
    }

    /** Removes the oldest sealed segments beyond the count/age limits; {@code live} is never removed. */
    private void applyRetention(long live) throws IOException {
        TreeMap<Long, Path> segs = StoreFormat.segments(dir);
        List<Long> sealed = new ArrayList<>();
        for (long i : segs.keySet()) {
            if (i < live) {
                sealed.add(i);
            }
        }
        int removeCount = options.maxSegments() > 0 ? Math.max(0, sealed.size() - options.maxSegments()) : 0;
        long ageLimit = options.maxAge() == null || options.maxAge().isZero() ? Long.MIN_VALUE
                : options.clock().millis() - options.maxAge().toMillis();
        List<Long> remove = new ArrayList<>();
        StoreFormat.Checkpoint lastRemoved = null;
        if (removeCount == 0 && ageLimit == Long.MIN_VALUE) {
            return;
        }
        for (int i = 0; i < sealed.size(); i++) {
            StoreFormat.Checkpoint cp = sealedCheckpoints.get(sealed.get(i));
            if (cp == null) {
                cp = StoreFormat.read(segs.get(sealed.get(i))).checkpoint();
                if (cp == null) {
                    break; // damaged: leave it for verify
                }
                sealedCheckpoints.put(sealed.get(i), cp); // a sealed segment never changes: read it once
            }
            boolean old = cp.sealedAtMillis() < ageLimit;
            if (i < removeCount || old) {
                remove.add(sealed.get(i));
                lastRemoved = cp;
            } else {
                break;
            }
        }
        if (remove.isEmpty()) {
            return;
        }
        long newFirst = remove.getLast() + 1;
        writeGenesis(newFirst, lastRemoved.lastSeq() + 1, lastRemoved.lastHash());
        for (long i : remove) {
            Files.deleteIfExists(segs.get(i));
            sealedCheckpoints.remove(i);
        }
        syncDir(dir);
    }

    private void writeGenesis(long index, long firstSeq, byte[] prevHash) throws IOException {
        byte[] fields = StoreFormat.genesisFields(index, firstSeq, prevHash);
        byte[] sig = StoreKeys.sign(key, StoreFormat.signed(StoreFormat.GENESIS_DOMAIN, fields));
        Path tmp = dir.resolve(StoreFormat.GENESIS_FILE + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeFully(c, StoreFormat.genesis(fields, sig));
            c.force(true);
        }
        Files.move(tmp, dir.resolve(StoreFormat.GENESIS_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir(dir);
    }

    static void syncDir(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // some file systems cannot open directories; the files themselves were forced
        }
    }

    @Override
    public void close() throws IOException {
        long target;
        synchronized (this) {
            if (closed) {
                return;
            }
            target = written;
        }
        sync(target);
        synchronized (this) {
            closed = true;
            channel.close();
        }
    }
}
