package dev.vigil.capture.ebpf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Strings recently decoded from records, keyed by their raw bytes, so that a path, program name
 * or argument seen again (most of them are) costs a hash and a compare instead of an allocation.
 * Direct-mapped: a collision replaces the older entry. Not thread-safe; one per decoder.
 */
final class StringCache {
    /** Longer values are decoded every time: they are rare and would crowd out the common ones. */
    static final int MAX_CACHED_BYTES = 512;

    private final byte[][] keys;
    private final String[] values;
    private final int mask;
    private long hits;
    private long misses;

    StringCache(int entries) {
        if (Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries must be a power of two");
        }
        keys = new byte[entries][];
        values = new String[entries];
        mask = entries - 1;
    }

    /** The UTF-8 String of {@code buf[offset, offset+length)}. */
    String get(byte[] buf, int offset, int length) {
        if (length == 0) {
            return "";
        }
        if (length > MAX_CACHED_BYTES) {
            misses++;
            return new String(buf, offset, length, StandardCharsets.UTF_8);
        }
        int h = length;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = 31 * h + buf[i];
        }
        h ^= h >>> 16;
        int slot = h & mask;
        byte[] k = keys[slot];
        if (k != null && k.length == length && Arrays.equals(k, 0, length, buf, offset, offset + length)) {
            hits++;
            return values[slot];
        }
        misses++;
        String s = new String(buf, offset, length, StandardCharsets.UTF_8);
        keys[slot] = Arrays.copyOfRange(buf, offset, offset + length);
        values[slot] = s;
        return s;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }
}
