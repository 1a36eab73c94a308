package dev.vigil.capture.file;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Builds one entry's payload in a reused buffer: LEB128 varints, zigzag for signed values, length-prefixed UTF-8. */
final class Payload {
    private byte[] buf = new byte[4096];
    private int len;

    void reset() {
        len = 0;
    }

    int length() {
        return len;
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }

    void u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
    }

    void bool(boolean v) {
        u8(v ? 1 : 0);
    }

    /** Unsigned LEB128. */
    void uvar(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
    }

    /** Zigzag then LEB128: small magnitudes of either sign take few bytes. */
    void svar(long v) {
        uvar((v << 1) ^ (v >> 63));
    }

    void bytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    void str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        uvar(b.length);
        bytes(b, 0, b.length);
    }

    /** A string that may be null: 0 for null, else length + 1. */
    void ostr(String s) {
        if (s == null) {
            uvar(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        uvar(b.length + 1L);
        bytes(b, 0, b.length);
    }

    void strs(List<String> l) {
        uvar(l.size());
        for (String s : l) {
            str(s);
        }
    }

    /** An address: its length (0, 4 or 16) then its bytes. */
    void addr(byte[] a) {
        if (a == null) {
            u8(0);
            return;
        }
        u8(a.length);
        bytes(a, 0, a.length);
    }

    /** Writes {@code type}, the payload length and the payload; returns the bytes written. */
    int writeEntry(OutputStream out, int type) throws IOException {
        byte[] head = new byte[11];
        head[0] = (byte) type;
        int h = 1;
        long v = len;
        while ((v & ~0x7FL) != 0) {
            head[h++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        head[h++] = (byte) v;
        out.write(head, 0, h);
        out.write(buf, 0, len);
        return h + len;
    }
}
