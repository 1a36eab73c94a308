package dev.vigil.capture.state;

import java.util.List;
import java.util.Objects;

/**
 * One process (thread group) as a capture file keeps it: every field of {@link ProcessInfo} that
 * is not derived from others, and its open descriptors. Field meanings are those of the
 * {@link ProcessInfo} accessors.
 *
 * @param pid              thread-group id
 * @param ppid             parent pid
 * @param vpid             pid in its own pid namespace, -1 when unknown
 * @param sid              session id, -1 when unknown
 * @param vpgid            process group id, -1 when unknown
 * @param comm             {@code proc.name}
 * @param exe              argv[0]
 * @param exepath          resolved executable path
 * @param args             argv[1..]
 * @param cwd              working directory with a trailing slash, or null when not known
 * @param envLoaded        whether the environment was read (after the last exec)
 * @param env              the environment (NAME=value), null when not loaded or unreadable
 * @param uid              effective uid, -1 when unknown
 * @param gid              effective gid, -1 when unknown
 * @param loginUid         audit login uid, -1 when unset
 * @param tty              controlling terminal device number
 * @param startNanos       start time, epoch ns (0 when unknown)
 * @param capsKnown        whether the capability sets were read
 * @param capsStale        whether a uid change made them stale
 * @param capInh           inheritable set
 * @param capPrm           permitted set
 * @param capEff           effective set
 * @param exeUpperLayer    executable in an overlay upper layer
 * @param exeLowerLayer    executable in an overlay lower layer
 * @param exeFromMemfd     executable is a memfd
 * @param exeWritable      executable writable by the process's user
 * @param exeStatKnown     the inode fields below are known
 * @param exeIno           executable inode number
 * @param exeCtime         executable ctime, epoch ns
 * @param exeMtime         executable mtime, epoch ns
 * @param pidnsInode       pid namespace inode, 0 when unknown
 * @param mntns            mount namespace inode, 0 when unknown
 * @param netns            network namespace inode, 0 when unknown
 * @param containerId      full container id, or null for a host process
 * @param containerRuntime the container's runtime, or null for a host process
 * @param ppidChecked      the parent pid was re-read from /proc after the parent vanished
 * @param fds              open descriptors
 */
public record ProcessSnapshot(int pid, int ppid, int vpid, int sid, int vpgid, String comm, String exe, String exepath,
                              List<String> args, String cwd, boolean envLoaded, List<String> env, int uid, int gid,
                              int loginUid, long tty, long startNanos, boolean capsKnown, boolean capsStale, long capInh,
                              long capPrm, long capEff, boolean exeUpperLayer, boolean exeLowerLayer, boolean exeFromMemfd,
                              boolean exeWritable, boolean exeStatKnown, long exeIno, long exeCtime, long exeMtime,
                              long pidnsInode, long mntns, long netns, String containerId, String containerRuntime,
                              boolean ppidChecked, List<FdSnapshot> fds) {
    public ProcessSnapshot {
        comm = Objects.requireNonNullElse(comm, "");
        exe = Objects.requireNonNullElse(exe, "");
        exepath = Objects.requireNonNullElse(exepath, "");
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? null : List.copyOf(env);
        fds = fds == null ? List.of() : List.copyOf(fds);
        if ((containerId == null) != (containerRuntime == null)) {
            throw new IllegalArgumentException("container id and runtime must both be set or both be null");
        }
    }

    static ProcessSnapshot of(ProcessInfo p) {
        int[] nums = p.fds.fds();
        java.util.Arrays.sort(nums);
        FdSnapshot[] fds = new FdSnapshot[nums.length];
        for (int i = 0; i < nums.length; i++) {
            fds[i] = FdSnapshot.of(p.fds.get(nums[i]));
        }
        boolean host = p.container.isHost();
        return new ProcessSnapshot(p.pid, p.ppid, p.vpid, p.sid, p.vpgid, p.comm, p.exe, p.exepath, p.args, p.cwd,
                p.envLoaded, p.env, p.uid, p.gid, p.loginUid, p.tty, p.startNanos, p.capsKnown, p.capsStale, p.capInh,
                p.capPrm, p.capEff, p.exeUpperLayer, p.exeLowerLayer, p.exeFromMemfd, p.exeWritable, p.exeStatKnown,
                p.exeIno, p.exeCtime, p.exeMtime, p.pidnsInode, p.mntns, p.netns, host ? null : p.container.fullId(),
                host ? null : p.container.runtime(), p.ppidChecked, List.of(fds));
    }

    /** A new process with these values; the container is resolved by the caller. */
    ProcessInfo toProcessInfo(ContainerInfo container) {
        ProcessInfo p = new ProcessInfo(pid);
        p.ppid = ppid;
        p.vpid = vpid;
        p.sid = sid;
        p.vpgid = vpgid;
        p.comm = comm;
        p.exe = exe;
        p.exepath = exepath;
        p.args = args;
        p.argsJoined = String.join(" ", args);
        p.rebuildCmdline();
        p.cwd = cwd;
        p.envLoaded = envLoaded;
        p.env = env;
        p.uid = uid;
        p.gid = gid;
        p.loginUid = loginUid;
        p.tty = tty;
        p.startNanos = startNanos;
        if (capsKnown) {
            p.setCaps(capInh, capPrm, capEff);
        } else {
            p.capInh = capInh;
            p.capPrm = capPrm;
            p.capEff = capEff;
        }
        p.capsStale = capsStale;
        p.exeUpperLayer = exeUpperLayer;
        p.exeLowerLayer = exeLowerLayer;
        p.exeFromMemfd = exeFromMemfd;
        p.exeWritable = exeWritable;
        p.exeStatKnown = exeStatKnown;
        p.exeIno = exeIno;
        p.exeCtime = exeCtime;
        p.exeMtime = exeMtime;
        p.pidnsInode = pidnsInode;
        p.mntns = mntns;
        p.netns = netns;
        p.container = container;
        p.ppidChecked = ppidChecked;
        for (FdSnapshot f : fds) {
            p.fds.put(f.toFdInfo());
        }
        return p;
    }
}
