package dev.vigil.logs;

import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.LogRecordEncoder;
import dev.vigil.pipeline.Output;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Ships container and node logs into outputs with end-to-end acknowledgement.
 *
 * <h2>Loop</h2>
 * One thread ({@link #run}) scans for files every {@code scanInterval}, reads every open file in
 * turn (a chunk of at most the buffer size each), hands the records to every output with
 * {@link Output#offerWaiting} (a full buffer makes reading pause, nothing is dropped), and moves
 * checkpoints forward as the outputs acknowledge.
 *
 * <h2>Acknowledgement</h2>
 * After each chunk the shipper notes, per output, the backlog position after the chunk's records
 * and the file offset it may resume from ({@link LogFile#safeOffset}). A note is settled once every
 * output's {@link Output#acknowledged()} has passed its position (delivered or dead-lettered, or
 * durably in a spool); only then does the checkpoint move, and the checkpoint file is rewritten at
 * most every {@code checkpointInterval}. After a kill -9 the files are read again from the last
 * checkpoint: every line arrives, and only lines after the last settled note can arrive twice.
 *
 * <h2>Files</h2>
 * Files are known by device and inode while open and by {@link Fingerprint} in checkpoints. A file
 * renamed away (kubelet rotation) or deleted keeps its handle and is read to the end before the
 * new file of the same directory is read; a rotated sibling ({@code 0.log.<time>} or its
 * {@code .gz}) is read when a checkpoint says it was left unfinished, or when it was written after
 * the checkpoints were first made (rotated while the shipper was behind or down). A file that shrinks
 * below what was read was truncated in place and is read again from the start.
 */
public final class LogShipper implements AutoCloseable {

    /**
     * @param podsDir           kubelet's pod log directory, or null
     * @param nodeLogs          globs of node log files ({@code /var/log/*.log}: wildcards in the file name only)
     * @param node              the node name put in every record
     * @param multilineStart    a line matching this starts a record; others join the one before (null: off)
     */
    public record Settings(Path podsDir, List<String> nodeLogs, Path checkpoints, String node, Pattern multilineStart,
            Duration scanInterval, Duration checkpointInterval, Duration multilineTimeout, int bufferBytes) {
        public Settings {
            Objects.requireNonNull(checkpoints, "checkpoints");
            nodeLogs = List.copyOf(nodeLogs);
            if (bufferBytes < 1024) {
                throw new IllegalArgumentException("the read buffer must be at least 1 KiB");
            }
        }

        public static Settings defaults(Path podsDir, List<String> nodeLogs, Path checkpoints, String node) {
            return new Settings(podsDir, nodeLogs, checkpoints, node, null, Duration.ofSeconds(1), Duration.ofMillis(250),
                    Duration.ofSeconds(1), 256 << 10);
        }
    }

    /** File times come from a coarse kernel clock: a file written just after start may look a little older. */
    private static final long CLOCK_SLACK_MILLIS = 2_000;

    private record DevInode(long dev, long inode) {}

    /** The outputs' positions after a chunk, and where its file may resume from once they are acknowledged. */
    private record Note(long[] marks, LogFile file, long offset, boolean finished, int records) {}

    private final Settings settings;
    private final List<Output> outputs;
    private final Checkpoints checkpoints;
    private final LogMetrics metrics = new LogMetrics();
    private final LogRecordEncoder encoder = new LogRecordEncoder();
    private final Map<DevInode, LogFile> open = new LinkedHashMap<>();
    /** Files read to their end (or not to be read), with their fingerprints. */
    private final Map<DevInode, String> finished = new HashMap<>();
    private final ArrayDeque<Note> notes = new ArrayDeque<>();
    /** The records of one chunk; reused, since the outputs take the items, not the list. */
    private final List<Envelope> batch = new ArrayList<>(4096);
    private final long[] lastMarks;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private long nextScan;
    private long lastSave;
    private long unacknowledged;

    public LogShipper(Settings settings, List<Output> outputs) throws IOException {
        this.settings = settings;
        this.outputs = List.copyOf(outputs);
        if (this.outputs.isEmpty()) {
            throw new IllegalArgumentException("at least one output");
        }
        this.checkpoints = Checkpoints.open(settings.checkpoints());
        this.lastMarks = new long[this.outputs.size()];
    }

    public LogMetrics metrics() {
        return metrics;
    }

    /** Reads and ships until {@link #stop()}; then waits up to {@code drain} for the outputs and saves the checkpoints. */
    public void run(Duration drain) throws InterruptedException {
        try {
            while (stop.getCount() > 0) {
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    scan();
                    nextScan = now + settings.scanInterval().toNanos();
                }
                boolean progress = readPass();
                settle(false);
                if (!progress) {
                    stop.await(20, TimeUnit.MILLISECONDS);
                }
            }
            long end = System.nanoTime() + drain.toNanos();
            for (Output o : outputs) {
                o.flush(Duration.ofNanos(Math.max(0, end - System.nanoTime())));
            }
            settle(true);
        } finally {
            open.values().forEach(LogFile::close);
            stopped.countDown();
        }
    }

    /** Asks {@link #run} to finish; thread-safe. */
    public void stop() {
        stop.countDown();
    }

    /** Stops and waits for {@link #run} to end, at most {@code wait}. */
    @Override
    public void close() {
        stop();
        try {
            stopped.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- discovery

    private void scan() {
        Map<DevInode, Path> found = new LinkedHashMap<>();
        Map<DevInode, LogFile.Format> formats = new HashMap<>();
        Map<DevInode, Boolean> live = new HashMap<>();
        if (settings.podsDir() != null) {
            for (Path f : podLogs(settings.podsDir())) {
                PodPath p = PodPath.of(f);
                if (p != null && !PodPath.transientFile(f.getFileName().toString())) {
                    identify(f, found, formats, live, LogFile.Format.CONTAINER, p.live());
                }
            }
        }
        for (String glob : settings.nodeLogs()) {
            for (Path f : expand(glob)) {
                identify(f, found, formats, live, LogFile.Format.PLAIN, true);
            }
        }
        Set<String> seen = new HashSet<>();
        for (Map.Entry<DevInode, Path> e : found.entrySet()) {
            DevInode key = e.getKey();
            Path path = e.getValue();
            LogFile f = open.get(key);
            if (f != null) {
                seen.add(f.fingerprint);
                if (!f.path.equals(path)) {
                    f.path = path;
                }
                if (!live.get(key) && !f.draining) {
                    f.draining = true;
                    metrics.rotations.increment();
                }
                continue;
            }
            String done = finished.get(key);
            if (done != null) {
                seen.add(done);
                continue;
            }
            FileChannel ch = null;
            try {
                String fp;
                if (path.getFileName().toString().endsWith(".gz")) {
                    fp = Fingerprint.of(path); // compressed rotated files are never renamed over
                } else {
                    // open by name, then make sure the name still leads to the file listed: kubelet may have
                    // renamed it and created a new one meanwhile, and the new one must not be read as the old
                    ch = FileChannel.open(path, StandardOpenOption.READ);
                    if (!key.equals(devInode(path))) {
                        ch.close();
                        continue; // found again under its new name at the next scan
                    }
                    fp = Fingerprint.of(ch);
                }
                if (fp == null) {
                    closeQuietly(ch);
                    continue; // no complete first line yet
                }
                seen.add(fp);
                Checkpoints.Entry c = checkpoints.get(fp);
                if (!live.get(key) && (c == null ? Files.getLastModifiedTime(path).toMillis() < checkpoints.since() - CLOCK_SLACK_MILLIS : c.done)) {
                    finished.put(key, fp); // rotated before we started shipping, or already read to the end
                    closeQuietly(ch);
                    continue;
                }
                c = checkpoints.entry(fp, path.toString(), key.dev(), key.inode());
                if (!path.getFileName().toString().endsWith(".gz") && Files.size(path) < c.offset) {
                    checkpoints.reset(c);
                    metrics.truncations.increment();
                }
                LogFile lf = new LogFile(path, key.dev(), key.inode(), fp, c, formats.get(key), settings.node(),
                        settings.bufferBytes(), settings.multilineStart(), ch);
                ch = null; // the LogFile owns it now
                lf.draining = !live.get(key) || lf.compressed();
                open.put(key, lf);
                metrics.filesOpened.increment();
            } catch (NoSuchFileException gone) {
                // removed since the listing
            } catch (IOException ex) {
                metrics.readErrors.increment();
            } finally {
                closeQuietly(ch);
            }
        }
        for (Map.Entry<DevInode, LogFile> e : open.entrySet()) {
            seen.add(e.getValue().fingerprint);
            if (!found.containsKey(e.getKey()) && !e.getValue().draining) {
                e.getValue().draining = true; // deleted: read what the handle still holds
            }
        }
        finished.keySet().retainAll(found.keySet());
        checkpoints.retainOnly(seen);
    }

    /** The device and inode {@code f} leads to now, or null when it is gone. */
    private static DevInode devInode(Path f) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(f, "unix:dev,ino");
            return new DevInode(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing was read through it
            }
        }
    }

    private void identify(Path f, Map<DevInode, Path> found, Map<DevInode, LogFile.Format> formats,
            Map<DevInode, Boolean> live, LogFile.Format format, boolean isLive) {
        try {
            DevInode key = devInode(f);
            if (key == null) {
                return; // removed since the listing
            }
            if (!Files.isRegularFile(f) || found.putIfAbsent(key, f) != null) {
                return; // a directory, or a second name of the same file (the /var/log/containers links)
            }
            formats.put(key, format);
            live.put(key, isLive);
        } catch (NoSuchFileException gone) {
            // removed since the listing
        } catch (IOException | UnsupportedOperationException e) {
            metrics.readErrors.increment();
        }
    }

    /** {@code <pods>/<pod dir>/<container>/<files>}, oldest name first so rotated files come before live ones. */
    private static List<Path> podLogs(Path pods) {
        List<Path> out = new ArrayList<>();
        for (Path pod : list(pods, "*")) {
            for (Path container : list(pod, "*")) {
                List<Path> files = list(container, "*.log*");
                files.sort(null);
                out.addAll(files);
            }
        }
        return out;
    }

    private static List<Path> expand(String glob) {
        Path p = Path.of(glob);
        Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
        List<Path> files = list(dir, p.getFileName().toString());
        files.sort(null);
        return files;
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        } catch (IOException | UncheckedIOException e) {
            // the directory went away meanwhile
        }
        return out;
    }

    // ---------------------------------------------------------------- reading

    /** Reads each open file once; true when anything was read. */
    private boolean readPass() throws InterruptedException {
        byte[] now = Instant.now().toString().getBytes(StandardCharsets.US_ASCII);
        // per directory, the oldest rotated (or deleted) file is read first, and the live one last
        Map<Path, LogFile> draining = new HashMap<>();
        for (LogFile f : open.values()) {
            if (f.draining) {
                draining.putIfAbsent(f.path.getParent(), f);
            }
        }
        boolean progress = false;
        List<LogFile> closed = new ArrayList<>();
        for (LogFile f : List.copyOf(open.values())) {
            if (stop.getCount() == 0) {
                break;
            }
            LogFile first = draining.get(f.path.getParent());
            if (first != null && first != f) {
                continue; // an older file of this directory is read to its end first
            }
            long lines = f.linesRead;
            long bad = f.malformed;
            long cut = f.truncated;
            List<Envelope> batch = this.batch;
            batch.clear();
            int n;
            try {
                n = f.read(batch, encoder, now);
            } catch (IOException e) {
                metrics.readErrors.increment();
                n = -1;
            }
            boolean finish = false;
            if (n < 0) {
                if (settings.multilineStart() != null
                        && System.nanoTime() - f.lastDataNanos >= settings.multilineTimeout().toNanos()) {
                    f.flushGroup(batch, encoder);
                }
                if (f.draining) {
                    f.flushAll(batch, encoder);
                    finish = true;
                } else if (truncated(f)) {
                    open.values().remove(f);
                    f.close();
                    metrics.truncations.increment();
                    checkpoints.reset(f.entry);
                    nextScan = System.nanoTime(); // find it again at once, from the start
                    continue;
                }
            } else {
                progress = true;
                metrics.bytesRead.add(n);
            }
            if (!batch.isEmpty() || finish || n > 0) {
                ship(batch, f, finish);
            }
            metrics.linesRead.add(f.linesRead - lines);
            metrics.records.add(batch.size());
            metrics.malformed.add(f.malformed - bad);
            metrics.truncated.add(f.truncated - cut);
            figures(f);
            if (finish) {
                closed.add(f);
            }
        }
        for (LogFile f : closed) {
            open.remove(new DevInode(f.dev, f.inode));
            finished.put(new DevInode(f.dev, f.inode), f.fingerprint);
            metrics.files.remove(f.path.toString());
            f.close();
        }
        return progress;
    }

    private boolean truncated(LogFile f) {
        try {
            return f.truncatedInPlace();
        } catch (IOException e) {
            return false;
        }
    }

    private void figures(LogFile f) {
        long lag;
        try {
            lag = f.lag();
        } catch (IOException e) {
            lag = 0;
        }
        metrics.files.put(f.path.toString(), new LogMetrics.FileFigures(f.linesRead, f.bytesRead, lag));
    }

    /** Hands {@code batch} to every output (waiting while one is full) and notes where the file may resume. */
    private void ship(List<Envelope> batch, LogFile f, boolean finish) throws InterruptedException {
        for (int i = 0; i < outputs.size(); i++) {
            List<Envelope> rest = batch;
            while (!rest.isEmpty()) {
                Output.Taken t = outputs.get(i).offerWaiting(rest, Duration.ofMillis(200));
                if (t.count() > 0) {
                    lastMarks[i] = Math.max(lastMarks[i], t.mark());
                }
                rest = rest.subList(t.count(), rest.size());
                if (!rest.isEmpty()) {
                    metrics.backpressureWaits.increment();
                    settle(false);
                    if (stop.getCount() == 0) {
                        return; // not noted: read again after the restart
                    }
                }
            }
        }
        unacknowledged += batch.size();
        notes.add(new Note(lastMarks.clone(), f, finish ? f.position() : f.safeOffset(), finish, batch.size()));
        metrics.unacknowledgedRecords = unacknowledged;
    }

    /** Moves checkpoints past every acknowledged note; saves them when due (or {@code force}). */
    private void settle(boolean force) {
        long[] acked = new long[outputs.size()];
        for (int i = 0; i < acked.length; i++) {
            acked[i] = outputs.get(i).acknowledged();
        }
        while (!notes.isEmpty() && acknowledged(notes.peekFirst(), acked)) {
            Note n = notes.pollFirst();
            checkpoints.advance(n.file().entry, n.offset());
            if (n.finished()) {
                checkpoints.finish(n.file().entry);
            }
            unacknowledged -= n.records();
        }
        metrics.unacknowledgedRecords = unacknowledged;
        long now = System.nanoTime();
        if (force || now - lastSave >= settings.checkpointInterval().toNanos()) {
            lastSave = now;
            try {
                if (checkpoints.save()) {
                    metrics.checkpointWrites.increment();
                }
            } catch (IOException e) {
                metrics.readErrors.increment();
                System.err.println("vigil: logs: cannot save checkpoints in " + settings.checkpoints() + ": " + e);
            }
        }
    }

    private static boolean acknowledged(Note n, long[] acked) {
        for (int i = 0; i < acked.length; i++) {
            if (n.marks()[i] > acked[i]) {
                return false;
            }
        }
        return true;
    }
}
