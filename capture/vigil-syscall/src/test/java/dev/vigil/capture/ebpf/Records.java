package dev.vigil.capture.ebpf;

import java.util.List;

/**
 * Builds synthetic {@link RawRecord}s for tests (the fields are package-private: only the decoder
 * and this helper set them). Each builder makes a fresh record.
 */
public final class Records {
    private final RawRecord r = new RawRecord();

    private Records(RawRecord.Kind kind, long monoNanos, int pid) {
        r.kind = kind;
        r.monotonicNanos = monoNanos;
        r.pid = pid;
        r.tid = pid;
        r.syscallNr = -1;
        r.cgroupId = 1;
    }

    public static Records of(RawRecord.Kind kind, long monoNanos, int pid) {
        return new Records(kind, monoNanos, pid);
    }

    public Records tid(int tid) {
        r.tid = tid;
        return this;
    }

    public Records ppid(int ppid) {
        r.ppid = ppid;
        return this;
    }

    public Records uid(int uid, int gid) {
        r.uid = uid;
        r.gid = gid;
        return this;
    }

    public Records nr(int syscallNr) {
        r.syscallNr = syscallNr;
        return this;
    }

    public Records ret(long ret) {
        r.ret = ret;
        return this;
    }

    public Records comm(String comm) {
        r.comm = comm;
        return this;
    }

    public Records filename(String filename) {
        r.filename = filename;
        return this;
    }

    public Records argv(String... argv) {
        r.argv.clear();
        r.argv.addAll(List.of(argv));
        return this;
    }

    public Records vpid(int vpid) {
        r.vpid = vpid;
        return this;
    }

    public Records pidns(long pidns) {
        r.pidns = pidns;
        return this;
    }

    public Records mntns(long mntns) {
        r.mntns = mntns;
        return this;
    }

    public Records cgroup(String parent, String leaf) {
        r.cgroupParent = parent;
        r.cgroupLeaf = leaf;
        return this;
    }

    public Records loginUid(int loginUid) {
        r.loginUid = loginUid;
        return this;
    }

    public Records path(String path) {
        r.path = path;
        return this;
    }

    public Records flags(int flags) {
        r.flags = flags;
        return this;
    }

    /** The probe's answer to whether the open created its file (FMODE_CREATED read from the opened file). */
    public Records created(boolean created) {
        r.openFmode = RecordLayout.OPEN_FMODE_KNOWN | (created ? RecordLayout.OPEN_CREATED : 0);
        return this;
    }

    public Records mode(int mode) {
        r.mode = mode;
        return this;
    }

    public Records dirfd(int dirfd) {
        r.dirfd = dirfd;
        return this;
    }

    public Records fd(int fd) {
        r.fd = fd;
        return this;
    }

    /** The address a CONNECT or ENDPOINT record names. */
    public Records address(int family, byte[] address, int port) {
        r.family = family;
        r.address = address;
        r.port = port;
        r.sockFlags |= RecordLayout.SOCK_ADDR;
        return this;
    }

    public Records unix(String path) {
        r.family = 1;
        r.unixPath = path;
        r.sockFlags |= RecordLayout.SOCK_ADDR;
        return this;
    }

    /** The kernel socket's family, type and protocol (CONNECT, ENDPOINT). */
    public Records socket(int family, int type, int protocol) {
        r.sockFlags |= RecordLayout.SOCK_KNOWN;
        r.skFamily = family;
        r.skType = type;
        r.skProtocol = protocol;
        return this;
    }

    /** The kernel socket's local endpoint. */
    public Records local(byte[] address, int port) {
        r.sockFlags |= RecordLayout.SOCK_LOCAL;
        r.localAddress = address;
        r.localPort = port;
        return this;
    }

    /** The kernel socket's peer. */
    public Records peer(byte[] address, int port) {
        r.sockFlags |= RecordLayout.SOCK_PEER;
        r.peerAddress = address;
        r.peerPort = port;
        return this;
    }

    public Records exitCode(int code) {
        r.exitCode = code;
        return this;
    }

    public Records child(int childPid) {
        r.childPid = childPid;
        r.childTid = childPid;
        return this;
    }

    public Records args(long... args) {
        for (int i = 0; i < 6; i++) {
            r.args[i] = i < args.length ? args[i] : 0;
        }
        return this;
    }

    /** Kernel exe facts of an EXEC record: inode, times, mode, owner, and the layer/memfd flags. */
    public Records exe(long ino, long ctime, long mtime, int mode, int uid, int gid, boolean upper, boolean lower, boolean memfd) {
        r.exeFlags |= RecordLayout.EXE_KNOWN | (upper ? RecordLayout.EXE_UPPER : 0) | (lower ? RecordLayout.EXE_LOWER : 0)
                | (memfd ? RecordLayout.EXE_MEMFD : 0);
        r.exeIno = ino;
        r.exeCtime = ctime;
        r.exeMtime = mtime;
        r.exeMode = mode;
        r.exeUid = uid;
        r.exeGid = gid;
        return this;
    }

    /** Capability masks of an EXEC record's new credentials. */
    public Records caps(long inheritable, long permitted, long effective) {
        r.exeFlags |= RecordLayout.CAPS_KNOWN;
        r.capInheritable = inheritable;
        r.capPermitted = permitted;
        r.capEffective = effective;
        return this;
    }

    /** The controlling terminal of an EXEC record (tty_nr encoding), as the kernel had it. */
    public Records tty(int ttyNr) {
        r.exeFlags |= RecordLayout.TTY_KNOWN;
        r.tty = ttyNr;
        return this;
    }

    public RawRecord build() {
        return r;
    }
}
