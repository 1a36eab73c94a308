package dev.vigil.k8saudit.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Properties;

/**
 * Where a {@link AuditLogFollower} is: the identity of the file it reads (device, inode, a SHA-256 of its first
 * {@code fingerprintLength} bytes, the name it last had) and the byte offset and line count just after the last complete line whose
 * events the store has durably appended.
 */
public record FollowCheckpoint(long device, long inode, int fingerprintLength, String fingerprint, String name, long offset, long line) {
    private static final String VERSION = "1";

    /** Reads a checkpoint file; null when there is none. */
    public static FollowCheckpoint read(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!VERSION.equals(p.getProperty("version"))) {
            throw new IOException(file + ": not a vigil follow checkpoint (version " + p.getProperty("version") + ")");
        }
        try {
            return new FollowCheckpoint(Long.parseLong(p.getProperty("device")), Long.parseLong(p.getProperty("inode")),
                    Integer.parseInt(p.getProperty("fingerprintLength")), p.getProperty("fingerprint", ""), p.getProperty("name", ""),
                    Long.parseLong(p.getProperty("offset")), Long.parseLong(p.getProperty("line")));
        } catch (RuntimeException e) {
            throw new IOException(file + ": damaged follow checkpoint: " + e.getMessage(), e);
        }
    }

    /** Writes atomically: a temporary file in the same directory, forced, renamed over {@code file}, then the directory forced. */
    public void write(Path file) throws IOException {
        String text = "version=" + VERSION + "\ndevice=" + device + "\ninode=" + inode + "\nfingerprintLength=" + fingerprintLength
                + "\nfingerprint=" + fingerprint + "\nname=" + escape(name) + "\noffset=" + offset + "\nline=" + line + "\n";
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot force a directory; the rename is still atomic
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '=' || c == ':' || c == '#' || c == '!' || c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
