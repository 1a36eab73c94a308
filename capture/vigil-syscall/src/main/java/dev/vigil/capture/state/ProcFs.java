package dev.vigil.capture.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Small, allocation-tolerant readers for {@code /proc} files. Every method returns {@code null}
 * (or an empty result) instead of throwing when the process is gone or the file is unreadable:
 * processes exit between any two reads.
 */
final class ProcFs {
    /** USER_HZ, the unit of the start time in {@code /proc/<pid>/stat} (100 on every Linux ABI Vigil runs on). */
    static final long TICKS_PER_SECOND = 100;

    private final Path root;

    ProcFs(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path pidDir(int pid) {
        return root.resolve(Integer.toString(pid));
    }

    /** Fields of {@code /proc/<pid>/stat} that state tracking needs. */
    record Stat(String comm, char state, int ppid, int pgrp, int session, long ttyNr, long startTicks) {}

    /** Fields of {@code /proc/<pid>/status}. Ids are -1 and caps 0 when a line is missing. */
    record Status(String name, int tgid, int ppid, int ruid, int euid, int rgid, int egid,
                  long capInh, long capPrm, long capEff, int nsPid, int nsPgid, int nsSid) {}

    static String readString(Path p, int max) {
        byte[] b = readBytes(p, max);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static byte[] readBytes(Path p, int max) {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(max);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    static String readlink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /** Numeric entries of the proc root (thread-group ids). */
    int[] pids() {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    out.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            return new int[0];
        }
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    boolean exists(int pid) {
        return Files.isDirectory(pidDir(pid));
    }

    Stat stat(int pid) {
        String s = readString(pidDir(pid).resolve("stat"), 4096);
        return s == null ? null : parseStat(s);
    }

    static Stat parseStat(String s) {
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String comm = s.substring(open + 1, close);
        String[] f = s.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state); field n is f[n - 3]
        if (f.length < 20) {
            return null;
        }
        try {
            return new Stat(comm, f[0].charAt(0), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Long.parseLong(f[4]), Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    Status status(int pid) {
        String s = readString(pidDir(pid).resolve("status"), 16384);
        return s == null ? null : parseStatus(s);
    }

    static Status parseStatus(String s) {
        String name = null;
        int tgid = -1;
        int ppid = -1;
        int[] uid = {-1, -1};
        int[] gid = {-1, -1};
        long capInh = 0;
        long capPrm = 0;
        long capEff = 0;
        int nsPid = -1;
        int nsPgid = -1;
        int nsSid = -1;
        for (String line : s.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String val = line.substring(colon + 1).trim();
            try {
                switch (key) {
                    case "Name" -> name = val;
                    case "Tgid" -> tgid = Integer.parseInt(val);
                    case "PPid" -> ppid = Integer.parseInt(val);
                    case "Uid" -> uid = firstTwo(val);
                    case "Gid" -> gid = firstTwo(val);
                    case "CapInh" -> capInh = Long.parseUnsignedLong(val, 16);
                    case "CapPrm" -> capPrm = Long.parseUnsignedLong(val, 16);
                    case "CapEff" -> capEff = Long.parseUnsignedLong(val, 16);
                    case "NSpid" -> nsPid = lastInt(val);
                    case "NSpgid" -> nsPgid = lastInt(val);
                    case "NSsid" -> nsSid = lastInt(val);
                    default -> { }
                }
            } catch (NumberFormatException ignored) {
                // keep the default for a malformed line
            }
        }
        return new Status(name, tgid, ppid, uid[0], uid[1], gid[0], gid[1], capInh, capPrm, capEff, nsPid, nsPgid, nsSid);
    }

    private static int[] firstTwo(String val) {
        String[] p = val.split("\\s+");
        return new int[] {(int) Long.parseLong(p[0]), (int) Long.parseLong(p.length > 1 ? p[1] : p[0])};
    }

    private static int lastInt(String val) {
        String[] p = val.split("\\s+");
        return Integer.parseInt(p[p.length - 1]);
    }

    /** argv, or an empty list for kernel threads and vanished processes. */
    List<String> cmdline(int pid) {
        byte[] b = readBytes(pidDir(pid).resolve("cmdline"), 128 * 1024);
        return b == null ? List.of() : splitNul(b, b.length);
    }

    /** The environment as NAME=value strings, at most {@code maxBytes} of it. */
    List<String> environ(int pid, int maxBytes) {
        byte[] b = readBytes(pidDir(pid).resolve("environ"), maxBytes);
        return b == null ? List.of() : splitNul(b, b.length);
    }

    static List<String> splitNul(byte[] b, int len) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < len) {
            out.add(new String(b, start, len - start, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Returned by {@link #loginuid} when the file cannot be read. */
    static final int UNREADABLE = Integer.MIN_VALUE;

    /** The audit login uid: -1 when unset, {@link #UNREADABLE} when the process is gone. */
    int loginuid(int pid) {
        String s = readString(pidDir(pid).resolve("loginuid"), 32);
        if (s == null || s.isBlank()) {
            return UNREADABLE;
        }
        try {
            return (int) Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    String cgroup(int pid) {
        return readString(pidDir(pid).resolve("cgroup"), 16384);
    }

    String cwd(int pid) {
        return readlink(pidDir(pid).resolve("cwd"));
    }

    String exeLink(int pid) {
        return readlink(pidDir(pid).resolve("exe"));
    }

    String fdLink(int pid, int fd) {
        return readlink(pidDir(pid).resolve("fd").resolve(Integer.toString(fd)));
    }

    /** The inode of one of the process's namespaces ({@code net}, {@code mnt}, {@code pid}), or 0. */
    long nsInode(int pid, String ns) {
        String link = readlink(pidDir(pid).resolve("ns").resolve(ns));
        if (link == null) {
            return 0;
        }
        int a = link.indexOf('[');
        int b = link.indexOf(']');
        if (a < 0 || b < a) {
            return 0;
        }
        try {
            return Long.parseLong(link.substring(a + 1, b));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Seconds since boot from {@code /proc/uptime}, in nanoseconds, or -1. */
    long uptimeNanos() {
        String s = readString(root.resolve("uptime"), 128);
        if (s == null) {
            return -1;
        }
        try {
            String first = s.trim().split("\\s+")[0];
            int dot = first.indexOf('.');
            long sec = Long.parseLong(dot < 0 ? first : first.substring(0, dot));
            long frac = 0;
            if (dot >= 0) {
                String f = (first.substring(dot + 1) + "000000000").substring(0, 9);
                frac = Long.parseLong(f);
            }
            return sec * 1_000_000_000L + frac;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
