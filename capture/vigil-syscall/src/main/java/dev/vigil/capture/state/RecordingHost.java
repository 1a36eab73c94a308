package dev.vigil.capture.state;

import dev.vigil.capture.state.HostFact.Kind;
import dev.vigil.event.IpAddress;
import java.util.HexFormat;
import java.util.List;

/**
 * Asks another host and reports every answer to a {@link HostRecorder} as a {@link HostFact}
 * ({@link ReplayHost} turns them back). Bootstrap-only questions (the pid list, the uptime) are
 * not reported: a replay starts from a snapshot, never from a scan.
 */
final class RecordingHost implements Host {
    private static final HexFormat HEX = HexFormat.of();

    final Host inner;
    private final HostRecorder recorder;

    RecordingHost(Host inner, HostRecorder recorder) {
        this.inner = inner;
        this.recorder = recorder;
    }

    private void report(HostFact f) {
        recorder.fact(f);
    }

    @Override
    public int[] pids() {
        return inner.pids();
    }

    @Override
    public long uptimeNanos() {
        return inner.uptimeNanos();
    }

    @Override
    public boolean exists(int pid) {
        boolean v = inner.exists(pid);
        report(new HostFact(Kind.EXISTS, pid, 0, "", v, null, null));
        return v;
    }

    @Override
    public ProcFs.Stat stat(int pid) {
        ProcFs.Stat s = inner.stat(pid);
        report(s == null ? HostFact.absent(Kind.STAT, pid, 0, "") : HostFact.of(Kind.STAT, pid, 0, "",
                new long[] {s.state(), s.ppid(), s.pgrp(), s.session(), s.ttyNr(), s.startTicks()}, List.of(s.comm())));
        return s;
    }

    @Override
    public ProcFs.Status status(int pid) {
        ProcFs.Status s = inner.status(pid);
        report(s == null ? HostFact.absent(Kind.STATUS, pid, 0, "") : HostFact.of(Kind.STATUS, pid, 0, "",
                new long[] {s.tgid(), s.ppid(), s.ruid(), s.euid(), s.rgid(), s.egid(), s.capInh(), s.capPrm(), s.capEff(),
                        s.nsPid(), s.nsPgid(), s.nsSid()}, List.of(s.name() == null ? "" : s.name())));
        return s;
    }

    @Override
    public List<String> cmdline(int pid) {
        List<String> v = inner.cmdline(pid);
        report(HostFact.of(Kind.CMDLINE, pid, 0, "", null, v));
        return v;
    }

    @Override
    public List<String> environ(int pid) {
        List<String> v = inner.environ(pid);
        report(HostFact.of(Kind.ENVIRON, pid, 0, "", null, v));
        return v;
    }

    @Override
    public String cwd(int pid) {
        return text(Kind.CWD, pid, inner.cwd(pid));
    }

    private String text(Kind kind, int pid, String v) {
        report(v == null ? HostFact.absent(kind, pid, 0, "") : HostFact.of(kind, pid, 0, "", null, List.of(v)));
        return v;
    }

    @Override
    public long nsInode(int pid, int ns) {
        long v = inner.nsInode(pid, ns);
        report(HostFact.of(Kind.NAMESPACE, pid, ns, "", new long[] {v}, null));
        return v;
    }

    @Override
    public int loginuid(int pid) {
        int v = inner.loginuid(pid);
        report(HostFact.of(Kind.LOGINUID, pid, 0, "", new long[] {v}, null));
        return v;
    }

    @Override
    public String cgroup(int pid) {
        return text(Kind.CGROUP, pid, inner.cgroup(pid));
    }

    @Override
    public String exeLink(int pid) {
        return text(Kind.EXE_LINK, pid, inner.exeLink(pid));
    }

    @Override
    public ExeStat exeStat(int pid) {
        ExeStat s = inner.exeStat(pid);
        report(s == null ? HostFact.absent(Kind.EXE_STAT, pid, 0, "") : HostFact.of(Kind.EXE_STAT, pid, 0, "",
                new long[] {s.ino(), s.ctimeNanos(), s.mtimeNanos(), s.mode(), s.uid(), s.gid()}, null));
        return s;
    }

