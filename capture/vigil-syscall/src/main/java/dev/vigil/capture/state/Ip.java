package dev.vigil.capture.state;

import dev.vigil.event.IpAddress;

/** Address formatting as {@code inet_ntop} does it (IPv6 compressed per RFC 5952). */
public final class Ip {
    private Ip() {}

    public static String format(IpAddress a) {
        byte[] b = a.bytes();
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // IPv4-mapped and compatible forms print the tail as dotted quad, like glibc
        boolean zeroHead = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0;
        if (zeroHead && (w[5] == 0xffff || (w[5] == 0 && (w[6] != 0 || w[7] > 1)))) {
            String tail = (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
            return w[5] == 0xffff ? "::ffff:" + tail : "::" + tail;
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(w[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** An address from 4 or 16 bytes; IPv4-mapped IPv6 addresses become IPv4. Null for other lengths. */
    public static IpAddress of(byte[] raw) {
        if (raw == null) {
            return null;
        }
        if (raw.length == 16 && isV4Mapped(raw)) {
            return new IpAddress(new byte[] {raw[12], raw[13], raw[14], raw[15]});
        }
        if (raw.length == 4 || raw.length == 16) {
            return new IpAddress(raw);
        }
        return null;
    }

    public static boolean isV4Mapped(byte[] raw) {
        if (raw.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return (raw[10] & 0xff) == 0xff && (raw[11] & 0xff) == 0xff;
    }
}
