package dev.vigil.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Splits one line of a container log into time, stream, partial flag and message, in place where
 * possible. Two formats, told apart by the first byte:
 *
 * <ul>
 *   <li>CRI (containerd, CRI-O): {@code <RFC 3339 time> <stdout|stderr> <P|F> <message>}; the message
 *       is the rest of the line, taken as a byte range of the read buffer.
 *   <li>docker json-file: {@code {"log":"text\n","stream":"stdout","time":"…"}}; a {@code log}
 *       value without a final newline is a piece of a longer line. The message is unescaped into
 *       this parser's own buffer.
 * </ul>
 *
 * A line that fits neither is {@link #malformed}: the whole line becomes the message. Not
 * thread-safe; one parser per reader.
 */
final class LineParser {
    private static final JsonFactory JSON = new JsonFactory();
    static final String STDOUT = "stdout";
    static final String STDERR = "stderr";

    // results of the last parse
    byte[] tsBuf;
    int tsOff;
    int tsLen;
    byte[] msgBuf;
    int msgOff;
    int msgLen;
    String stream;
    boolean partial;
    boolean malformed;
    private byte[] scratchTs = new byte[0];
    private byte[] scratchMsg = new byte[0];

    /** Parses {@code b[off, off+len)} (without the newline). */
    void parse(byte[] b, int off, int len) {
        if (len > 0 && b[off] == '{') {
            if (docker(b, off, len)) {
                return;
            }
        } else if (cri(b, off, len)) {
            return;
        }
        raw(b, off, len);
    }

    private boolean cri(byte[] b, int off, int len) {
        int end = off + len;
        int s1 = indexOf(b, off, end, (byte) ' ');
        if (s1 <= off) {
            return false;
        }
        int s2 = indexOf(b, s1 + 1, end, (byte) ' ');
        if (s2 < 0) {
            return false;
        }
        String st = streamOf(b, s1 + 1, s2 - s1 - 1);
        if (st == null || s2 + 2 > end || (b[s2 + 1] != 'P' && b[s2 + 1] != 'F')
                || (s2 + 2 < end && b[s2 + 2] != ' ') || !looksLikeTime(b, off, s1 - off)) {
            return false;
        }
        tsBuf = b;
        tsOff = off;
        tsLen = s1 - off;
        stream = st;
        partial = b[s2 + 1] == 'P';
        malformed = false;
        msgBuf = b;
        msgOff = Math.min(s2 + 3, end);
        msgLen = end - msgOff;
        return true;
    }

    /** A cheap check that catches lines that merely have two spaces: digits, '-' and 'T' where RFC 3339 has them. */
    private static boolean looksLikeTime(byte[] b, int off, int len) {
        return len >= 20 && isDigit(b[off]) && isDigit(b[off + 3]) && b[off + 4] == '-' && b[off + 10] == 'T';
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static String streamOf(byte[] b, int off, int len) {
        if (len != 6) {
            return null;
        }
        if (b[off] == 's' && b[off + 1] == 't' && b[off + 2] == 'd') {
            if (b[off + 3] == 'o' && b[off + 4] == 'u' && b[off + 5] == 't') {
                return STDOUT;
            }
            if (b[off + 3] == 'e' && b[off + 4] == 'r' && b[off + 5] == 'r') {
                return STDERR;
            }
        }
        return null;
    }

    private boolean docker(byte[] b, int off, int len) {
        String log = null;
        String st = null;
        String time = null;
        try (JsonParser p = JSON.createParser(b, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && name.equals("log")) {
                    log = p.getText();
                } else if (t == JsonToken.VALUE_STRING && name.equals("stream")) {
                    st = p.getText();
                } else if (t == JsonToken.VALUE_STRING && name.equals("time")) {
                    time = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        if (log == null || time == null || !(STDOUT.equals(st) || STDERR.equals(st))) {
            return false;
        }
        partial = !log.endsWith("\n");
        scratchMsg = (partial ? log : log.substring(0, log.length() - 1)).getBytes(StandardCharsets.UTF_8);
        scratchTs = time.getBytes(StandardCharsets.US_ASCII);
        stream = STDOUT.equals(st) ? STDOUT : STDERR;
        malformed = false;
        tsBuf = scratchTs;
        tsOff = 0;
        tsLen = scratchTs.length;
        msgBuf = scratchMsg;
        msgOff = 0;
        msgLen = scratchMsg.length;
        return true;
    }

    /** A line that is neither format: shipped whole, flagged, never dropped. */
    private void raw(byte[] b, int off, int len) {
        tsBuf = null;
        tsLen = 0;
        stream = null;
        partial = false;
        malformed = true;
        msgBuf = b;
        msgOff = off;
        msgLen = len;
    }

    /** As a node log line: no time, no stream, the whole line is the message, not malformed. */
    void plain(byte[] b, int off, int len) {
        raw(b, off, len);
        malformed = false;
    }

    static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
