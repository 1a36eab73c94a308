package dev.vigil.capture.file;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.capture.state.WallClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helpers: synthetic records of every kind and small capture files made of them. */
final class CaptureFiles {
    static final long WALL0 = 1_750_000_000_123_456_789L;
    static final long MONO0 = 5_000_000_000L;
    /** Pids above pid_max: /proc has nothing about them, every value comes from the records. */
    static final int P1 = 4_100_101;
    static final int P2 = 4_100_102;

    private CaptureFiles() {}

    static SyscallState syntheticState(Path etc) throws IOException {
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nalice:x:1000:\n");
        return SyscallState.builder().scanProc(false).etcDir(etc).metadataSources(List.of())
                .clock(new WallClock(() -> WALL0, () -> MONO0)).build();
    }

    static RawRecord header(RawRecord.Kind kind, long mono, int pid, String comm) {
        RawRecord r = new RawRecord();
        r.setHeader(kind, mono, 4242, 0, pid, pid, 1, 1000, 1000, -1, comm);
        return r;
    }

    /**
     * One record of each kind (CONNECTs for IPv4/IPv6/unix; ENDPOINTs for accept, sendto and a unix bind),
     * with values that exercise the encoding.
     */
    static List<RawRecord> everyKind() {
        List<RawRecord> out = new ArrayList<>();
        long t = MONO0 + 1_000;
        RawRecord exec = header(RawRecord.Kind.EXEC, t, P1, "bash");
        exec.setHeader(RawRecord.Kind.EXEC, t, 0x7fff_ffff_ffffL, 0, P1, P1, 1, 0, 0, Syscalls.number("execve"), "bash");
        exec.setExec("/bin/bash", List.of("-bash", "", "é ü \u4e2d", "--x=1"), 77, 4026531841L, "libpod-2c4ab4b160998c13285b572c5ff0f202847745c931ca79ec43a9ffe72acbdb0e.scope", "machine.slice", 1000);
        exec.setExecFacts(0b110111, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL, 1234567, 1_700_000_000_123_456_789L, 1_600_000_000_000_000_001L, 0100755, 0, 0, 34817);
        exec.setPidns(4026531836L);
        exec.setExeName("memfd:kept for the round trip");
        exec.setCpu(0);
        out.add(exec);
        RawRecord fail = header(RawRecord.Kind.EXEC_FAIL, t += 10, P1, "bash");
        fail.setHeader(RawRecord.Kind.EXEC_FAIL, t, 1, -2, P1, P1 + 7, 1, 0, 0, Syscalls.number("execveat"), "bash");
        fail.setExec("/nope", List.of("nope"), -1, 0, "", "", -1);
        out.add(fail);
        RawRecord open = header(RawRecord.Kind.OPEN, t += 10, P1, "bash");
        open.setHeader(RawRecord.Kind.OPEN, t, 1, 3, P1, P1, 1, 0, 0, Syscalls.number("openat"), "bash");
        open.setOpen("relative/ü.txt", 0100 | 01, 0644, -100);
        open.setOpenFmode(3);
        out.add(open);
        RawRecord v4 = header(RawRecord.Kind.CONNECT, t += 10, P1, "curl");
        v4.setHeader(RawRecord.Kind.CONNECT, t, 1, -115, P1, P1, 1, 0, 0, Syscalls.number("connect"), "curl");
        v4.setConnect(5, 2, 443, new byte[] {93, (byte) 184, (byte) 216, 34}, "");
        v4.setSocket(1 | 2 | 4, 2, 1, 6, new byte[] {10, 0, 0, 2}, 51234, new byte[0], 0);
        v4.setArg(0, 5);
        v4.setArg(1, 0x7ffd_1234_5678L);
        v4.setArg(2, 16);
        out.add(v4);
        RawRecord v6 = header(RawRecord.Kind.CONNECT, t += 10, P1, "curl");
        v6.setHeader(RawRecord.Kind.CONNECT, t, 1, 0, P1, P1, 1, 0, 0, Syscalls.number("connect"), "curl");
        v6.setConnect(6, 10, 8080, HexFormat.of().parseHex("20010db8000000000000000000000001"), "");
        v6.setSocket(1 | 2 | 4 | 8, 10, 1, 6, HexFormat.of().parseHex("20010db8000000000000000000000002"), 40000,
                HexFormat.of().parseHex("20010db8000000000000000000000001"), 8080);
        out.add(v6);
        RawRecord unix = header(RawRecord.Kind.CONNECT, t += 10, P1, "curl");
        unix.setHeader(RawRecord.Kind.CONNECT, t, 1, 0, P1, P1, 1, 0, 0, Syscalls.number("connect"), "curl");
        unix.setConnect(7, 1, 0, new byte[0], "@abstract");
        unix.setSocket(1 | 2, 1, 1, 0, new byte[0], 0, new byte[0], 0);
        out.add(unix);
        RawRecord accept = header(RawRecord.Kind.ENDPOINT, t += 10, P1, "nginx");
        accept.setHeader(RawRecord.Kind.ENDPOINT, t, 1, 8, P1, P1, 1, 0, 0, Syscalls.number("accept4"), "nginx");
        accept.setConnect(3, 0, 0, new byte[0], "");
        accept.setSocket(2 | 4 | 8, 2, 1, 6, new byte[] {127, 0, 0, 1}, 8080, new byte[] {127, 0, 0, 9}, 65535);
        accept.setArg(0, 3);
        accept.setArg(3, 02000000);
        out.add(accept);
        RawRecord sendto = header(RawRecord.Kind.ENDPOINT, t += 10, P1, "dig");
        sendto.setHeader(RawRecord.Kind.ENDPOINT, t, 1, 40, P1, P1, 1, 0, 0, Syscalls.number("sendto"), "dig");
        sendto.setConnect(4, 2, 53, new byte[] {8, 8, 8, 8}, "");
        sendto.setSocket(1 | 2 | 4, 2, 2, 17, new byte[] {0, 0, 0, 0}, 39000, new byte[0], 0);
        sendto.setArg(0, 4);
        sendto.setArg(2, 40);
        sendto.setArg(4, 0x7ffd_0000_0010L);
        sendto.setArg(5, 16);
        out.add(sendto);
        RawRecord bind = header(RawRecord.Kind.ENDPOINT, t += 10, P1, "srv");
        bind.setHeader(RawRecord.Kind.ENDPOINT, t, 1, 0, P1, P1, 1, 0, 0, Syscalls.number("bind"), "srv");
        bind.setConnect(9, 1, 0, new byte[0], "/run/srv.sock");
        bind.setSocket(1 | 2, 1, 2, 0, new byte[0], 0, new byte[0], 0);
        bind.setArg(0, 9);
        out.add(bind);
        RawRecord fork = header(RawRecord.Kind.FORK, t += 10, P1, "bash");
        fork.setFork(P2, P2 + 1);
        out.add(fork);
        RawRecord generic = header(RawRecord.Kind.GENERIC, t += 10, P2, "bash");
        generic.setHeader(RawRecord.Kind.GENERIC, t, 1, Long.MIN_VALUE, P2, P2, P1, 0, 0, Syscalls.number("setuid"), "bash");
        long[] args = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 0xffff_ffffL, 1L << 40};
        for (int i = 0; i < 6; i++) {
            generic.setArg(i, args[i]);
        }
        out.add(generic);
        RawRecord rename = header(RawRecord.Kind.GENERIC, t += 10, P2, "mv");
        rename.setHeader(RawRecord.Kind.GENERIC, t, 1, 0, P2, P2, P1, 0, 0, Syscalls.number("renameat2"), "mv");
        rename.setArg(0, -100);
        rename.setGenericPaths("old name.txt", "/tmp/new-ü");
        out.add(rename);
        RawRecord recv = header(RawRecord.Kind.GENERIC, t += 10, P2, "java");
        recv.setHeader(RawRecord.Kind.GENERIC, t, 1, 6, P2, P2, P1, 0, 0, Syscalls.number("recvfrom"), "java");
        recv.setArg(0, 5);
        recv.setIo(new byte[] {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 0, 'x'}, 6);
        recv.setCpu(1);
        out.add(recv);
        RawRecord exit = header(RawRecord.Kind.EXIT, t - 5, P2, "bash"); // an earlier time: deltas may be negative
        exit.setExit(-9);
        out.add(exit);
        return out;
    }

    /** The fields of a record that its kind defines, as text. */
    static String describe(RawRecord r) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.kind()).append(" t=").append(r.monotonicNanos()).append(" cg=").append(r.cgroupId()).append(" ret=").append(r.ret())
                .append(" pid=").append(r.pid()).append(" tid=").append(r.tid()).append(" ppid=").append(r.ppid())
                .append(" uid=").append(r.uid()).append(" gid=").append(r.gid()).append(" nr=").append(r.syscallNr())
                .append(" comm=").append(r.comm()).append(" cpu=").append(r.cpu());
        switch (r.kind()) {
            case EXEC, EXEC_FAIL -> sb.append(" file=").append(r.filename()).append(" argv=").append(r.argv()).append(" vpid=").append(r.vpid())
                    .append(" mntns=").append(r.mntns()).append(" cg=").append(r.cgroupParent()).append('/').append(r.cgroupLeaf())
                    .append(" login=").append(r.loginUid()).append(" exeflags=").append(r.exeFlags()).append(" caps=")
                    .append(r.capInheritable()).append('/').append(r.capPermitted()).append('/').append(r.capEffective())
                    .append(" ino=").append(r.exeIno()).append(" ctime=").append(r.exeCtime()).append(" mtime=").append(r.exeMtime())
                    .append(" mode=").append(r.exeMode()).append(" owner=").append(r.exeUid()).append(':').append(r.exeGid()).append(" tty=").append(r.tty()).append(" pidns=").append(r.pidns())
                    .append(" exename=").append(r.exeName());
            case OPEN -> sb.append(" path=").append(r.path()).append(" flags=").append(r.flags()).append(" mode=").append(r.mode())
                    .append(" dirfd=").append(r.dirfd()).append(" fmode=").append(r.openFmode());
            case CONNECT, ENDPOINT -> {
                sb.append(" fd=").append(r.fd()).append(" family=").append(r.family()).append(" port=").append(r.port())
                        .append(" addr=").append(HexFormat.of().formatHex(r.address())).append(" unix=").append(r.unixPath())
                        .append(" sockflags=").append(r.sockFlags()).append(" sk=").append(r.socketFamily()).append('/')
                        .append(r.socketType()).append('/').append(r.socketProtocol()).append(" local=")
                        .append(HexFormat.of().formatHex(r.localAddress())).append(':').append(r.localPort()).append(" peer=")
                        .append(HexFormat.of().formatHex(r.peerAddress())).append(':').append(r.peerPort());
                for (int i = 0; i < 6; i++) {
                    sb.append(" a").append(i).append('=').append(r.arg(i));
                }
            }
            case EXIT -> sb.append(" code=").append(r.exitCode());
            case FORK -> sb.append(" child=").append(r.childPid()).append('/').append(r.childTid());
            case GENERIC -> {
                for (int i = 0; i < 6; i++) {
                    sb.append(" a").append(i).append('=').append(r.arg(i));
                }
                sb.append(" paths=").append(r.path()).append('|').append(r.filename()).append(" io=")
                        .append(HexFormat.of().formatHex(r.ioBytes()));
            }
        }
        return sb.toString();
    }

    /** A capture file of {@link #everyKind()} records applied to a synthetic state. */
    static byte[] sample(Path etc, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (SyscallState state = syntheticState(etc); CaptureWriter w = new CaptureWriter(bytes, state, Map.of("test", "sample"), gzip)) {
            for (RawRecord r : everyKind()) {
                state.apply(r);
                w.append(r);
            }
        }
        return bytes.toByteArray();
    }

    /** Reads every record of a capture as text; the reader's warning, if any, last. */
    static List<String> readAll(CaptureReader in) throws IOException {
        List<String> out = new ArrayList<>();
        RawRecord r = new RawRecord();
        while (in.next(r)) {
            out.add(describe(r));
        }
        if (in.warning() != null) {
            out.add("WARNING " + in.warning());
        }
        return out;
    }
}
