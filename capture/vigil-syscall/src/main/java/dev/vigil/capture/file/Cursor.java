package dev.vigil.capture.file;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the fields of one entry's payload (see {@link Payload}). Running past the end, an
 * over-long varint or a string longer than what is left raise {@link Bad} with the offset, within
 * the payload, of the field that failed.
 */
final class Cursor {
    /** A payload that does not hold what its type promises. */
    static final class Bad extends Exception {
        final int at;

        Bad(int at, String problem) {
            super(problem, null, false, false);
            this.at = at;
        }
    }

    private byte[] buf;
    private int pos;
    private int end;
    private String lastString = "";
    private byte[] lastStringBytes = new byte[0];

    void reset(byte[] b, int length) {
        buf = b;
        pos = 0;
        end = length;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    int u8() throws Bad {
        if (pos >= end) {
            throw new Bad(pos, "field runs past the end of the entry");
        }
        return buf[pos++] & 0xFF;
    }

    boolean bool() throws Bad {
        int at = pos;
        int v = u8();
        if (v > 1) {
            throw new Bad(at, "boolean byte " + v);
        }
        return v == 1;
    }

    long uvar() throws Bad {
        int at = pos;
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new Bad(at, "varint longer than 10 bytes");
    }

    long svar() throws Bad {
        long u = uvar();
        return (u >>> 1) ^ -(u & 1);
    }

    int sint() throws Bad {
        return (int) svar();
    }

    /** A length or count: an uvar that must fit in what is left of the entry when {@code perItem} bytes each. */
    int count(int perItem) throws Bad {
        int at = pos;
        long n = uvar();
        if (n < 0 || n * Math.max(perItem, 1) > remaining()) {
            throw new Bad(at, "count " + Long.toUnsignedString(n) + " exceeds the " + remaining() + " bytes left in the entry");
        }
        return (int) n;
    }

    String str() throws Bad {
        return text(count(1));
    }

    String ostr() throws Bad {
        int at = pos;
        long n = uvar();
        if (n == 0) {
            return null;
        }
        if (n - 1 > remaining()) {
            throw new Bad(at, "string of " + (n - 1) + " bytes exceeds the " + remaining() + " bytes left in the entry");
        }
        return text((int) (n - 1));
    }

    /** Decodes n bytes; repeats of the previous string (comm, mostly) reuse its instance. */
    private String text(int n) {
        if (n == 0) {
            return "";
        }
        String s;
        if (n == lastStringBytes.length && java.util.Arrays.equals(buf, pos, pos + n, lastStringBytes, 0, n)) {
            s = lastString;
        } else {
            s = new String(buf, pos, n, StandardCharsets.UTF_8);
            if (n <= 64) {
                lastStringBytes = java.util.Arrays.copyOfRange(buf, pos, pos + n);
                lastString = s;
            }
        }
        pos += n;
        return s;
    }

    List<String> strs() throws Bad {
        int n = count(1);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(str());
        }
        return out;
    }

    /** Fills {@code into} (cleared first). */
    void strs(List<String> into) throws Bad {
        int n = count(1);
        into.clear();
        for (int i = 0; i < n; i++) {
            into.add(str());
        }
    }

    /** An address of 0, 4 or 16 bytes; null for 0. */
    byte[] addr() throws Bad {
        int at = pos;
        int n = u8();
        if (n != 0 && n != 4 && n != 16) {
            throw new Bad(at, "address length " + n + " (0, 4 or 16)");
        }
        if (n > remaining()) {
            throw new Bad(at, "address runs past the end of the entry");
        }
        if (n == 0) {
            return null;
        }
        byte[] a = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return a;
    }

    /**
     * Copies a byte string (uvar length, then the bytes) into {@code into}; returns its length. Longer
     * strings than {@code into} are an error.
     */
    int blobInto(byte[] into) throws Bad {
        int at = pos;
        long n = uvar();
        if (n > into.length) {
            throw new Bad(at, "byte string of " + n + " bytes (at most " + into.length + ")");
        }
        if (n > remaining()) {
            throw new Bad(at, "byte string runs past the end of the entry");
        }
        System.arraycopy(buf, pos, into, 0, (int) n);
        pos += (int) n;
        return (int) n;
    }

    /** Copies an address into a reused array of its length; returns the array, or {@code none} when empty. */
    byte[] addrInto(byte[] four, byte[] sixteen, byte[] none) throws Bad {
        int at = pos;
        int n = u8();
        if (n != 0 && n != 4 && n != 16) {
            throw new Bad(at, "address length " + n + " (0, 4 or 16)");
        }
        if (n > remaining()) {
            throw new Bad(at, "address runs past the end of the entry");
        }
        if (n == 0) {
            return none;
        }
        byte[] dst = n == 4 ? four : sixteen;
        System.arraycopy(buf, pos, dst, 0, n);
        pos += n;
        return dst;
    }
}
