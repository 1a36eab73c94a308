package dev.vigil.capture.ebpf;

import java.util.ArrayList;
import java.util.List;

/**
 * One record from the probe, decoded. The reader reuses a single instance for every record it
 * hands out, so a consumer must copy what it keeps before returning.
 *
 * <p>Which accessors are meaningful depends on {@link #kind()}; the others keep stale values.
 */
public final class RawRecord {
    /** At most this many bytes of an I/O buffer are carried (Falco's default snaplen). */
    public static final int IO_SNAPLEN = RecordLayout.IO_SNAPLEN;

    /** What the probe saw. */
    public enum Kind {
        /** A successful execve/execveat (from the sched_process_exec tracepoint). */
        EXEC,
        /** A failed execve/execveat (sys_exit with a negative return). */
        EXEC_FAIL,
        /** open, openat, openat2 (and creat) at sys_exit: path, flags, mode, dirfd; the new fd in {@link #ret()}. */
        OPEN,
        /**
         * connect at sys_exit: fd, the destination (family, address, port or unix path), and what the kernel
         * socket says ({@link #socketKnown()}): type, protocol, local endpoint, peer.
         */
        CONNECT,
        /** A thread-group leader exited (sched_process_exit). */
        EXIT,
        /** A new process or thread (sched_process_fork). */
        FORK,
        /** Any other selected syscall at sys_exit: the raw arguments, and for path syscalls {@link #path()} and {@link #filename()}. */
        GENERIC,
        /**
         * accept, accept4, bind, sendto or sendmsg at sys_exit: the raw arguments, {@link #fd()} (the listening
         * socket for accept, whose new fd is {@link #ret()}), the address the call names when there is one
         * ({@link #hasAddress()}: bind's address, the destination of sendto/sendmsg, the path of an accepted
         * unix socket) and the kernel socket's facts as for CONNECT (for accept: the new socket's).
         */
        ENDPOINT
    }

    Kind kind;
    long monotonicNanos;
    long cgroupId;
    long ret;
    int pid;
    int tid;
    int ppid;
    int uid;
    int gid;
    int syscallNr;
    int cpu = -1;
    String comm = "";

    // EXEC / EXEC_FAIL
    String filename = "";
    final List<String> argv = new ArrayList<>();
    int vpid;
    long mntns;
    String cgroupLeaf = "";
    String cgroupParent = "";
    String exeName = "";
    int loginUid = -1;
    int exeFlags;
    long capInheritable;
    long capPermitted;
    long capEffective;
    long exeIno;
    long exeCtime;
    long exeMtime;
    int exeMode;
    int exeUid;
    int exeGid;
    int tty;
    long pidns;

    // OPEN
    String path = "";
    int openFmode;
    int flags;
    int mode;
    int dirfd;

    // CONNECT / ENDPOINT
    int fd;
    int family;
    int port;
    byte[] address = new byte[0];
    String unixPath = "";
    int sockFlags;
    int skFamily;
    int skType;
    int skProtocol;
    byte[] localAddress = new byte[0];
    int localPort;
    byte[] peerAddress = new byte[0];
    int peerPort;

    // EXIT
    int exitCode;

    // FORK
    int childPid;
    int childTid;

    // GENERIC
    final long[] args = new long[6];
    final byte[] io = new byte[RecordLayout.IO_SNAPLEN];
    int ioLength;

    public Kind kind() {
        return kind;
    }

    /** Kernel time of the event, CLOCK_MONOTONIC nanoseconds (the clock of {@link System#nanoTime()}). */
    public long monotonicNanos() {
        return monotonicNanos;
    }

    /** The cgroup v2 id of the task (1 for the root cgroup). */
    public long cgroupId() {
        return cgroupId;
    }

    /** The syscall's return value (new fd, 0, or a negative errno). */
    public long ret() {
        return ret;
    }

    /** The CPU the event happened on; -1 when unknown (capture files written before it was recorded). */
    public int cpu() {
        return cpu;
    }

