package dev.vigil.capture.state;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * User and group names from the text of one {@code passwd}/{@code group} pair (the host's, or a
 * container's under {@code /proc/<pid>/root/etc}). Immutable: when the files change, state
 * tracking builds a new one. Every instance has its own {@link #version()}, so that callers can
 * cache resolved names against it and the hot path does no map lookups.
 */
final class UserDb {
    private static final AtomicInteger VERSIONS = new AtomicInteger();

    /** A passwd entry. */
    record User(int uid, String name, String home, String shell) {}

    private final Map<Integer, User> users;
    private final Map<Integer, String> groups;
    private final int version = VERSIONS.incrementAndGet();
    private final String passwdText;
    private final String groupText;

    UserDb(String passwd, String group) {
        this.passwdText = passwd == null ? "" : passwd;
        this.groupText = group == null ? "" : group;
        this.users = parsePasswd(passwdText);
        this.groups = parseGroup(groupText);
    }

    static UserDb of(Host.UserFiles files) {
        return files == null ? new UserDb("", "") : new UserDb(files.passwd(), files.group());
    }

    int version() {
        return version;
    }

    String passwdText() {
        return passwdText;
    }

    String groupText() {
        return groupText;
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
