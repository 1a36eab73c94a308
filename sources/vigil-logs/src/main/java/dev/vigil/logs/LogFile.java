package dev.vigil.logs;

import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.LogRecordEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * One log file being read: its identity, an open handle (kept across renames and deletion, so a
 * rotated or removed file is still read to its end), the bytes read but not yet cut into lines,
 * and the lines held back because they are not complete yet (CRI {@code P} fragments, docker
 * pieces, an open multiline group). {@link #safeOffset()} is where a restart must read again
 * from: before it every byte is in an emitted record. Used by the shipper thread only.
 */
final class LogFile implements AutoCloseable {
    /** How the lines of a file are read. */
    enum Format { CONTAINER, PLAIN }

    /** Lines of one stream waiting for their final fragment. */
    private static final class Joined {
        final ByteBuilder message = new ByteBuilder();
        byte[] ts;
        long offset = -1;
        boolean truncated;

        boolean open() {
            return offset >= 0;
        }

        void clear() {
            message.len = 0;
            offset = -1;
            truncated = false;
        }
    }

    /** A growable byte array. */
    static final class ByteBuilder {
        byte[] b = new byte[256];
        int len;

        void add(byte[] src, int off, int n) {
            if (len + n > b.length) {
                b = Arrays.copyOf(b, Math.max(b.length * 2, len + n));
            }
            System.arraycopy(src, off, b, len, n);
            len += n;
        }
    }

    final long dev;
    final long inode;
    final String fingerprint;
    final Checkpoints.Entry entry;
    final Format format;
    Path path;
    /** Rotated away or deleted: read to the end, then close. */
    boolean draining;
    long linesRead;
    long bytesRead;
    long lastDataNanos = System.nanoTime();

    private final FileChannel channel;
    private final InputStream gzip;
    private final byte[] meta;
    private final int maxMessage;
    private final Pattern multilineStart;
    private final LineParser parser = new LineParser();
    private final byte[] buf;
    private int start;
    private int end;
    /** The file offset of buf[0]. */
    private long base;
    private boolean skipping;
    private final Joined out = new Joined();
    private final Joined err = new Joined();
    private final Joined group = new Joined();
    private String groupStream;
    private boolean groupMalformed;
    long records;
    long malformed;
    long truncated;

    /**
     * @param opened the file already open (by the scan, which checked that it is the file of
     *     {@code dev}/{@code inode}), or null to open {@code path} here (compressed files)
     */
    LogFile(Path path, long dev, long inode, String fingerprint, Checkpoints.Entry entry, Format format, String node,
            int bufferBytes, Pattern multilineStart, FileChannel opened) throws IOException {
        this.path = path;
        this.dev = dev;
        this.inode = inode;
        this.fingerprint = fingerprint;
        this.entry = entry;
        this.format = format;
        this.buf = new byte[bufferBytes];
        this.maxMessage = bufferBytes;
        this.multilineStart = multilineStart;
        PodPath pod = format == Format.CONTAINER ? PodPath.of(path) : null;
        this.meta = LogRecordEncoder.fileMeta(pod == null ? null : pod.namespace(), pod == null ? null : pod.pod(),
                pod == null ? null : pod.uid(), pod == null ? null : pod.container(), pod == null ? -1 : pod.restart(), node,
                path.toString(), fingerprint);
        this.base = entry.offset;
        if (opened != null) {
            this.channel = opened;
            this.gzip = null;
        } else if (path.getFileName().toString().endsWith(".gz")) {
            this.channel = null;
            InputStream in = new GZIPInputStream(Files.newInputStream(path), 64 << 10);
            try {
                in.skipNBytes(entry.offset);
            } catch (IOException e) {
                in.close();
                throw e;
            }
            this.gzip = in;
        } else {
            this.channel = FileChannel.open(path, StandardOpenOption.READ);
            this.gzip = null;
        }
    }

    boolean compressed() {
        return gzip != null;
    }

    /** Bytes not read yet (the lag), for a plain file. */
    long lag() throws IOException {
        return channel == null ? 0 : Math.max(0, channel.size() - (base + end));
    }

    /** Whether the file is now shorter than what was read: truncated in place (copytruncate). */
    boolean truncatedInPlace() throws IOException {
        return channel != null && channel.size() < base + end;
    }

    /**
     * Reads once (at most the buffer) and cuts what came into records, appended to {@code sink}.
     *
     * @param nodeTime the time given to lines that carry none (node logs)
     * @return the bytes read, or -1 at the end of the file
     */
    int read(List<Envelope> sink, LogRecordEncoder enc, byte[] nodeTime) throws IOException {
        if (end == buf.length) {
            if (start > 0) {
                compact();
            } else {
                // a line longer than the buffer: ship what we have, skip the rest of it
                line(0, end, true, sink, enc, nodeTime);
                start = end;
                skipping = true;
                compact();
            }
        }
        int n = gzip != null ? gzip.read(buf, end, buf.length - end)
                : channel.read(ByteBuffer.wrap(buf, end, buf.length - end), base + end);
        if (n <= 0) {
            return -1;
        }
        end += n;
        bytesRead += n;
        lastDataNanos = System.nanoTime();
        int i = start;
        int nl;
        while ((nl = LineParser.indexOf(buf, i, end, (byte) '\n')) >= 0) {
            if (skipping) {
                skipping = false;
            } else {
                line(i, nl, false, sink, enc, nodeTime);
            }
            i = nl + 1;
        }
        start = i;
        return n;
    }

    private void compact() {
        System.arraycopy(buf, start, buf, 0, end - start);
        base += start;
        end -= start;
        start = 0;
    }

    private void line(int s, int e, boolean cut, List<Envelope> sink, LogRecordEncoder enc, byte[] nodeTime) {
        linesRead++;
        long offset = base + s;
        LineParser p = parser;
        if (format == Format.PLAIN) {
            int len = e - s;
            if (len > 0 && buf[e - 1] == '\r') {
                len--;
            }
            p.plain(buf, s, len);
            emit(nodeTime, 0, nodeTime.length, buf, s, len, null, offset, false, cut, sink, enc);
            return;
        }
        p.parse(buf, s, e - s);
        if (p.malformed) {
            malformed++;
            emit(nodeTime, 0, nodeTime.length, buf, s, e - s, null, offset, true, cut, sink, enc);
            return;
        }
        Joined j = p.stream == LineParser.STDOUT ? out : err;
        if (!p.partial && !j.open()) {
            emit(p.tsBuf, p.tsOff, p.tsLen, p.msgBuf, p.msgOff, p.msgLen, p.stream, offset, false, cut, sink, enc);
            return;
        }
        if (!j.open()) {
            j.offset = offset;
            j.ts = Arrays.copyOfRange(p.tsBuf, p.tsOff, p.tsOff + p.tsLen);
        }
        int room = maxMessage - j.message.len;
        if (p.msgLen > room) {
            j.truncated = true;
        }
        j.message.add(p.msgBuf, p.msgOff, Math.max(0, Math.min(room, p.msgLen)));
        if (!p.partial) {
            emit(j.ts, 0, j.ts.length, j.message.b, 0, j.message.len, p.stream, j.offset, false, j.truncated || cut, sink, enc);
            j.clear();
        }
    }

    private void emit(byte[] ts, int tsOff, int tsLen, byte[] msg, int off, int len, String stream, long offset,
            boolean bad, boolean cut, List<Envelope> sink, LogRecordEncoder enc) {
        if (multilineStart == null) {
            record(ts, tsOff, tsLen, msg, off, len, stream, offset, bad, cut, sink, enc);
            return;
        }
        boolean starts = multilineStart.matcher(new String(msg, off, len, StandardCharsets.UTF_8)).find();
        if (group.open() && !starts && stream == groupStream && group.message.len + len + 1 <= maxMessage) {
            group.message.add(new byte[] {'\n'}, 0, 1);
            group.message.add(msg, off, len);
            group.truncated |= cut;
            return;
        }
        flushGroup(sink, enc);
        group.offset = offset;
        group.ts = Arrays.copyOfRange(ts, tsOff, tsOff + tsLen);
        group.message.add(msg, off, len);
        group.truncated = cut;
        groupStream = stream;
        groupMalformed = bad;
    }

    /** Emits the open multiline group (the next line did not continue it in time, or the file ends). */
    void flushGroup(List<Envelope> sink, LogRecordEncoder enc) {
        if (group.open()) {
            record(group.ts, 0, group.ts.length, group.message.b, 0, group.message.len, groupStream, group.offset,
                    groupMalformed, group.truncated, sink, enc);
            group.clear();
        }
    }

    /** At the end of a rotated or deleted file: what is held back is emitted as it is, marked truncated. */
    void flushAll(List<Envelope> sink, LogRecordEncoder enc) {
        for (Joined j : new Joined[] {out, err}) {
            if (j.open()) {
                emit(j.ts, 0, j.ts.length, j.message.b, 0, j.message.len, j == out ? LineParser.STDOUT : LineParser.STDERR,
                        j.offset, false, true, sink, enc);
                j.clear();
            }
        }
        flushGroup(sink, enc);
    }

    private void record(byte[] ts, int tsOff, int tsLen, byte[] msg, int off, int len, String stream, long offset,
            boolean bad, boolean cut, List<Envelope> sink, LogRecordEncoder enc) {
        records++;
        truncated += cut ? 1 : 0;
        sink.add(Envelope.ofBody(enc.record(ts, tsOff, tsLen, msg, off, len, stream, meta, offset, bad, cut)));
    }

    /** Where reading must start again after a restart: the first byte of a line not yet in a record. */
    long safeOffset() {
        long s = base + start;
        for (Joined j : new Joined[] {out, err, group}) {
            if (j.open()) {
                s = Math.min(s, j.offset);
            }
        }
        return s;
    }

    /** The offset after the last byte read. */
    long position() {
        return base + end;
    }

    @Override
    public void close() {
        try {
            if (channel != null) {
                channel.close();
            } else {
                gzip.close();
            }
        } catch (IOException e) {
            // closing a read-only handle: nothing is lost
        }
    }
}
