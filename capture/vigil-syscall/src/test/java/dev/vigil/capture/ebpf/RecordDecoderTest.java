package dev.vigil.capture.ebpf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static dev.vigil.capture.ebpf.RecordLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Decoding of synthetic records of every kind, and the Java layout against the compiled probe's. No root needed. */
class RecordDecoderTest {
    private final RecordDecoder decoder = new RecordDecoder();
    private final RawRecord record = new RawRecord();

    /** Builds a record: header first, then payload writes at absolute offsets. */
    private static final class Rec {
        final ByteBuffer b;

        Rec(int kind, int size) {
            b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(HDR_TS, 123_456_789L);
            b.putLong(HDR_CGROUP_ID, 310);
            b.putLong(HDR_RET, 0);
            b.putInt(HDR_PID, 4242);
            b.putInt(HDR_TID, 4243);
            b.putInt(HDR_PPID, 1);
            b.putInt(HDR_UID, 1000);
            b.putInt(HDR_GID, 1001);
            b.putInt(HDR_SYSCALL_NR, -1);
            b.putShort(HDR_KIND, (short) kind);
            b.putInt(HDR_LEN, size);
            comm("bash");
        }

        Rec comm(String comm) {
            byte[] c = comm.getBytes(StandardCharsets.UTF_8);
            b.put(HDR_COMM, new byte[COMM_LEN]);
            b.put(HDR_COMM, c, 0, Math.min(c.length, COMM_LEN));
            return this;
        }

        Rec ret(long ret) {
            b.putLong(HDR_RET, ret);
            return this;
        }

        Rec nr(int nr) {
            b.putInt(HDR_SYSCALL_NR, nr);
            return this;
        }

        byte[] bytes() {
            return b.array();
        }
    }

    private static byte[] cstr(String s) {
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[raw.length + 1];
        System.arraycopy(raw, 0, withNul, 0, raw.length);
        return withNul;
    }

    private static byte[] exec(int kind, byte[] filename, byte[] argv, byte[] leaf, byte[] parent) {
        int size = EXEC_DATA + filename.length + argv.length + leaf.length + parent.length;
        Rec r = new Rec(kind, size);
        ByteBuffer b = r.b;
        b.putLong(EXEC_MNTNS, 4026532177L);
        b.putInt(EXEC_VPID, 2);
        b.putInt(EXEC_LOGINUID, -1);
        b.putInt(EXEC_ARGC, 4);
        b.putShort(EXEC_FILENAME_LEN, (short) filename.length);
        b.putShort(EXEC_ARGV_LEN, (short) argv.length);
        b.putShort(EXEC_CG_LEAF_LEN, (short) leaf.length);
        b.putShort(EXEC_CG_PARENT_LEN, (short) parent.length);
        b.put(EXEC_DATA, filename);
        b.put(EXEC_DATA + filename.length, argv);
        b.put(EXEC_DATA + filename.length + argv.length, leaf);
        b.put(EXEC_DATA + filename.length + argv.length + leaf.length, parent);
        r.comm("env");
        return r.bytes();
    }

    private boolean decode(byte[] bytes) {
        return decoder.decode(bytes, bytes.length, record);
    }

    @Test
    void header() {
        byte[] bytes = new Rec(KIND_FORK, FORK_SIZE).ret(0).bytes();
        assertThat(decode(bytes)).isTrue();
        assertThat(record.monotonicNanos()).isEqualTo(123_456_789L);
        assertThat(record.cgroupId()).isEqualTo(310);
        assertThat(record.pid()).isEqualTo(4242);
        assertThat(record.tid()).isEqualTo(4243);
        assertThat(record.ppid()).isEqualTo(1);
        assertThat(record.uid()).isEqualTo(1000);
        assertThat(record.gid()).isEqualTo(1001);
        assertThat(record.syscallNr()).isEqualTo(-1);
        assertThat(record.comm()).isEqualTo("bash");
    }

