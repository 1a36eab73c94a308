package dev.vigil.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * The content identity of a log file: two CRCs (CRC-32C and CRC-32, 64 bits together) over its
 * first line, at most {@link #MAX_BYTES} bytes. It survives renames, moves to another device and
 * compression (a {@code .gz} file is fingerprinted on its decompressed content), so a rotated file
 * is recognised as the one a checkpoint was written for. A file without a complete first line has
 * no fingerprint yet and is not read until it has one. Container log lines start with a
 * nanosecond timestamp, which makes equal first lines of different files unlikely; device and
 * inode tell apart the open files of this process.
 */
final class Fingerprint {
    static final int MAX_BYTES = 4096;

    private Fingerprint() {}

    /** The fingerprint of {@code file} as 16 hex digits, or null when its first line is not complete. */
    static String of(Path file) throws IOException {
        byte[] head = new byte[MAX_BYTES];
        int n;
        if (file.getFileName().toString().endsWith(".gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                n = in.readNBytes(head, 0, head.length);
            }
        } else {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                return of(ch);
            }
        }
        return of(head, n);
    }

    /** The fingerprint of the file open on {@code ch} (read from its start; the channel's position is kept). */
    static String of(FileChannel ch) throws IOException {
        byte[] head = new byte[MAX_BYTES];
        ByteBuffer b = ByteBuffer.wrap(head);
        long at = 0;
        int r;
        while (b.hasRemaining() && (r = ch.read(b, at)) > 0) {
            at += r; // fill up to MAX_BYTES or the end
        }
        return of(head, b.position());
    }

    /** The fingerprint of a file that starts with {@code head[0, n)}, or null without a complete line. */
    static String of(byte[] head, int n) {
        int nl = LineParser.indexOf(head, 0, n, (byte) '\n');
        int len = nl >= 0 ? nl : n == MAX_BYTES ? n : -1;
        if (len < 0) {
            return null;
        }
        CRC32C a = new CRC32C();
        a.update(head, 0, len);
        CRC32 b = new CRC32();
        b.update(head, 0, len);
        return String.format("%08x%08x", a.getValue(), b.getValue());
    }
}
