package dev.vigil.capture.state;

import java.util.List;

/**
 * One process (thread group) as Falco's thread table keeps it. Owned by {@link SyscallState} and
 * changed only on the thread that applies records; readers on that thread (the event view) see
 * consistent values. Strings that fields return are built when the process changes (exec, chdir,
 * setuid), never per event.
 */
public final class ProcessInfo {
    final int pid;
    int ppid;
    /** -1 until known. */
    int vpid = -1;
    int sid = -1;
    int vpgid = -1;
    String comm = "";
    String exe = "";
    String exepath = "";
    List<String> args = List.of();
    String argsJoined = "";
    String cmdline = "";
    String exeline = "";
    String cwd;
    List<String> env;
    boolean envLoaded;
    int uid = -1;
    int gid = -1;
    int loginUid = -1;
    long tty;
    long startNanos;
    long capEff;
    long capPrm;
    long capInh;
    boolean capsKnown;
    boolean capsStale;
    private String capEffNames;
    private String capPrmNames;
    private String capInhNames;
    boolean exeUpperLayer;
    boolean exeLowerLayer;
    boolean exeFromMemfd;
    boolean exeWritable;
    boolean exeStatKnown;
    long exeIno;
    long exeCtime;
    long exeMtime;
    long pidnsInode;
    long mntns;
    long netns;
    ContainerInfo container = ContainerInfo.HOST;
    FdTable fds = new FdTable();
    boolean ppidChecked;
    boolean exited;

    String userName;
    int userNameVersion = -1;
    int userNameUid;
    String loginName;
    int loginNameVersion = -1;
    int loginNameUid;
    String groupName;
    int groupNameVersion = -1;
    int groupNameGid;

    ProcessInfo(int pid) {
        this.pid = pid;
    }

    public int pid() {
        return pid;
    }

    public int ppid() {
        return ppid;
    }

    /** The pid inside the process's pid namespace, -1 when not known. */
    public int vpid() {
        return vpid;
    }

    public int sid() {
        return sid;
    }

    public int vpgid() {
        return vpgid;
    }

    /** {@code proc.name}: the kernel's comm. */
    public String comm() {
        return comm;
    }

    /** {@code proc.exe}: argv[0]. */
    public String exe() {
        return exe;
    }

    /** {@code proc.exepath}: the resolved executable path. */
    public String exepath() {
        return exepath;
    }

    public List<String> args() {
        return args;
    }

    /** {@code proc.args}: argv[1..] joined by spaces. */
    public String argsJoined() {
        return argsJoined;
    }

    /** {@code proc.cmdline}: comm followed by the arguments. */
    public String cmdline() {
        return cmdline;
    }

    /** {@code proc.exeline}: argv[0] followed by the arguments. */
    public String exeline() {
        return exeline;
    }

    /** The working directory, with a trailing slash as libsinsp keeps it ({@code /home/alice/}), or null when unknown. */
    public String cwd() {
        return cwd;
    }

    /** Effective uid, -1 when unknown. */
    public int uid() {
        return uid;
    }

    /** Effective gid, -1 when unknown. */
    public int gid() {
        return gid;
    }

    /** Audit login uid, -1 when unset. */
    public int loginUid() {
        return loginUid;
    }

    public long tty() {
        return tty;
    }

    /** Start time, nanoseconds since the epoch; 0 when unknown. */
    public long startNanos() {
        return startNanos;
    }

    public boolean capsKnown() {
        return capsKnown;
    }

    public long capEffective() {
        return capEff;
    }

    public long capPermitted() {
        return capPrm;
    }

    public long capInheritable() {
        return capInh;
    }

    /** {@code thread.cap_effective}: capability names, space separated. */
    public String capEffectiveNames() {
        if (capEffNames == null) {
            capEffNames = Capabilities.names(capEff);
        }
        return capEffNames;
    }

    public String capPermittedNames() {
        if (capPrmNames == null) {
            capPrmNames = Capabilities.names(capPrm);
        }
        return capPrmNames;
    }

    public String capInheritableNames() {
        if (capInhNames == null) {
            capInhNames = Capabilities.names(capInh);
        }
        return capInhNames;
    }

    void setCaps(long inh, long prm, long eff) {
        if (!capsKnown || inh != capInh || prm != capPrm || eff != capEff) {
            capInh = inh;
            capPrm = prm;
            capEff = eff;
            capEffNames = null;
            capPrmNames = null;
            capInhNames = null;
        }
        capsKnown = true;
        capsStale = false;
    }

    public boolean isExeUpperLayer() {
        return exeUpperLayer;
    }

    public boolean isExeLowerLayer() {
        return exeLowerLayer;
    }

    public boolean isExeFromMemfd() {
        return exeFromMemfd;
    }

    public boolean isExeWritable() {
        return exeWritable;
    }

    public boolean exeStatKnown() {
        return exeStatKnown;
    }

    public long exeIno() {
        return exeIno;
    }

    /** ctime of the executable's inode, epoch ns. */
    public long exeCtime() {
        return exeCtime;
    }

    /** mtime of the executable's inode, epoch ns. */
    public long exeMtime() {
        return exeMtime;
    }

    public ContainerInfo container() {
        return container;
    }

    /** An open file descriptor, or null. */
    public FdInfo fd(int fd) {
        return fds.get(fd);
    }

    public int fdCount() {
        return fds.size();
    }

    public int[] fdNumbers() {
        return fds.fds();
    }

    /** True for the record that reported the exit; the process is forgotten after it. */
    public boolean hasExited() {
        return exited;
    }

    /** Sets argv (argv[0] becomes {@code exe}) and rebuilds the derived command-line strings. */
    void setArgv(List<String> argv) {
        if (argv == null || argv.isEmpty()) {
            exe = comm;
            args = List.of();
        } else {
            exe = argv.get(0);
            args = List.copyOf(argv.subList(1, argv.size()));
        }
        argsJoined = String.join(" ", args);
        rebuildCmdline();
    }

    void rebuildCmdline() {
        cmdline = argsJoined.isEmpty() ? comm : comm + " " + argsJoined;
        exeline = argsJoined.isEmpty() ? exe : exe + " " + argsJoined;
    }

    /** A child created by fork: everything but the pid is inherited. */
    ProcessInfo forkChild(int childPid) {
        ProcessInfo c = new ProcessInfo(childPid);
        c.ppid = pid;
        c.sid = sid;
        c.vpgid = vpgid;
        c.comm = comm;
        c.exe = exe;
        c.exepath = exepath;
        c.args = args;
        c.argsJoined = argsJoined;
        c.cmdline = cmdline;
        c.exeline = exeline;
        c.cwd = cwd;
        c.env = env;
        c.envLoaded = envLoaded;
        c.uid = uid;
        c.gid = gid;
        c.loginUid = loginUid;
        c.tty = tty;
        c.capEff = capEff;
        c.capPrm = capPrm;
        c.capInh = capInh;
        c.capsKnown = capsKnown;
        c.capsStale = capsStale;
        c.exeUpperLayer = exeUpperLayer;
        c.exeLowerLayer = exeLowerLayer;
        c.exeFromMemfd = exeFromMemfd;
        c.exeWritable = exeWritable;
        c.exeStatKnown = exeStatKnown;
        c.exeIno = exeIno;
        c.exeCtime = exeCtime;
        c.exeMtime = exeMtime;
        c.pidnsInode = pidnsInode;
        c.mntns = mntns;
        c.netns = netns;
        c.container = container;
        c.fds = fds.fork();
        return c;
    }

    @Override
    public String toString() {
        return pid + "(" + comm + ")";
    }
}