    /**
     * Bytes of the I/O buffer a GENERIC record of read, write, pread64, pwrite64 or recvfrom carries: the
     * first {@value RecordLayout#IO_SNAPLEN} bytes the call transferred (0 for other records and failed calls);
     * for poll and ppoll, the first entries of the pollfd array (8 bytes each).
     */
    public int ioLength() {
        return ioLength;
    }

    /** A copy of the I/O buffer bytes ({@link #ioLength()} of them). */
    public byte[] ioBytes() {
        return java.util.Arrays.copyOf(io, ioLength);
    }

    /** Sets the CPU the event happened on (-1: unknown). */
    public void setCpu(int cpu) {
        this.cpu = cpu;
    }

    /** Sets the I/O buffer bytes of a GENERIC record (at most {@value RecordLayout#IO_SNAPLEN} are kept). */
    public void setIo(byte[] bytes, int length) {
        int n = Math.min(length, io.length);
        System.arraycopy(bytes, 0, io, 0, n);
        ioLength = n;
    }

    /** Thread-group id (the process id as user space sees it in the host pid namespace). */
    public int pid() {
        return pid;
    }

    public int tid() {
        return tid;
    }

    public int ppid() {
        return ppid;
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /** The x86-64 syscall number, or -1 for tracepoint records (exec, exit, fork). */
    public int syscallNr() {
        return syscallNr;
    }

    /** The task's comm (at most 15 characters). */
    public String comm() {
        return comm;
    }

    public String filename() {
        return filename;
    }

    /** argv of an exec, argv[0] first. */
    public List<String> argv() {
        return argv;
    }

    /** The pid as seen in the process's own pid namespace. */
    public int vpid() {
        return vpid;
    }

    public long mntns() {
        return mntns;
    }

    public String cgroupLeaf() {
        return cgroupLeaf;
    }

    public String cgroupParent() {
        return cgroupParent;
    }

    /** The audit login uid, -1 when unset. */
    public int loginUid() {
        return loginUid;
    }

    /** Facts the kernel read at exec (EXEC only): which of the exe and capability fields are valid, the exe's overlayfs layer, memfd. */
    public boolean exeKnown() {
        return (exeFlags & RecordLayout.EXE_KNOWN) != 0;
    }

    public boolean capsKnown() {
        return (exeFlags & RecordLayout.CAPS_KNOWN) != 0;
    }

    public boolean exeUpperLayer() {
        return (exeFlags & RecordLayout.EXE_UPPER) != 0;
    }

    public boolean exeLowerLayer() {
        return (exeFlags & RecordLayout.EXE_LOWER) != 0;
    }

    public boolean exeFromMemfd() {
        return (exeFlags & RecordLayout.EXE_MEMFD) != 0;
    }

    /**
     * The executable's own name as the kernel knows it, for a memfd executable ({@code memfd:NAME}, the
     * name {@code /proc/PID/exe} shows while the process lives); empty otherwise (EXEC only).
     */
    public String exeName() {
        return exeName;
    }

    /** Sets the memfd executable's name of an EXEC record (empty for none). */
    public void setExeName(String exeName) {
        this.exeName = exeName;
    }

    public long capInheritable() {
        return capInheritable;
    }

    public long capPermitted() {
        return capPermitted;
    }

    public long capEffective() {
        return capEffective;
    }

    public long exeIno() {
        return exeIno;
    }

    /** The executable's ctime, nanoseconds since the epoch. */
    public long exeCtime() {
        return exeCtime;
    }

    public long exeMtime() {
        return exeMtime;
    }

    /** The executable's st_mode. */
    public int exeMode() {
        return exeMode;
    }

    public int exeUid() {
        return exeUid;
    }

    public int exeGid() {
        return exeGid;
    }

    /** Whether {@link #tty()} was read in the kernel at exec (EXEC only). */
    public boolean ttyKnown() {
        return (exeFlags & RecordLayout.TTY_KNOWN) != 0;
    }

    /** The controlling terminal of the new image, encoded as /proc/PID/stat's tty_nr; 0 for none. */
    public int tty() {
        return tty;
    }

    /** The inode number of the process's own pid namespace as the kernel had it at exec; 0 when not read. */
    public long pidns() {
        return pidns;
    }

    /**
     * OPEN: the path as passed. GENERIC: the first path argument of a path syscall (oldpath,
     * target, the memfd name...), "" for other syscalls; the second one is {@link #filename()}.
     */
    public String path() {
        return path;
    }

    public int flags() {
        return flags;
    }

    public int mode() {
        return mode;
    }

    public int dirfd() {
        return dirfd;
    }

    public int fd() {
        return fd;
    }

    /** AF_INET (2), AF_INET6 (10) or AF_UNIX (1). */
    public int family() {
        return family;
    }

    public int port() {
        return port;
    }

    /** 4 or 16 address bytes for AF_INET/AF_INET6. */
    public byte[] address() {
        return address;
    }

    public String unixPath() {
        return unixPath;
    }

    /** CONNECT/ENDPOINT: whether the record names an address ({@link #family()}, {@link #address()}, {@link #port()}, {@link #unixPath()}). */
    public boolean hasAddress() {
        return (sockFlags & RecordLayout.SOCK_ADDR) != 0;
    }

    /** CONNECT/ENDPOINT: whether the kernel socket was found: {@link #socketFamily()}, {@link #socketType()}, {@link #socketProtocol()} are set. */
    public boolean socketKnown() {
        return (sockFlags & RecordLayout.SOCK_KNOWN) != 0;
    }

    /** CONNECT/ENDPOINT: whether the socket's local endpoint ({@link #localAddress()}, {@link #localPort()}) is set. */
    public boolean hasLocal() {
        return (sockFlags & RecordLayout.SOCK_LOCAL) != 0;
    }

    /** CONNECT/ENDPOINT: whether the socket has a peer ({@link #peerAddress()}, {@link #peerPort()}). */
    public boolean hasPeer() {
        return (sockFlags & RecordLayout.SOCK_PEER) != 0;
    }

    /** The raw socket flags (address, known, local, peer: the {@code VG_SOCK_*} bits of probe.h), for capture files. */
    public int sockFlags() {
        return sockFlags;
    }

    /** The kernel socket's family (AF_INET 2, AF_INET6 10, AF_UNIX 1, ...). */
    public int socketFamily() {
        return skFamily;
    }

    /** The kernel socket's type: SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, SOCK_SEQPACKET 5. */
    public int socketType() {
        return skType;
    }

    /** The kernel socket's protocol (IPPROTO_TCP 6, IPPROTO_UDP 17, IPPROTO_ICMP 1, ...). */
    public int socketProtocol() {
        return skProtocol;
    }

    /** The socket's local address, 4 or 16 bytes (empty unless {@link #hasLocal()}). */
    public byte[] localAddress() {
        return localAddress;
    }

    public int localPort() {
        return localPort;
    }

    /** The socket's peer address, 4 or 16 bytes (empty unless {@link #hasPeer()}). */
    public byte[] peerAddress() {
        return peerAddress;
    }

    public int peerPort() {
        return peerPort;
    }

    public int exitCode() {
        return exitCode;
    }

    public int childPid() {
        return childPid;
    }

    public int childTid() {
        return childTid;
    }

    /** Raw syscall argument {@code i} (0..5) of a GENERIC, CONNECT or ENDPOINT record. */
    public long arg(int i) {
        return args[i];
    }

    // ---------------------------------------------------------------- setters for record sources other than the probe

    /*
     * A capture file replays records into one reused instance, exactly as the probe reader does: each
     * setter below writes the fields the decoder writes for that part of a record and nothing else,
     * so the values a record of another kind leaves behind stay as they would be live.
     */

    /** Sets the header every record has. */
    public void setHeader(Kind kind, long monotonicNanos, long cgroupId, long ret, int pid, int tid, int ppid,
                          int uid, int gid, int syscallNr, String comm) {
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
        this.monotonicNanos = monotonicNanos;
        this.cgroupId = cgroupId;
        this.ret = ret;
        this.pid = pid;
        this.tid = tid;
        this.ppid = ppid;
        this.uid = uid;
        this.gid = gid;
        this.syscallNr = syscallNr;
        this.comm = comm;

    }

    /** The part of an EXEC or EXEC_FAIL record after the header; argv is copied. */
    public void setExec(String filename, List<String> argv, int vpid, long mntns, String cgroupLeaf,
                        String cgroupParent, int loginUid) {
        this.filename = filename;
        this.argv.clear();
        this.argv.addAll(argv);
        this.vpid = vpid;
        this.mntns = mntns;
        this.cgroupLeaf = cgroupLeaf;
        this.cgroupParent = cgroupParent;
        this.loginUid = loginUid;
    }

    /** The executable, credential and terminal facts of an EXEC record, as the probe read them in the kernel. */
    public void setExecFacts(int exeFlags, long capInheritable, long capPermitted, long capEffective, long exeIno,
                             long exeCtime, long exeMtime, int exeMode, int exeUid, int exeGid, int tty) {
        this.tty = tty;
        this.exeFlags = exeFlags;
        this.capInheritable = capInheritable;
        this.capPermitted = capPermitted;
        this.capEffective = capEffective;
        this.exeIno = exeIno;
        this.exeCtime = exeCtime;
        this.exeMtime = exeMtime;
        this.exeMode = exeMode;
        this.exeUid = exeUid;
        this.exeGid = exeGid;
    }

    /** Whether the probe knows if this open created its file (OPEN; vg_open.fmode in probe.h says how). */
    public boolean createdKnown() {
        return (openFmode & RecordLayout.OPEN_FMODE_KNOWN) != 0;
    }

    /** Whether the open created its file (FMODE_CREATED), valid when {@link #createdKnown()}. */
    public boolean created() {
        return (openFmode & RecordLayout.OPEN_CREATED) != 0;
    }

    /** The probe's creation bits of an open (OPEN): {@code vg_open.fmode}, 0 when not known. */
    public int openFmode() {
        return openFmode;
    }

    /** Sets {@link #openFmode()} (capture files; files written before it was recorded leave 0). */
    public void setOpenFmode(int fmode) {
        this.openFmode = fmode;
    }

    /** The pid namespace of an EXEC record (0: not read, as in capture files written before it was recorded). */
    public void setPidns(long pidns) {
        this.pidns = pidns;
    }

    /** The path arguments of a GENERIC record (empty strings when the syscall has none). */
    public void setGenericPaths(String path, String secondPath) {
        this.path = path;
        this.filename = secondPath;
    }

    /** The raw executable facts flags (known, memfd, upper/lower layer, caps known), for capture files. */
    public int exeFlags() {
        return exeFlags;
    }

    /** The part of an OPEN record after the header. */
    public void setOpen(String path, int flags, int mode, int dirfd) {
        this.path = path;
        this.flags = flags;
        this.mode = mode;
        this.dirfd = dirfd;
    }

    /**
     * The named address of a CONNECT or ENDPOINT record; {@code address} is kept, not copied (empty for other
     * families). The raw arguments are set with {@link #setArg}, the kernel socket's facts with {@link #setSocket}.
     */
    public void setConnect(int fd, int family, int port, byte[] address, String unixPath) {
        this.fd = fd;
        this.family = family;
        this.port = port;
        this.address = address;
        this.unixPath = unixPath;
    }

    /**
     * The kernel socket's facts of a CONNECT or ENDPOINT record: {@code sockFlags} as {@link #sockFlags()},
     * addresses kept, not copied (empty when absent).
     */
    public void setSocket(int sockFlags, int skFamily, int skType, int skProtocol, byte[] localAddress, int localPort,
                          byte[] peerAddress, int peerPort) {
        this.sockFlags = sockFlags;
        this.skFamily = skFamily;
        this.skType = skType;
        this.skProtocol = skProtocol;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.peerAddress = peerAddress;
        this.peerPort = peerPort;
    }

    /** The part of an EXIT record after the header. */
    public void setExit(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The part of a FORK record after the header. */
    public void setFork(int childPid, int childTid) {
        this.childPid = childPid;
        this.childTid = childTid;
    }

    /** Raw argument {@code i} (0..5) of a GENERIC, CONNECT or ENDPOINT record. */
    public void setArg(int i, long value) {
        args[i] = value;
    }
}
