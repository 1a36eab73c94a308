package dev.vigil.event;

/** How Falco prints a byte buffer (a BYTEBUF value) by default. */
public final class Printable {
    private Printable() {}

    /** The first {@code length} bytes of {@code b}: printable ASCII characters as they are, every other byte as a dot. */
    public static String of(byte[] b, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            int v = b[i] & 0xff;
            c[i] = v >= 0x20 && v < 0x7f ? (char) v : '.';
        }
        return new String(c);
    }
}
