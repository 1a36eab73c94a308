package dev.vigil.outputs.http;

import java.util.Set;

/** {@code file}: JSON lines in a local file, rotated by size (path, maxsize, maxfiles). */
public final class FileFactory extends BaseFactory {
    public FileFactory() {
        super("file", "JSON lines in a local file, rotated by size (path, maxsize, maxfiles)",
                Set.of("path", "maxsize", "maxfiles"),
                FileSink::create);
    }
}
