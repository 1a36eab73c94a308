package dev.vigil.outputs.http;

import dev.vigil.pipeline.Batching;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Appends one JSON line per alert or log record (the record's document as it is). Before a line would take the file past {@code maxSize}, the
 * file is rotated: {@code path.N-1} → {@code path.N} … {@code path} → {@code path.1}, dropping
 * what was {@code path.maxFiles} (with {@code maxFiles} 0 the file simply starts over). A failed
 * write is retried, so after an error some lines of the batch may be written twice.
 */
final class FileSink extends AlertSink {
    private final Path path;
    private final long maxSize;
    private final int maxFiles;
    private OutputStream out;
    private long size;

    FileSink(Path path, long maxSize, int maxFiles) {
        this.path = path.toAbsolutePath();
        this.maxSize = maxSize;
        this.maxFiles = maxFiles;
    }

    static FileSink create(OutputSettings s) throws ConfigException {
        Path path = s.path("path", true);
        long maxSize = s.bytes("maxsize", 100L << 20);
        if (maxSize < 1) {
            throw s.error("maxsize", "must be at least 1 byte");
        }
        return new FileSink(path, maxSize, s.integer("maxfiles", 5, 0, 1000));
    }

    @Override
    public Batching batching() {
        return new Batching(500, 1 << 20, Duration.ZERO);
    }

    @Override
    SendResult deliver(List<FalcoAlert> alerts) {
        return writeAll(alerts.size(), i -> (alerts.get(i).toJson() + "\n").getBytes(StandardCharsets.UTF_8), 0);
    }

    @Override
    SendResult deliverLogs(List<Envelope> logs) {
        return writeAll(logs.size(), i -> logs.get(i).body(), 1);
    }

    /** Writes {@code count} lines: the bytes of each from {@code skip} on, and a newline unless they end with one. */
    private SendResult writeAll(int count, IntFunction<byte[]> line, int skip) {
        try {
            for (int i = 0; i < count; i++) {
                byte[] b = line.apply(i);
                boolean nl = b.length > skip && b[b.length - 1] == '\n';
                int n = b.length - skip + (nl ? 0 : 1);
                if (out == null) {
                    open();
                }
                if (size > 0 && size + n > maxSize) {
                    rotate();
                }
                out.write(b, skip, b.length - skip);
                if (!nl) {
                    out.write('\n');
                }
                size += n;
            }
            out.flush();
            return SendResult.ok();
        } catch (IOException e) {
            close();
            return SendResult.retry("writing " + path + ": " + HttpTransport.describe(e));
        }
    }

    private void open() throws IOException {
        Path dir = path.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 64 * 1024);
        size = Files.size(path);
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        if (maxFiles == 0) {
            Files.delete(path);
        } else {
            Files.deleteIfExists(numbered(maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path numbered(int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }

    @Override
    public void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // the stream is gone either way; the next batch reopens the file
            }
            out = null;
        }
    }
}
