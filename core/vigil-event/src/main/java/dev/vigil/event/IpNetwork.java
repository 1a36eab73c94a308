package dev.vigil.event;

import java.util.Optional;

/** A CIDR network: an address and a prefix length. */
public record IpNetwork(IpAddress address, int prefixLength) {
    public IpNetwork {
        int max = address.isV4() ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
        }
    }

    /** Parses {@code a.b.c.d/len} or an IPv6 CIDR; a network needs the {@code /len}. */
    public static Optional<IpNetwork> parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        Optional<IpAddress> addr = IpAddress.parse(text.substring(0, slash));
        String len = text.substring(slash + 1).trim();
        if (addr.isEmpty() || len.isEmpty() || !len.chars().allMatch(Character::isDigit) || len.length() > 3) {
            return Optional.empty();
        }
        int n = Integer.parseInt(len);
        if (n > (addr.get().isV4() ? 32 : 128)) {
            return Optional.empty();
        }
        return Optional.of(new IpNetwork(addr.get(), n));
    }

    /** Whether {@code a} lies in this network (IPv4 and IPv6 never mix). */
    public boolean contains(IpAddress a) {
        byte[] net = address.raw();
        byte[] x = a.raw();
        if (net.length != x.length) {
            return false;
        }
        int bits = prefixLength;
        for (int i = 0; i < net.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((net[i] & mask) != (x[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
