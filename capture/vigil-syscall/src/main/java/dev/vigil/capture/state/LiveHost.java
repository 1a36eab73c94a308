package dev.vigil.capture.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The machine itself: {@code /proc} (at {@code procRoot}), the host's passwd/group (in {@code etcDir}) and the file system. */
final class LiveHost implements Host {
    static final int ENV_MAX_BYTES = 32 * 1024;
    private static final long MOUNTS_TTL_NANOS = 30_000_000_000L;
    private static final long NET_TTL_NANOS = 1_000_000_000L;

    private final ProcFs proc;
    private final Path etcDir;
    private final Map<Long, CachedMounts> mountsByNs = lru(256);
    private final Map<Long, NetSnapshot> netSnapshots = lru(64);
    private String hostname;

    private record CachedMounts(MountTable table, long loadedMono) {}

    private record NetSnapshot(Map<Long, NetTables.Sock> socks, Set<Integer> listeningPorts, long loadedMono) {}

    LiveHost(Path procRoot, Path etcDir) {
        this.proc = new ProcFs(procRoot);
        this.etcDir = etcDir;
    }

    @Override
    public int[] pids() {
        return proc.pids();
    }

    @Override
    public long uptimeNanos() {
        return proc.uptimeNanos();
    }

    @Override
    public boolean exists(int pid) {
        return proc.exists(pid);
    }

    @Override
    public ProcFs.Stat stat(int pid) {
        return proc.stat(pid);
    }

    @Override
    public ProcFs.Status status(int pid) {
        return proc.status(pid);
    }

    @Override
    public List<String> cmdline(int pid) {
        return proc.cmdline(pid);
    }

    @Override
    public List<String> environ(int pid) {
        return proc.environ(pid, ENV_MAX_BYTES);
    }

    @Override
    public String cwd(int pid) {
        return proc.cwd(pid);
    }

    @Override
    public long nsInode(int pid, int ns) {
        return proc.nsInode(pid, switch (ns) {
            case NS_MNT -> "mnt";
            case NS_NET -> "net";
            case NS_PID -> "pid";
            default -> throw new IllegalArgumentException("namespace " + ns);
        });
    }

    @Override
    public int loginuid(int pid) {
        return proc.loginuid(pid);
    }

    @Override
    public String cgroup(int pid) {
        return proc.cgroup(pid);
    }

    @Override
    public String exeLink(int pid) {
        return proc.exeLink(pid);
    }

    @Override
    public ExeStat exeStat(int pid) {
        try {
            Map<String, Object> a = Files.readAttributes(proc.pidDir(pid).resolve("exe"), "unix:ino,ctime,lastModifiedTime,mode,uid,gid");
            return new ExeStat(((Number) a.get("ino")).longValue(), nanos((FileTime) a.get("ctime")),
                    nanos((FileTime) a.get("lastModifiedTime")), (Integer) a.get("mode"), (Integer) a.get("uid"),
                    (Integer) a.get("gid"));
        } catch (IOException | RuntimeException e) {
            return null; // the process is gone or the file is unreachable
        }
    }

