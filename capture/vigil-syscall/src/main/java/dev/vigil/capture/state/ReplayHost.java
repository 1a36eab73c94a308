package dev.vigil.capture.state;

import dev.vigil.capture.state.HostFact.Kind;
import dev.vigil.event.IpAddress;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Answers from recorded {@link HostFact}s and never from the machine: each question gets the
 * latest fact recorded for it (same kind, pid and keys), or the "no answer" of {@link Host} when
 * none was recorded. Facts about a process are dropped when state tracking forgets the process,
 * except those fed after the last applied record (they belong to the record being replayed, which
 * may reuse the pid).
 */
final class ReplayHost implements Host {
    private static final HexFormat HEX = HexFormat.of();

    private record Key(Kind kind, long key, String keyText) {}

    private record Entry(long seq, HostFact fact) {}

    private final Map<Integer, Map<Key, Entry>> byPid = new HashMap<>();
    private long seq;
    private long appliedMark;

    void feed(HostFact f) {
        byPid.computeIfAbsent(f.pid(), k -> new HashMap<>()).put(new Key(f.kind(), f.key(), f.keyText()), new Entry(++seq, f));
    }

    /** The recorded fact, or null when none was recorded; an absent answer is returned as a fact with present false. */
    private HostFact get(Kind kind, int pid, long key, String keyText) {
        Map<Key, Entry> m = byPid.get(pid);
        Entry e = m == null ? null : m.get(new Key(kind, key, keyText));
        return e == null ? null : e.fact();
    }

    private HostFact answer(Kind kind, int pid, long key, String keyText) {
        HostFact f = get(kind, pid, key, keyText);
        return f == null || !f.present() ? null : f;
    }

    @Override
    public void forget(int pid) {
        Map<Key, Entry> m = byPid.get(pid);
        if (m == null) {
            return;
        }
        for (Iterator<Entry> it = m.values().iterator(); it.hasNext(); ) {
            if (it.next().seq() <= appliedMark) {
                it.remove();
            }
        }
        if (m.isEmpty()) {
            byPid.remove(pid);
        }
    }

    @Override
    public void recordApplied() {
        appliedMark = seq;
    }

    /** How many facts are held (tests). */
    int size() {
        return byPid.values().stream().mapToInt(Map::size).sum();
    }

    @Override
    public int[] pids() {
        return new int[0];
    }

    @Override
    public long uptimeNanos() {
        return -1;
    }

    @Override
    public boolean exists(int pid) {
        HostFact f = get(Kind.EXISTS, pid, 0, "");
        return f == null || f.present(); // never asked while recording: keep the process
    }

    @Override
    public ProcFs.Stat stat(int pid) {
        HostFact f = answer(Kind.STAT, pid, 0, "");
        return f == null ? null : new ProcFs.Stat(f.string(0), (char) f.number(0), (int) f.number(1), (int) f.number(2),
                (int) f.number(3), f.number(4), f.number(5));
    }

    @Override
    public ProcFs.Status status(int pid) {
        HostFact f = answer(Kind.STATUS, pid, 0, "");
        return f == null ? null : new ProcFs.Status(f.string(0), (int) f.number(0), (int) f.number(1), (int) f.number(2),
                (int) f.number(3), (int) f.number(4), (int) f.number(5), f.number(6), f.number(7), f.number(8),
                (int) f.number(9), (int) f.number(10), (int) f.number(11));
    }

    @Override
    public List<String> cmdline(int pid) {
        HostFact f = answer(Kind.CMDLINE, pid, 0, "");
        return f == null ? List.of() : f.strings();
    }

    @Override
    public List<String> environ(int pid) {
        HostFact f = answer(Kind.ENVIRON, pid, 0, "");
        return f == null ? List.of() : f.strings();
    }

    @Override
    public String cwd(int pid) {
        return text(Kind.CWD, pid);
    }

    private String text(Kind kind, int pid) {
        HostFact f = answer(kind, pid, 0, "");
        return f == null ? null : f.string(0);
    }