    @Override
    public MountTable.Layer exeLayer(int pid, long mntns, String path) {
        MountTable.Layer l = inner.exeLayer(pid, mntns, path);
        report(HostFact.of(Kind.EXE_LAYER, pid, 0, path, new long[] {switch (l) {
            case NONE -> 0;
            case UPPER -> 1;
            case LOWER -> 2;
        }}, null));
        return l;
    }

    @Override
    public int[] fds(int pid) {
        int[] v = inner.fds(pid);
        report(v == null ? HostFact.absent(Kind.FDS, pid, 0, "")
                : HostFact.of(Kind.FDS, pid, 0, "", java.util.Arrays.stream(v).asLongStream().toArray(), null));
        return v;
    }

    @Override
    public FdLink fd(int pid, int fd) {
        FdLink l = inner.fd(pid, fd);
        report(l == null ? HostFact.absent(Kind.FD, pid, fd, "")
                : HostFact.of(Kind.FD, pid, fd, "", new long[] {l.directory() ? 1 : 0}, List.of(l.link())));
        return l;
    }

    @Override
    public SocketRow socketInTable(int pid, long netns, long inode) {
        SocketRow r = inner.socketInTable(pid, netns, inode);
        report(socketFact(pid, inode, r == null ? null : r.sock(), r != null && r.localPortListening()));
        return r;
    }

    @Override
    public NetTables.Sock socketNow(int pid, long inode) {
        NetTables.Sock s = inner.socketNow(pid, inode);
        report(socketFact(pid, inode, s, false));
        return s;
    }

    static HostFact socketFact(int pid, long inode, NetTables.Sock s, boolean listening) {
        if (s == null) {
            return HostFact.absent(Kind.SOCKET, pid, inode, "");
        }
        return HostFact.of(Kind.SOCKET, pid, inode, "",
                new long[] {listening ? 1 : 0, s.v6() ? 1 : 0, s.localPort(), s.remotePort(), s.state()},
                List.of(s.proto(), hex(s.local()), hex(s.remote()), s.path() == null ? "" : s.path()));
    }

    private static String hex(IpAddress a) {
        return a == null ? "" : HEX.formatHex(a.bytes());
    }

    @Override
    public UserFiles users(String scope, int pid) {
        UserFiles u = inner.users(scope, pid);
        report(u == null ? HostFact.absent(Kind.USERS, 0, 0, scope)
                : HostFact.of(Kind.USERS, 0, 0, scope, null, List.of(u.passwd(), u.group())));
        return u;
    }

    @Override
    public long usersStamp() {
        long v = inner.usersStamp();
        report(HostFact.of(Kind.USERS_STAMP, 0, 0, "", new long[] {v}, null));
        return v;
    }

    @Override
    public String hostname() {
        String v = inner.hostname();
        report(HostFact.of(Kind.HOSTNAME, 0, 0, "", null, List.of(v)));
        return v;
    }

    @Override
    public String services() {
        String v = inner.services();
        report(HostFact.of(Kind.SERVICES, 0, 0, "", null, List.of(v)));
        return v;
    }

    @Override
    public long birthTime(int pid, boolean inContainer, String path) {
        long v = inner.birthTime(pid, inContainer, path);
        report(v == UNKNOWN_TIME ? HostFact.absent(Kind.BIRTH_TIME, pid, 0, path)
                : HostFact.of(Kind.BIRTH_TIME, pid, 0, path, new long[] {v}, null));
        return v;
    }

    @Override
    public RealPath realPath(String path) {
        RealPath r = inner.realPath(path);
        report(r == null ? HostFact.absent(Kind.REAL_PATH, 0, 0, path)
                : HostFact.of(Kind.REAL_PATH, 0, 0, path, new long[] {r.ino()}, List.of(r.path())));
        return r;
    }

    @Override
    public void forget(int pid) {
        inner.forget(pid);
    }

    @Override
    public void recordApplied() {
        inner.recordApplied();
    }

    @Override
    public void refresh() {
        inner.refresh();
    }
}