    private static long nanos(FileTime t) {
        Instant i = t.toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public MountTable.Layer exeLayer(int pid, long mntns, String path) {
        long ns = mntns != 0 ? mntns : nsInode(pid, NS_MNT);
        long now = System.nanoTime();
        CachedMounts c = ns == 0 ? null : mountsByNs.get(ns);
        if (c == null || now - c.loadedMono() > MOUNTS_TTL_NANOS) {
            MountTable t = MountTable.parse(ProcFs.readString(proc.pidDir(pid).resolve("mountinfo"), 4 * 1024 * 1024));
            if (ns == 0) {
                return t.layerOf(path);
            }
            c = new CachedMounts(t, now);
            mountsByNs.put(ns, c);
        }
        return c.table().layerOf(path);
    }

    @Override
    public int[] fds(int pid) {
        List<Integer> nums = new ArrayList<>();
        try (var ds = Files.newDirectoryStream(proc.pidDir(pid).resolve("fd"))) {
            for (Path e : ds) {
                try {
                    nums.add(Integer.parseInt(e.getFileName().toString()));
                } catch (NumberFormatException ignored) {
                    // not an fd entry
                }
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        return nums.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    @Override
    public FdLink fd(int pid, int fd) {
        String link = proc.fdLink(pid, fd);
        if (link == null) {
            return null;
        }
        boolean dir = link.startsWith("/") && !link.startsWith("/memfd:")
                && Files.isDirectory(proc.pidDir(pid).resolve("fd").resolve(Integer.toString(fd)));
        return new FdLink(link, dir);
    }

    @Override
    public SocketRow socketInTable(int pid, long netns, long inode) {
        long ns = netns != 0 ? netns : nsInode(pid, NS_NET);
        long now = System.nanoTime();
        NetSnapshot s = netSnapshots.get(ns);
        if (s == null || now - s.loadedMono() > NET_TTL_NANOS) {
            Map<Long, NetTables.Sock> socks = NetTables.readAll(proc.pidDir(pid).resolve("net"));
            Set<Integer> listening = new HashSet<>();
            for (NetTables.Sock k : socks.values()) {
                if (!k.isUnix() && !k.hasPeer() && k.proto().equals("tcp")) {
                    listening.add(k.localPort());
                }
            }
            s = new NetSnapshot(socks, listening, now);
            if (ns != 0) {
                netSnapshots.put(ns, s);
            }
        }
        NetTables.Sock sock = s.socks().get(inode);
        return sock == null ? null : new SocketRow(sock, s.listeningPorts().contains(sock.localPort()));
    }

    @Override
    public NetTables.Sock socketNow(int pid, long inode) {
        return NetTables.find(proc.pidDir(pid).resolve("net"), inode);
    }

    @Override
    public UserFiles users(String scope, int pid) {
        Path etc = scope.isEmpty() ? etcDir : proc.pidDir(pid).resolve("root").resolve("etc");
        if (!scope.isEmpty() && !(Files.isDirectory(etc, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(etc))) {
            return null;
        }
        if (scope.isEmpty()) {
            return new UserFiles(read(etc.resolve("passwd")), read(etc.resolve("group")));
        }
        // a container's files through one of its processes, which may exit meanwhile: unreadable means unknown
        String passwd = ProcFs.readString(etc.resolve("passwd"), 8 * 1024 * 1024);
        if (passwd == null) {
            return null;
        }
        return new UserFiles(passwd, read(etc.resolve("group")));
    }

    private static String read(Path p) {
        String s = ProcFs.readString(p, 8 * 1024 * 1024);
        return s == null ? "" : s;
    }

    @Override
    public long usersStamp() {
        return stampOf(etcDir.resolve("passwd")) * 31 + stampOf(etcDir.resolve("group"));
    }

    private static long stampOf(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() * 1_000_003L + a.size();
        } catch (IOException | SecurityException e) {
            return 0;
        }
    }

    @Override
    public String hostname() {
        if (hostname == null) {
            String h = ProcFs.readString(proc.root().resolve("sys").resolve("kernel").resolve("hostname"), 256);
            h = h == null ? null : h.trim();
            if (h == null || h.isEmpty()) {
                try {
                    h = java.net.InetAddress.getLocalHost().getHostName();
                } catch (IOException | RuntimeException e) {
                    h = "localhost";
                }
            }
            String env = System.getenv("FALCO_HOSTNAME");
            hostname = env != null && !env.isEmpty() ? env : h;
        }
        return hostname;
    }

    @Override
    public String services() {
        String s = ProcFs.readString(Path.of("/etc/services"), 4 * 1024 * 1024);
        return s == null ? "" : s;
    }

    @Override
    public long birthTime(int pid, boolean inContainer, String path) {
        Path p = Path.of(inContainer ? proc.pidDir(pid).resolve("root") + path : path);
        try {
            Instant born = Files.readAttributes(p, BasicFileAttributes.class).creationTime().toInstant();
            return born.getEpochSecond() * 1_000_000_000L + born.getNano();
        } catch (Exception e) {
            return UNKNOWN_TIME;
        }
    }

    @Override
    public RealPath realPath(String path) {
        try {
            Path real = Path.of(path).toRealPath();
            return new RealPath(real.toString(), ((Number) Files.getAttribute(real, "unix:ino")).longValue());
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void refresh() {
        netSnapshots.clear();
    }

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }
}
