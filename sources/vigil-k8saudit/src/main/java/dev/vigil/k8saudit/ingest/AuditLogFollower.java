package dev.vigil.k8saudit.ingest;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Follows a kube-apiserver audit log (the log backend, {@code --audit-log-path}) that is rotated by rename: kube-apiserver
 * renames {@code audit.log} to {@code audit-<timestamp>.log}, optionally compresses it to {@code audit-<timestamp>.log.gz},
 * and opens a new {@code audit.log}.
 *
 * <ul>
 *   <li>Files are told apart by device and inode, plus a SHA-256 of their first bytes (up to 1 KiB), so a reused inode or a
 *       file rewritten in place is noticed, and a backup that was compressed after it was read is still recognised.</li>
 *   <li>The file being read is held open: after a rotation it is read to its end (under its new name) before the next file.
 *       Several rotations between two polls are taken in name order (the timestamp in the name).</li>
 *   <li>Only complete lines are parsed; a partial last line waits for its newline. A rotated file's last line is final and is
 *       parsed as it is (a malformed one is reported).</li>
 *   <li>After the {@link Sink} returns (the store has forced the events to disk) the {@link FollowCheckpoint} is written
 *       atomically. A restart resumes from it; events after it (at most one batch) are read again and the store's dedup drops them.</li>
 *   <li>Without a checkpoint every rotated backup ({@code .gz} too) is read, oldest first, then the live file.</li>
 *   <li>A live file that became shorter than the offset, or whose first bytes changed (copy-truncate, or rewritten in place),
 *       is read again from byte 0 after a warning.</li>
 * </ul>
 *
 * <p>{@link #pollOnce()} does one round of work and is what tests drive; {@link #start} runs it on a
 * {@link ScheduledExecutorService} with a fixed delay. Not thread-safe otherwise: one follower per log file.
 */
public final class AuditLogFollower implements Closeable {
    /** Where events go. Must return only once the events are durable (e.g. {@code AuditStore.appendAll}). */
    @FunctionalInterface
    public interface Sink {
        void append(List<AuditEvent> events) throws IOException;
    }

    /** Receives malformed lines and warnings. */
    public interface Reporter {
        void malformed(String file, long line, String message);

        void warning(String message);
    }

    static final int FINGERPRINT_BYTES = 1024;
    private static final String GZ = ".gz";

    private final Path live;
    private final Path dir;
    private final String liveName;
    private final String prefix;
    private final String ext;
    private final Path checkpointFile;
    private final Sink sink;
    private final Reporter reporter;
    private final int chunkBytes;

    private Source current;
    // written under this object's lock, read without it (metrics scrapes must not wait for a poll)
    private volatile long events;
    private volatile long malformed;
    private volatile boolean stopped;
    private ScheduledFuture<?> task;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    public AuditLogFollower(Path live, Path checkpointFile, Sink sink, Reporter reporter) {
        this(live, checkpointFile, sink, reporter, 1 << 20);
    }

    /** {@code chunkBytes}: how much is read (and handed to the sink) at most per batch, unless one line is longer. */
    public AuditLogFollower(Path live, Path checkpointFile, Sink sink, Reporter reporter, int chunkBytes) {
        this.live = live.toAbsolutePath().normalize();
        this.dir = this.live.getParent();
        this.liveName = this.live.getFileName().toString();
        int dot = liveName.lastIndexOf('.');
        this.prefix = (dot > 0 ? liveName.substring(0, dot) : liveName) + "-";
        this.ext = dot > 0 ? liveName.substring(dot) : "";
        this.checkpointFile = checkpointFile;
        this.sink = sink;
        this.reporter = reporter;
        this.chunkBytes = Math.max(16, chunkBytes);
    }

    /** Events handed to the sink so far. */
    public long events() {
        return events;
    }

    /** Malformed lines reported so far. */
    public long malformed() {
        return malformed;
    }

    /** The name of the file being read, or null before the first poll. */
    public synchronized String currentFile() {
        return current == null ? null : current.name;
    }

    /**
     * Reads everything that is available now: the rest of the current file, any rotated files after it, the live file up to its
     * last complete line. Returns the number of events handed to the sink.
     *
     * @throws IOException when reading fails or the sink fails (the checkpoint then stays before the failed batch)
     */
    public synchronized long pollOnce() throws IOException {
        long before = events;
        for (int round = 0; round < 100_000 && !stopped; round++) {
            if (current == null && !position()) {
                break;
            }
            if (!current.id.gz && (current.ch.size() < current.offset || !current.fingerprintStillMatches())) {
                warn(current.name + " was truncated or rewritten in place (copy-truncate?): reading it again from byte 0; "
                        + "lines written after offset " + current.offset + " and before the truncation may be lost");
                current.offset = 0;
                current.line = 0;
                current.fpLen = 0;
                current.fp = "";
                checkpoint();
            }
            drain(false);
            if (stopped) {
                break;
            }
            if (current.id.gz) {
                advance();
                if (current == null) {
                    break; // nothing after it yet (the live file is being recreated)
                }
                continue;
            }
            FileId now = stat(live, liveName);
            if (now == null || now.sameInode(current.id)) {
                break; // still the live file, or between the rename and the creation of the new one
            }
            current.name = nameOf(current.id);
            // rotated away: what the writer appended before renaming, then the final line, then the next file
            drain(true);
            if (stopped) {
                break;
            }
            advance();
            if (current == null) {
                break;
            }
        }
        return events - before;
    }

    /** Polls on {@code executor} every {@code every} (fixed delay) until {@link #stop()} or a failure. */
    public synchronized void start(ScheduledExecutorService executor, Duration every) {
        task = executor.scheduleWithFixedDelay(() -> {
            try {
                pollOnce();
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
                stopped = true;
                throw new IllegalStateException(e);
            }
        }, 0, Math.max(1, every.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Stops polling; returns once a poll under way has finished (its checkpoint is written). */
    public void stop() {
        stopped = true;
        ScheduledFuture<?> t;
        synchronized (this) {
            t = task;
        }
        if (t != null) {
            t.cancel(false);
        }
        synchronized (this) {
            done.complete(null);
        }
    }

    /** Blocks until {@link #stop()} was called or a poll failed (then rethrows its failure). */
    public void awaitStopped() throws IOException, InterruptedException {
        try {
            done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        stopped = true;
        if (current != null) {
            current.close();
            current = null;
        }
    }

    // ---- positioning

    /** Opens the checkpointed file at its offset, or the oldest file when there is no checkpoint. False when there is no file. */
    private boolean position() throws IOException {
        List<FileId> files = list();
        if (files.isEmpty()) {
            return false;
        }
        FollowCheckpoint c = FollowCheckpoint.read(checkpointFile);
        if (c == null) {
            return open(files.getFirst(), 0, 0);
        }
        for (FileId f : files) {
            if (!f.gz && f.dev == c.device() && f.ino == c.inode() && !matches(f, c)) {
                warn(f.name + " was rewritten in place since the checkpoint (its first bytes changed; copy-truncate?): reading it from byte 0");
                return open(f, 0, 0);
            }
            if (matches(f, c)) {
                return open(f, c.offset(), c.line());
            }
        }
        FileId next = null;
        if (!c.name().equals(liveName)) {
            String key = key(c.name());
            next = files.stream().filter(f -> key(f.name).compareTo(key) > 0).findFirst().orElse(null);
        }
        if (next == null) {
            next = files.getFirst();
        }
        warn("the checkpointed file " + c.name() + " (inode " + c.inode() + ") is gone (removed by --audit-log-maxbackup/--audit-log-maxage?): "
                + "lines after its offset " + c.offset() + " are lost; continuing with " + next.name
                + " (events already stored are dropped as duplicates)");
        return open(next, 0, 0);
    }

    private boolean matches(FileId f, FollowCheckpoint c) throws IOException {
        if (!f.gz && f.dev == c.device() && f.ino == c.inode()) {
            return c.fingerprintLength() == 0 || c.fingerprint().equals(fingerprint(f, c.fingerprintLength()));
        }
        // a compressed backup of the file: only recognisable by content once a line of it was read
        return f.gz && c.offset() > 0 && c.fingerprintLength() > 0 && c.fingerprint().equals(fingerprint(f, c.fingerprintLength()));
    }

    private boolean open(FileId f, long offset, long line) throws IOException {
        Source s = new Source(f);
        try {
            if (f.gz) {
                s.in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(f.path), 1 << 16), 1 << 16);
                try {
                    s.in.skipNBytes(offset);
                } catch (EOFException e) {
                    warn(f.name + " is shorter than the checkpoint offset " + offset + ": reading it from byte 0");
                    s.in.close();
                    s.in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(f.path), 1 << 16), 1 << 16);
                    offset = 0;
                    line = 0;
                }
            } else {
                s.ch = FileChannel.open(f.path, StandardOpenOption.READ);
                FileId again = stat(f.path, f.name);
                if (again == null || !again.sameInode(f)) {
                    s.close();
                    return false; // renamed under us: the next poll lists again
                }
                if (s.ch.size() < offset) {
                    warn(f.name + " is shorter (" + s.ch.size() + " bytes) than the checkpoint offset " + offset
                            + " (truncated?): reading it again from byte 0");
                    offset = 0;
                    line = 0;
                }
            }
        } catch (NoSuchFileException e) {
            s.close();
            return false;
        }
        s.offset = offset;
        s.line = line;
        current = s;
        s.refreshFingerprint();
        return true;
    }

    /** Moves from the finished current file to the one after it. */
    private void advance() throws IOException {
        Source done = current;
        List<FileId> files = list();
        int at = -1;
        for (int i = 0; i < files.size(); i++) {
            FileId f = files.get(i);
            if ((!f.gz && !done.id.gz && f.sameInode(done.id)) || (f.gz == done.id.gz && f.sameInode(done.id))
                    || (f.gz && done.fpLen > 0 && done.fp.equals(fingerprint(f, done.fpLen)))) {
                at = i;
            }
        }
        FileId next = null;
        if (at >= 0) {
            next = at + 1 < files.size() ? files.get(at + 1) : null;
        } else {
            String k = key(done.name);
            if (!done.name.equals(liveName)) {
                next = files.stream().filter(f -> key(f.name).compareTo(k) > 0).findFirst().orElse(null);
            }
            if (next == null) {
                next = files.isEmpty() ? null : files.getLast();
            }
        }
        done.close();
        current = null;
        if (next == null || (!next.gz && !done.id.gz && next.sameInode(done.id))) {
            return;
        }
        if (open(next, 0, 0)) {
            checkpoint();
        }
    }

    /** The name the current (rotated) file has now, for messages and the checkpoint. */
    private String nameOf(FileId id) throws IOException {
        for (FileId f : list()) {
            if (!f.gz && f.sameInode(id)) {
                return f.name;
            }
        }
        return current.name;
    }

    // ---- reading

    /** Reads complete lines (and with {@code last}, the final unterminated line too), hands the events over, checkpoints. */
    private void drain(boolean last) throws IOException {
        Source s = current;
        if (s.id.gz) {
            drainGz(s);
            return;
        }
        int limit = chunkBytes;
        while (!stopped) {
            long size = s.ch.size();
            long avail = size - s.offset;
            if (avail <= 0) {
                return;
            }
            int want = (int) Math.min(avail, limit);
            byte[] b = new byte[want];
            ByteBuffer bb = ByteBuffer.wrap(b);
            long pos = s.offset;
            while (bb.hasRemaining()) {
                int n = s.ch.read(bb, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            int got = bb.position();
            int end = lastNewline(b, got);
            if (end < 0) {
                if (got < avail && got == want) {
                    limit = (int) Math.min(Integer.MAX_VALUE - 16, (long) limit * 2); // one line longer than a chunk
                    continue;
                }
                if (last) {
                    batch(s, b, got, true);
                }
                return;
            }
            batch(s, b, end + 1, false);
            limit = chunkBytes;
        }
    }

    private void drainGz(Source s) throws IOException {
        byte[] carry = new byte[0];
        while (!stopped) {
            byte[] fresh;
            try {
                fresh = s.in.readNBytes(chunkBytes);
            } catch (EOFException e) {
                warn(s.id.name + ": the compressed file ends early (" + e.getMessage() + "): the rest of it is skipped");
                fresh = new byte[0];
            }
            byte[] b = Arrays.copyOf(carry, carry.length + fresh.length);
            System.arraycopy(fresh, 0, b, carry.length, fresh.length);
            if (fresh.length == 0) {
                if (b.length > 0) {
                    batch(s, b, b.length, true);
                }
                return;
            }
            int end = lastNewline(b, b.length);
            if (end < 0) {
                carry = b;
                continue;
            }
            batch(s, b, end + 1, false);
            carry = Arrays.copyOfRange(b, end + 1, b.length);
        }
    }

    private static int lastNewline(byte[] b, int len) {
        for (int i = len - 1; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void batch(Source s, byte[] b, int len, boolean unterminated) throws IOException {
        String text = new String(b, 0, len, StandardCharsets.UTF_8);
        List<AuditEvent> found = new ArrayList<>();
        long base = s.line;
        String name = s.name;
        AuditEventParser.Summary summary = new AuditEventParser().read(new StringReader(text), new AuditEventParser.Listener() {
            @Override
            public void event(AuditEvent event) {
                found.add(event);
            }

            @Override
            public void problem(AuditEventParser.Problem p) {
                malformed++;
                reporter.malformed(name, base + p.line(), p.message() + (unterminated ? " (the file's last line, without a newline)" : ""));
            }
        });
        if (!found.isEmpty()) {
            sink.append(found);
        }
        events += found.size();
        s.offset += len;
        s.line += unterminated ? summary.lines() : countNewlines(b, len);
        checkpoint();
    }

    private static long countNewlines(byte[] b, int len) {
        long n = 0;
        for (int i = 0; i < len; i++) {
            if (b[i] == '\n') {
                n++;
            }
        }
        return n;
    }

    private void checkpoint() throws IOException {
        Source s = current;
        s.refreshFingerprint();
        new FollowCheckpoint(s.id.dev, s.id.ino, s.fpLen, s.fp, s.name, s.offset, s.line).write(checkpointFile);
    }

    private void warn(String message) {
        reporter.warning(message);
    }

    // ---- files

    /** The rotated backups in name (= time) order, then the live file. A .gz whose uncompressed original still exists is left out. */
    List<FileId> list() throws IOException {
        List<FileId> backups = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        for (String n : names) {
            if (!n.startsWith(prefix) || n.equals(liveName)) {
                continue;
            }
            boolean gz = n.endsWith(ext + GZ);
            if (!gz && !n.endsWith(ext)) {
                continue;
            }
            if (gz && names.contains(n.substring(0, n.length() - GZ.length()))) {
                continue; // being compressed: the original is complete
            }
            FileId f = stat(dir.resolve(n), n);
            if (f != null) {
                backups.add(f);
            }
        }
        backups.sort(Comparator.comparing(f -> key(f.name)));
        FileId l = stat(live, liveName);
        if (l != null) {
            backups.add(l);
        }
        return backups;
    }

    private static String key(String name) {
        return name.endsWith(GZ) ? name.substring(0, name.length() - GZ.length()) : name;
    }

    static FileId stat(Path p, String name) throws IOException {
        try {
            Object dev = Files.getAttribute(p, "unix:dev");
            Object ino = Files.getAttribute(p, "unix:ino");
            if (!Files.isRegularFile(p)) {
                return null;
            }
            return new FileId(p, name, name.endsWith(GZ), ((Number) dev).longValue(), ((Number) ino).longValue());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** SHA-256 (hex) of the first {@code len} bytes of the (uncompressed) content, or null when it is shorter. */
    static String fingerprint(FileId f, int len) throws IOException {
        try (InputStream raw = Files.newInputStream(f.path); InputStream in = f.gz ? new GZIPInputStream(raw) : raw) {
            byte[] b = in.readNBytes(len);
            return b.length < len ? null : sha256(b, len);
        } catch (NoSuchFileException | EOFException e) {
            return null;
        } catch (java.util.zip.ZipException e) {
            return null;
        }
    }

    static String sha256(byte[] b, int len) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(b, 0, len);
            return FollowCheckpoint.hex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    record FileId(Path path, String name, boolean gz, long dev, long ino) {
        boolean sameInode(FileId o) {
            return dev == o.dev && ino == o.ino;
        }
    }

    private static final class Source {
        final FileId id;
        FileChannel ch;
        InputStream in;
        long offset;
        long line;
        int fpLen;
        String fp = "";
        String name;

        Source(FileId id) {
            this.id = id;
            this.name = id.name;
        }

        /** Fingerprints up to {@link #FINGERPRINT_BYTES} of what is there now, once more than last time is there. */
        void refreshFingerprint() throws IOException {
            if (fpLen >= FINGERPRINT_BYTES) {
                return;
            }
            if (ch != null) {
                int n = (int) Math.min(FINGERPRINT_BYTES, ch.size());
                if (n > fpLen) {
                    byte[] b = readAt(n);
                    fpLen = b.length;
                    fp = sha256(b, b.length);
                }
            } else if (fpLen == 0) {
                try (InputStream in2 = new GZIPInputStream(Files.newInputStream(id.path))) {
                    byte[] b = in2.readNBytes(FINGERPRINT_BYTES);
                    fpLen = b.length;
                    fp = sha256(b, b.length);
                } catch (IOException e) {
                    // deleted or damaged: no fingerprint; the file is finished anyway
                }
            }
        }

        boolean fingerprintStillMatches() throws IOException {
            if (fpLen == 0) {
                return true;
            }
            byte[] b = readAt(fpLen);
            return b.length == fpLen && fp.equals(sha256(b, b.length));
        }

        private byte[] readAt(int n) throws IOException {
            ByteBuffer bb = ByteBuffer.allocate(n);
            long pos = 0;
            while (bb.hasRemaining()) {
                int r = ch.read(bb, pos);
                if (r < 0) {
                    break;
                }
                pos += r;
            }
            return Arrays.copyOf(bb.array(), bb.position());
        }

        void close() throws IOException {
            if (ch != null) {
                ch.close();
            }
            if (in != null) {
                in.close();
            }
        }
    }
}
