package dev.vigil.capture.state;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.event.IpAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Process, file-descriptor and container state built from {@code /proc} at start and kept current
 * from probe records, with Falco's semantics (libsinsp's thread and fd tables).
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>One thread applies records ({@link #apply}) and reads the result (the event view): no
 *       locks on the hot path. Only container metadata arrives from another thread, published
 *       through volatile fields of {@link ContainerInfo}.</li>
 *   <li>{@link #apply} decides which process and which fd the record concerns and leaves them in
 *       {@link #currentProcess()} / {@link #currentFd()} for the event view, so fields are not
 *       looked up again per extraction. A closed fd and an exited process stay visible until the
 *       next record is applied: Falco evaluates the close and procexit events with the fd and the
 *       process still present.</li>
 *   <li>Whatever a record lacks is read from {@code /proc/<pid>} at exec time (exe path, caps,
 *       tty, session, container) or lazily when a field first needs it (environment, a socket
 *       endpoint no record carried, the vpid of a forked child in a pid namespace). Lazy reads
 *       can miss when the process is gone by then; the field is absent in that case. Socket
 *       records carry the kernel socket's endpoints and type, so sockets of short-lived processes
 *       need no lazy read.</li>
 *   <li>Missed records (ring-buffer drops) are healed by falling back to {@code /proc}: an unknown
 *       pid is read from {@code /proc/<pid>}, an unknown fd from {@code /proc/<pid>/fd/<n>}, and
 *       a periodic sweep forgets processes whose {@code /proc} entry disappeared.</li>
 *   <li>Everything read from the machine goes through one narrow interface ({@code Host}). A state
 *       can {@linkplain #record record} every answer, and a state {@linkplain Builder#restore restored}
 *       from a {@link StateSnapshot} answers from recorded {@link HostFact}s instead of the machine:
 *       that is how a capture file replays with the values the live state saw. Timers (user file
 *       checks, the sweep) run on record time, so that a replay takes the same decisions.</li>
 * </ul>
 */
public final class SyscallState implements AutoCloseable {
    private static final int AT_FDCWD = -100;
    private static final int O_DIRECTORY = 0200000;
    static final int O_CLOEXEC = 02000000;
    private static final long EINPROGRESS = 115;
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int AF_NETLINK = 16;
    private static final long SWEEP_INTERVAL_NANOS = 30_000_000_000L;
    private static final long SWEEP_MIN_AGE_NANOS = 60_000_000_000L;
    /** How often (record time) the host's passwd and group files are checked for changes. */
    static final long USER_CHECK_INTERVAL_NANOS = 2_000_000_000L;
    /** How many ancestors {@link #prefetch} walks (as many as the {@code proc.a*} fields reach). */
    private static final int MAX_ANCESTORS = 64;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_TMPFILE = 020200000;

    private static final Set<String> REQUIRED = Set.of(
            "execve", "execveat", "clone", "clone3", "fork", "vfork",
            "open", "openat", "openat2", "creat", "connect", "close",
            "dup", "dup2", "dup3", "fcntl", "socket", "accept", "accept4", "bind", "listen",
            "chdir", "fchdir", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
            "setsid", "setpgid", "memfd_create");

    private Host host;
    private final Host machine;
    private UserDb hostUsers;
    private long hostUsersStamp;
    private final ContainerRegistry containers;
    private final DomainNames domains = new DomainNames();
    private final WallClock clock;
    private final IntMap<ProcessInfo> procs = new IntMap<>(1024);
    private final Map<String, CgroupContainers.Match> cgroupCache = lru(1024);
    private final Map<Long, Long> pidnsInitStart = lru(4096);
    private final Map<ContainerInfo, UserDb> containerUsers = lru(256);
    /** The users of a container whose files could not be read: no names. */
    private static final UserDb UNKNOWN_USERS = UserDb.of(new Host.UserFiles("", ""));
    private long bootEpochNanos;
    private String hostname;
    private String servicesText;
    private Map<String, String> services;

    private ProcessInfo current;
    private FdInfo currentFd;
    /** Entries the current record closed; reusable from the next record on ({@link #newFd}). */
    private final java.util.ArrayDeque<FdInfo> released = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<FdInfo> spare = new java.util.ArrayDeque<>();
    private static final int SPARE_FDS = 4096;
    private ProcessInfo pendingExit;
    private FdInfo changedFd;
    private long records;
    private long lastSweepMono = Long.MIN_VALUE;
    private long lastUserCheckMono = Long.MIN_VALUE;

    /** Builds a state; {@link #bootstrap()} covers the usual case. */
    public static final class Builder {
        private Path procRoot = Path.of("/proc");
        private Path etcDir = Path.of("/etc");
        private List<ContainerMetadataSource> sources = List.of(new PodmanMetadataSource());
        private boolean scan = true;
        private WallClock clock;
        private StateSnapshot snapshot;

        private Builder() {}

        /** The proc file system to read ({@code /proc}). */
        public Builder procRoot(Path p) {
            this.procRoot = Objects.requireNonNull(p);
            return this;
        }

        /** Where the host's passwd and group files are ({@code /etc}). */
        public Builder etcDir(Path p) {
            this.etcDir = Objects.requireNonNull(p);
            return this;
        }

        /** Container metadata sources, tried in order (default: podman). */
        public Builder metadataSources(List<ContainerMetadataSource> s) {
            this.sources = List.copyOf(s);
            return this;
        }

        /** Whether to read every process from /proc at build time (default true). */
        public Builder scanProc(boolean scan) {
            this.scan = scan;
            return this;
        }

        /** Converts record times to wall-clock times (default: the system clocks; a restored state: a manual clock at the snapshot's offset). */
        public Builder clock(WallClock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /**
         * Starts from a snapshot instead of this machine (replaying a capture file): the state holds
         * the snapshot's processes, containers and user tables, never scans or reads {@code /proc},
         * {@code /etc} or the file system, and asks no container engine. What it would have read is
         * answered from the facts given to {@link SyscallState#replayFact}, container metadata comes
         * from {@link SyscallState#replayContainer}. procRoot, etcDir, metadataSources and scanProc
         * do not apply.
         */
        public Builder restore(StateSnapshot s) {
            this.snapshot = Objects.requireNonNull(s);
            return this;
        }

        public SyscallState build() {
            SyscallState s = new SyscallState(this);
            if (snapshot != null) {
                s.restoreFrom(snapshot);
            } else if (scan) {
                s.rescan();
            }
            return s;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A state holding every process that exists now, with its open fds and container. */
    public static SyscallState bootstrap() {
        return builder().build();
    }

    private SyscallState(Builder b) {
        if (b.snapshot != null) {
            ReplayHost replay = new ReplayHost();
            b.snapshot.hostFacts().forEach(replay::feed);
            this.machine = replay;
            this.containers = new ContainerRegistry(List.of());
            this.clock = b.clock != null ? b.clock : WallClock.manual(b.snapshot.clockOffsetNanos());
        } else {
            this.machine = new LiveHost(b.procRoot, b.etcDir);
            this.containers = new ContainerRegistry(b.sources);
            this.clock = b.clock != null ? b.clock : WallClock.system();
        }
        this.host = machine;
        this.hostUsers = UserDb.of(host.users("", 0));
        this.hostUsersStamp = host.usersStamp();
        if (b.snapshot == null) {
            refreshBootTime();
        }
    }

    private void restoreFrom(StateSnapshot s) {
        bootEpochNanos = s.bootEpochNanos();
        lastUserCheckMono = s.lastUserCheckMono();
        lastSweepMono = s.lastSweepMono();
        new TreeMap<>(s.pidnsInitStart()).forEach(pidnsInitStart::put);
        for (ContainerSnapshot c : s.containers()) {
            containers.publish(c.fullId(), c.runtime(), c.metadata());
        }
        for (ProcessSnapshot ps : s.processes()) {
            ContainerInfo c = ps.containerId() == null ? ContainerInfo.HOST : containers.get(ps.containerId(), ps.containerRuntime());
            procs.put(ps.pid(), ps.toProcessInfo(c));
        }
    }

    /** True for a state {@linkplain Builder#restore restored} from a snapshot, which never reads this machine. */
    public boolean isRestored() {
        return machine instanceof ReplayHost;
    }

    // ---------------------------------------------------------------- capture files

    /**
     * Reports, from now on, every answer this state gets from the machine to {@code recorder}, and
     * every container metadata arrival; null stops. Call on the thread that applies records.
     */
    public void record(HostRecorder recorder) {
        if (recorder == null) {
            host = machine;
            containers.onPublish(null);
            return;
        }
        host = new RecordingHost(machine, recorder);
        containers.onPublish(c -> recorder.container(new ContainerSnapshot(c.fullId(), c.runtime(), c.metadata())));
    }

    /**
     * Everything this state holds now, as plain values. Lazily read values (environments, host name,
     * {@code /etc/services}, stale capability sets, working directories) are read first, so that the
     * snapshot is complete; processes that exited are left out.
     */
    public StateSnapshot snapshot() {
        hostname();
        serviceMap();
        List<ProcessSnapshot> ps = new ArrayList<>(procs.size());
        int[] pids = procs.keys();
        java.util.Arrays.sort(pids);
        for (int pid : pids) {
            ProcessInfo p = procs.get(pid);
            if (p == null || p.exited) {
                continue;
            }
            prefetchProcess(p);
            ps.add(ProcessSnapshot.of(p));
        }
        List<HostFact> facts = new ArrayList<>();
        facts.add(HostFact.of(HostFact.Kind.USERS, 0, 0, "", null, List.of(hostUsers.passwdText(), hostUsers.groupText())));
        facts.add(HostFact.of(HostFact.Kind.USERS_STAMP, 0, 0, "", new long[] {hostUsersStamp}, null));
        containerUsers.forEach((c, db) -> {
            if (db != hostUsers) {
                facts.add(HostFact.of(HostFact.Kind.USERS, 0, 0, c.fullId(), null, List.of(db.passwdText(), db.groupText())));
            }
        });
        facts.add(HostFact.of(HostFact.Kind.HOSTNAME, 0, 0, "", null, List.of(hostname)));
        facts.add(HostFact.of(HostFact.Kind.SERVICES, 0, 0, "", null, List.of(servicesText)));
        List<ContainerSnapshot> cs = new ArrayList<>();
        for (ContainerInfo c : containers.all()) {
            cs.add(new ContainerSnapshot(c.fullId(), c.runtime(), c.metadata()));
        }
        return new StateSnapshot(bootEpochNanos, clock.offsetNanos(), lastUserCheckMono, lastSweepMono,
                new HashMap<>(pidnsInitStart), facts, cs, ps);
    }

    /** A restored state: the answer the machine gave at this point of the recording. */
    public void replayFact(HostFact fact) {
        if (!(machine instanceof ReplayHost replay)) {
            throw new IllegalStateException("only a restored state replays facts");
        }
        replay.feed(fact);
    }

    /** A restored state: a container's metadata arrived at this point of the recording. */
    public void replayContainer(ContainerSnapshot c) {
        if (!isRestored()) {
            throw new IllegalStateException("only a restored state replays container metadata");
        }
        containers.publish(c.fullId(), c.runtime(), c.metadata());
    }

    /**
     * Reads now what the event view may read lazily about the last applied record (environment,
     * capability sets, working directory, vpid and ancestors of its process, its user tables, the
     * endpoints of its socket, the standard fds and the creation time of a file it created), so that a
     * recording made without evaluating rules holds every answer a replay may ask for.
     */
    public void prefetch(RawRecord r) {
        ProcessInfo p = current;
        if (p == null) {
            return;
        }
        ProcessInfo q = p;
        for (int depth = 0; q != null && depth < MAX_ANCESTORS; depth++) {
            prefetchProcess(q);
            q = parent(q);
        }
        userName(p);
        groupName(p);
        loginName(p);
        if (currentFd != null && currentFd.unresolved) {
            resolveSocket(p, currentFd);
        }
        if (r.kind() == RawRecord.Kind.EXEC) {
            for (int std = 0; std < 3; std++) {
                fd(p, std);
            }
        }
        if (r.kind() == RawRecord.Kind.OPEN && r.ret() >= 0 && currentFd != null && mayHaveCreated(r)) {
            fileBirthNanos(p, currentFd.name);
        }
    }

    /** Whether a successful open may have created its file, so that only its creation time can tell. */
    private boolean mayHaveCreated(RawRecord r) {
        if (r.createdKnown()) {
            return false; // the kernel said: no need to ask the file system
        }
        int k = r.flags();
        if ("creat".equals(syscallName(r.syscallNr()))) {
            return true;
        }
        return (k & O_CREAT) != 0 && (k & O_EXCL) == 0 && (k & O_TMPFILE) != O_TMPFILE;
    }

    private void prefetchProcess(ProcessInfo p) {
        env(p);
        ensureCaps(p);
        cwd(p);
        vpid(p);
    }

    /** The syscalls whose records state tracking needs (besides the exec, exit and fork tracepoints). */
    public static Set<String> requiredSyscalls() {
        return REQUIRED;
    }

    public WallClock clock() {
        return clock;
    }

    /** The DNS cache behind {@code fd.*.name}: register the domain names rules compare with. */
    public DomainNames domainNames() {
        return domains;
    }

    /** The process the last applied record concerns. */
    public ProcessInfo currentProcess() {
        return current;
    }

    /** The fd the last applied record concerns (the closed one for close, the new one for open...), or null. */
    public FdInfo currentFd() {
        return currentFd;
    }

    /** Whether the last applied record changed the name of {@link #currentFd()} (a connect to a new peer). */
    public boolean currentFdNameChanged() {
        return changedFd != null && changedFd == currentFd;
    }

    /** Records applied so far. */
    public long recordCount() {
        return records;
    }

    public ProcessInfo process(int pid) {
        return procs.get(pid);
    }

    public int processCount() {
        return procs.size();
    }

    /** {@code evt.hostname}: the machine's host name ({@code FALCO_HOSTNAME} overrides it), or the recorded one. */
    public String hostname() {
        if (hostname == null) {
            hostname = host.hostname();
        }
        return hostname;
    }

    private Map<String, String> serviceMap() {
        if (services == null) {
            servicesText = host.services();
            services = Services.parse(servicesText);
        }
        return services;
    }

    /** The service name of {@code port}/{@code proto} from {@code /etc/services} (or the recorded copy), or null. */
    public String serviceName(int port, String proto) {
        return serviceMap().get(port + "/" + proto);
    }

    /**
     * When the file at {@code path} (as {@code p} sees it: through its root when in a container) was
     * created, epoch ns, or {@link Long#MIN_VALUE} when unknown.
     */
    public long fileBirthNanos(ProcessInfo p, String path) {
        return host.birthTime(p.pid, !p.container.isHost(), path);
    }

    /** The name of syscall {@code nr} on x86-64, or null. */
    public String syscallName(int nr) {
        return dev.vigil.capture.ebpf.Syscalls.name(nr);
    }

    /** The number of a syscall on x86-64, or -1. */
    public int syscallNumber(String name) {
        return dev.vigil.capture.ebpf.Syscalls.number(name);
    }

    // ---------------------------------------------------------------- bootstrap

    /** Reads every process of /proc that is not known yet (with its fds). Known processes are kept. */
    public void rescan() {
        if (isRestored()) {
            return;
        }
        refreshBootTime();
        host.refresh();
        for (int pid : host.pids()) {
            if (procs.get(pid) != null) {
                continue;
            }
            ProcessInfo p = readProcess(pid);
            if (p != null) {
                procs.put(pid, p);
                scanFds(p);
            }
        }
    }

    private void refreshBootTime() {
        long up = host.uptimeNanos();
        bootEpochNanos = up < 0 ? 0 : clock.nowWallNanos() - up;
    }

    /** A process as /proc describes it now, or null when it is gone. */
    private ProcessInfo readProcess(int pid) {
        ProcFs.Stat st = host.stat(pid);
        if (st == null) {
            return null;
        }
        ProcessInfo p = new ProcessInfo(pid);
        p.ppid = st.ppid();
        p.comm = st.comm();
        p.sid = st.session();
        p.vpgid = st.pgrp();
        p.tty = st.ttyNr();
        p.startNanos = bootEpochNanos == 0 ? 0 : bootEpochNanos + st.startTicks() * (1_000_000_000L / ProcFs.TICKS_PER_SECOND);
        ProcFs.Status status = host.status(pid);
        if (status != null) {
            applyStatus(p, status);
        }
        p.setArgv(host.cmdline(pid));
        p.cwd = dirWithSlash(host.cwd(pid));
        p.netns = host.nsInode(pid, Host.NS_NET);
        int login = host.loginuid(pid);
        p.loginUid = login == ProcFs.UNREADABLE ? -1 : login;
        p.pidnsInode = host.nsInode(pid, Host.NS_PID);
        if (p.pidnsInode == 0 && pid == 1) {
            // pid 1 of this /proc is the init of Vigil's own pid namespace, even where its
            // namespace link cannot be read (as on some sandboxed hosts)
            p.pidnsInode = host.nsInode((int) ProcessHandle.current().pid(), Host.NS_PID);
        }
        p.mntns = host.nsInode(pid, Host.NS_MNT);
        if (p.vpid == 1 && p.startNanos != 0 && p.pidnsInode != 0) {
            pidnsInitStart.put(p.pidnsInode, p.startNanos);
        }
        p.container = containerOf(pid, null);
        readExe(p, null, null);
        return p;
    }

    private void applyStatus(ProcessInfo p, ProcFs.Status s) {
        if (s.euid() >= 0) {
            p.uid = s.euid();
        }
        if (s.egid() >= 0) {
            p.gid = s.egid();
        }
        if (s.nsPid() > 0) {
            p.vpid = s.nsPid();
        }
        if (s.nsPgid() > 0) {
            p.vpgid = s.nsPgid();
        }
        if (s.nsSid() > 0) {
            p.sid = s.nsSid();
        }
        p.setCaps(s.capInh(), s.capPrm(), s.capEff());
    }

    /**
     * Exe path, memfd and overlay-layer flags, and the executable's inode times. The exec record's
     * kernel facts win over /proc, which a short-lived process has already left.
     */
    private void readExe(ProcessInfo p, String filenameFallback, RawRecord exec) {
        p.exeUpperLayer = false;
        p.exeLowerLayer = false;
        p.exeFromMemfd = false;
        p.exeWritable = false;
        p.exeStatKnown = false;
        String link = host.exeLink(p.pid);
        if (link == null && exec != null && exec.exeFromMemfd() && !exec.exeName().isEmpty()) {
            // the name /proc showed while the process lived, as the probe read it at exec
            p.exepath = exec.exeName();
            p.exeFromMemfd = true;
            applyKernelExe(p, exec);
            return;
        }
        if (link == null) {
            if (filenameFallback != null && !filenameFallback.isEmpty()) {
                p.exepath = Paths2.resolve(p.cwd, filenameFallback);
                p.exeFromMemfd = filenameFallback.startsWith("/memfd:") || filenameFallback.startsWith("memfd:");
                realExePath(p, exec);
            }
            applyKernelExe(p, exec);
            return;
        }
        if (link.endsWith(" (deleted)")) {
            link = link.substring(0, link.length() - " (deleted)".length());
        }
        if (link.startsWith("/memfd:")) {
            p.exeFromMemfd = true;
            p.exepath = link.substring(1);
        } else {
            p.exepath = link;
        }
        Host.ExeStat a = host.exeStat(p.pid);
        if (a != null) {
            p.exeIno = a.ino();
            p.exeCtime = a.ctimeNanos();
            p.exeMtime = a.mtimeNanos();
            int mode = a.mode();
            p.exeWritable = p.uid == 0 || (a.uid() == p.uid ? (mode & 0200) != 0
                    : a.gid() == p.gid ? (mode & 020) != 0 : (mode & 02) != 0);
            p.exeStatKnown = true;
        }
        // else the process is gone or the file is unreachable: leave the inode fields unknown
        if (exec != null && exec.exeKnown()) {
            applyKernelExe(p, exec);
        } else if (!p.exeFromMemfd) {
            MountTable.Layer layer = host.exeLayer(p.pid, p.mntns, p.exepath);
            p.exeUpperLayer = layer == MountTable.Layer.UPPER;
            p.exeLowerLayer = layer == MountTable.Layer.LOWER;
        }
    }

    /**
     * A process gone from /proc before its exec was handled was started through a path that may
     * be a symbolic link ({@code /bin/sh}); the exe link, like Falco's exepath, names the file
     * itself. For a host process, resolve the path in the host file system, and keep the result
     * only when it is the inode the probe saw at exec.
     */
    private void realExePath(ProcessInfo p, RawRecord exec) {
        if (p.exeFromMemfd || exec == null || !exec.exeKnown() || !p.container.isHost() || p.exepath == null
                || !p.exepath.startsWith("/")) {
            return;
        }
        Host.RealPath real = host.realPath(p.exepath);
        if (real != null && real.ino() == exec.exeIno()) {
            p.exepath = real.path();
        }
    }

    /** The executable's facts as the probe read them at exec, when it could. */
    private static void applyKernelExe(ProcessInfo p, RawRecord exec) {
        if (exec == null || !exec.exeKnown()) {
            return;
        }
        p.exeIno = exec.exeIno();
        p.exeCtime = exec.exeCtime();
        p.exeMtime = exec.exeMtime();
        int mode = exec.exeMode();
        p.exeWritable = p.uid == 0 || (exec.exeUid() == p.uid ? (mode & 0200) != 0
                : exec.exeGid() == p.gid ? (mode & 020) != 0 : (mode & 02) != 0);
        p.exeStatKnown = true;
        p.exeFromMemfd = exec.exeFromMemfd();
        p.exeUpperLayer = exec.exeUpperLayer();
        p.exeLowerLayer = exec.exeLowerLayer();
    }

    private ContainerInfo containerOf(int pid, RawRecord r) {
        String text = host.cgroup(pid);
        CgroupContainers.Match m;
        if (text != null) {
            m = cgroupCache.get(text);
            if (m == null && !cgroupCache.containsKey(text)) {
                m = CgroupContainers.parse(text);
                cgroupCache.put(text, m);
            }
        } else if (r != null && !r.cgroupLeaf().isEmpty()) {
            m = CgroupContainers.parsePath("/" + r.cgroupParent() + "/" + r.cgroupLeaf());
        } else {
            m = null;
        }
        return m == null ? ContainerInfo.HOST : containers.get(m.fullId(), m.runtime());
    }

    /** Reads the open fds of a process from /proc (sockets through its network namespace's tables). */
    private void scanFds(ProcessInfo p) {
        int[] nums = host.fds(p.pid);
        if (nums == null) {
            return;
        }
        for (int fd : nums) {
            FdInfo f = fdFromProc(p, fd);
            if (f != null) {
                p.fds.put(f);
            }
        }
    }

    /** An fd as /proc/<pid>/fd/<n> describes it, or null when it is not open. */
    private FdInfo fdFromProc(ProcessInfo p, int fd) {
        Host.FdLink target = host.fd(p.pid, fd);
        if (target == null) {
            return null;
        }
        String link = target.link();
        if (link.startsWith("socket:[")) {
            long inode = inodeOf(link);
            FdInfo f = new FdInfo(fd, FdType.UNKNOWN);
            f.inode = inode;
            Host.SocketRow row = host.socketInTable(p.pid, p.netns, inode);
            if (row != null) {
                fillSocket(f, row.sock(), row.localPortListening() && row.sock().hasPeer(), false);
            }
            return f;
        }
        if (link.startsWith("pipe:[")) {
            FdInfo f = new FdInfo(fd, FdType.PIPE);
            f.inode = inodeOf(link);
            f.setName(link);
            return f;
        }
        if (link.startsWith("anon_inode:")) {
            FdInfo f = new FdInfo(fd, anonType(link.substring("anon_inode:".length())));
            f.setName(link);
            return f;
        }
        String path = link.endsWith(" (deleted)") ? link.substring(0, link.length() - 10) : link;
        if (path.startsWith("/memfd:")) {
            FdInfo f = new FdInfo(fd, FdType.MEMFD);
            f.setName(path.substring(1));
            return f;
        }
        if (path.startsWith("/")) {
            FdInfo f = new FdInfo(fd, target.directory() ? FdType.DIRECTORY : FdType.FILE);
            f.setName(path);
            return f;
        }
        FdInfo f = new FdInfo(fd, FdType.UNKNOWN);
        f.setName(link);
        return f;
    }

    private static FdType anonType(String what) {
        String w = what.replace("[", "").replace("]", "");
        return switch (w) {
            case "eventfd" -> FdType.EVENT;
            case "eventpoll" -> FdType.EVENTPOLL;
            case "signalfd" -> FdType.SIGNALFD;
            case "inotify" -> FdType.INOTIFY;
            case "timerfd" -> FdType.TIMERFD;
            case "userfaultfd" -> FdType.USERFAULTFD;
            case "io_uring" -> FdType.IO_URING;
            case "pidfd" -> FdType.PIDFD;
            default -> w.startsWith("bpf") ? FdType.BPF : FdType.UNKNOWN;
        };
    }

    private static long inodeOf(String link) {
        int a = link.indexOf('[');
        int b = link.indexOf(']');
        try {
            return a >= 0 && b > a ? Long.parseLong(link.substring(a + 1, b)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Copies a socket-table row into an fd. {@code serverRole}: the process is the server side of a
     * connected socket (accepted, or its local port is listening). {@code keepServer}: the server
     * endpoint is already known (from a connect record) and must not be overwritten.
     */
    private static void fillSocket(FdInfo f, NetTables.Sock s, boolean serverRole, boolean keepServer) {
        if (s.isUnix()) {
            f.type = FdType.UNIX;
            if (f.name.isEmpty() && s.path() != null) {
                f.setName(s.path());
            }
            return;
        }
        f.type = s.local() != null && s.local().isV4() ? FdType.IPV4 : FdType.IPV6;
        if (f.l4proto == null) {
            f.l4proto = s.proto();
        }
        if (!s.hasPeer()) {
            f.listening = true;
            f.server = true;
            f.serverIp = s.local();
            f.serverPort = s.localPort();
        } else if (serverRole || f.server) {
            f.server = true;
            f.listening = false;
            f.connected = true;
            f.serverIp = s.local();
            f.serverPort = s.localPort();
            f.clientIp = s.remote();
            f.clientPort = s.remotePort();
        } else {
            f.connected = true;
            f.clientIp = s.local();
            f.clientPort = s.localPort();
            if (!keepServer || f.serverIp == null) {
                f.serverIp = s.remote();
                f.serverPort = s.remotePort();
            }
        }
        f.renderSocketName();
    }

    // ---------------------------------------------------------------- records

    /** Brings the state up to date with one record. Must be called before the record's event is built. */
    public void apply(RawRecord r) {
        try {
            applyRecord(r);
        } finally {
            host.recordApplied();
        }
    }

    private void applyRecord(RawRecord r) {
        retirePrevious();
        records++;
        housekeeping(r.monotonicNanos());
        ProcessInfo p = processFor(r.pid(), r);
        current = p;
        currentFd = null;
        if (r.kind() != RawRecord.Kind.EXIT) {
            p.uid = r.uid();
            p.gid = r.gid();
        }
        switch (r.kind()) {
            case FORK -> onFork(p, r);
            case EXEC -> onExec(p, r);
            case EXEC_FAIL -> { }
            case OPEN -> onOpen(p, r);
            case CONNECT -> onConnect(p, r);
            case EXIT -> {
                p.exited = true;
                pendingExit = p;
            }
            case GENERIC -> onGeneric(p, r);
            case ENDPOINT -> onEndpoint(p, r);
        }
    }

    private void retirePrevious() {
        changedFd = null;
        // entries closed by the previous record: nothing refers to them once its event is evaluated
        while (!released.isEmpty()) {
            FdInfo f = released.pollLast();
            if (spare.size() < SPARE_FDS) {
                spare.addLast(f);
            }
        }
        if (pendingExit != null) {
            if (procs.get(pendingExit.pid) == pendingExit) {
                procs.remove(pendingExit.pid);
                host.forget(pendingExit.pid);
            }
            pendingExit = null;
        }
    }

    /** A new fd entry: a recycled one when there is one, so that opening and closing allocates nothing. */
    private FdInfo newFd(int num, FdType type) {
        FdInfo f = spare.pollLast();
        return f == null ? new FdInfo(num, type) : f.reset(num, type);
    }

    private void housekeeping(long mono) {
        if (lastUserCheckMono == Long.MIN_VALUE || mono - lastUserCheckMono > USER_CHECK_INTERVAL_NANOS) {
            lastUserCheckMono = mono;
            long stamp = host.usersStamp();
            if (stamp != hostUsersStamp) {
                hostUsersStamp = stamp;
                hostUsers = UserDb.of(host.users("", 0));
            }
        }
        if (lastSweepMono == Long.MIN_VALUE) {
            lastSweepMono = mono;
        } else if (mono - lastSweepMono > SWEEP_INTERVAL_NANOS) {
            lastSweepMono = mono;
            sweep(mono);
        }
    }

    /** Forgets processes whose /proc entry is gone (their exit record was lost). */
    private void sweep(long mono) {
        long now = clock.toWallNanos(mono);
        int[] pids = procs.keys();
        java.util.Arrays.sort(pids);
        for (int pid : pids) {
            ProcessInfo p = procs.get(pid);
            if (p != current && now - p.startNanos > SWEEP_MIN_AGE_NANOS && !host.exists(pid)) {
                procs.remove(pid);
                host.forget(pid);
            }
        }
    }

    private ProcessInfo processFor(int pid, RawRecord r) {
        ProcessInfo p = procs.get(pid);
        if (p != null) {
            return p;
        }
        p = readProcess(pid);
        if (p == null) {
            p = new ProcessInfo(pid);
            p.ppid = r.ppid();
            p.comm = r.comm();
            p.exe = r.comm();
            p.rebuildCmdline();
            p.startNanos = clock.toWallNanos(r.monotonicNanos());
            p.uid = r.uid();
            p.gid = r.gid();
        } else {
            scanFds(p);
        }
        procs.put(pid, p);
        return p;
    }

    private void onFork(ProcessInfo parent, RawRecord r) {
        int child = r.childPid();
        if (child <= 0 || child == parent.pid || procs.get(child) != null) {
            return;
        }
        ProcessInfo c = parent.forkChild(child);
        c.startNanos = clock.toWallNanos(r.monotonicNanos());
        // in the host pid namespace the vpid is the pid; inside another one it is read lazily
        c.vpid = parent.vpid == parent.pid ? child : -1;
        procs.put(child, c);
    }

    private void onExec(ProcessInfo p, RawRecord r) {
        p.comm = r.comm();
        List<String> argv = r.argv();
        if (argv.isEmpty() && !r.filename().isEmpty()) {
            p.setArgv(List.of(r.filename()));
        } else {
            p.setArgv(argv);
        }
        if (r.vpid() > 0) {
            p.vpid = r.vpid();
        }
        if (r.mntns() != 0) {
            p.mntns = r.mntns();
        }
        if (p.cwd == null) {
            p.cwd = dirWithSlash(host.cwd(p.pid));
        }
        ProcFs.Status status = host.status(p.pid);
        if (status != null && (status.tgid() == p.pid || status.tgid() < 0)) {
            applyStatus(p, status);
        } else {
            p.capsKnown = false;
        }
        p.uid = r.uid();
        p.gid = r.gid();
        if (r.capsKnown()) {
            // the credentials of the new image, read in the kernel (the process may be gone from /proc)
            p.setCaps(r.capInheritable(), r.capPermitted(), r.capEffective());
        }
        ProcFs.Stat st = host.stat(p.pid);
        if (r.ttyKnown()) {
            // the terminal as the kernel had it at exec: a short-lived process is gone from /proc by now
            p.tty = r.tty();
        } else if (st != null) {
            p.tty = st.ttyNr();
        }
        if (st != null) {
            if (p.sid < 0) {
                p.sid = st.session();
            }
            if (p.vpgid < 0) {
                p.vpgid = st.pgrp();
            }
        }
        if (r.loginUid() >= 0) {
            p.loginUid = r.loginUid();
        } else {
            int login = host.loginuid(p.pid);
            if (login != ProcFs.UNREADABLE) {
                p.loginUid = login;
            }
        }
        p.env = null;
        p.envLoaded = false;
        // the kernel's answer first: a short-lived process is gone from /proc by now
        long pidns = r.pidns() != 0 ? r.pidns() : host.nsInode(p.pid, Host.NS_PID);
        if (pidns != 0) {
            p.pidnsInode = pidns;
        }
        if (p.vpid == 1 && p.pidnsInode != 0) {
            pidnsInitStart.putIfAbsent(p.pidnsInode, p.startNanos);
        }
        p.container = containerOf(p.pid, r);
        readExe(p, r.filename(), r);
        // close-on-exec descriptors disappear with the exec
        for (int fd : p.fds.fds()) {
            FdInfo f = p.fds.get(fd);
            if (f != null && (f.openFlags & O_CLOEXEC) != 0) {
                p.fds.remove(fd);
            }
        }
    }

    private void onOpen(ProcessInfo p, RawRecord r) {
        String raw = r.path();
        String name = syscallName(r.syscallNr());
        boolean at = name == null || name.equals("openat") || name.equals("openat2");
        String abs = absolutePath(p, at ? r.dirfd() : AT_FDCWD, raw);
        long ret = r.ret();
        FdInfo f = newFd(ret >= 0 ? (int) ret : -1, (r.flags() & O_DIRECTORY) != 0 ? FdType.DIRECTORY : FdType.FILE);
        f.setName(abs);
        f.nameRaw = raw;
        f.openFlags = r.flags();
        if (ret >= 0) {
            p.fds.put(f);
        }
        currentFd = f;
    }

    /** A path made absolute against the working directory or a directory fd, normalised as libsinsp does. */
    public String absolutePath(ProcessInfo p, int dirfd, String path) {
        if (path == null) {
            return null;
        }
        if (path.startsWith("/")) {
            return Paths2.normalize(path);
        }
        String base;
        if (dirfd == AT_FDCWD) {
            base = cwd(p);
        } else {
            FdInfo d = fd(p, dirfd);
            base = d != null && d.type.isFileLike() ? d.name : null;
        }
        return base == null ? path : Paths2.resolve(base, path);
    }

    private void onConnect(ProcessInfo p, RawRecord r) {
        int fd = r.fd();
        FdInfo f = p.fds.forWrite(fd);
        if (f == null) {
            f = fdFromProc(p, fd);
            if (f == null) {
                f = new FdInfo(fd, r.family() == AF_UNIX ? FdType.UNIX : r.family() == AF_INET6 ? FdType.IPV6 : FdType.IPV4);
            }
            p.fds.put(f);
        }
        currentFd = f;
        long ret = r.ret();
        if (ret < 0 && ret != -EINPROGRESS) {
            return; // as libsinsp: a failed connect leaves the fd unchanged
        }
        if (r.family() == AF_UNIX) {
            String old = f.name;
            f.type = FdType.UNIX;
            f.setName(r.unixPath());
            f.connected = true;
            if (!Objects.equals(old, f.name)) {
                changedFd = f;
            }
            return;
        }
        if (r.family() != AF_INET && r.family() != AF_INET6) {
            return;
        }
        IpAddress remote = Ip.of(r.address());
        if (remote == null) {
            return;
        }
        boolean changed = f.serverIp == null || !f.serverIp.equals(remote) || f.serverPort != r.port() || f.server;
        f.type = remote.isV4() ? FdType.IPV4 : FdType.IPV6;
        f.server = false;
        f.listening = false;
        f.connected = true;
        f.serverIp = remote;
        f.serverPort = r.port();
        // the client side is this socket's local endpoint, which the probe read from the kernel socket
        IpAddress local = r.hasLocal() ? Ip.of(r.localAddress()) : null;
        f.clientIp = local;
        f.clientPort = local != null ? r.localPort() : -1;
        f.unresolved = local == null; // else read from /proc when a field needs it
        String proto = kernelL4proto(r);
        if (proto != null) {
            f.l4proto = proto;
        }
        f.renderSocketName();
        if (changed) {
            changedFd = f;
        }
    }

    /** accept, accept4, bind, sendto, sendmsg with what the kernel socket said. */
    private void onEndpoint(ProcessInfo p, RawRecord r) {
        String name = syscallName(r.syscallNr());
        switch (name == null ? "" : name) {
            case "accept", "accept4" -> onAccept(p, r, r);
            case "bind" -> onBind(p, r, r);
            case "sendto", "sendmsg" -> onSend(p, r);
            default -> currentFd = fd(p, (int) r.arg(0));
        }
    }

    /** True when the record's kernel socket is an IP socket. */
    private static boolean kernelIp(RawRecord k) {
        return k != null && k.socketKnown() && (k.socketFamily() == AF_INET || k.socketFamily() == AF_INET6);
    }

    /** The L4 protocol of the record's kernel socket, or null when not an IP socket or not known. */
    private static String kernelL4proto(RawRecord k) {
        return kernelIp(k) ? l4proto(k.socketType(), k.socketProtocol()) : null;
    }

    /** libsinsp's L4 protocol name of a socket type and protocol, or null. */
    private static String l4proto(int type, int protocol) {
        return switch (type & 0xf) {
            case 1 -> "tcp"; // SOCK_STREAM
            case 2 -> protocol == 1 || protocol == 58 ? "icmp" : "udp"; // SOCK_DGRAM (ICMP "ping" sockets)
            case 3 -> "raw";
            default -> null;
        };
    }

    private static FdType socketType(int family) {
        return switch (family) {
            case AF_UNIX -> FdType.UNIX;
            case AF_INET -> FdType.IPV4;
            case AF_INET6 -> FdType.IPV6;
            case AF_NETLINK -> FdType.NETLINK;
            default -> FdType.UNKNOWN;
        };
    }

    /**
     * The fd a socket record is about: from the table, else from /proc, else (the process is gone) a new
     * entry when the kernel said it is a socket; null when nothing knows it.
     */
    private FdInfo socketFd(ProcessInfo p, int fd, RawRecord k) {
        FdInfo f = p.fds.forWrite(fd);
        if (f == null && fd >= 0) {
            f = p.exited ? null : fdFromProc(p, fd);
            if (f == null && k != null && k.socketKnown()) {
                f = new FdInfo(fd, socketType(k.socketFamily()));
            }
            if (f != null) {
                p.fds.put(f);
            }
        }
        return f;
    }

    /**
     * accept/accept4: the new fd is the server side of the connection, the peer its client. {@code k} is
     * the record when it carries the new socket's endpoints (ENDPOINT), null for a GENERIC record; what
     * it lacks comes from the listening socket and, lazily, /proc.
     */
    private void onAccept(ProcessInfo p, RawRecord r, RawRecord k) {
        FdInfo listener = fd(p, (int) r.arg(0));
        long ret = r.ret();
        if (ret < 0) {
            currentFd = listener;
            return;
        }
        FdType type = listener != null ? listener.type : FdType.IPV4;
        if (k != null && k.socketKnown()) {
            type = socketType(k.socketFamily());
        }
        FdInfo f = newFd((int) ret, type);
        f.server = true;
        f.connected = true;
        if (listener != null) {
            f.l4proto = listener.l4proto;
            f.serverIp = listener.serverIp;
            f.serverPort = listener.serverPort;
            if (listener.type == FdType.UNIX) {
                f.setName(listener.name);
            }
        }
        boolean complete = false;
        if (kernelIp(k)) {
            String proto = kernelL4proto(k);
            if (proto != null) {
                f.l4proto = proto;
            }
            IpAddress local = k.hasLocal() ? Ip.of(k.localAddress()) : null;
            IpAddress peer = k.hasPeer() ? Ip.of(k.peerAddress()) : null;
            if (local != null) {
                f.type = local.isV4() ? FdType.IPV4 : FdType.IPV6;
                f.serverIp = local;
                f.serverPort = k.localPort();
            }
            if (peer != null) {
                f.clientIp = peer;
                f.clientPort = k.peerPort();
            }
            complete = local != null && peer != null;
        } else if (k != null && k.socketKnown() && k.socketFamily() == AF_UNIX && k.hasAddress() && k.family() == AF_UNIX) {
            f.setName(k.unixPath());
        }
        f.unresolved = f.type != FdType.UNIX && !complete;
        if (complete) {
            f.renderSocketName();
        }
        if (r.syscallNr() == syscallNumber("accept4") && (r.arg(3) & O_CLOEXEC) != 0) {
            f.openFlags = O_CLOEXEC;
        }
        p.fds.put(f);
        currentFd = f;
    }

    /**
     * bind: as libsinsp, an IP socket bound to a non-zero port becomes a server socket named by the bound
     * address, a unix socket is named by its path. {@code k} is the record when it carries the address
     * (ENDPOINT), null for a GENERIC record, whose address is then read from /proc.
     */
    private void onBind(ProcessInfo p, RawRecord r, RawRecord k) {
        int fd = (int) r.arg(0);
        FdInfo f = socketFd(p, fd, k);
        currentFd = f;
        if (r.ret() != 0 || f == null) {
            return;
        }
        String proto = kernelL4proto(k);
        if (proto != null) {
            f.l4proto = proto;
        }
        if (k != null && k.hasAddress()) {
            String old = f.name;
            if (k.family() == AF_UNIX) {
                f.type = FdType.UNIX;
                f.setName(k.unixPath());
            } else if (k.family() == AF_INET || k.family() == AF_INET6) {
                IpAddress a = Ip.of(k.address());
                int port = k.port();
                if (a == null) {
                    return;
                }
                f.type = a.isV4() ? FdType.IPV4 : FdType.IPV6;
                if (port == 0) {
                    return; // an ephemeral port for a client socket: libsinsp leaves the fd as it is
                }
                f.listening = true;
                f.server = true;
                f.serverIp = a;
                f.serverPort = port;
                f.clientIp = null;
                f.clientPort = -1;
                f.unresolved = false;
                f.renderSocketName();
            } else {
                return;
            }
            if (!old.equals(f.name)) {
                changedFd = f;
            }
            return;
        }
        if (f.type.isIp() || f.type == FdType.UNKNOWN) {
            f.listening = true;
            f.server = true;
            f.unresolved = true;
        }
    }

    /**
     * sendto/sendmsg with a destination: as libsinsp's tuple update, an IP socket's endpoints become this
     * socket's local endpoint and the destination (the socket's peer when it is connected, else the address
     * the caller named), oriented by the socket's role; the name changes when the destination does (UDP).
     */
    private void onSend(ProcessInfo p, RawRecord r) {
        FdInfo f = socketFd(p, r.fd(), r);
        currentFd = f;
        if (f == null || r.ret() < 0) {
            return;
        }
        boolean ip = r.socketKnown() ? kernelIp(r) : f.type.isIp();
        if (!ip) {
            return;
        }
        IpAddress dest;
        int destPort;
        if (r.hasPeer()) {
            dest = Ip.of(r.peerAddress());
            destPort = r.peerPort();
        } else if (r.hasAddress() && (r.family() == AF_INET || r.family() == AF_INET6)) {
            dest = Ip.of(r.address());
            destPort = r.port();
        } else {
            return; // no destination: the socket is unchanged
        }
        if (dest == null) {
            return;
        }
        IpAddress local = r.hasLocal() ? Ip.of(r.localAddress()) : null;
        int localPort = local != null ? r.localPort() : -1;
        String old = f.name;
        boolean wasUnresolved = f.unresolved;
        f.type = dest.isV4() ? FdType.IPV4 : FdType.IPV6;
        String proto = kernelL4proto(r);
        // libsinsp takes a socket whose peer changes without a known protocol for UDP (TCP cannot)
        f.l4proto = proto != null ? proto : f.l4proto != null ? f.l4proto : "udp";
        if (f.server) {
            if (local != null) {
                f.serverIp = local;
                f.serverPort = localPort;
            }
            f.clientIp = dest;
            f.clientPort = destPort;
        } else {
            f.clientIp = local;
            f.clientPort = localPort;
            f.serverIp = dest;
            f.serverPort = destPort;
        }
        f.listening = false;
        f.unresolved = false;
        f.renderSocketName();
        if (!wasUnresolved && !old.equals(f.name)) {
            changedFd = f;
        }
    }

    private void onGeneric(ProcessInfo p, RawRecord r) {
        String name = syscallName(r.syscallNr());
        if (name == null) {
            return;
        }
        long ret = r.ret();
        int a0 = (int) r.arg(0);
        switch (name) {
            case "close" -> {
                currentFd = p.fds.get(a0);
                if (ret == 0) {
                    // the removed entry is this table's own (a shared table copies first): reusable
                    // from the next record on
                    FdInfo closed = p.fds.remove(a0);
                    if (closed != null) {
                        released.addLast(closed);
                    }
                }
            }
            case "dup", "dup2", "dup3" -> {
                FdInfo old = fd(p, a0);
                currentFd = old;
                if (ret >= 0 && old != null && ret != a0) {
                    FdInfo copy = old.copy((int) ret);
                    copy.openFlags = name.equals("dup3") && (r.arg(2) & O_CLOEXEC) != 0
                            ? copy.openFlags | O_CLOEXEC : copy.openFlags & ~O_CLOEXEC;
                    p.fds.put(copy);
                    currentFd = copy;
                }
            }
            case "fcntl" -> {
                FdInfo old = fd(p, a0);
                currentFd = old;
                long cmd = r.arg(1);
                if ((cmd == 0 || cmd == 1030) && ret >= 0 && old != null) {
                    FdInfo copy = old.copy((int) ret);
                    copy.openFlags = cmd == 1030 ? copy.openFlags | O_CLOEXEC : copy.openFlags & ~O_CLOEXEC;
                    p.fds.put(copy);
                }
            }
            case "socket" -> {
                if (ret >= 0) {
                    FdInfo f = newSocket((int) ret, a0, (int) r.arg(1), (int) r.arg(2));
                    p.fds.put(f);
                    currentFd = f;
                }
            }
            case "accept", "accept4" -> onAccept(p, r, null);
            case "bind" -> onBind(p, r, null);
            case "listen" -> {
                FdInfo f = p.fds.forWrite(a0);
                if (f == null) {
                    f = fdFromProc(p, a0);
                    if (f != null) {
                        p.fds.put(f);
                    }
                }
                currentFd = f;
                if (ret == 0 && f != null && (f.type.isIp() || f.type == FdType.UNKNOWN)) {
                    f.listening = true;
                    f.server = true;
                    if (f.serverIp == null) {
                        f.unresolved = true;
                    }
                }
            }
            case "chdir" -> {
                if (ret == 0) {
                    String path = r.path();
                    p.cwd = dirWithSlash(path != null && !path.isEmpty() ? Paths2.resolve(cwd(p), path) : host.cwd(p.pid));
                }
            }
            case "fchdir" -> {
                FdInfo d = fd(p, a0);
                currentFd = d;
                if (ret == 0) {
                    p.cwd = dirWithSlash(d != null && d.type == FdType.DIRECTORY ? d.name : host.cwd(p.pid));
                }
            }
            case "setuid", "setreuid", "setresuid", "setgid", "setregid", "setresgid" -> {
                if (ret == 0) {
                    long id = switch (name) {
                        case "setuid", "setgid" -> r.arg(0);
                        default -> r.arg(1);
                    };
                    int v = (int) id;
                    if (v != -1) {
                        if (name.contains("uid")) {
                            p.uid = v;
                        } else {
                            p.gid = v;
                        }
                    }
                    p.capsStale = true;
                }
            }
            case "setsid" -> {
                if (ret >= 0) {
                    p.sid = (int) ret;
                    p.vpgid = (int) ret;
                }
            }
            case "setpgid" -> {
                int target = (int) r.arg(0);
                int pgid = (int) r.arg(1);
                ProcessInfo t = target == 0 ? p : procs.get(target);
                if (ret == 0 && t != null) {
                    t.vpgid = pgid != 0 ? pgid : (t.vpid > 0 ? t.vpid : t.pid);
                }
            }
            case "setns", "unshare" -> {
                if (ret == 0) {
                    p.netns = 0; // namespaces may have changed: read again when needed
                    p.mntns = 0;
                }
                if (name.equals("setns")) {
                    currentFd = fd(p, a0);
                }
            }
            case "memfd_create" -> {
                if (ret >= 0) {
                    FdInfo f = new FdInfo((int) ret, FdType.MEMFD);
                    f.setName(r.path()); // libsinsp names the fd after the name argument, as given
                    if ((r.arg(1) & 1) != 0) {
                        f.openFlags = O_CLOEXEC;
                    }
                    p.fds.put(f);
                    currentFd = f;
                }
            }
            case "eventfd", "eventfd2", "signalfd", "signalfd4", "epoll_create", "epoll_create1", "inotify_init",
                 "inotify_init1", "timerfd_create", "userfaultfd", "io_uring_setup", "pidfd_open" -> {
                if (ret >= 0) {
                    FdInfo f = new FdInfo((int) ret, createdType(name));
                    p.fds.put(f);
                    currentFd = f;
                }
            }
            default -> {
                if (FD_FIRST_ARG.contains(name)) {
                    currentFd = fd(p, a0);
                }
            }
        }
    }

    /** Syscalls whose first argument is the fd the event is about (fd.* fields describe it). */
    private static final Set<String> FD_FIRST_ARG = Set.of(
            "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
            "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "getsockname",
            "getpeername", "setsockopt", "getsockopt", "fchmod", "fchown", "fstat", "fsync", "fdatasync",
            "ftruncate", "flock", "ioctl", "lseek", "sendfile", "fstatfs", "getdents", "getdents64",
            "finit_module", "fsetxattr", "fgetxattr", "fremovexattr", "syncfs", "fallocate", "readahead",
            "copy_file_range", "splice", "tee", "vmsplice", "inotify_add_watch", "fanotify_mark", "fadvise64");

    private static FdType createdType(String syscall) {
        return switch (syscall) {
            case "eventfd", "eventfd2" -> FdType.EVENT;
            case "signalfd", "signalfd4" -> FdType.SIGNALFD;
            case "epoll_create", "epoll_create1" -> FdType.EVENTPOLL;
            case "inotify_init", "inotify_init1" -> FdType.INOTIFY;
            case "timerfd_create" -> FdType.TIMERFD;
            case "userfaultfd" -> FdType.USERFAULTFD;
            case "io_uring_setup" -> FdType.IO_URING;
            case "pidfd_open" -> FdType.PIDFD;
            default -> FdType.UNKNOWN;
        };
    }

    private FdInfo newSocket(int fd, int domain, int type, int protocol) {
        FdType t = socketType(domain);
        FdInfo f = newFd(fd, t);
        if (t.isIp()) {
            f.l4proto = l4proto(type, protocol);
        }
        if ((type & O_CLOEXEC) != 0) {
            f.openFlags = O_CLOEXEC;
        }
        return f;
    }

    // ---------------------------------------------------------------- lazy lookups for the event view

    /** An fd of a process, read from /proc when the table does not know it (a missed record). */
    public FdInfo fd(ProcessInfo p, int fd) {
        FdInfo f = p.fds.get(fd);
        if (f == null && fd >= 0 && !p.exited) {
            f = fdFromProc(p, fd);
            if (f != null) {
                p.fds.put(f);
            }
        }
        return f;
    }

    /** Fills the socket endpoints a record did not carry from /proc/<pid>/net. One attempt per change. */
    public void resolveSocket(ProcessInfo p, FdInfo f) {
        if (f == null || !f.unresolved) {
            return;
        }
        f.unresolved = false;
        if (f.num < 0) {
            return;
        }
        if (f.inode == 0) {
            Host.FdLink link = host.fd(p.pid, f.num);
            if (link == null || !link.link().startsWith("socket:[")) {
                return;
            }
            f.inode = inodeOf(link.link());
        }
        NetTables.Sock s = host.socketNow(p.pid, f.inode);
        if (s == null) {
            return;
        }
        if (f.listening) {
            if (!s.isUnix()) {
                f.type = s.local() != null && s.local().isV4() ? FdType.IPV4 : FdType.IPV6;
                if (f.l4proto == null) {
                    f.l4proto = s.proto();
                }
                f.serverIp = s.local();
                f.serverPort = s.localPort();
                f.renderSocketName();
            }
            return;
        }
        fillSocket(f, s, f.server, true);
    }

    /** The working directory with a trailing slash (as libsinsp keeps it), read from /proc when not known yet. */
    public String cwd(ProcessInfo p) {
        if (p.cwd == null && !p.exited) {
            p.cwd = dirWithSlash(host.cwd(p.pid));
        }
        return p.cwd;
    }

    private static String dirWithSlash(String d) {
        return d == null || d.endsWith("/") ? d : d + "/";
    }

    /** The environment (NAME=value), read once per exec from /proc (at most 32 KiB). */
    public List<String> env(ProcessInfo p) {
        if (!p.envLoaded) {
            p.envLoaded = true;
            List<String> e = host.environ(p.pid);
            p.env = e.isEmpty() ? null : List.copyOf(e);
        }
        return p.env;
    }

    /** The value of one environment variable, or null. */
    public String envVar(ProcessInfo p, String name) {
        List<String> env = env(p);
        if (env == null) {
            return null;
        }
        for (String kv : env) {
            if (kv.length() > name.length() && kv.charAt(name.length()) == '=' && kv.startsWith(name)) {
                return kv.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** Re-reads the capability sets when a uid change made them stale or they were never read. */
    public boolean ensureCaps(ProcessInfo p) {
        if ((!p.capsKnown || p.capsStale) && !p.exited) {
            ProcFs.Status s = host.status(p.pid);
            if (s != null) {
                p.setCaps(s.capInh(), s.capPrm(), s.capEff());
            } else {
                p.capsStale = false;
            }
        }
        return p.capsKnown;
    }

    /** The vpid, read from /proc for a child forked inside a pid namespace. -1 when unknown. */
    public int vpid(ProcessInfo p) {
        if (p.vpid < 0 && !p.exited) {
            ProcFs.Status s = host.status(p.pid);
            if (s != null && s.nsPid() > 0) {
                p.vpid = s.nsPid();
                if (s.nsPgid() > 0) {
                    p.vpgid = s.nsPgid();
                }
            }
        }
        return p.vpid;
    }

    /**
     * The parent process, or null. When the recorded parent is gone the kernel reparented the
     * process: its new ppid is read once from /proc.
     */
    public ProcessInfo parent(ProcessInfo p) {
        ProcessInfo parent = procs.get(p.ppid);
        if (parent != null && parent != p && !(parent.exited && parent != current)) {
            return parent;
        }
        if (!p.ppidChecked && !p.exited) {
            p.ppidChecked = true;
            ProcFs.Stat st = host.stat(p.pid);
            if (st != null && st.ppid() != p.ppid) {
                p.ppid = st.ppid();
                p.ppidChecked = false;
                parent = procs.get(p.ppid);
            }
        }
        return parent != null && parent != p ? parent : null;
    }

    /** The start time of the process's pid namespace (the start of its pid 1), 0 when unknown. */
    public long pidnsInitStart(ProcessInfo p) {
        if (p.pidnsInode == 0) {
            return 0;
        }
        Long t = pidnsInitStart.get(p.pidnsInode);
        return t == null ? 0 : t;
    }

    private UserDb usersOf(ProcessInfo p) {
        if (p.container.isHost()) {
            return hostUsers;
        }
        UserDb db = containerUsers.get(p.container);
        if (db == null) {
            Host.UserFiles files = host.users(p.container.fullId(), p.pid);
            if (files == null) {
                // this process is gone: read the container's files through another of its processes
                for (int pid : procs.keys()) {
                    ProcessInfo other = procs.get(pid);
                    if (other != null && other != p && other.container.equals(p.container)) {
                        files = host.users(p.container.fullId(), pid);
                        if (files != null) {
                            break;
                        }
                    }
                }
            }
            if (files == null) {
                // unknown for now (names read as absent); asked again at the next lookup, never cached
                return UNKNOWN_USERS;
            }
            db = UserDb.of(files);
            containerUsers.put(p.container, db);
        }
        return db;
    }

    /** {@code user.name} of the process's uid (from the container's passwd for container processes), or null. */
    public String userName(ProcessInfo p) {
        UserDb db = usersOf(p);
        if (p.userNameVersion != db.version() || p.userNameUid != p.uid) {
            p.userName = nameOrRoot(db.userName(p.uid), p.uid);
            p.userNameVersion = db.version();
            p.userNameUid = p.uid;
        }
        return p.userName;
    }

    /** The name of any uid as seen by the process (setuid arguments), or null. */
    public String userNameOf(ProcessInfo p, int uid) {
        return nameOrRoot(usersOf(p).userName(uid), uid);
    }

    /** {@code user.loginname}, or null when the login uid is unset or unknown. */
    public String loginName(ProcessInfo p) {
        if (p.loginUid < 0) {
            return null;
        }
        UserDb db = usersOf(p);
        if (p.loginNameVersion != db.version() || p.loginNameUid != p.loginUid) {
            p.loginName = nameOrRoot(db.userName(p.loginUid), p.loginUid);
            p.loginNameVersion = db.version();
            p.loginNameUid = p.loginUid;
        }
        return p.loginName;
    }

    /** {@code group.name}, or null. */
    public String groupName(ProcessInfo p) {
        UserDb db = usersOf(p);
        if (p.groupNameVersion != db.version() || p.groupNameGid != p.gid) {
            String n = db.groupName(p.gid);
            p.groupName = n == null && p.gid == 0 ? "root" : n;
            p.groupNameVersion = db.version();
            p.groupNameGid = p.gid;
        }
        return p.groupName;
    }

    /** The name of any gid as seen by the process, or null. */
    public String groupNameOf(ProcessInfo p, int gid) {
        String n = usersOf(p).groupName(gid);
        return n == null && gid == 0 ? "root" : n;
    }

    /** {@code user.homedir}, or null. */
    public String userHome(ProcessInfo p) {
        UserDb.User u = usersOf(p).user(p.uid);
        return u == null ? null : u.home();
    }

    /** {@code user.shell}, or null. */
    public String userShell(ProcessInfo p) {
        UserDb.User u = usersOf(p).user(p.uid);
        return u == null ? null : u.shell();
    }

    private static String nameOrRoot(String n, int uid) {
        return n == null && uid == 0 ? "root" : n;
    }

    /** Stops the container metadata and DNS executors. */
    @Override
    public void close() {
        containers.close();
        domains.close();
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
