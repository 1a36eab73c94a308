package dev.vigil.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.vigil.event.AlertJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;

/**
 * The dead-letter file of one output: one JSON line per item the destination refused (or the
 * worker gave up on), {@code {"time":..,"output":..,"type":..,"reason":..,"alert":..}}, where
 * {@code alert} is the body itself when it is JSON (newlines between tokens turned into spaces so
 * the line stays one line) and a JSON string otherwise. A log record goes under {@code log}
 * instead: its JSON document without the leading mark.
 *
 * <p>Without a file (memory mode and no {@code deadletter} key) the line goes to stderr. The file
 * is opened on first use and appended to; {@link #sync()} forces it, with the spool, once a second.
 * A write error is reported and the item is still acknowledged: resending cannot fix a refusal.
 *
 * <p>Used by the worker thread; {@link #close()} may come from the closing thread afterwards, so
 * the methods synchronise.
 */
final class DeadLetters implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    private final Path file;
    private final String output;
    private final String type;
    private final InstantSource clock;
    private FileChannel channel;
    private boolean dirty;
    private boolean closed;

    DeadLetters(Path file, String output, String type, InstantSource clock) {
        this.file = file;
        this.output = output;
        this.type = type;
        this.clock = clock;
    }

    Path file() {
        return file;
    }

    /** Writes one line for {@code e}; returns false (after saying so on stderr) when the file cannot be written. */
    synchronized boolean write(Envelope e, String reason) {
        String line = line(e.body(), reason);
        if (file == null || closed) {
            System.err.println("vigil: output '" + output + "' dead letter (" + (closed ? "output closed" : "no deadletter file configured")
                    + "): " + line);
            return file == null;
        }
        try {
            if (channel == null) {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            dirty = true;
            return true;
        } catch (IOException ex) {
            System.err.println("vigil: output '" + output + "': cannot write the dead-letter file " + file + " (" + ex
                    + "); the line was: " + line);
            return false;
        }
    }

    /** The dead-letter line for {@code body}, without the newline. */
    String line(byte[] body, String reason) {
        StringBuilder sb = new StringBuilder(body.length + 200);
        sb.append("{\"time\":");
        AlertJson.string(sb, DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
        sb.append(",\"output\":");
        AlertJson.string(sb, output);
        sb.append(",\"type\":");
        AlertJson.string(sb, type);
        sb.append(",\"reason\":");
        AlertJson.string(sb, reason == null ? "rejected" : reason);
        boolean log = LogRecord.isLogRecord(body);
        sb.append(log ? ",\"log\":" : ",\"alert\":");
        String text = utf8(log ? java.util.Arrays.copyOfRange(body, 1, body.length) : body);
        if (text != null && isJson(text)) {
            sb.append(text.replace('\n', ' ').replace('\r', ' '));
        } else {
            AlertJson.string(sb, text != null ? text : new String(body, StandardCharsets.UTF_8));
        }
        return sb.append('}').toString();
    }

    private static String utf8(byte[] body) {
        try {
            CharBuffer c = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            return c.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Whether {@code text} is exactly one JSON value. */
    static boolean isJson(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    synchronized void sync() {
        if (channel != null && dirty) {
            try {
                channel.force(false);
                dirty = false;
            } catch (IOException e) {
                System.err.println("vigil: output '" + output + "': cannot sync the dead-letter file " + file + ": " + e);
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (channel != null) {
            sync();
            try {
                channel.close();
            } catch (IOException e) {
                System.err.println("vigil: output '" + output + "': cannot close the dead-letter file " + file + ": " + e);
            }
            channel = null;
        }
    }
}
