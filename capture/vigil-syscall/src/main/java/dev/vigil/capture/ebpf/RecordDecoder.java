package dev.vigil.capture.ebpf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static dev.vigil.capture.ebpf.RecordLayout.*;

/**
 * Turns one probe record (layout in probe.h, offsets in {@link RecordLayout}) into the reused
 * {@link RawRecord}.
 *
 * <p>Allocation: a record is first copied into one reused byte array, then decoded from there. The only
 * objects created per record are the Strings of comm, paths, filename, cgroup names, unix socket paths
 * and argv entries the decoder has not seen recently (a cache of recent values answers the rest), plus
 * occasional growth of the argv list. Numbers and addresses go into fields and reused arrays.
 *
 * <p>Not thread-safe: one decoder per reader.
 */
final class RecordDecoder {
    /** Paths, names and arguments repeat: decoding them again allocates nothing (see {@link StringCache}). */
    private final StringCache strings = new StringCache(4096);

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final RawRecord.Kind[] KINDS = RawRecord.Kind.values();
    private static final byte[] NO_ADDRESS = new byte[0];

    private final byte[] buf = new byte[RECORD_MAX];
    private final byte[] ipv4 = new byte[4];
    private final byte[] ipv6 = new byte[16];
    private final byte[] localIpv4 = new byte[4];
    private final byte[] localIpv6 = new byte[16];
    private final byte[] peerIpv4 = new byte[4];
    private final byte[] peerIpv6 = new byte[16];
    private final byte[] lastComm = new byte[COMM_LEN];
    private String lastCommString = "";
    private String problem = "";

    /** Why the last {@code decode} returned false. */
    String problem() {
        return problem;
    }

