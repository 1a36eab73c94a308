package dev.vigil.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes {@link LogRecord} bodies straight from the bytes a log file was read into, without
 * building strings: the message is escaped byte by byte (UTF-8 passes through untouched, only
 * quote, backslash and control bytes are escaped), and what is the same for every line of a file
 * ({@link #fileMeta}) is encoded once. Not thread-safe: one encoder per reading thread.
 */
public final class LogRecordEncoder {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Bytes that cannot appear raw inside a JSON string. */
    private static final boolean[] SPECIAL = new boolean[256];
    private static final byte[] OPEN = bytes("\u001e{\"@timestamp\":\"");
    private static final byte[] MESSAGE = bytes("\",\"message\":\"");
    private static final byte[] STREAM = bytes("\",\"stream\":\"");
    private static final byte[] OFFSET = bytes(",\"offset\":");
    private static final byte[] MALFORMED = bytes(",\"malformed\":true");
    private static final byte[] TRUNCATED = bytes(",\"truncated\":true");

    static {
        for (int i = 0; i < 0x20; i++) {
            SPECIAL[i] = true;
        }
        SPECIAL['"'] = true;
        SPECIAL['\\'] = true;
    }

    private byte[] buf = new byte[4096];
    private int len;

    /**
     * The members shared by every line of one file, from {@code "kubernetes"} (absent when
     * {@code pod} is null) up to the fingerprint inside {@code "log"}, for {@link #record}.
     */
    public static byte[] fileMeta(String namespace, String pod, String podUid, String container, int restart, String host,
            String file, String fingerprint) {
        LogRecordEncoder e = new LogRecordEncoder();
        if (pod != null) {
            e.ascii(",\"kubernetes\":{\"namespace\":").string(namespace).ascii(",\"pod\":").string(pod)
                    .ascii(",\"pod_uid\":").string(podUid).ascii(",\"container\":").string(container);
            if (restart >= 0) {
                e.ascii(",\"restart\":").number(restart);
            }
            e.ascii("}");
        }
        if (host != null) {
            e.ascii(",\"host\":").string(host);
        }
        e.ascii(",\"log\":{\"file\":").string(file).ascii(",\"fingerprint\":").string(fingerprint);
        return Arrays.copyOf(e.buf, e.len);
    }

    /**
     * One record body: {@code timestamp} and {@code message} are byte ranges (UTF-8), {@code stream}
     * may be null, {@code meta} comes from {@link #fileMeta}, {@code offset} is where the line starts.
     */
    public byte[] record(byte[] ts, int tsOff, int tsLen, byte[] msg, int msgOff, int msgLen, String stream, byte[] meta,
            long offset, boolean malformed, boolean truncated) {
        len = 0;
        ensure(OPEN.length + tsLen * 6 + msgLen * 6 + meta.length + 128);
        raw(OPEN);
        escaped(ts, tsOff, tsLen);
        raw(MESSAGE);
        escaped(msg, msgOff, msgLen);
        if (stream != null) {
            raw(STREAM);
            for (int i = 0; i < stream.length(); i++) {
                buf[len++] = (byte) stream.charAt(i); // stdout or stderr: checked by the parser
            }
        }
        buf[len++] = '"';
        raw(meta);
        raw(OFFSET);
        number(offset);
        buf[len++] = '}';
        if (malformed) {
            raw(MALFORMED);
        }
        if (truncated) {
            raw(TRUNCATED);
        }
        buf[len++] = '}';
        return Arrays.copyOf(buf, len);
    }

    private void escaped(byte[] b, int off, int n) {
        int end = off + n;
        int run = off;
        for (int i = off; i < end; i++) {
            int c = b[i] & 0xFF;
            if (!SPECIAL[c]) {
                continue;
            }
            System.arraycopy(b, run, buf, len, i - run);
            len += i - run;
            run = i + 1;
            buf[len++] = '\\';
            switch (c) {
                case '"', '\\' -> buf[len++] = (byte) c;
                case '\n' -> buf[len++] = 'n';
                case '\r' -> buf[len++] = 'r';
                case '\t' -> buf[len++] = 't';
                default -> {
                    buf[len++] = 'u';
                    buf[len++] = '0';
                    buf[len++] = '0';
                    buf[len++] = HEX[c >> 4];
                    buf[len++] = HEX[c & 0xF];
                }
            }
        }
        System.arraycopy(b, run, buf, len, end - run);
        len += end - run;
    }

    private LogRecordEncoder string(String s) {
        if (s == null) {
            return ascii("null");
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ensure(b.length * 6 + 2);
        buf[len++] = '"';
        escaped(b, 0, b.length);
        buf[len++] = '"';
        return this;
    }

    private LogRecordEncoder ascii(String s) {
        return rawChecked(bytes(s));
    }

    private LogRecordEncoder rawChecked(byte[] b) {
        ensure(b.length);
        raw(b);
        return this;
    }

    private void raw(byte[] b) {
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    private LogRecordEncoder number(long v) {
        ensure(20);
        if (v == 0) {
            buf[len++] = '0';
            return this;
        }
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        int start = len;
        while (v > 0) {
            buf[len++] = (byte) ('0' + v % 10);
            v /= 10;
        }
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
        return this;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
