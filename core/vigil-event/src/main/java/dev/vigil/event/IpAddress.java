package dev.vigil.event;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address. */
public record IpAddress(byte[] bytes) {
    public IpAddress {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes");
        }
        bytes = bytes.clone();
    }

    /** Parses a literal address: one with a dot is IPv4, otherwise IPv6 (as Falco decides). */
    public static Optional<IpAddress> parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        if (t.indexOf('.') >= 0 && t.indexOf(':') < 0) {
            String[] parts = t.split("\\.", -1);
            if (parts.length != 4) {
                return Optional.empty();
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                String p = parts[i];
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                    return Optional.empty();
                }
                int v = Integer.parseInt(p);
                if (v > 255) {
                    return Optional.empty();
                }
                b[i] = (byte) v;
            }
            return Optional.of(new IpAddress(b));
        }
        if (t.indexOf(':') < 0 || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return Optional.empty();
        }
        try {
            byte[] b = InetAddress.getByName(t).getAddress();
            return Optional.of(new IpAddress(b.length == 4 ? v4Mapped(b) : b));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static byte[] v4Mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }

    public boolean isV4() {
        return bytes.length == 4;
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    byte[] raw() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /**
     * The address as {@code inet_ntop} (and so Falco) prints it: dotted quad, or IPv6 with the
     * longest run of two or more zero groups compressed ({@code ::1}, not {@code 0:0:0:0:0:0:0:1}),
     * IPv4-mapped and IPv4-compatible addresses with a dotted-quad tail, as glibc does.
     */
    @Override
    public String toString() {
        byte[] b = bytes;
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
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
}