    /** Decodes {@code length} bytes at {@code offset} of a (native or heap) segment. */
    boolean decode(MemorySegment segment, long offset, int length, RawRecord into) {
        if (length < HDR_SIZE || length > RECORD_MAX) {
            problem = "record length " + length + " outside " + HDR_SIZE + ".." + RECORD_MAX;
            return false;
        }
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, buf, 0, length);
        return decodeBuffered(length, into);
    }

    /** Decodes a record held in a byte array (tests). */
    boolean decode(byte[] record, int length, RawRecord into) {
        if (length < HDR_SIZE || length > RECORD_MAX || length > record.length) {
            problem = "record length " + length + " outside " + HDR_SIZE + ".." + RECORD_MAX;
            return false;
        }
        System.arraycopy(record, 0, buf, 0, length);
        return decodeBuffered(length, into);
    }

    private boolean decodeBuffered(int length, RawRecord r) {
        byte[] b = buf;
        int kind = b[HDR_KIND] & 0xff;
        int len = i32(HDR_LEN);
        if (kind < 1 || kind > KINDS.length) {
            problem = "unknown record kind " + kind;
            return false;
        }
        if (len < HDR_SIZE || len > length) {
            problem = "header length " + len + " does not fit the " + length + " bytes received";
            return false;
        }
        r.kind = KINDS[kind - 1];
        r.monotonicNanos = i64(HDR_TS);
        r.cgroupId = i64(HDR_CGROUP_ID);
        r.ret = i64(HDR_RET);
        r.pid = i32(HDR_PID);
        r.tid = i32(HDR_TID);
        r.ppid = i32(HDR_PPID);
        r.uid = i32(HDR_UID);
        r.gid = i32(HDR_GID);
        r.syscallNr = i32(HDR_SYSCALL_NR);
        r.cpu = u16(HDR_CPU);
        r.comm = comm(b);
        r.ioLength = 0;

        return switch (kind) {
            case KIND_EXEC, KIND_EXEC_FAIL -> exec(len, r);
            case KIND_OPEN -> open(len, r);
            case KIND_CONNECT, KIND_ENDPOINT -> sock(len, r);
            case KIND_EXIT -> exit(len, r);
            case KIND_FORK -> fork(len, r);
            default -> generic(len, r);
        };
    }

    private boolean exec(int len, RawRecord r) {
        if (!fits(len, EXEC_SIZE)) {
            return false;
        }
        r.mntns = i64(EXEC_MNTNS);
        r.vpid = i32(EXEC_VPID);
        r.loginUid = i32(EXEC_LOGINUID);
        r.exeFlags = i32(EXEC_EXE_FLAGS);
        r.capInheritable = i64(EXEC_CAP_INHERITABLE);
        r.capPermitted = i64(EXEC_CAP_PERMITTED);
        r.capEffective = i64(EXEC_CAP_EFFECTIVE);
        r.exeIno = i64(EXEC_EXE_INO);
        r.exeCtime = i64(EXEC_EXE_CTIME);
        r.exeMtime = i64(EXEC_EXE_MTIME);
        r.exeMode = i32(EXEC_EXE_MODE);
        r.exeUid = i32(EXEC_EXE_UID);
        r.exeGid = i32(EXEC_EXE_GID);
        r.tty = i32(EXEC_TTY);
        r.pidns = i64(EXEC_PIDNS);
        int filenameLen = u16(EXEC_FILENAME_LEN);
        int argvLen = u16(EXEC_ARGV_LEN);
        int leafLen = u16(EXEC_CG_LEAF_LEN);
        int parentLen = u16(EXEC_CG_PARENT_LEN);
        int exeNameLen = u16(EXEC_EXE_NAME_LEN);
        int end = EXEC_DATA + filenameLen + argvLen + leafLen + parentLen + exeNameLen;
        if (end > len) {
            problem = "exec regions end at " + end + ", record is " + len + " bytes";
            return false;
        }
        int p = EXEC_DATA;
        r.filename = string(p, filenameLen);
        p += filenameLen;
        splitArgv(p, argvLen, r);
        p += argvLen;
        r.cgroupLeaf = string(p, leafLen);
        p += leafLen;
        r.cgroupParent = string(p, parentLen);
        p += parentLen;
        r.exeName = string(p, exeNameLen);
        return true;
    }

    /** argv is a block of NUL-terminated arguments; the last one may lack its NUL when truncated. */
    private void splitArgv(int start, int length, RawRecord r) {
        r.argv.clear();
        int end = start + length;
        int p = start;
        while (p < end) {
            int nul = p;
            while (nul < end && buf[nul] != 0) {
                nul++;
            }
            r.argv.add(strings.get(buf, p, nul - p));
            p = nul + 1;
        }
    }

    private boolean open(int len, RawRecord r) {
        if (!fits(len, OPEN_SIZE)) {
            return false;
        }
        r.flags = i32(OPEN_FLAGS);
        r.mode = i32(OPEN_MODE);
        r.dirfd = i32(OPEN_DIRFD);
        int pathLen = u16(OPEN_PATH_LEN);
        if (OPEN_PATH + pathLen > len) {
            problem = "open path ends at " + (OPEN_PATH + pathLen) + ", record is " + len + " bytes";
            return false;
        }
        r.openFmode = u16(OPEN_FMODE);
        r.path = string(OPEN_PATH, pathLen);
        return true;
    }

    /** CONNECT and ENDPOINT (struct vg_sock). */
    private boolean sock(int len, RawRecord r) {
        if (!fits(len, SOCK_SIZE)) {
            return false;
        }
        for (int i = 0; i < 6; i++) {
            r.args[i] = i64(SOCK_ARGS + 8 * i);
        }
        int flags = u16(SOCK_FLAGS);
        r.sockFlags = flags;
        r.fd = i32(SOCK_FD);
        r.family = u16(SOCK_FAMILY);
        r.port = u16(SOCK_PORT);
        r.unixPath = "";
        r.address = NO_ADDRESS;
        if ((flags & SOCK_ADDR) != 0) {
            switch (r.family) {
                case AF_INET -> r.address = copy(SOCK_ADDR_BYTES, ipv4);
                case AF_INET6 -> r.address = copy(SOCK_ADDR_BYTES, ipv6);
                case AF_UNIX -> r.unixPath = unixPath(Math.min(u16(SOCK_UNIX_LEN), UNIX_MAX));
                default -> {
                    // other families carry no address
                }
            }
        }
        r.skFamily = u16(SOCK_SK_FAMILY);
        r.skType = u16(SOCK_SK_TYPE);
        r.skProtocol = u16(SOCK_SK_PROTOCOL);
        boolean v6 = r.skFamily == AF_INET6;
        r.localAddress = NO_ADDRESS;
        r.localPort = 0;
        if ((flags & SOCK_LOCAL) != 0) {
            r.localAddress = copy(SOCK_LADDR, v6 ? localIpv6 : localIpv4);
            r.localPort = u16(SOCK_LPORT);
        }
        r.peerAddress = NO_ADDRESS;
        r.peerPort = 0;
        if ((flags & SOCK_PEER) != 0) {
            r.peerAddress = copy(SOCK_RADDR, v6 ? peerIpv6 : peerIpv4);
            r.peerPort = u16(SOCK_RPORT);
        }
        return true;
    }

    private byte[] copy(int offset, byte[] into) {
        System.arraycopy(buf, offset, into, 0, into.length);
        return into;
    }

    /** A filesystem path up to its NUL, or an abstract name (leading NUL) shown as "@name". */
    private String unixPath(int n) {
        int p = SOCK_UNIX_PATH;
        if (n > 0 && buf[p] == 0) {
            int end = p + n;
            while (end > p + 1 && buf[end - 1] == 0) {
                end--;
            }
            return "@" + new String(buf, p + 1, end - p - 1, StandardCharsets.UTF_8);
        }
        return string(p, n);
    }

    private boolean exit(int len, RawRecord r) {
        if (!fits(len, EXIT_SIZE)) {
            return false;
        }
        r.exitCode = i32(EXIT_CODE);
        return true;
    }

    private boolean fork(int len, RawRecord r) {
        if (!fits(len, FORK_SIZE)) {
            return false;
        }
        r.childPid = i32(FORK_CHILD_PID);
        r.childTid = i32(FORK_CHILD_TID);
        return true;
    }

    private boolean generic(int len, RawRecord r) {
        if (!fits(len, GENERIC_SIZE)) {
            return false;
        }
        for (int i = 0; i < 6; i++) {
            r.args[i] = i64(GENERIC_ARGS + 8 * i);
        }
        int path1 = u16(GENERIC_PATH1_LEN);
        int path2 = u16(GENERIC_PATH2_LEN);
        int io = u16(GENERIC_IO_LEN);
        if (io > IO_SNAPLEN) {
            problem = "generic I/O buffer of " + io + " bytes exceeds " + IO_SNAPLEN;
            return false;
        }
        if (GENERIC_DATA + path1 + path2 + io > len) {
            problem = "generic data ends at " + (GENERIC_DATA + path1 + path2 + io) + ", record is " + len + " bytes";
            return false;
        }
        // always set: a syscall without paths must not show the previous record's
        r.path = string(GENERIC_DATA, path1);
        r.filename = string(GENERIC_DATA + path1, path2);
        System.arraycopy(buf, GENERIC_DATA + path1 + path2, r.io, 0, io);
        r.ioLength = io;
        return true;
    }

    private boolean fits(int len, int size) {
        if (len < size) {
            problem = "record of " + len + " bytes is shorter than its fixed part (" + size + ")";
            return false;
        }
        return true;
    }

    private String comm(byte[] b) {
        if (!Arrays.equals(b, HDR_COMM, HDR_COMM + COMM_LEN, lastComm, 0, COMM_LEN)) {
            System.arraycopy(b, HDR_COMM, lastComm, 0, COMM_LEN);
            lastCommString = string(HDR_COMM, COMM_LEN);
        }
        return lastCommString;
    }

    /** The bytes of a region up to its first NUL. */
    private String string(int offset, int length) {
        int end = offset;
        int limit = offset + length;
        while (end < limit && buf[end] != 0) {
            end++;
        }
        return strings.get(buf, offset, end - offset);
    }

    private int u16(int offset) {
        return Short.toUnsignedInt((short) I16.get(buf, offset));
    }

    private int i32(int offset) {
        return (int) I32.get(buf, offset);
    }

    private long i64(int offset) {
        return (long) I64.get(buf, offset);
    }
}
