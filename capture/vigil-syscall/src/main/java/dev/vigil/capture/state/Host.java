package dev.vigil.capture.state;

import java.util.List;

/**
 * Everything state tracking asks the machine beyond the probe's records. {@link LiveHost} asks
 * {@code /proc}, {@code /etc} and the file system; {@link RecordingHost} passes the questions on
 * and reports every answer as a {@link HostFact}; {@link ReplayHost} answers from recorded facts
 * and never touches the machine.
 *
 * <p>Every method returns null (or an empty or "unknown" value, as documented) when the machine
 * has no answer: processes exit between any two reads.
 */
interface Host {
    int NS_MNT = 0;
    int NS_NET = 1;
    int NS_PID = 2;
    long UNKNOWN_TIME = Long.MIN_VALUE;

    /** The executable's inode. */
    record ExeStat(long ino, long ctimeNanos, long mtimeNanos, int mode, int uid, int gid) {}

    /** The target of {@code /proc/<pid>/fd/<n>} and whether it is a directory. */
    record FdLink(String link, boolean directory) {}

    /** A socket table row and whether its local port is a listening TCP port of the namespace. */
    record SocketRow(NetTables.Sock sock, boolean localPortListening) {}

    /** A path with every symbolic link resolved, and the inode it names. */
    record RealPath(String path, long ino) {}

    /** The texts of a passwd and a group file. */
    record UserFiles(String passwd, String group) {}

    /** Thread-group ids of every process (bootstrap only; not recorded). */
    int[] pids();

    /** Nanoseconds since boot, or -1 (bootstrap only; not recorded). */
    long uptimeNanos();

    boolean exists(int pid);

    ProcFs.Stat stat(int pid);

    ProcFs.Status status(int pid);

    /** argv, empty for kernel threads and vanished processes. */
    List<String> cmdline(int pid);

    /** The environment (at most 32 KiB of it), empty when unreadable. */
    List<String> environ(int pid);

    String cwd(int pid);

    /** A namespace inode ({@link #NS_MNT}, {@link #NS_NET}, {@link #NS_PID}), 0 when unknown. */
    long nsInode(int pid, int ns);

    /** -1 when unset, {@link ProcFs#UNREADABLE} when unreadable. */
    int loginuid(int pid);

    String cgroup(int pid);

    String exeLink(int pid);

    ExeStat exeStat(int pid);

    /** The overlay layer of the executable {@code path} in mount namespace {@code mntns} (0: the process's). */
    MountTable.Layer exeLayer(int pid, long mntns, String path);

    /** Open fd numbers, or null when the directory cannot be read. */
    int[] fds(int pid);

    FdLink fd(int pid, int fd);

    /** The row of socket {@code inode} from the namespace's tables (cached up to a second), or null. */
    SocketRow socketInTable(int pid, long netns, long inode);

    /** The row of socket {@code inode}, read now, or null. */
    NetTables.Sock socketNow(int pid, long inode);

    /** passwd and group of the host ({@code scope} "") or of a container's root seen through {@code pid}; null when absent. */
    UserFiles users(String scope, int pid);

    /** Changes whenever the host's passwd or group file changes. */
    long usersStamp();

    String hostname();

    /** The text of {@code /etc/services}, "" when unreadable. */
    String services();

    /** The absolute {@code path} with its symbolic links resolved in this (the host's) file system, or null. */
    RealPath realPath(String path);

    /** Creation time of {@code path} as process {@code pid} sees it (through its root when in a container), or {@link #UNKNOWN_TIME}. */
    long birthTime(int pid, boolean inContainer, String path);

    /** State tracking forgot process {@code pid}: answers about it may be dropped. */
    default void forget(int pid) {
    }

    /** A record was applied: answers given before now belong to the past. */
    default void recordApplied() {
    }

    /** A rescan starts: drop cached tables. */
    default void refresh() {
    }
}