    @Override
    public long nsInode(int pid, int ns) {
        HostFact f = answer(Kind.NAMESPACE, pid, ns, "");
        return f == null ? 0 : f.number(0);
    }

    @Override
    public int loginuid(int pid) {
        HostFact f = answer(Kind.LOGINUID, pid, 0, "");
        return f == null ? ProcFs.UNREADABLE : (int) f.number(0);
    }

    @Override
    public String cgroup(int pid) {
        return text(Kind.CGROUP, pid);
    }

    @Override
    public String exeLink(int pid) {
        return text(Kind.EXE_LINK, pid);
    }

    @Override
    public ExeStat exeStat(int pid) {
        HostFact f = answer(Kind.EXE_STAT, pid, 0, "");
        return f == null ? null : new ExeStat(f.number(0), f.number(1), f.number(2), (int) f.number(3), (int) f.number(4),
                (int) f.number(5));
    }

    @Override
    public MountTable.Layer exeLayer(int pid, long mntns, String path) {
        HostFact f = answer(Kind.EXE_LAYER, pid, 0, path);
        if (f == null) {
            return MountTable.Layer.NONE;
        }
        return switch ((int) f.number(0)) {
            case 1 -> MountTable.Layer.UPPER;
            case 2 -> MountTable.Layer.LOWER;
            default -> MountTable.Layer.NONE;
        };
    }

    @Override
    public int[] fds(int pid) {
        HostFact f = answer(Kind.FDS, pid, 0, "");
        if (f == null) {
            return null;
        }
        int[] out = new int[f.numbers().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) f.numbers()[i];
        }
        return out;
    }

    @Override
    public FdLink fd(int pid, int fd) {
        HostFact f = answer(Kind.FD, pid, fd, "");
        return f == null ? null : new FdLink(f.string(0), f.number(0) != 0);
    }

    @Override
    public SocketRow socketInTable(int pid, long netns, long inode) {
        HostFact f = answer(Kind.SOCKET, pid, inode, "");
        return f == null ? null : new SocketRow(sock(f), f.number(0) != 0);
    }

    @Override
    public NetTables.Sock socketNow(int pid, long inode) {
        HostFact f = answer(Kind.SOCKET, pid, inode, "");
        return f == null ? null : sock(f);
    }

    private static NetTables.Sock sock(HostFact f) {
        String path = f.string(3);
        return new NetTables.Sock(f.key(), f.string(0), f.number(1) != 0, ip(f.string(1)), (int) f.number(2),
                ip(f.string(2)), (int) f.number(3), (int) f.number(4), path.isEmpty() ? null : path);
    }

    private static IpAddress ip(String hex) {
        return hex.isEmpty() ? null : new IpAddress(HEX.parseHex(hex));
    }

    @Override
    public UserFiles users(String scope, int pid) {
        HostFact f = answer(Kind.USERS, 0, 0, scope);
        return f == null ? null : new UserFiles(f.string(0), f.string(1));
    }

    @Override
    public long usersStamp() {
        HostFact f = answer(Kind.USERS_STAMP, 0, 0, "");
        return f == null ? 0 : f.number(0);
    }

    @Override
    public String hostname() {
        HostFact f = answer(Kind.HOSTNAME, 0, 0, "");
        return f == null ? "localhost" : f.string(0);
    }

    @Override
    public String services() {
        HostFact f = answer(Kind.SERVICES, 0, 0, "");
        return f == null ? "" : f.string(0);
    }

    @Override
    public long birthTime(int pid, boolean inContainer, String path) {
        HostFact f = answer(Kind.BIRTH_TIME, pid, 0, path);
        return f == null ? UNKNOWN_TIME : f.number(0);
    }

    @Override
    public RealPath realPath(String path) {
        HostFact f = answer(Kind.REAL_PATH, 0, 0, path);
        return f == null ? null : new RealPath(f.string(0), f.number(0));
    }
}
