package dev.vigil.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The durable, write-ahead backlog of one output.
 *
 * <h2>Design</h2>
 *
 * <p><b>Layout.</b> The directory holds segment files named by the logical offset of their first
 * byte ({@code 00000000000000004096.seg}), a {@code position} file and a {@code lock} file. Offsets
 * are logical and only grow: a record at offset {@code p} of length {@code n} ends at
 * {@code p + 8 + n}, and a segment's base is the offset where the one before it ended (or later,
 * after a crash cut a segment short: readers jump such gaps). Records never straddle segments; a
 * record larger than a segment gets a segment of its own.
 *
 * <p><b>Record.</b> {@code int length | int crc | body}, big-endian, where the CRC-32C covers the
 * four length bytes and the body, so a zero-filled tail (length 0, crc 0) is not a valid record.
 *
 * <p><b>Positions.</b> {@code committed}: everything before it is acknowledged (delivered,
 * dead-lettered or dropped). {@code readOffset}: where the worker reads next; between the two are
 * the items in flight. {@code writeOffset}: the end of the last record. The {@code position} file
 * holds {@code committed} in two 32-byte slots written alternately ({@code magic, generation,
 * offset, crc}); on start the valid slot with the higher generation wins, so a torn slot write
 * leaves the previous commit in force: each commit is atomic.
 *
 * <p><b>Delivery guarantee.</b> {@link #append} writes the record before the offer returns; the
 * worker commits only after a whole batch is resolved. After {@code kill -9} and a restart,
 * everything after the committed offset is delivered again, so duplicates are limited to items
 * that were in flight or resolved but not yet committed.
 *
 * <p><b>Durability.</b> Writes go through {@link FileChannel}s into the page cache, which survives
 * the death of the process. {@link #sync()} forces data and position to the device; the worker
 * calls it at most once a second and {@link #close()} once more, so a power loss can cost the last
 * second of accepted items (their checksums then fail and the torn tail is cut off at start).
 *
 * <p><b>Recovery.</b> On open, fully acknowledged segments are deleted and every unacknowledged
 * record is read and checked. The first bad record of the last segment is a torn write: the file is
 * truncated there and {@code spool_torn} counted. A bad record in an older segment cuts that
 * segment there ({@code spool_corrupt}). Opening never fails because of the contents.
 *
 * <p><b>Bounds.</b> {@code writeOffset - committed} (unacknowledged bytes with headers) never
 * exceeds {@code maxBytes}: a full spool refuses the record (drop_newest, reject) or drops the
 * oldest unacknowledged records by advancing {@code committed} (drop_oldest; the worker then
 * discards such items if they were in flight). Disk use is at most that plus the acknowledged head
 * of the first segment.
 *
 * <p><b>Hand-off.</b> The newest records are also kept in memory (bounded by count and bytes), so a
 * worker that keeps up reads what was just written without touching the file.
 *
 * <p><b>Overflow (memory first).</b> With {@link #overflow} on, records of a <em>waiting</em> source
 * ({@link Backlog#appendWaiting}: a log shipper, which keeps its own read position and re-reads what
 * was not acknowledged) are first held in memory only, as pending records with their logical
 * offsets, bounded by the hand-off's count and bytes (a full memory makes the source wait). They
 * reach the disk only when the destination stalls, that is resolves no batch for the stall time
 * while records wait: then every pending record (those in flight too) is written in order, at the
 * next offer or the worker's next sync, and further records go to disk, so the spool absorbs the
 * outage. Once the destination makes progress again the source waits while the disk drains, so
 * records keep their order: pending records always lie after the last written one. Pending records
 * resolved before being written are never written; the next spill then starts a segment at its own
 * offset (a gap readers jump). Pending records are not durable: {@link #acknowledgedMark()} covers
 * them once they are resolved, not before, so the source re-reads them after a crash. Any other
 * append first writes the pending records, then its own.
 *
 * <p><b>Threads.</b> Every field is guarded by the backlog lock, including file reads and writes
 * (short page-cache copies); only {@link #sync()} forces outside the lock.
 */
final class Spool extends Backlog {
    static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    static final int HEADER_BYTES = 8;
    private static final long CACHE_MAX_BYTES = 8L << 20;
    private static final Pattern SEGMENT_NAME = Pattern.compile("(\\d{20})\\.seg");

    /** What a full spool does with a new record. */
    enum FullPolicy { DROP_NEWEST, DROP_OLDEST, REJECT }

    private static final class Segment {
        final long base;
        final Path path;
        final FileChannel channel;
        long size;

        Segment(long base, Path path, FileChannel channel, long size) {
            this.base = base;
            this.path = path;
            this.channel = channel;
            this.size = size;
        }

        long end() {
            return base + size;
        }
    }

    private record Cached(long position, Envelope envelope) {}

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final FullPolicy policy;
    private final int cacheLimit;
    private final OutputCounters counters;
    private final Consumer<String> errors;
    private final List<Segment> segments = new ArrayList<>();
    private final ArrayDeque<Cached> cache = new ArrayDeque<>();
    private final Set<Segment> unsynced = new LinkedHashSet<>();
    private final RecordReader reader = new RecordReader();
    /** Held by {@link #sync} from taking its mark to publishing it; taken before {@link #lock}, never inside it. */
    private final Object syncMutex = new Object();
    private final CRC32C writeCrc = new CRC32C();
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(64 << 10);
    private FileChannel lockChannel;
    private FileLock fileLock;
    private PositionFile positionFile;
    private boolean positionUnsynced;
    private long cacheBytes;
    private long writeOffset;
    private long readOffset;
    private long committed;
    private long records;
    /** writtenEnd() as of the last successful sync: everything before it is on the device. */
    private long durable;
    /** Records held in memory only ({@link #overflow}), in offset order, contiguous from pendingHead. */
    private final ArrayList<Cached> pending = new ArrayList<>();
    private int pendingHead;
    /** Pending records the worker has not read yet (those from readOffset on). */
    private int pendingUnread;
    /** Where in pending the worker reads next, as far as known (a hint: reads go in order). */
    private int pendingCursor;
    /** 0: overflow off; else how long without a resolved batch makes the destination stalled. */
    private long stallNanos;
    /** When a batch was last resolved, or the backlog was last found empty. */
    private long lastProgress = System.nanoTime();


    private Spool(Path dir, long maxBytes, long segmentBytes, FullPolicy policy, int cacheLimit,
            OutputCounters counters, Consumer<String> errors) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        this.policy = policy;
        this.cacheLimit = cacheLimit;
        this.counters = counters;
        this.errors = errors;
    }

    /**
     * Opens (creating or resuming) the spool in {@code dir}.
     *
     * @param maxBytes     bound on unacknowledged bytes, headers included
     * @param segmentBytes the size at which a new segment file is started
     * @param cacheLimit   how many of the newest records the in-memory hand-off keeps
     * @param errors       receives I/O problems worth a log line; thread-safe, may be called with the
     *                     lock held, must not call back into the spool
     * @throws IOException when the directory cannot be used (permissions, locked by another process)
     */
    static Spool open(Path dir, long maxBytes, long segmentBytes, FullPolicy policy, int cacheLimit,
            OutputCounters counters, Consumer<String> errors) throws IOException {
        Spool s = new Spool(dir, maxBytes, segmentBytes, policy, cacheLimit, counters, errors);
        try {
            s.recover();
            return s;
        } catch (IOException | RuntimeException e) {
            s.closeChannels(false);
            throw e;
        }
    }

    /**
     * Holds the records of waiting sources in memory first and writes them only when the destination
     * stalls for {@code stall} (see the class comment). Only for sources that re-read what was not
     * acknowledged.
     */
    void overflow(java.time.Duration stall) {
        lock.lock();
        try {
            stallNanos = Math.max(1, stall.toNanos());
        } finally {
            lock.unlock();
        }
    }

    private void recover() throws IOException {
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            fileLock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            throw new IOException("spool directory " + dir + " is in use by another output of this process");
        }
        if (fileLock == null) {
            throw new IOException("spool directory " + dir + " is in use by another process");
        }
        positionFile = new PositionFile(dir.resolve("position"));
        committed = positionFile.offset;
        TreeMap<Long, Path> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = SEGMENT_NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.put(Long.parseLong(m.group(1)), p);
                }
            }
        }
        for (var e : found.entrySet()) {
            FileChannel ch = FileChannel.open(e.getValue(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            segments.add(new Segment(e.getKey(), e.getValue(), ch, ch.size()));
        }
        deleteAcknowledged();
        if (segments.isEmpty() || segments.getLast().end() < committed) {
            // records resolved in memory (overflow) were never written: offsets go on after them
            newSegment(committed);
            deleteAcknowledged();
        }
        committed = Math.max(committed, segments.getFirst().base);
        for (Segment s : segments) {
            if (s.end() > committed) {
                scan(s, Math.max(0, committed - s.base));
            }
        }
        writeOffset = segments.getLast().end();
        committed = Math.min(committed, writeOffset);
        durable = writeOffset;
        readOffset = committed;
    }

    /** Counts the valid records of {@code s} from {@code off}; cuts the segment at the first bad one. */
    private void scan(Segment s, long off) throws IOException {
        int len;
        while (off < s.size && (len = reader.check(s, off)) >= 0) {
            records++;
            off += HEADER_BYTES + len;
        }
        if (off < s.size) {
            boolean last = s == segments.getLast();
            counters.dropped(last ? OutputCounters.SPOOL_TORN : OutputCounters.SPOOL_CORRUPT, 1);
            errors.accept((last ? "torn record at the end of " : "corrupt record in ") + s.path + " at byte " + off
                    + ": cut " + (s.size - off) + " byte(s)");
            s.channel.truncate(off);
            s.size = off;
            reader.forget();
        }
    }

    private Segment newSegment(long base) throws IOException {
        Path p = dir.resolve(String.format("%020d.seg", base));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        Segment s = new Segment(base, p, ch, 0);
        segments.add(s);
        return s;
    }

    /** Deletes every segment, but the last, that lies wholly before {@code committed}. */
    private void deleteAcknowledged() throws IOException {
        while (segments.size() > 1 && segments.getFirst().end() <= committed) {
            Segment s = segments.removeFirst();
            unsynced.remove(s);
            s.channel.close();
            Files.deleteIfExists(s.path);
        }
    }

    @Override
    Appended append(Envelope e, boolean mayEvict) {
        long need = HEADER_BYTES + (long) e.size();
        lock.lock();
        try {
            if (closed) {
                return Appended.CLOSED;
            }
            boolean evicted = false;
            if (writeOffset - committed + need > maxBytes) {
                if (policy != FullPolicy.DROP_OLDEST || !mayEvict || need > maxBytes) {
                    return Appended.FULL; // (a record larger than the whole spool must not empty it first)
                }
                while (writeOffset - committed + need > maxBytes && dropOldest()) {
                    evicted = true;
                }
                if (evicted) {
                    persistPosition();
                }
                if (writeOffset - committed + need > maxBytes) {
                    return Appended.FULL;
                }
            }
            if (!spillPending()) {
                return Appended.FAILED;
            }
            Segment s = segments.getLast();
            if (s.size > 0 && s.size + need > segmentBytes) {
                s = newSegment(writeOffset);
            }
            write(s, e.body());
            long pos = writeOffset;
            s.size += need;
            writeOffset += need;
            records++;
            unsynced.add(s);
            counters.spooled.increment();
            remember(pos, e);
            changed.signalAll();
            return evicted ? Appended.ACCEPTED_EVICTED : Appended.ACCEPTED;
        } catch (IOException ex) {
            errors.accept("cannot write to the spool in " + dir + ": " + ex);
            return Appended.FAILED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a run of items with one write: as many as fit in the spool's budget and in the
     * current segment (at least one, or none when the first does not fit). Records and their
     * bookkeeping are the same as {@link #append}'s, one by one.
     */
    @Override
    int appendMany(List<Envelope> items, int from) {
        lock.lock();
        try {
            if (closed || from >= items.size() || !spillPending()) {
                return 0;
            }
            Segment s = segments.getLast();
            long budget = maxBytes - (writeOffset - committed);
            long room = s.size == 0 ? Long.MAX_VALUE : segmentBytes - s.size;
            int n = 0;
            long bytes = 0;
            for (int i = from; i < items.size(); i++) {
                long need = HEADER_BYTES + (long) items.get(i).size();
                if (bytes + need > budget || bytes + need > room || bytes + need > writeBuffer.capacity()) {
                    break;
                }
                bytes += need;
                n++;
            }
            if (n < 2) {
                return 0; // one record (or none): the single-record path handles it, and the full and new-segment cases
            }
            ByteBuffer b = writeBuffer.clear();
            for (int i = from; i < from + n; i++) {
                byte[] body = items.get(i).body();
                b.putInt(body.length).putInt(crc(body)).put(body);
            }
            b.flip();
            try {
                writeAtEnd(s, b);
            } catch (IOException ex) {
                errors.accept("cannot write to the spool in " + dir + ": " + ex);
                return 0;
            }
            for (int i = from; i < from + n; i++) {
                Envelope e = items.get(i);
                long need = HEADER_BYTES + (long) e.size();
                long pos = writeOffset;
                s.size += need;
                writeOffset += need;
                records++;
                counters.spooled.increment();
                remember(pos, e);
            }
            unsynced.add(s);
            changed.signalAll();
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Overflow mode: takes as many of {@code items} from {@code from} on as the pending bound and the
     * budget allow into memory. Returns how many; {@link #WAIT} when the source should wait (pending
     * full or the disk draining, while the destination makes progress); 0 when the caller should
     * write to disk (overflow off, the destination stalled, or the budget full). Lock held.
     */
    @Override
    int appendDeferred(List<Envelope> items, int from) {
        if (stallNanos == 0 || closed || from >= items.size()) {
            return 0;
        }
        long now = System.nanoTime();
        if (committed >= writeOffset) {
            lastProgress = now; // nothing owed: an idle destination is not a stalled one
        }
        if (now - lastProgress >= stallNanos) { // the destination stalled: to disk, the pending records first
            spillPending();
            return 0;
        }
        if (committed < writtenEnd()) {
            return WAIT; // the disk holds records and is being drained: they go first
        }
        int limit = Math.max(1, cacheLimit);
        long unreadBytes = writeOffset - Math.max(readOffset, pendingStart());
        int n = 0;
        for (int i = from; i < items.size(); i++) {
            Envelope e = items.get(i);
            long need = HEADER_BYTES + (long) e.size();
            if (writeOffset - committed + need > maxBytes) {
                break;
            }
            if (pendingUnread >= limit || (unreadBytes > 0 && unreadBytes + need > CACHE_MAX_BYTES)) {
                break;
            }
            pending.add(new Cached(writeOffset, e));
            pendingUnread++;
            writeOffset += need;
            unreadBytes += need;
            records++;
            n++;
        }
        if (n > 0) {
            changed.signalAll();
            return n;
        }
        if (writeOffset - committed + HEADER_BYTES + items.get(from).size() > maxBytes) {
            return 0; // the budget is spent: the disk path reports FULL
        }
        return WAIT; // memory is full and the destination makes progress
    }

    /** How long a waiting source should sleep before {@link #appendDeferred} may decide otherwise. Lock held. */
    @Override
    long deferWaitNanos() {
        return stallNanos == 0 ? Long.MAX_VALUE : Math.max(1_000_000, lastProgress + stallNanos - System.nanoTime());
    }

    private int pendingCount() {
        return pending.size() - pendingHead;
    }

    /** The offset of the first pending record, or writeOffset when none. */
    private long pendingStart() {
        return pendingCount() == 0 ? writeOffset : pending.get(pendingHead).position;
    }

    /** Counts the pending records the worker has not read yet anew (after drop_oldest moved past some). */
    private void recountUnread() {
        pendingUnread = pendingCount() == 0 ? 0 : pending.size() - pendingIndex(readOffset);
    }

    /** The index of the first pending record at or after {@code pos}: at the cursor when reads go in order. */
    private int pendingAt(long pos) {
        int c = pendingCursor;
        if (c >= pendingHead && c < pending.size() && pending.get(c).position == pos) {
            return c;
        }
        c = pendingIndex(pos);
        pendingCursor = c;
        return c;
    }

    /** The index of the first pending record at or after {@code pos}. */
    private int pendingIndex(long pos) {
        int lo = pendingHead;
        int hi = pending.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (pending.get(mid).position < pos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The end of the last record written to a segment file. */
    private long writtenEnd() {
        return segments.getLast().end();
    }

    /** Forgets pending records that are resolved (they never need the disk). */
    private void prunePending() {
        while (pendingHead < pending.size()) {
            Cached c = pending.get(pendingHead);
            if (c.position + HEADER_BYTES + c.envelope.size() > committed) {
                break;
            }
            pending.set(pendingHead++, null);
        }
        if (pendingHead == pending.size()) {
            pending.clear();
            pendingHead = 0;
            pendingCursor = 0;
        } else if (pendingHead > 4096 && pendingHead > pending.size() / 2) {
            pending.subList(0, pendingHead).clear();
            pendingCursor = Math.max(0, pendingCursor - pendingHead);
            pendingHead = 0;
        }
    }

    /**
     * Writes every pending record, in order, from the first unresolved one (a new segment starts
     * there when records before it were never written). On a write error the records not written
     * stay pending and the error is reported. Lock held.
     *
     * @return true when nothing is left pending
     */
    private boolean spillPending() {
        if (pendingCount() == 0) {
            return true;
        }
        try {
            Segment s = segments.getLast();
            long first = pending.get(pendingHead).position;
            if (s.end() != first) {
                Segment empty = s.size == 0 ? s : null;
                s = newSegment(first); // first: should it fail, the spool keeps the segment it had
                if (empty != null) {
                    segments.remove(empty);
                    unsynced.remove(empty);
                    empty.channel.close();
                    Files.deleteIfExists(empty.path);
                }
            }
            ByteBuffer b = writeBuffer.clear();
            int from = pendingHead;
            for (int i = pendingHead; i <= pending.size(); i++) {
                Cached c = i < pending.size() ? pending.get(i) : null;
                long need = c == null ? 0 : HEADER_BYTES + (long) c.envelope.size();
                boolean rolls = c != null && s.size + b.position() > 0 && s.size + b.position() + need > segmentBytes;
                if (c == null || rolls || need > b.remaining()) {
                    s = flushSpilled(s, b, from, i);
                    from = i;
                    b.clear();
                    if (rolls) {
                        s = newSegment(c.position);
                    }
                }
                if (c == null) {
                    break;
                }
                if (need > b.capacity()) {
                    write(s, c.envelope.body()); // (b is empty: it was just flushed)
                    s.size += need;
                    spilled(s, c);
                    from = i + 1;
                } else {
                    b.putInt(c.envelope.size()).putInt(crc(c.envelope.body())).put(c.envelope.body());
                }
            }
            return true;
        } catch (IOException ex) {
            errors.accept("cannot write to the spool in " + dir + ": " + ex);
            return false;
        } finally {
            prunePending(); // compacts the list
            recountUnread();
        }
    }

    /** Writes the records {@code [from, to)} of pending, encoded in {@code b}, at the end of {@code s}. */
    private Segment flushSpilled(Segment s, ByteBuffer b, int from, int to) throws IOException {
        if (from == to) {
            return s;
        }
        b.flip();
        writeAtEnd(s, b);
        for (int i = from; i < to; i++) {
            Cached c = pending.get(i);
            s.size += HEADER_BYTES + c.envelope.size();
            spilled(s, c);
        }
        return s;
    }

    /**
     * Writes {@code b} at the end of {@code s} (its size is not changed here); on failure cuts off
     * whatever part was written, since no half record may stay where the next one goes.
     */
    private static void writeAtEnd(Segment s, ByteBuffer b) throws IOException {
        try {
            long at = s.size;
            while (b.hasRemaining()) {
                at += s.channel.write(b, at);
            }
        } catch (IOException ex) {
            try {
                s.channel.truncate(s.size);
            } catch (IOException suppressed) {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    /** Bookkeeping of one pending record now in segment {@code s}: it leaves the pending list. */
    private void spilled(Segment s, Cached c) {
        pending.set(pendingHead++, null);
        unsynced.add(s);
        counters.spooled.increment();
        if (c.position >= readOffset) {
            remember(c.position, c.envelope);
        }
    }

    private int crc(byte[] body) {
        int len = body.length;
        writeCrc.reset();
        writeCrc.update(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
        writeCrc.update(body);
        return (int) writeCrc.getValue();
    }

    /** Writes one record at the end of {@code s} (through {@link #writeAtEnd}: a failed write leaves nothing behind). */
    private void write(Segment s, byte[] body) throws IOException {
        int len = body.length;
        ByteBuffer b = len + HEADER_BYTES <= writeBuffer.capacity() ? writeBuffer.clear() : ByteBuffer.allocate(len + HEADER_BYTES);
        writeAtEnd(s, b.putInt(len).putInt(crc(body)).put(body).flip());
    }

    /** Drops the oldest unacknowledged record by moving {@code committed} past it; false when none is left. */
    private boolean dropOldest() throws IOException {
        while (committed < writeOffset) {
            Item it = read(committed);
            if (it == null) {
                return false;
            }
            committed = it.end();
            readOffset = Math.max(readOffset, committed);
            prunePending();
            recountUnread();
            if (it.envelope() != null) {
                records--;
                counters.dropped(OutputCounters.SPOOL_FULL, 1);
                return true;
            }
        }
        return false;
    }

    private void persistPosition() throws IOException {
        positionFile.write(committed);
        positionUnsynced = true;
        deleteAcknowledged();
    }

    /** Envelopes held for the worker (tests). */
    int cached() {
        return (int) locked(cache::size);
    }

    /**
     * Keeps the envelope for the worker, so it need not read the record back, while the cache holds
     * every unread record from the reader's position on. A full cache means the worker is a whole
     * cache behind: newer records are then left to the disk (evicting older ones instead would keep
     * thousands of envelopes, parsed alerts included, on the heap only to drop them unread), and
     * caching resumes once the worker has caught up with the writer.
     */
    private void remember(long pos, Envelope e) {
        boolean contiguous = cache.isEmpty() ? readOffset == pos
                : cache.getLast().position + HEADER_BYTES + cache.getLast().envelope.size() == pos;
        if (cacheLimit > 0 && contiguous && cache.size() < cacheLimit && cacheBytes + e.size() <= CACHE_MAX_BYTES) {
            cache.addLast(new Cached(pos, e));
            cacheBytes += e.size();
        }
    }

    /**
     * The record at {@code pos}; an item without envelope when the reader must skip to its end (a
     * gap or a corrupt stretch); null when nothing is there yet. Lock held.
     */
    private Item read(long pos) throws IOException {
        if (pos >= writeOffset) {
            return null;
        }
        if (pos >= writtenEnd()) { // not written: pending, or resolved before it was written (a gap)
            int i = pendingAt(pos);
            if (i == pending.size()) {
                return new Item(null, pos, writeOffset);
            }
            Cached c = pending.get(i);
            return c.position == pos ? new Item(c.envelope, pos, pos + HEADER_BYTES + c.envelope.size())
                    : new Item(null, pos, c.position);
        }
        while (!cache.isEmpty() && cache.getFirst().position < pos) {
            cacheBytes -= cache.removeFirst().envelope.size();
        }
        if (!cache.isEmpty() && cache.getFirst().position == pos) {
            Envelope e = cache.getFirst().envelope;
            return new Item(e, pos, pos + HEADER_BYTES + e.size());
        }
        Segment s = null;
        for (int i = segments.size() - 1; i >= 0 && s == null; i--) {
            if (segments.get(i).base <= pos) {
                s = segments.get(i);
            }
        }
        if (s == null) {
            return new Item(null, pos, segments.getFirst().base);
        }
        long off = pos - s.base;
        if (off >= s.size) {
            int next = segments.indexOf(s) + 1;
            return next < segments.size() ? new Item(null, pos, segments.get(next).base) : null;
        }
        int len = reader.check(s, off);
        if (len >= 0) {
            return new Item(Envelope.ofBody(reader.body(off, len)), pos, pos + HEADER_BYTES + len);
        }
        counters.dropped(OutputCounters.SPOOL_CORRUPT, 1);
        records = Math.max(0, records - 1);
        errors.accept("corrupt record in " + s.path + " at byte " + off + ": skipped the rest of the segment");
        return new Item(null, pos, s.end());
    }

    @Override
    Item peekLocked() {
        try {
            Item it;
            while ((it = read(readOffset)) != null && it.envelope() == null) {
                readOffset = it.end();
            }
            return it;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool in " + dir, e);
        }
    }

    @Override
    void consumeLocked(Item item) {
        if (pendingCount() > 0 && item.position() >= pending.get(pendingHead).position) {
            pendingUnread--;
            pendingCursor++;
        }
        readOffset = item.end();
    }

    @Override
    void commitLocked(List<Item> batch) {
        long end = batch.getLast().end();
        if (end <= committed) {
            return; // drop_oldest went past the whole batch
        }
        long live = batch.stream().filter(i -> i.position() >= committed).count();
        committed = end;
        lastProgress = System.nanoTime();
        prunePending();
        records = committed >= writeOffset ? 0 : Math.max(0, records - live);
        try {
            persistPosition();
        } catch (IOException e) {
            errors.accept("cannot record the spool position in " + dir + " (items will be sent again after a restart): " + e);
        }
    }

    @Override
    List<Item> live(List<Item> items) {
        lock.lock();
        try {
            if (items.isEmpty() || items.getFirst().position() >= committed) {
                return items; // (a batch is in position order: nothing of it was dropped)
            }
            return items.stream().filter(i -> i.position() >= committed).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    long appendedMark() {
        return locked(() -> writeOffset);
    }

    @Override
    long resolvedMark() {
        return committed;
    }

    /** A spooled record survives the process, so it is acknowledged once it is on the device. */
    @Override
    long acknowledgedMark() {
        return locked(() -> Math.max(committed, durable));
    }

    @Override
    long size() {
        return locked(() -> records);
    }

    @Override
    long bytes() {
        return locked(() -> writeOffset - committed);
    }

    /** Writes the pending records, then syncs: everything accepted is then durable. */
    @Override
    boolean persist() {
        lock.lock();
        try {
            if (!spillPending()) {
                return false;
            }
        } finally {
            lock.unlock();
        }
        return sync();
    }

    /** Forces written records and the position to the device; outside the lock, so offers go on meanwhile. */
    @Override
    boolean sync() {
        synchronized (syncMutex) { // one sync at a time: a second must not publish a mark the first is still forcing
            return syncOnce();
        }
    }

    private boolean syncOnce() {
        List<FileChannel> channels = new ArrayList<>();
        long mark;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            if (stallNanos > 0 && pendingCount() > 0 && System.nanoTime() - lastProgress >= stallNanos) {
                spillPending(); // a stalled destination: what waits in memory goes to disk, then is acknowledged
            }
            mark = writtenEnd();
            unsynced.forEach(s -> channels.add(s.channel));
            unsynced.clear();
            if (positionUnsynced) {
                channels.add(positionFile.channel);
                positionUnsynced = false;
            }
        } finally {
            lock.unlock();
        }
        boolean ok = true;
        for (FileChannel ch : channels) {
            try {
                ch.force(false);
            } catch (ClosedChannelException e) {
                // deleted (acknowledged) or closed meanwhile: nothing left to keep
            } catch (IOException e) {
                ok = false;
                errors.accept("cannot sync the spool in " + dir + ": " + e);
            }
        }
        if (ok) {
            lock.lock();
            try {
                durable = Math.max(durable, mark);
            } finally {
                lock.unlock();
            }
        }
        return ok;
    }

    /** Forces everything to the device and closes the files; unacknowledged records stay for the next start. */
    @Override
    public void close() {
        shut(true);
    }

    /** A crash: closes the files without forcing or committing anything more (tests only). */
    void abandon() {
        shut(false);
    }

    private void shut(boolean force) {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                pending.clear(); // never acknowledged: their source delivers them again
                pendingHead = 0;
                pendingUnread = 0;
                pendingCursor = 0;
                closeChannels(force);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void closeChannels(boolean force) {
        List<FileChannel> all = new ArrayList<>();
        segments.forEach(s -> all.add(s.channel));
        if (positionFile != null) {
            all.add(positionFile.channel);
        }
        for (FileChannel ch : all) {
            try {
                if (force) {
                    ch.force(false);
                }
                ch.close();
            } catch (IOException e) {
                errors.accept("cannot close the spool in " + dir + ": " + e);
            }
        }
        try {
            if (fileLock != null) {
                fileLock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            errors.accept("cannot unlock the spool in " + dir + ": " + e);
        }
    }

    /** The committed offset in two alternating, checksummed 32-byte slots. */
    private static final class PositionFile {
        private static final int SLOT = 32;
        private static final int MAGIC = 0x56475350; // "VGSP"
        final FileChannel channel;
        private final ByteBuffer slot = ByteBuffer.allocate(SLOT);
        private long generation;
        long offset;

        PositionFile(Path path) throws IOException {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer b = ByteBuffer.allocate(2 * SLOT);
            while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
                // read both slots, or what there is
            }
            for (int i = 0; i + SLOT <= b.position(); i += SLOT) {
                if (b.getInt(i) == MAGIC && crc(b.array(), i) == b.getInt(i + 20) && b.getLong(i + 4) > generation) {
                    generation = b.getLong(i + 4);
                    offset = b.getLong(i + 12);
                }
            }
        }

        void write(long newOffset) throws IOException {
            generation++;
            slot.clear();
            slot.putInt(MAGIC).putLong(generation).putLong(newOffset);
            slot.putInt(crc(slot.array(), 0));
            slot.clear();
            long at = (generation & 1) * SLOT;
            while (slot.hasRemaining()) {
                at += channel.write(slot, at);
            }
            offset = newOffset;
        }

        private static int crc(byte[] b, int from) {
            CRC32C c = new CRC32C();
            c.update(b, from, 20);
            return (int) c.getValue();
        }
    }

    /** Reads records through one buffer (recovery, and the worker when the hand-off missed). Lock held. */
    private static final class RecordReader {
        private final CRC32C crc = new CRC32C();
        private byte[] buf = new byte[256 << 10];
        private Segment seg;
        private long start;
        private int length;

        /** The body length of the valid record at {@code off} of {@code s}, or -1 when the bytes there are not one. */
        int check(Segment s, long off) throws IOException {
            if (off + HEADER_BYTES > s.size || !fill(s, off, HEADER_BYTES)) {
                return -1;
            }
            int p = (int) (off - start);
            ByteBuffer b = ByteBuffer.wrap(buf);
            int len = b.getInt(p);
            int sum = b.getInt(p + 4);
            if (len < 0 || len > s.size - off - HEADER_BYTES || !fill(s, off, HEADER_BYTES + len)) {
                return -1;
            }
            p = (int) (off - start);
            crc.reset();
            crc.update(buf, p, 4);
            crc.update(buf, p + HEADER_BYTES, len);
            return (int) crc.getValue() == sum ? len : -1;
        }

        /** The body of the record {@link #check} just accepted at {@code off}. */
        byte[] body(long off, int len) {
            int p = (int) (off - start) + HEADER_BYTES;
            byte[] out = new byte[len];
            System.arraycopy(buf, p, out, 0, len);
            return out;
        }

        /** Drops the buffered bytes (after a truncation made them stale). */
        void forget() {
            seg = null;
        }

        private boolean fill(Segment s, long off, int n) throws IOException {
            if (s == seg && off >= start && off + n <= start + length) {
                return true;
            }
            if (n > buf.length) {
                buf = new byte[n];
            }
            int want = (int) Math.min(buf.length, s.size - off);
            if (want < n) {
                return false;
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, want);
            while (bb.hasRemaining() && s.channel.read(bb, off + bb.position()) >= 0) {
                // positional reads until the buffer is full or the file ends
            }
            seg = s;
            start = off;
            length = bb.position();
            return length >= n;
        }
    }
}
