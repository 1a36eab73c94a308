package dev.vigil.capture.state;

import dev.vigil.event.IpAddress;

/** Address formatting as {@code inet_ntop} does it (IPv6 compressed per RFC 5952). */
public final class Ip {
    private Ip() {}

    /** As {@link IpAddress#toString()}. */
    public static String format(IpAddress a) {
        return a.toString();
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
