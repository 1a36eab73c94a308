package dev.vigil.capture.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * User and group names from one {@code passwd}/{@code group} pair (the host's, or a container's
 * under {@code /proc/<pid>/root/etc}). Reloaded when either file's modification time or size
 * changes, checked at most once per {@link #CHECK_INTERVAL_NANOS}. Callers cache resolved names
 * against {@link #version()} so that the hot path does no map lookups.
 */
final class UserDb {
    static final long CHECK_INTERVAL_NANOS = 2_000_000_000L;

    /** A passwd entry. */
    record User(int uid, String name, String home, String shell) {}

    private final Path passwd;
    private final Path group;
    private Map<Integer, User> users = Map.of();
    private Map<Integer, String> groups = Map.of();
    private long stamp = Long.MIN_VALUE;
    private long lastCheck = Long.MIN_VALUE;
    private int version;

    UserDb(Path etc) {
        this.passwd = etc.resolve("passwd");
        this.group = etc.resolve("group");
        refresh(System.nanoTime(), true);
    }

    int version() {
        return version;
    }

    /** Reloads the files if they changed; cheap when called often. */
    void refresh(long nowNanos, boolean force) {
        if (!force && nowNanos - lastCheck < CHECK_INTERVAL_NANOS) {
            return;
        }
        lastCheck = nowNanos;
        long s = stampOf(passwd) * 31 + stampOf(group);
        if (s == stamp && !force) {
            return;
        }
        stamp = s;
        users = parsePasswd(read(passwd));
        groups = parseGroup(read(group));
        version++;
    }

    User user(int uid) {
        return users.get(uid);
    }

    String userName(int uid) {
        User u = users.get(uid);
        return u == null ? null : u.name();
    }

    String groupName(int gid) {
        return groups.get(gid);
    }

    private static long stampOf(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() * 1_000_003L + a.size();
        } catch (IOException | SecurityException e) {
            return 0;
        }
    }

    private static String read(Path p) {
        String s = ProcFs.readString(p, 8 * 1024 * 1024);
        return s == null ? "" : s;
    }

    static Map<Integer, User> parsePasswd(String text) {
        Map<Integer, User> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length < 7) {
                continue;
            }
            try {
                int uid = (int) Long.parseLong(f[2]);
                m.putIfAbsent(uid, new User(uid, f[0], f[5], f[6]));
            } catch (NumberFormatException ignored) {
                // a malformed line
            }
        }
        return m;
    }

    static Map<Integer, String> parseGroup(String text) {
        Map<Integer, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length < 3) {
                continue;
            }
            try {
                m.putIfAbsent((int) Long.parseLong(f[2]), f[0]);
            } catch (NumberFormatException ignored) {
                // a malformed line
            }
        }
        return m;
    }
}
