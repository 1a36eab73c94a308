package dev.vigil.pipeline;

import dev.vigil.event.Priority;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a batching output needs of a stored alert without parsing it: its time and uuid, found by
 * one pass over the JSON bytes that also checks the bytes are in Falco's form, so an output may send
 * them as they are. {@link #scan} answers {@code null} for anything unusual, and the caller then
 * parses the alert ({@link FalcoAlert#parse}), which validates it and names what is wrong.
 *
 * <p>In Falco's form means: one JSON object on one line, nothing before its {@code &#123;} or after
 * its {@code &#125;}; exactly the members {@code hostname}, {@code output}, {@code output_fields},
 * {@code priority}, {@code rule}, {@code source}, {@code tags}, {@code time} and optionally
 * {@code uuid}, in any order, each once, none {@code null}; member names without escapes; strings
 * valid (escapes, UTF-8); {@code priority} spelled as Falco does ({@code Warning}); {@code rule} and
 * {@code source} not empty; {@code tags} an array of strings; {@code output_fields} a non-empty object
 * of scalars with distinct names written without escapes; {@code time} as
 * {@code 2026-11-26T10:00:00.123456789Z} and {@code uuid} without escapes. Such bytes hold exactly
 * the members {@link FalcoAlert#toJson()} writes for the parsed alert, with the same values.
 *
 * @param timeNanos the alert time, nanoseconds since the epoch
 * @param timeStart where the time's characters start in the body (30 ASCII bytes, no quotes)
 * @param uuidStart where the uuid's characters start in the body, or -1 when there is none
 * @param uuidEnd   where they end (exclusive)
 */
public record AlertHead(long timeNanos, int timeStart, int uuidStart, int uuidEnd) {
    /** The length of a time in Falco's form. */
    public static final int TIME_LENGTH = 30;

    private static final byte[][] NAMES = names("hostname", "output", "output_fields", "priority", "rule", "source", "tags",
            "time", "uuid");
    private static final int HOSTNAME = 0, OUTPUT = 1, FIELDS = 2, PRIORITY = 3, RULE = 4, SOURCE = 5, TAGS = 6, TIME = 7,
            UUID = 8;
    private static final int REQUIRED = (1 << UUID) - 1;
    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final byte[][] PRIORITIES = names(Arrays.stream(Priority.values()).map(Priority::displayName).toArray(String[]::new));

    private static byte[][] names(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }

    /** Whether the alert has a uuid. */
    public boolean hasUuid() {
        return uuidStart >= 0;
    }

    /** Scans {@code body}; null when it is not a Falco alert in Falco's form (see the class comment). */
    public static AlertHead scan(byte[] body) {
        try {
            return new Scan(body).run();
        } catch (ArrayIndexOutOfBoundsException truncated) {
            return null;
        }
    }

    /** One pass; any method answering -1 means "unusual". Reading past the end throws (caught above). */
    private static final class Scan {
        private final byte[] b;
        private final int end;
        private int[] fieldHashes = new int[32];

        Scan(byte[] b) {
            this.b = b;
            this.end = b.length - 1; // the closing brace
        }

        AlertHead run() {
            if (b.length < 2 || b[0] != '{' || b[end] != '}') {
                return null;
            }
            int seen = 0;
            long nanos = 0;
            int timeStart = -1, uuidStart = -1, uuidEnd = -1;
            int i = space(1);
            while (true) {
                if (b[i] != '"') {
                    return null;
                }
                int nameEnd = plainString(i + 1);
                int name = name(i + 1, nameEnd);
                if (name < 0 || (seen & (1 << name)) != 0) {
                    return null;
                }
                seen |= 1 << name;
                i = space(nameEnd + 1);
                if (b[i] != ':') {
                    return null;
                }
                i = space(i + 1);
                int start = i;
                switch (name) {
                    case TIME -> {
                        if (b[i] != '"') {
                            return null;
                        }
                        i = plainString(i + 1);
                        nanos = falcoTime(start + 1, i);
                        if (nanos == Long.MIN_VALUE) {
                            return null;
                        }
                        timeStart = start + 1;
                        i++;
                    }
                    case UUID -> {
                        if (b[i] != '"') {
                            return null;
                        }
                        i = plainString(i + 1);
                        if (i < 0) {
                            return null;
                        }
                        uuidStart = start + 1;
                        uuidEnd = i;
                        i++;
                    }
                    case PRIORITY -> {
                        if (b[i] != '"') {
                            return null;
                        }
                        i = plainString(i + 1);
                        if (!isPriority(start + 1, i)) {
                            return null;
                        }
                        i++;
                    }
                    case HOSTNAME, OUTPUT, RULE, SOURCE -> {
                        i = string(i);
                        if ((name == RULE || name == SOURCE) && i == start + 2) {
                            return null; // empty
                        }
                    }
                    case TAGS -> i = tags(i);
                    default -> i = fields(i);
                }
                if (i < 0) {
                    return null;
                }
                i = space(i);
                if (b[i] == ',') {
                    i = space(i + 1);
                } else if (b[i] == '}' && i == end && (seen & REQUIRED) == REQUIRED) {
                    return new AlertHead(nanos, timeStart, uuidStart, uuidEnd);
                } else {
                    return null;
                }
            }
        }

        /** Skips spaces and tabs (a line break would split the NDJSON line). */
        private int space(int i) {
            while (b[i] == ' ' || b[i] == '\t') {
                i++;
            }
            return i;
        }

        /**
         * The index of the first byte from {@code i} that is a quote, a backslash, a control character
         * or not ASCII, looking at 8 bytes at a time; near the end it may stop earlier, at a plain byte.
         * (Of the bytes a word flags, the lowest is always a true one: borrows only run upwards.)
         */
        private int plainRun(int i) {
            while (i + 8 <= b.length) {
                long x = (long) LONGS.get(b, i);
                long quote = x ^ 0x2222222222222222L;
                long backslash = x ^ 0x5c5c5c5c5c5c5c5cL;
                long special = (x | ((x - 0x2020202020202020L) & ~x) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash))
                        & HIGHS;
                if (special != 0) {
                    return i + (Long.numberOfTrailingZeros(special) >>> 3);
                }
                i += 8;
            }
            return i;
        }

        /** A string without escapes from {@code i} (after the quote): the index of the closing quote, or -1. */
        private int plainString(int i) {
            while (true) {
                i = plainRun(i);
                int c = b[i] & 0xff;
                if (c == '"') {
                    return i;
                }
                if (c < 0x20 || c == '\\' || c >= 0x80) {
                    return -1;
                }
                i++;
            }
        }

        /** A string at {@code i} (its opening quote): the index after its closing quote, or -1. */
        private int string(int i) {
            if (b[i] != '"') {
                return -1;
            }
            i++;
            while (true) {
                i = plainRun(i);
                int c = b[i] & 0xff;
                if (c == '"') {
                    return i + 1;
                }
                if (c < 0x20) {
                    return -1;
                }
                if (c == '\\') {
                    int e = b[i + 1];
                    if (e == 'u') {
                        for (int k = 2; k < 6; k++) {
                            if (Character.digit(b[i + k], 16) < 0) {
                                return -1;
                            }
                        }
                        i += 6;
                    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                        i += 2;
                    } else {
                        return -1;
                    }
                } else if (c >= 0x80) {
                    i = utf8(i, c);
                    if (i < 0) {
                        return -1;
                    }
                } else {
                    i++;
                }
            }
        }

        /** A UTF-8 sequence starting with {@code c} at {@code i}: the index after it, or -1 when invalid. */
        private int utf8(int i, int c) {
            int more;
            int lo = 0x80, hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                more = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                more = 2;
                lo = c == 0xe0 ? 0xa0 : 0x80;
                hi = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                more = 3;
                lo = c == 0xf0 ? 0x90 : 0x80;
                hi = c == 0xf4 ? 0x8f : 0xbf;
            } else {
                return -1;
            }
            for (int k = 1; k <= more; k++) {
                int d = b[i + k] & 0xff;
                if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf)) {
                    return -1;
                }
            }
            return i + 1 + more;
        }

        private int name(int from, int to) {
            if (to < 0) {
                return -1;
            }
            for (int n = 0; n < NAMES.length; n++) {
                if (Arrays.equals(b, from, to, NAMES[n], 0, NAMES[n].length)) {
                    return n;
                }
            }
            return -1;
        }

        private boolean isPriority(int from, int to) {
            if (to < 0) {
                return false;
            }
            for (byte[] p : PRIORITIES) {
                if (Arrays.equals(b, from, to, p, 0, p.length)) {
                    return true;
                }
            }
            return false;
        }

        /** {@code YYYY-MM-DDTHH:MM:SS.fffffffffZ} in {@code [from, to)}: its nanoseconds, or Long.MIN_VALUE. */
        private long falcoTime(int from, int to) {
            if (to - from != TIME_LENGTH || b[from + 10] != 'T' || b[from + 19] != '.' || b[from + 29] != 'Z') {
                return Long.MIN_VALUE;
            }
            return FalcoAlert.fastTimeNanos(new String(b, from, TIME_LENGTH, StandardCharsets.US_ASCII));
        }

        /** An array of strings at {@code i}: the index after it, or -1. */
        private int tags(int i) {
            if (b[i] != '[') {
                return -1;
            }
            i = space(i + 1);
            if (b[i] == ']') {
                return i + 1;
            }
            while (true) {
                i = string(i);
                if (i < 0) {
                    return -1;
                }
                i = space(i);
                if (b[i] == ']') {
                    return i + 1;
                }
                if (b[i] != ',') {
                    return -1;
                }
                i = space(i + 1);
            }
        }

        /** A non-empty object of scalars with distinct plain names at {@code i}: the index after it, or -1. */
        private int fields(int i) {
            if (b[i] != '{') {
                return -1;
            }
            i = space(i + 1);
            int count = 0;
            while (true) {
                if (b[i] != '"') {
                    return -1;
                }
                int nameEnd = plainString(i + 1);
                if (nameEnd < 0) {
                    return -1;
                }
                if (count == fieldHashes.length) {
                    fieldHashes = Arrays.copyOf(fieldHashes, count * 2);
                }
                fieldHashes[count++] = hash(i + 1, nameEnd);
                i = space(nameEnd + 1);
                if (b[i] != ':') {
                    return -1;
                }
                i = scalar(space(i + 1));
                if (i < 0) {
                    return -1;
                }
                i = space(i);
                if (b[i] == '}') {
                    return distinct(count) ? i + 1 : -1;
                }
                if (b[i] != ',') {
                    return -1;
                }
                i = space(i + 1);
            }
        }

        private int hash(int from, int to) {
            int h = 1;
            for (int k = from; k < to; k++) {
                h = 31 * h + b[k];
            }
            return h;
        }

        /** Whether the first {@code count} name hashes differ (a collision only costs the full parse). */
        private boolean distinct(int count) {
            int[] h = Arrays.copyOf(fieldHashes, count);
            Arrays.sort(h);
            for (int k = 1; k < count; k++) {
                if (h[k] == h[k - 1]) {
                    return false;
                }
            }
            return true;
        }

        /** A string, number, true, false or null at {@code i}: the index after it, or -1. */
        private int scalar(int i) {
            return switch (b[i]) {
                case '"' -> string(i);
                case 't' -> literal(i, "true");
                case 'f' -> literal(i, "false");
                case 'n' -> literal(i, "null");
                default -> number(i);
            };
        }

        private int literal(int i, String word) {
            for (int k = 0; k < word.length(); k++) {
                if (b[i + k] != word.charAt(k)) {
                    return -1;
                }
            }
            return i + word.length();
        }

        /** {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?} at {@code i}: the index after it, or -1. */
        private int number(int i) {
            int start = i;
            if (b[i] == '-') {
                i++;
            }
            if (b[i] == '0') {
                i++;
            } else if (b[i] >= '1' && b[i] <= '9') {
                i = digits(i);
            } else {
                return -1;
            }
            if (b[i] == '.') {
                int d = digits(i + 1);
                if (d == i + 1) {
                    return -1;
                }
                i = d;
            }
            if (b[i] == 'e' || b[i] == 'E') {
                i++;
                if (b[i] == '+' || b[i] == '-') {
                    i++;
                }
                int d = digits(i);
                if (d == i || d - i > 4) {
                    return -1; // (a huge exponent: the full parse names the problem)
                }
                i = d;
            }
            return i - start > 100 ? -1 : i;
        }

        private int digits(int i) {
            while (b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            return i;
        }
    }
}
