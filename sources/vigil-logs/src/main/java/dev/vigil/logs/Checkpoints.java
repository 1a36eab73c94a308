package dev.vigil.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where reading stopped in each file, keyed by the file's {@link Fingerprint}, in
 * {@code <dir>/checkpoints.json}:
 * {@code {"version":1,"since":<epoch ms>,"files":[{"fingerprint":…,"path":…,"dev":…,"inode":…,"offset":N,"done":false}]}}.
 * {@code offset} is the first byte not yet acknowledged by every output; {@code done} marks a
 * rotated or deleted file that was read and acknowledged to its end. A save writes
 * {@code checkpoints.json.new}, forces it and renames it over the old file, so a crash leaves
 * either the old or the new state, never a torn one. Used by the shipper thread only.
 */
final class Checkpoints {
    static final String FILE = "checkpoints.json";
    private static final JsonFactory JSON = new JsonFactory();

    /** One file's state. */
    static final class Entry {
        final String fingerprint;
        String path;
        long dev;
        long inode;
        long offset;
        boolean done;

        Entry(String fingerprint, String path, long dev, long inode, long offset, boolean done) {
            this.fingerprint = fingerprint;
            this.path = path;
            this.dev = dev;
            this.inode = inode;
            this.offset = offset;
            this.done = done;
        }
    }

    private final Path dir;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private boolean dirty;
    /** When these checkpoints were first made (epoch ms): files rotated before then are history, not ours. */
    private long since;

    private Checkpoints(Path dir) {
        this.dir = dir;
    }

    /** Loads the checkpoints in {@code dir} (creating the directory); an unreadable file is an error. */
    static Checkpoints open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Checkpoints c = new Checkpoints(dir);
        Path f = dir.resolve(FILE);
        if (Files.exists(f)) {
            c.read(Files.readAllBytes(f));
        }
        if (c.since == 0) {
            c.since = System.currentTimeMillis();
            c.dirty = true;
        }
        return c;
    }

    private void read(byte[] bytes) throws IOException {
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("checkpoints: not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("since") && t == JsonToken.VALUE_NUMBER_INT) {
                    since = p.getLongValue();
                } else if (t == JsonToken.START_ARRAY && name.equals("files")) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        String fp = null, path = null;
                        long dev = 0, inode = 0, offset = 0;
                        boolean done = false;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String k = p.currentName();
                            p.nextToken();
                            switch (k) {
                                case "fingerprint" -> fp = p.getValueAsString();
                                case "path" -> path = p.getValueAsString();
                                case "dev" -> dev = p.getValueAsLong();
                                case "inode" -> inode = p.getValueAsLong();
                                case "offset" -> offset = p.getValueAsLong();
                                case "done" -> done = p.getValueAsBoolean();
                                default -> p.skipChildren();
                            }
                        }
                        if (fp != null) {
                            entries.put(fp, new Entry(fp, path, dev, inode, offset, done));
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    long since() {
        return since;
    }

    Entry get(String fingerprint) {
        return entries.get(fingerprint);
    }

    /** The entry for {@code fingerprint}, made at offset 0 when there is none. */
    Entry entry(String fingerprint, String path, long dev, long inode) {
        Entry e = entries.computeIfAbsent(fingerprint, f -> {
            dirty = true;
            return new Entry(f, path, dev, inode, 0, false);
        });
        if (!path.equals(e.path) || e.dev != dev || e.inode != inode) {
            e.path = path;
            e.dev = dev;
            e.inode = inode;
            dirty = true;
        }
        return e;
    }

    /** Moves the acknowledged offset of a file forward (never back). */
    void advance(Entry e, long offset) {
        if (offset > e.offset) {
            e.offset = offset;
            dirty = true;
        }
    }

    /** Starts a file over (it was truncated in place). */
    void reset(Entry e) {
        e.offset = 0;
        e.done = false;
        dirty = true;
    }

    void finish(Entry e) {
        if (!e.done) {
            e.done = true;
            dirty = true;
        }
    }

    /** Forgets files that no longer exist anywhere, keeping the ones in {@code seen}. */
    void retainOnly(java.util.Set<String> seen) {
        dirty |= entries.keySet().removeIf(f -> !seen.contains(f));
    }

    int size() {
        return entries.size();
    }

    /** Writes the state if it changed since the last save (atomically, forced to the device). */
    boolean save() throws IOException {
        if (!dirty) {
            return false;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + entries.size() * 200);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeNumberField("since", since);
            g.writeArrayFieldStart("files");
            for (Entry e : entries.values()) {
                g.writeStartObject();
                g.writeStringField("fingerprint", e.fingerprint);
                g.writeStringField("path", e.path);
                g.writeNumberField("dev", e.dev);
                g.writeNumberField("inode", e.inode);
                g.writeNumberField("offset", e.offset);
                g.writeBooleanField("done", e.done);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        Path tmp = dir.resolve(FILE + ".new");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        dirty = false;
        return true;
    }
}
