package dev.vigil.capture.state;

import dev.vigil.event.IpAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses the socket tables of one network namespace ({@code /proc/<pid>/net/tcp}, {@code tcp6},
 * {@code udp}, {@code udp6}, {@code raw}, {@code raw6}, {@code unix}) and finds sockets by inode.
 */
final class NetTables {
    private static final String[][] IP_FILES = {
        {"tcp", "tcp"}, {"tcp6", "tcp"}, {"udp", "udp"}, {"udp6", "udp"}, {"raw", "raw"}, {"raw6", "raw"}
    };
    static final int TCP_LISTEN = 0x0A;

    private NetTables() {}

    /** One row of a socket table. For unix sockets only {@code path} is meaningful. */
    record Sock(long inode, String proto, boolean v6, IpAddress local, int localPort, IpAddress remote,
                int remotePort, int state, String path) {
        boolean isUnix() {
            return proto.equals("unix");
        }

        boolean hasPeer() {
            return remote != null && (remotePort != 0 || !isZero(remote));
        }
    }

    /** Every socket of the namespace whose tables live under {@code netDir}, by inode. */
    static Map<Long, Sock> readAll(Path netDir) {
        Map<Long, Sock> out = new HashMap<>();
        for (String[] f : IP_FILES) {
            scanIp(netDir.resolve(f[0]), f[1], f[0].endsWith("6"), -1, out);
        }
        scanUnix(netDir.resolve("unix"), -1, out);
        return out;
    }

    /** The socket with {@code inode}, or null; stops reading at the first match. */
    static Sock find(Path netDir, long inode) {
        Map<Long, Sock> out = new HashMap<>(2);
        for (String[] f : IP_FILES) {
            if (scanIp(netDir.resolve(f[0]), f[1], f[0].endsWith("6"), inode, out)) {
                return out.get(inode);
            }
        }
        if (scanUnix(netDir.resolve("unix"), inode, out)) {
            return out.get(inode);
        }
        return null;
    }

    private static boolean scanIp(Path file, String proto, boolean v6, long wanted, Map<Long, Sock> out) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            r.readLine(); // header
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10) {
                    continue;
                }
                long inode;
                try {
                    inode = Long.parseLong(f[9]);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (wanted >= 0 && inode != wanted) {
                    continue;
                }
                int colonL = f[1].indexOf(':');
                int colonR = f[2].indexOf(':');
                if (colonL < 0 || colonR < 0) {
                    continue;
                }
                IpAddress local = Ip.of(hexAddress(f[1].substring(0, colonL)));
                IpAddress remote = Ip.of(hexAddress(f[2].substring(0, colonR)));
                int lport = Integer.parseInt(f[1].substring(colonL + 1), 16);
                int rport = Integer.parseInt(f[2].substring(colonR + 1), 16);
                int st = Integer.parseInt(f[3], 16);
                out.put(inode, new Sock(inode, proto, v6, local, lport, remote, rport, st, null));
                if (wanted >= 0) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // table missing (no IPv6) or racing with the kernel: treat as empty
        }
        return false;
    }

    private static boolean scanUnix(Path file, long wanted, Map<Long, Sock> out) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            r.readLine();
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.trim().split("\\s+", 8);
                if (f.length < 7) {
                    continue;
                }
                long inode;
                try {
                    inode = Long.parseLong(f[6]);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (wanted >= 0 && inode != wanted) {
                    continue;
                }
                String path = f.length > 7 ? f[7].trim() : "";
                out.put(inode, new Sock(inode, "unix", false, null, 0, null, 0, 0, path));
                if (wanted >= 0) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // as above
        }
        return false;
    }

    /** Address bytes from the kernel's hex form: each 32-bit word is printed in host (little-endian) order. */
    static byte[] hexAddress(String hex) {
        int n = hex.length() / 2;
        byte[] b = new byte[n];
        for (int w = 0; w < n / 4; w++) {
            for (int i = 0; i < 4; i++) {
                int pos = (w * 4 + (3 - i)) * 2;
                b[w * 4 + i] = (byte) Integer.parseInt(hex.substring(pos, pos + 2), 16);
            }
        }
        return b;
    }

    static boolean isZero(IpAddress a) {
        for (byte x : a.bytes()) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