    @Test
    void exec() {
        byte[] argv = "env\0FOO=1\0\0tail-without-nul".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = exec(KIND_EXEC, cstr("/usr/bin/env"), argv,
                cstr("cri-containerd-" + "ab".repeat(32) + ".scope"), cstr("pod0b1c2d3e-1111"));
        assertThat(decode(bytes)).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.EXEC);
        assertThat(record.comm()).isEqualTo("env");
        assertThat(record.filename()).isEqualTo("/usr/bin/env");
        assertThat(record.argv()).containsExactly("env", "FOO=1", "", "tail-without-nul");
        assertThat(record.mntns()).isEqualTo(4026532177L);
        assertThat(record.vpid()).isEqualTo(2);
        assertThat(record.loginUid()).isEqualTo(-1);
        assertThat(record.cgroupLeaf()).isEqualTo("cri-containerd-" + "ab".repeat(32) + ".scope");
        assertThat(record.cgroupParent()).isEqualTo("pod0b1c2d3e-1111");
        assertThat(record.exeName()).isEmpty();
    }

    @Test
    void execOfAMemfdCarriesItsName() {
        byte[] name = cstr("memfd:runc_cloned:/proc/self/exe");
        byte[] plain = exec(KIND_EXEC, cstr("/proc/self/fd/3"), cstr("runc"), cstr("leaf"), cstr("parent"));
        byte[] bytes = java.util.Arrays.copyOf(plain, plain.length + name.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(HDR_LEN, bytes.length);
        b.putInt(EXEC_EXE_FLAGS, EXE_KNOWN | EXE_MEMFD);
        b.putShort(EXEC_EXE_NAME_LEN, (short) name.length);
        b.put(plain.length, name);
        assertThat(decode(bytes)).isTrue();
        assertThat(record.exeFromMemfd()).isTrue();
        assertThat(record.exeName()).isEqualTo("memfd:runc_cloned:/proc/self/exe");
        assertThat(record.cgroupParent()).isEqualTo("parent");

        b.putShort(EXEC_EXE_NAME_LEN, (short) (name.length + 1));
        assertThat(decode(bytes)).isFalse();
        assertThat(decoder.problem()).contains("exec regions end at");
    }

    @Test
    void execCarriesTheKernelsExeAndCredentialFacts() {
        byte[] bytes = exec(KIND_EXEC, cstr("/tmp/eg_dropped"), cstr("/tmp/eg_dropped"), cstr(""), cstr(""));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(EXEC_EXE_FLAGS, EXE_KNOWN | EXE_UPPER | CAPS_KNOWN | TTY_KNOWN);
        b.putLong(EXEC_CAP_INHERITABLE, 0x1L);
        b.putLong(EXEC_CAP_PERMITTED, 0x200002L);
        b.putLong(EXEC_CAP_EFFECTIVE, 0x1fffeffffffL);
        b.putLong(EXEC_EXE_INO, 918273L);
        b.putLong(EXEC_EXE_CTIME, 1_795_000_000_123_456_789L);
        b.putLong(EXEC_EXE_MTIME, 1_795_000_000_000_000_001L);
        b.putInt(EXEC_EXE_MODE, 0100755);
        b.putInt(EXEC_EXE_UID, 0);
        b.putInt(EXEC_EXE_GID, 1);
        b.putInt(EXEC_TTY, 136 << 8 | 3); // /dev/pts/3
        b.putLong(EXEC_PIDNS, 4026531836L);
        assertThat(decode(bytes)).isTrue();
        assertThat(record.ttyKnown()).isTrue();
        assertThat(record.tty()).isEqualTo(34819);
        assertThat(record.pidns()).isEqualTo(4026531836L);
        assertThat(record.exeKnown()).isTrue();
        assertThat(record.capsKnown()).isTrue();
        assertThat(record.exeUpperLayer()).isTrue();
        assertThat(record.exeLowerLayer()).isFalse();
        assertThat(record.exeFromMemfd()).isFalse();
        assertThat(record.capInheritable()).isEqualTo(1L);
        assertThat(record.capPermitted()).isEqualTo(0x200002L);
        assertThat(record.capEffective()).isEqualTo(0x1fffeffffffL);
        assertThat(record.exeIno()).isEqualTo(918273L);
        assertThat(record.exeCtime()).isEqualTo(1_795_000_000_123_456_789L);
        assertThat(record.exeMtime()).isEqualTo(1_795_000_000_000_000_001L);
        assertThat(record.exeMode()).isEqualTo(0100755);
        assertThat(record.exeGid()).isEqualTo(1);
        assertThat(record.filename()).isEqualTo("/tmp/eg_dropped");

        byte[] failed = exec(KIND_EXEC_FAIL, cstr("/nope"), cstr("/nope"), new byte[0], new byte[0]);
        assertThat(decode(failed)).isTrue();
        assertThat(record.exeKnown()).as("a failed exec carries no exe facts").isFalse();
        assertThat(record.capsKnown()).isFalse();
    }

    @Test
    void genericPathSyscallsCarryTheirPathsAndOthersClearThem() {
        byte[] oldpath = cstr("/etc/shadow");
        byte[] newpath = cstr("/root/eg_hardlink");
        Rec link = new Rec(KIND_GENERIC, GENERIC_DATA + oldpath.length + newpath.length).nr(265).ret(0);
        link.b.putShort(GENERIC_PATH1_LEN, (short) oldpath.length).putShort(GENERIC_PATH2_LEN, (short) newpath.length);
        link.b.put(GENERIC_DATA, oldpath).put(GENERIC_DATA + oldpath.length, newpath);
        assertThat(decode(link.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.GENERIC);
        assertThat(record.path()).isEqualTo("/etc/shadow");
        assertThat(record.filename()).isEqualTo("/root/eg_hardlink");

        byte[] name = cstr("eg_memfd");
        Rec memfd = new Rec(KIND_GENERIC, GENERIC_DATA + name.length).nr(319).ret(3);
        memfd.b.putShort(GENERIC_PATH1_LEN, (short) name.length).put(GENERIC_DATA, name);
        assertThat(decode(memfd.bytes())).isTrue();
        assertThat(record.path()).isEqualTo("eg_memfd");
        assertThat(record.filename()).as("no second path").isEmpty();

        assertThat(decode(new Rec(KIND_GENERIC, GENERIC_SIZE).nr(33).ret(1).bytes())).isTrue();
        assertThat(record.path()).as("a syscall without paths shows none, not the previous record's").isEmpty();
        assertThat(record.filename()).isEmpty();

        Rec lying = new Rec(KIND_GENERIC, GENERIC_SIZE + 4).nr(86);
        lying.b.putShort(GENERIC_PATH1_LEN, (short) 40);
        assertThat(decode(lying.bytes())).isFalse();
        assertThat(decoder.problem()).contains("generic data ends at 168, record is 132 bytes");
    }

    @Test
    void ioRecordsCarryTheirBytesAndEveryRecordItsCpu() {
        byte[] data = {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 'x'};
        Rec recv = new Rec(KIND_GENERIC, GENERIC_DATA + data.length).nr(NR_RECVFROM).ret(5);
        recv.b.putShort(HDR_CPU, (short) 1).putShort(GENERIC_IO_LEN, (short) data.length).put(GENERIC_DATA, data);
        assertThat(decode(recv.bytes())).isTrue();
        assertThat(record.cpu()).isEqualTo(1);
        assertThat(record.ioLength()).isEqualTo(5);
        assertThat(record.ioBytes()).containsExactly(data);

        assertThat(decode(new Rec(KIND_GENERIC, GENERIC_SIZE).nr(33).ret(1).bytes())).isTrue();
        assertThat(record.cpu()).isZero();
        assertThat(record.ioLength()).as("no bytes, not the previous record's").isZero();
        assertThat(decode(new Rec(KIND_EXIT, EXIT_SIZE).bytes())).isTrue();
        assertThat(record.ioLength()).as("only GENERIC records carry bytes").isZero();

        Rec tooLong = new Rec(KIND_GENERIC, GENERIC_DATA + 200).nr(NR_READ).ret(200);
        tooLong.b.putShort(GENERIC_IO_LEN, (short) 200);
        assertThat(decode(tooLong.bytes())).isFalse();
        assertThat(decoder.problem()).contains("generic I/O buffer of 200 bytes exceeds 80");
        Rec lying = new Rec(KIND_GENERIC, GENERIC_SIZE + 4).nr(NR_READ).ret(40);
        lying.b.putShort(GENERIC_IO_LEN, (short) 40);
        assertThat(decode(lying.bytes())).isFalse();
        assertThat(decoder.problem()).contains("generic data ends at 168");
    }

    @Test
    void execFailAndEmptyRegions() {
        byte[] bytes = exec(KIND_EXEC_FAIL, cstr("/nonexistent/tool"), cstr("tool"), new byte[0], new byte[0]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(HDR_RET, -2).putInt(HDR_SYSCALL_NR, NR_EXECVE);
        assertThat(decode(bytes)).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.EXEC_FAIL);
        assertThat(record.ret()).isEqualTo(-2);
        assertThat(record.syscallNr()).isEqualTo(NR_EXECVE);
        assertThat(record.filename()).isEqualTo("/nonexistent/tool");
        assertThat(record.argv()).containsExactly("tool");
        assertThat(record.cgroupLeaf()).isEmpty();
        assertThat(record.cgroupParent()).isEmpty();

        // a second exec replaces argv instead of appending
        assertThat(decode(exec(KIND_EXEC, cstr("/bin/true"), new byte[0], new byte[0], new byte[0]))).isTrue();
        assertThat(record.argv()).isEmpty();
    }

    @Test
    void open() {
        byte[] path = cstr("/etc/shadow");
        Rec r = new Rec(KIND_OPEN, OPEN_PATH + path.length).ret(3).nr(NR_OPENAT);
        r.b.putInt(OPEN_FLAGS, 0x80000 | 0100).putInt(OPEN_MODE, 0644).putInt(OPEN_DIRFD, -100)
                .putShort(OPEN_PATH_LEN, (short) path.length).put(OPEN_PATH, path);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.OPEN);
        assertThat(record.path()).isEqualTo("/etc/shadow");
        assertThat(record.flags()).isEqualTo(0x80000 | 0100);
        assertThat(record.mode()).isEqualTo(0644);
        assertThat(record.dirfd()).isEqualTo(-100);
        assertThat(record.ret()).isEqualTo(3);
        assertThat(record.syscallNr()).isEqualTo(NR_OPENAT);
    }

    @Test
    void openWithUnreadablePath() {
        Rec r = new Rec(KIND_OPEN, OPEN_PATH).ret(-14).nr(NR_OPEN);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.path()).isEmpty();
        assertThat(record.ret()).isEqualTo(-14);
    }

    private Rec connect(int family) {
        Rec r = new Rec(KIND_CONNECT, SOCK_SIZE).nr(NR_CONNECT);
        r.b.putInt(SOCK_FD, 7).putShort(SOCK_FAMILY, (short) family).putShort(SOCK_FLAGS, (short) SOCK_ADDR);
        r.b.putLong(SOCK_ARGS, 7).putLong(SOCK_ARGS + 8, 0x7ffd_0000_1000L).putLong(SOCK_ARGS + 16, 16);
        return r;
    }

    /** An ENDPOINT record of syscall nr with the kernel socket's facts (family, type, protocol). */
    private Rec endpoint(int nr, int skFamily, int skType, int skProtocol) {
        Rec r = new Rec(KIND_ENDPOINT, SOCK_SIZE).nr(nr);
        r.b.putShort(SOCK_FLAGS, (short) SOCK_KNOWN).putShort(SOCK_SK_FAMILY, (short) skFamily)
                .putShort(SOCK_SK_TYPE, (short) skType).putShort(SOCK_SK_PROTOCOL, (short) skProtocol);
        return r;
    }

    private static void flags(Rec r, int flags) {
        r.b.putShort(SOCK_FLAGS, (short) (r.b.getShort(SOCK_FLAGS) | flags));
    }

    @Test
    void connectIpv4() {
        Rec r = connect(AF_INET);
        r.b.putShort(SOCK_PORT, (short) 65000).put(SOCK_ADDR_BYTES, new byte[] {127, 0, 0, 1});
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.CONNECT);
        assertThat(record.fd()).isEqualTo(7);
        assertThat(record.family()).isEqualTo(AF_INET);
        assertThat(record.port()).isEqualTo(65000);
        assertThat(record.address()).containsExactly(127, 0, 0, 1);
        assertThat(record.unixPath()).isEmpty();
        assertThat(record.hasAddress()).isTrue();
        assertThat(record.arg(0)).isEqualTo(7);
        assertThat(record.arg(1)).isEqualTo(0x7ffd_0000_1000L);
        assertThat(record.arg(2)).isEqualTo(16);
        assertThat(record.socketKnown()).as("no kernel socket facts in this record").isFalse();
        assertThat(record.hasLocal()).isFalse();
        assertThat(record.localAddress()).isEmpty();
        assertThat(record.hasPeer()).isFalse();
        assertThat(record.peerAddress()).isEmpty();
    }

    @Test
    void connectCarriesTheKernelSocketsLocalEndpointAndType() {
        Rec r = connect(AF_INET);
        r.b.putShort(SOCK_PORT, (short) 8080).put(SOCK_ADDR_BYTES, new byte[] {10, 0, 0, 9});
        flags(r, SOCK_KNOWN | SOCK_LOCAL | SOCK_PEER);
        r.b.putShort(SOCK_SK_FAMILY, (short) AF_INET).putShort(SOCK_SK_TYPE, (short) 1).putShort(SOCK_SK_PROTOCOL, (short) 6);
        r.b.put(SOCK_LADDR, new byte[] {10, 0, 0, 2}).putShort(SOCK_LPORT, (short) 51234);
        r.b.put(SOCK_RADDR, new byte[] {10, 0, 0, 9}).putShort(SOCK_RPORT, (short) 8080);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.socketKnown()).isTrue();
        assertThat(record.socketFamily()).isEqualTo(AF_INET);
        assertThat(record.socketType()).isEqualTo(1);
        assertThat(record.socketProtocol()).isEqualTo(6);
        assertThat(record.hasLocal()).isTrue();
        assertThat(record.localAddress()).containsExactly(10, 0, 0, 2);
        assertThat(record.localPort()).isEqualTo(51234);
        assertThat(record.hasPeer()).isTrue();
        assertThat(record.peerAddress()).containsExactly(10, 0, 0, 9);
        assertThat(record.peerPort()).isEqualTo(8080);
        assertThat(record.sockFlags()).isEqualTo(SOCK_ADDR | SOCK_KNOWN | SOCK_LOCAL | SOCK_PEER);
    }

    @Test
    void connectIpv6() {
        Rec r = connect(AF_INET6);
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        r.b.putShort(SOCK_PORT, (short) 443).put(SOCK_ADDR_BYTES, loopback);
        r.ret(-115); // EINPROGRESS
        flags(r, SOCK_KNOWN | SOCK_LOCAL);
        r.b.putShort(SOCK_SK_FAMILY, (short) AF_INET6).putShort(SOCK_SK_TYPE, (short) 1).putShort(SOCK_SK_PROTOCOL, (short) 6);
        r.b.put(SOCK_LADDR, loopback).putShort(SOCK_LPORT, (short) 40000);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.family()).isEqualTo(AF_INET6);
        assertThat(record.port()).isEqualTo(443);
        assertThat(record.address()).containsExactly(loopback);
        assertThat(record.ret()).isEqualTo(-115);
        assertThat(record.localAddress()).as("16 bytes for an AF_INET6 socket").containsExactly(loopback);
        assertThat(record.localPort()).isEqualTo(40000);
        assertThat(record.hasPeer()).isFalse();
    }

    @Test
    void connectUnix() {
        Rec r = connect(AF_UNIX);
        byte[] path = cstr("/run/containerd/containerd.sock");
        r.b.putShort(SOCK_UNIX_LEN, (short) path.length).put(SOCK_UNIX_PATH, path);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.family()).isEqualTo(AF_UNIX);
        assertThat(record.unixPath()).isEqualTo("/run/containerd/containerd.sock");
        assertThat(record.address()).isEmpty();

        Rec abstractName = connect(AF_UNIX);
        byte[] name = "\0dbus-xyz".getBytes(StandardCharsets.UTF_8);
        abstractName.b.putShort(SOCK_UNIX_LEN, (short) name.length).put(SOCK_UNIX_PATH, name);
        assertThat(decode(abstractName.bytes())).isTrue();
        assertThat(record.unixPath()).isEqualTo("@dbus-xyz");
    }

    @Test
    void connectOtherFamilyHasNoAddress() {
        Rec r = connect(16); // AF_NETLINK
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.family()).isEqualTo(16);
        assertThat(record.address()).isEmpty();
        assertThat(record.unixPath()).isEmpty();
    }

    @Test
    void anAddressTheProbeCouldNotReadIsAbsent() {
        Rec r = connect(AF_INET);
        r.b.putShort(SOCK_FLAGS, (short) 0).putShort(SOCK_PORT, (short) 80).put(SOCK_ADDR_BYTES, new byte[] {1, 2, 3, 4});
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.hasAddress()).isFalse();
        assertThat(record.family()).isEqualTo(AF_INET);
        assertThat(record.address()).isEmpty();
    }

    @Test
    void acceptCarriesBothEndpointsOfTheNewSocket() {
        Rec r = endpoint(NR_ACCEPT4, AF_INET, 1, 6).ret(9);
        r.b.putInt(SOCK_FD, 3).putLong(SOCK_ARGS, 3).putLong(SOCK_ARGS + 24, 02000000);
        flags(r, SOCK_LOCAL | SOCK_PEER);
        r.b.put(SOCK_LADDR, new byte[] {127, 0, 0, 1}).putShort(SOCK_LPORT, (short) 8080);
        r.b.put(SOCK_RADDR, new byte[] {127, 0, 0, 5}).putShort(SOCK_RPORT, (short) 45678);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.ENDPOINT);
        assertThat(record.syscallNr()).isEqualTo(NR_ACCEPT4);
        assertThat(record.ret()).isEqualTo(9);
        assertThat(record.fd()).as("the listening socket").isEqualTo(3);
        assertThat(record.arg(3)).isEqualTo(02000000);
        assertThat(record.hasAddress()).isFalse();
        assertThat(record.address()).isEmpty();
        assertThat(record.localAddress()).containsExactly(127, 0, 0, 1);
        assertThat(record.localPort()).isEqualTo(8080);
        assertThat(record.peerAddress()).containsExactly(127, 0, 0, 5);
        assertThat(record.peerPort()).isEqualTo(45678);

        // IPv6: 16-byte endpoints; the decoder does not keep the previous record's 4-byte arrays
        Rec v6 = endpoint(NR_ACCEPT, AF_INET6, 1, 6).ret(10);
        flags(v6, SOCK_LOCAL | SOCK_PEER);
        byte[] local = new byte[16];
        local[15] = 1;
        byte[] peer = new byte[16];
        peer[0] = 0x20;
        peer[1] = 0x01;
        peer[15] = 7;
        v6.b.put(SOCK_LADDR, local).putShort(SOCK_LPORT, (short) 443).put(SOCK_RADDR, peer).putShort(SOCK_RPORT, (short) 50000);
        assertThat(decode(v6.bytes())).isTrue();
        assertThat(record.localAddress()).containsExactly(local);
        assertThat(record.peerAddress()).containsExactly(peer);
        assertThat(record.peerPort()).isEqualTo(50000);
    }

    @Test
    void acceptOfAUnixSocketCarriesItsPath() {
        Rec r = endpoint(NR_ACCEPT, AF_UNIX, 1, 0).ret(6);
        flags(r, SOCK_ADDR);
        byte[] path = "/run/app.sock".getBytes(StandardCharsets.UTF_8); // the kernel's copy may lack the NUL
        r.b.putShort(SOCK_FAMILY, (short) AF_UNIX).putShort(SOCK_UNIX_LEN, (short) path.length).put(SOCK_UNIX_PATH, path);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.socketFamily()).isEqualTo(AF_UNIX);
        assertThat(record.unixPath()).isEqualTo("/run/app.sock");
        assertThat(record.hasLocal()).isFalse();
        assertThat(record.localAddress()).isEmpty();
    }

    @Test
    void sendtoCarriesItsDestinationAndTheAutoBoundLocalPort() {
        Rec r = endpoint(NR_SENDTO, AF_INET, 2, 17).ret(5);
        flags(r, SOCK_ADDR | SOCK_LOCAL);
        r.b.putInt(SOCK_FD, 4).putLong(SOCK_ARGS, 4).putLong(SOCK_ARGS + 16, 5);
        r.b.putShort(SOCK_FAMILY, (short) AF_INET).putShort(SOCK_PORT, (short) 53).put(SOCK_ADDR_BYTES, new byte[] {8, 8, 4, 4});
        r.b.putShort(SOCK_LPORT, (short) 39999); // unconnected UDP: local address 0.0.0.0
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.hasAddress()).isTrue();
        assertThat(record.address()).containsExactly(8, 8, 4, 4);
        assertThat(record.port()).isEqualTo(53);
        assertThat(record.socketType()).isEqualTo(2);
        assertThat(record.socketProtocol()).isEqualTo(17);
        assertThat(record.localAddress()).containsExactly(0, 0, 0, 0);
        assertThat(record.localPort()).isEqualTo(39999);
        assertThat(record.hasPeer()).isFalse();
        assertThat(record.arg(2)).isEqualTo(5);

        // sendmsg without msg_name on a connected socket: no address, the peer instead
        Rec msg = endpoint(NR_SENDMSG, AF_INET, 2, 17).ret(5);
        flags(msg, SOCK_LOCAL | SOCK_PEER);
        msg.b.put(SOCK_RADDR, new byte[] {10, 0, 0, 53}).putShort(SOCK_RPORT, (short) 53);
        assertThat(decode(msg.bytes())).isTrue();
        assertThat(record.hasAddress()).isFalse();
        assertThat(record.address()).as("no stale address from the sendto").isEmpty();
        assertThat(record.peerAddress()).containsExactly(10, 0, 0, 53);
    }

    @Test
    void bindCarriesTheBoundAddress() {
        Rec r = endpoint(NR_BIND, AF_INET6, 1, 6).ret(0);
        flags(r, SOCK_ADDR | SOCK_LOCAL);
        r.b.putShort(SOCK_FAMILY, (short) AF_INET6).putShort(SOCK_PORT, (short) 8443).put(SOCK_ADDR_BYTES, new byte[16]);
        r.b.putShort(SOCK_LPORT, (short) 8443);
        assertThat(decode(r.bytes())).isTrue();
        assertThat(record.address()).hasSize(16).containsOnly(0);
        assertThat(record.port()).isEqualTo(8443);
        assertThat(record.localAddress()).hasSize(16);
        assertThat(record.localPort()).isEqualTo(8443);
    }

    @Test
    void exitForkGeneric() {
        Rec exit = new Rec(KIND_EXIT, EXIT_SIZE);
        exit.b.putInt(EXIT_CODE, 3 << 8);
        assertThat(decode(exit.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.EXIT);
        assertThat(record.exitCode()).isEqualTo(3 << 8);

        Rec fork = new Rec(KIND_FORK, FORK_SIZE);
        fork.b.putInt(FORK_CHILD_PID, 5000).putInt(FORK_CHILD_TID, 5001);
        assertThat(decode(fork.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.FORK);
        assertThat(record.childPid()).isEqualTo(5000);
        assertThat(record.childTid()).isEqualTo(5001);

        byte[] path = cstr("/etc/stale");
        Rec open = new Rec(KIND_OPEN, OPEN_PATH + path.length).ret(3).nr(NR_OPENAT);
        open.b.putShort(OPEN_PATH_LEN, (short) path.length).put(OPEN_PATH, path);
        assertThat(decode(open.bytes())).isTrue();
        assertThat(record.path()).isEqualTo("/etc/stale");

        Rec generic = new Rec(KIND_GENERIC, GENERIC_SIZE).nr(3).ret(0);
        for (int i = 0; i < 6; i++) {
            generic.b.putLong(GENERIC_ARGS + 8 * i, i == 5 ? -1L : 10L + i);
        }
        assertThat(decode(generic.bytes())).isTrue();
        assertThat(record.kind()).isEqualTo(RawRecord.Kind.GENERIC);
        assertThat(record.syscallNr()).isEqualTo(3);
        assertThat(record.arg(0)).isEqualTo(10);
        assertThat(record.arg(4)).isEqualTo(14);
        assertThat(record.arg(5)).isEqualTo(-1);
        assertThat(record.path()).as("no stale path from the previous open").isEmpty();
        assertThat(record.filename()).isEmpty();
    }

    @Test
    void commIsReusedWhileUnchangedAndFullLengthWorks() {
        assertThat(decode(new Rec(KIND_FORK, FORK_SIZE).bytes())).isTrue();
        String first = record.comm();
        assertThat(decode(new Rec(KIND_EXIT, EXIT_SIZE).bytes())).isTrue();
        assertThat(record.comm()).isSameAs(first);
        assertThat(decode(new Rec(KIND_EXIT, EXIT_SIZE).comm("0123456789abcdef").bytes())).isTrue();
        assertThat(record.comm()).isEqualTo("0123456789abcdef");
    }

    @Test
    void decodesFromNativeMemoryAtAnOffset() {
        byte[] bytes = new Rec(KIND_FORK, FORK_SIZE).bytes();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(8 + bytes.length, 8);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 8, bytes.length);
            assertThat(decoder.decode(seg, 8, bytes.length, record)).isTrue();
            assertThat(record.kind()).isEqualTo(RawRecord.Kind.FORK);
            assertThat(record.pid()).isEqualTo(4242);
        }
    }

    @Test
    void rejectsMalformedRecords() {
        byte[] unknownKind = new Rec(99, FORK_SIZE).bytes();
        assertThat(decode(unknownKind)).isFalse();
        assertThat(decoder.problem()).contains("kind 99");

        byte[] tooShort = new byte[HDR_SIZE - 1];
        assertThat(decoder.decode(tooShort, tooShort.length, record)).isFalse();

        Rec lying = new Rec(KIND_GENERIC, GENERIC_SIZE);
        lying.b.putInt(HDR_LEN, GENERIC_SIZE + 8);
        assertThat(decode(lying.bytes())).isFalse();
        assertThat(decoder.problem()).contains("header length");

        Rec shortFixed = new Rec(KIND_CONNECT, FORK_SIZE);
        assertThat(decode(shortFixed.bytes())).isFalse();
        Rec shortEndpoint = new Rec(KIND_ENDPOINT, SOCK_SIZE - 8);
        assertThat(decode(shortEndpoint.bytes())).isFalse();
        assertThat(decoder.problem()).contains("shorter than its fixed part (" + SOCK_SIZE + ")");

        Rec overflow = new Rec(KIND_OPEN, OPEN_PATH + 4);
        overflow.b.putShort(OPEN_PATH_LEN, (short) 400);
        assertThat(decode(overflow.bytes())).isFalse();
        assertThat(decoder.problem()).contains("open path");

        byte[] execOverflow = exec(KIND_EXEC, cstr("/bin/x"), cstr("x"), new byte[0], new byte[0]);
        ByteBuffer.wrap(execOverflow).order(ByteOrder.LITTLE_ENDIAN).putShort(EXEC_ARGV_LEN, (short) 3000);
        assertThat(decode(execOverflow)).isFalse();
    }

    /**
     * The offsets, sizes and constants in {@link RecordLayout} must equal what the probe build read back from
     * the BTF of probe.h's structs (and its #defines): any drift between probe.h and Java fails here.
     */
    @Test
    void javaLayoutMatchesProbeHeader() throws IOException {
        Properties file = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("dev/vigil/probe/probe-layout.txt")) {
            assertThat(in).as("probe-layout.txt from the vigil-probe build").isNotNull();
            file.load(in);
        }
        Map<String, Integer> kernel = new TreeMap<>();
        file.forEach((k, v) -> kernel.put((String) k, Integer.parseInt(((String) v).strip())));
        Map<String, Integer> java = RecordLayout.entries();
        assertThat(kernel).as("probe.h layout").containsKey("vg_hdr.ts");
        Set<String> keys = new TreeSet<>(kernel.keySet());
        keys.addAll(java.keySet());
        List<String> drift = keys.stream().filter(k -> !Objects.equals(kernel.get(k), java.get(k)))
                .map(k -> k + ": probe.h=" + kernel.get(k) + " RecordLayout=" + java.get(k)).toList();
        assertThat(drift).as("probe.h and RecordLayout disagree; update RecordLayout (and the decoder)").isEmpty();
    }

    @Test
    void kindsFollowRawRecordKindOrder() {
        assertThat(RawRecord.Kind.values()).hasSize(KIND_ENDPOINT);
        assertThat(RawRecord.Kind.values()[KIND_EXEC - 1]).isEqualTo(RawRecord.Kind.EXEC);
        assertThat(RawRecord.Kind.values()[KIND_EXEC_FAIL - 1]).isEqualTo(RawRecord.Kind.EXEC_FAIL);
        assertThat(RawRecord.Kind.values()[KIND_OPEN - 1]).isEqualTo(RawRecord.Kind.OPEN);
        assertThat(RawRecord.Kind.values()[KIND_CONNECT - 1]).isEqualTo(RawRecord.Kind.CONNECT);
        assertThat(RawRecord.Kind.values()[KIND_EXIT - 1]).isEqualTo(RawRecord.Kind.EXIT);
        assertThat(RawRecord.Kind.values()[KIND_FORK - 1]).isEqualTo(RawRecord.Kind.FORK);
        assertThat(RawRecord.Kind.values()[KIND_GENERIC - 1]).isEqualTo(RawRecord.Kind.GENERIC);
        assertThat(RawRecord.Kind.values()[KIND_ENDPOINT - 1]).isEqualTo(RawRecord.Kind.ENDPOINT);
    }
}
