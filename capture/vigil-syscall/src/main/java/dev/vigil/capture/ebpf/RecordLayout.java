package dev.vigil.capture.ebpf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Java mirror of {@code capture/vigil-probe/src/main/bpf/probe.h}: byte offsets and sizes of the record
 * structs and the constants shared with the kernel programs. {@link #entries()} lists every value under
 * the key the probe build writes to {@code dev/vigil/probe/probe-layout.txt}; a test compares the two,
 * so a change to probe.h that is not repeated here fails the build.
 */
final class RecordLayout {
    private RecordLayout() {
    }

    // kinds (vg_hdr.kind)
    static final int KIND_EXEC = 1;
    static final int KIND_EXEC_FAIL = 2;
    static final int KIND_OPEN = 3;
    static final int KIND_CONNECT = 4;
    static final int KIND_EXIT = 5;
    static final int KIND_FORK = 6;
    static final int KIND_GENERIC = 7;
    static final int KIND_ENDPOINT = 8;

    static final int FLAG_ARGV_TRUNCATED = 1;

    // vg_exec.exe_flags
    static final int EXE_KNOWN = 1;
    static final int EXE_UPPER = 2;
    static final int EXE_LOWER = 4;
    static final int EXE_MEMFD = 8;
    static final int CAPS_KNOWN = 16;
    static final int TTY_KNOWN = 32;

    // vg_open.fmode
    static final int OPEN_FMODE_KNOWN = 1;
    static final int OPEN_CREATED = 2;

    // vg_sock.sock_flags
    static final int SOCK_ADDR = 1;
    static final int SOCK_KNOWN = 2;
    static final int SOCK_LOCAL = 4;
    static final int SOCK_PEER = 8;

    // limits
    static final int PATH_MAX = 512;
    static final int ARGV_MAX = 2048;
    static final int ARG_MAX = 256;
    static final int EXECFAIL_ARGS = 32;
    static final int CGNAME_MAX = 256;
    static final int UNIX_MAX = 128;
    static final int RECORD_MAX = 4096;
    static final int IO_SNAPLEN = 80;
    static final int IO_MASK = 127;

    // selection map
    static final int NR_SYSCALLS = 512;
    static final int SEL_EXEC = 512;
    static final int SEL_EXIT = 513;
    static final int SEL_FORK = 514;
    static final int SEL_ENTRIES = 515;

    // syscall numbers decoded specially by the probe
    static final int NR_READ = 0;
    static final int NR_WRITE = 1;
    static final int NR_OPEN = 2;
    static final int NR_POLL = 7;
    static final int NR_PREAD64 = 17;
    static final int NR_PWRITE64 = 18;
    static final int NR_RECVFROM = 45;
    static final int NR_CONNECT = 42;
    static final int NR_ACCEPT = 43;
    static final int NR_SENDTO = 44;
    static final int NR_SENDMSG = 46;
    static final int NR_BIND = 49;
    static final int NR_EXECVE = 59;
    static final int NR_CREAT = 85;
    static final int NR_OPENAT = 257;
    static final int NR_EXECVEAT = 322;
    static final int NR_ACCEPT4 = 288;
    static final int NR_OPENAT2 = 437;
    static final int NR_PPOLL = 271;

    static final int WAKE_TIMED = 0;
    static final int WAKE_EACH = 1;

    // struct vg_settings
    static final int SETTINGS_IGNORE_TGID = 0;
    static final int SETTINGS_WAKEUP_MODE = 4;
    static final int SETTINGS_WAKEUP_BYTES = 8;
    static final int SETTINGS_SIZE = 16;

    // struct vg_stats (one per CPU)
    static final int STATS_EVENTS = 0;
    static final int STATS_DROPS = 8;
    static final int STATS_READ_ERRORS = 16;
    static final int STATS_SIZE = 24;

    // struct vg_hdr
    static final int HDR_TS = 0;
    static final int HDR_CGROUP_ID = 8;
    static final int HDR_RET = 16;
    static final int HDR_PID = 24;
    static final int HDR_TID = 28;
    static final int HDR_PPID = 32;
    static final int HDR_UID = 36;
    static final int HDR_GID = 40;
    static final int HDR_SYSCALL_NR = 44;
    static final int HDR_KIND = 48;
    static final int HDR_FLAGS = 49;
    static final int HDR_CPU = 50;
    static final int HDR_LEN = 52;
    static final int HDR_COMM = 56;
    static final int COMM_LEN = 16;
    static final int HDR_SIZE = 72;

    // struct vg_exec (EXEC, EXEC_FAIL)
    static final int EXEC_MNTNS = 72;
    static final int EXEC_VPID = 80;
    static final int EXEC_LOGINUID = 84;
    static final int EXEC_ARGC = 88;
    static final int EXEC_FILENAME_LEN = 92;
    static final int EXEC_ARGV_LEN = 94;
    static final int EXEC_CG_LEAF_LEN = 96;
    static final int EXEC_CG_PARENT_LEN = 98;
    static final int EXEC_EXE_FLAGS = 100;
    static final int EXEC_CAP_INHERITABLE = 104;
    static final int EXEC_CAP_PERMITTED = 112;
    static final int EXEC_CAP_EFFECTIVE = 120;
    static final int EXEC_EXE_INO = 128;
    static final int EXEC_EXE_CTIME = 136;
    static final int EXEC_EXE_MTIME = 144;
    static final int EXEC_EXE_MODE = 152;
    static final int EXEC_EXE_UID = 156;
    static final int EXEC_EXE_GID = 160;
    static final int EXEC_TTY = 164;
    static final int EXEC_PIDNS = 168;
    static final int EXEC_EXE_NAME_LEN = 176;
    static final int EXEC_PAD16 = 178;
    static final int EXEC_PAD32 = 180;
    static final int EXEC_DATA = 184;
    static final int EXEC_SIZE = 184;

    // struct vg_open
    static final int OPEN_FLAGS = 72;
    static final int OPEN_MODE = 76;
    static final int OPEN_DIRFD = 80;
    static final int OPEN_PATH_LEN = 84;
    static final int OPEN_FMODE = 86;
    static final int OPEN_PATH = 88;
    static final int OPEN_SIZE = 88;

    // struct vg_sock (CONNECT, ENDPOINT)
    static final int SOCK_ARGS = 72;
    static final int SOCK_FD = 120;
    static final int SOCK_FLAGS = 124;
    static final int SOCK_FAMILY = 126;
    static final int SOCK_PORT = 128;
    static final int SOCK_UNIX_LEN = 130;
    static final int SOCK_SK_FAMILY = 132;
    static final int SOCK_SK_TYPE = 134;
    static final int SOCK_SK_PROTOCOL = 136;
    static final int SOCK_LPORT = 138;
    static final int SOCK_RPORT = 140;
    static final int SOCK_PAD = 142;
    static final int SOCK_ADDR_BYTES = 144;
    static final int SOCK_LADDR = 160;
    static final int SOCK_RADDR = 176;
    static final int SOCK_UNIX_PATH = 192;
    static final int SOCK_SIZE = 320;

    // struct vg_exit
    static final int EXIT_CODE = 72;
    static final int EXIT_PAD = 76;
    static final int EXIT_SIZE = 80;

    // struct vg_fork
    static final int FORK_CHILD_PID = 72;
    static final int FORK_CHILD_TID = 76;
    static final int FORK_SIZE = 80;

    // struct vg_generic
    static final int GENERIC_ARGS = 72;
    static final int GENERIC_PATH1_LEN = 120;
    static final int GENERIC_PATH2_LEN = 122;
    static final int GENERIC_IO_LEN = 124;
    static final int GENERIC_PAD = 126;
    static final int GENERIC_DATA = 128;
    static final int GENERIC_SIZE = 128;

    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    /** Every value above under its probe-layout.txt key ({@code struct.field}, {@code struct.@size}, {@code define.NAME}). */
    static Map<String, Integer> entries() {
        Map<String, Integer> m = new LinkedHashMap<>();
        def(m, "VG_KIND_EXEC", KIND_EXEC);
        def(m, "VG_KIND_EXEC_FAIL", KIND_EXEC_FAIL);
        def(m, "VG_KIND_OPEN", KIND_OPEN);
        def(m, "VG_KIND_CONNECT", KIND_CONNECT);
        def(m, "VG_KIND_EXIT", KIND_EXIT);
        def(m, "VG_KIND_FORK", KIND_FORK);
        def(m, "VG_KIND_GENERIC", KIND_GENERIC);
        def(m, "VG_KIND_ENDPOINT", KIND_ENDPOINT);
        def(m, "VG_FLAG_ARGV_TRUNCATED", FLAG_ARGV_TRUNCATED);
        def(m, "VG_EXE_KNOWN", EXE_KNOWN);
        def(m, "VG_EXE_UPPER", EXE_UPPER);
        def(m, "VG_EXE_LOWER", EXE_LOWER);
        def(m, "VG_EXE_MEMFD", EXE_MEMFD);
        def(m, "VG_CAPS_KNOWN", CAPS_KNOWN);
        def(m, "VG_SOCK_ADDR", SOCK_ADDR);
        def(m, "VG_SOCK_KNOWN", SOCK_KNOWN);
        def(m, "VG_SOCK_LOCAL", SOCK_LOCAL);
        def(m, "VG_SOCK_PEER", SOCK_PEER);
        def(m, "VG_TTY_KNOWN", TTY_KNOWN);
        def(m, "VG_OPEN_FMODE_KNOWN", OPEN_FMODE_KNOWN);
        def(m, "VG_OPEN_CREATED", OPEN_CREATED);
        def(m, "VG_PATH_MAX", PATH_MAX);
        def(m, "VG_ARGV_MAX", ARGV_MAX);
        def(m, "VG_ARG_MAX", ARG_MAX);
        def(m, "VG_EXECFAIL_ARGS", EXECFAIL_ARGS);
        def(m, "VG_CGNAME_MAX", CGNAME_MAX);
        def(m, "VG_UNIX_MAX", UNIX_MAX);
        def(m, "VG_RECORD_MAX", RECORD_MAX);
        def(m, "VG_IO_SNAPLEN", IO_SNAPLEN);
        def(m, "VG_IO_MASK", IO_MASK);
        def(m, "VG_NR_SYSCALLS", NR_SYSCALLS);
        def(m, "VG_SEL_EXEC", SEL_EXEC);
        def(m, "VG_SEL_EXIT", SEL_EXIT);
        def(m, "VG_SEL_FORK", SEL_FORK);
        def(m, "VG_SEL_ENTRIES", SEL_ENTRIES);
        def(m, "VG_NR_READ", NR_READ);
        def(m, "VG_NR_WRITE", NR_WRITE);
        def(m, "VG_NR_OPEN", NR_OPEN);
        def(m, "VG_NR_POLL", NR_POLL);
        def(m, "VG_NR_PREAD64", NR_PREAD64);
        def(m, "VG_NR_PWRITE64", NR_PWRITE64);
        def(m, "VG_NR_RECVFROM", NR_RECVFROM);
        def(m, "VG_NR_CONNECT", NR_CONNECT);
        def(m, "VG_NR_ACCEPT", NR_ACCEPT);
        def(m, "VG_NR_SENDTO", NR_SENDTO);
        def(m, "VG_NR_SENDMSG", NR_SENDMSG);
        def(m, "VG_NR_BIND", NR_BIND);
        def(m, "VG_NR_ACCEPT4", NR_ACCEPT4);
        def(m, "VG_NR_EXECVE", NR_EXECVE);
        def(m, "VG_NR_CREAT", NR_CREAT);
        def(m, "VG_NR_OPENAT", NR_OPENAT);
        def(m, "VG_NR_EXECVEAT", NR_EXECVEAT);
        def(m, "VG_NR_OPENAT2", NR_OPENAT2);
        def(m, "VG_NR_PPOLL", NR_PPOLL);
        def(m, "VG_WAKE_TIMED", WAKE_TIMED);
        def(m, "VG_WAKE_EACH", WAKE_EACH);

        field(m, "vg_settings", "ignore_tgid", SETTINGS_IGNORE_TGID);
        field(m, "vg_settings", "wakeup_mode", SETTINGS_WAKEUP_MODE);
        field(m, "vg_settings", "wakeup_bytes", SETTINGS_WAKEUP_BYTES);
        size(m, "vg_settings", SETTINGS_SIZE);

        field(m, "vg_stats", "events", STATS_EVENTS);
        field(m, "vg_stats", "drops", STATS_DROPS);
        field(m, "vg_stats", "read_errors", STATS_READ_ERRORS);
        size(m, "vg_stats", STATS_SIZE);

        field(m, "vg_hdr", "ts", HDR_TS);
        field(m, "vg_hdr", "cgroup_id", HDR_CGROUP_ID);
        field(m, "vg_hdr", "ret", HDR_RET);
        field(m, "vg_hdr", "pid", HDR_PID);
        field(m, "vg_hdr", "tid", HDR_TID);
        field(m, "vg_hdr", "ppid", HDR_PPID);
        field(m, "vg_hdr", "uid", HDR_UID);
        field(m, "vg_hdr", "gid", HDR_GID);
        field(m, "vg_hdr", "syscall_nr", HDR_SYSCALL_NR);
        field(m, "vg_hdr", "kind", HDR_KIND);
        field(m, "vg_hdr", "flags", HDR_FLAGS);
        field(m, "vg_hdr", "cpu", HDR_CPU);
        field(m, "vg_hdr", "len", HDR_LEN);
        field(m, "vg_hdr", "comm", HDR_COMM);
        size(m, "vg_hdr", HDR_SIZE);

        field(m, "vg_exec", "h", 0);
        field(m, "vg_exec", "mntns", EXEC_MNTNS);
        field(m, "vg_exec", "vpid", EXEC_VPID);
        field(m, "vg_exec", "loginuid", EXEC_LOGINUID);
        field(m, "vg_exec", "argc", EXEC_ARGC);
        field(m, "vg_exec", "filename_len", EXEC_FILENAME_LEN);
        field(m, "vg_exec", "argv_len", EXEC_ARGV_LEN);
        field(m, "vg_exec", "cg_leaf_len", EXEC_CG_LEAF_LEN);
        field(m, "vg_exec", "cg_parent_len", EXEC_CG_PARENT_LEN);
        field(m, "vg_exec", "exe_flags", EXEC_EXE_FLAGS);
        field(m, "vg_exec", "cap_inheritable", EXEC_CAP_INHERITABLE);
        field(m, "vg_exec", "cap_permitted", EXEC_CAP_PERMITTED);
        field(m, "vg_exec", "cap_effective", EXEC_CAP_EFFECTIVE);
        field(m, "vg_exec", "exe_ino", EXEC_EXE_INO);
        field(m, "vg_exec", "exe_ctime", EXEC_EXE_CTIME);
        field(m, "vg_exec", "exe_mtime", EXEC_EXE_MTIME);
        field(m, "vg_exec", "exe_mode", EXEC_EXE_MODE);
        field(m, "vg_exec", "exe_uid", EXEC_EXE_UID);
        field(m, "vg_exec", "exe_gid", EXEC_EXE_GID);
        field(m, "vg_exec", "tty", EXEC_TTY);
        field(m, "vg_exec", "pidns", EXEC_PIDNS);
        field(m, "vg_exec", "exe_name_len", EXEC_EXE_NAME_LEN);
        field(m, "vg_exec", "pad16", EXEC_PAD16);
        field(m, "vg_exec", "pad32", EXEC_PAD32);
        field(m, "vg_exec", "data", EXEC_DATA);
        size(m, "vg_exec", EXEC_SIZE);

        field(m, "vg_open", "h", 0);
        field(m, "vg_open", "flags", OPEN_FLAGS);
        field(m, "vg_open", "mode", OPEN_MODE);
        field(m, "vg_open", "dirfd", OPEN_DIRFD);
        field(m, "vg_open", "path_len", OPEN_PATH_LEN);
        field(m, "vg_open", "fmode", OPEN_FMODE);
        field(m, "vg_open", "path", OPEN_PATH);
        size(m, "vg_open", OPEN_SIZE);

        field(m, "vg_sock", "h", 0);
        field(m, "vg_sock", "args", SOCK_ARGS);
        field(m, "vg_sock", "fd", SOCK_FD);
        field(m, "vg_sock", "sock_flags", SOCK_FLAGS);
        field(m, "vg_sock", "family", SOCK_FAMILY);
        field(m, "vg_sock", "port", SOCK_PORT);
        field(m, "vg_sock", "unix_len", SOCK_UNIX_LEN);
        field(m, "vg_sock", "sk_family", SOCK_SK_FAMILY);
        field(m, "vg_sock", "sk_type", SOCK_SK_TYPE);
        field(m, "vg_sock", "sk_protocol", SOCK_SK_PROTOCOL);
        field(m, "vg_sock", "lport", SOCK_LPORT);
        field(m, "vg_sock", "rport", SOCK_RPORT);
        field(m, "vg_sock", "pad", SOCK_PAD);
        field(m, "vg_sock", "addr", SOCK_ADDR_BYTES);
        field(m, "vg_sock", "laddr", SOCK_LADDR);
        field(m, "vg_sock", "raddr", SOCK_RADDR);
        field(m, "vg_sock", "unix_path", SOCK_UNIX_PATH);
        size(m, "vg_sock", SOCK_SIZE);

        field(m, "vg_exit", "h", 0);
        field(m, "vg_exit", "exit_code", EXIT_CODE);
        field(m, "vg_exit", "pad", EXIT_PAD);
        size(m, "vg_exit", EXIT_SIZE);

        field(m, "vg_fork", "h", 0);
        field(m, "vg_fork", "child_pid", FORK_CHILD_PID);
        field(m, "vg_fork", "child_tid", FORK_CHILD_TID);
        size(m, "vg_fork", FORK_SIZE);

        field(m, "vg_generic", "h", 0);
        field(m, "vg_generic", "args", GENERIC_ARGS);
        field(m, "vg_generic", "path1_len", GENERIC_PATH1_LEN);
        field(m, "vg_generic", "path2_len", GENERIC_PATH2_LEN);
        field(m, "vg_generic", "io_len", GENERIC_IO_LEN);
        field(m, "vg_generic", "pad", GENERIC_PAD);
        field(m, "vg_generic", "data", GENERIC_DATA);
        size(m, "vg_generic", GENERIC_SIZE);
        return Collections.unmodifiableMap(m);
    }

    private static void def(Map<String, Integer> m, String name, int value) {
        m.put("define." + name, value);
    }

    private static void field(Map<String, Integer> m, String struct, String field, int offset) {
        m.put(struct + "." + field, offset);
    }

    private static void size(Map<String, Integer> m, String struct, int bytes) {
        m.put(struct + ".@size", bytes);
    }
}
