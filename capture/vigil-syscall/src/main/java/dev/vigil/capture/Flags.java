package dev.vigil.capture;

import java.util.function.LongUnaryOperator;

/**
 * Flag and enumeration tables for rendering syscall arguments as Falco does. Falco's driver first
 * converts kernel values to its own portable encoding (PPM values, same bit order on every
 * architecture), then libsinsp renders them with a name table whose order matters: the renderer
 * walks the table, appends every entry whose bits are all set (clearing them), and stops at the
 * entry equal to the whole value. {@code O_WRONLY|O_CREAT|O_CLOEXEC} therefore renders as
 * {@code O_CREAT|O_WRONLY|O_CLOEXEC}. Each table here keeps libsinsp's order and values.
 */
final class Flags {
    /** A name table; {@code exact} tables (libs ENUMFLAGS) render only an exact match. */
    static final class Table {
        final String[] names;
        final long[] values;
        final boolean exact;
        /** Kernel value to table value (identity when the encodings agree). */
        final LongUnaryOperator fromKernel;
        private final long[] cacheKeys = new long[256];
        private final String[] cacheVals = new String[256];

        Table(boolean exact, LongUnaryOperator fromKernel, Object... pairs) {
            this.exact = exact;
            this.fromKernel = fromKernel;
            names = new String[pairs.length / 2];
            values = new long[pairs.length / 2];
            for (int i = 0; i < names.length; i++) {
                names[i] = (String) pairs[2 * i];
                values[i] = ((Number) pairs[2 * i + 1]).longValue();
            }
        }

        /** The rendering of a value already in table encoding; "" when nothing matches. Cached. */
        String render(long value) {
            int slot = (int) (value ^ (value >>> 17)) & 255;
            if (cacheVals[slot] != null && cacheKeys[slot] == value) {
                return cacheVals[slot];
            }
            String s = compute(value);
            cacheKeys[slot] = value;
            cacheVals[slot] = s;
            return s;
        }

        private String compute(long initial) {
            if (exact) {
                for (int i = 0; i < names.length; i++) {
                    if (values[i] == initial) {
                        return names[i];
                    }
                }
                return "";
            }
            StringBuilder sb = new StringBuilder();
            long val = initial;
            int i = 0;
            for (; i < names.length && values[i] != initial; i++) {
                long f = values[i];
                if ((f == 0 && initial == 0) || (f != 0 && (val & f) == f && val != 0)) {
                    if (!sb.isEmpty()) {
                        sb.append('|');
                    }
                    sb.append(names[i]);
                    val &= ~f;
                }
            }
            if (i < names.length) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(names[i]);
            }
            return sb.toString();
        }
    }

    private Flags() {}

    // ------------------------------------------------------------------ open flags

    static final int PPM_O_RDONLY = 1;
    static final int PPM_O_WRONLY = 1 << 1;
    static final int PPM_O_RDWR = PPM_O_RDONLY | PPM_O_WRONLY;
    static final int PPM_O_CREAT = 1 << 2;
    static final int PPM_O_APPEND = 1 << 3;
    static final int PPM_O_DSYNC = 1 << 4;
    static final int PPM_O_EXCL = 1 << 5;
    static final int PPM_O_NONBLOCK = 1 << 6;
    static final int PPM_O_SYNC = 1 << 7;
    static final int PPM_O_TRUNC = 1 << 8;
    static final int PPM_O_DIRECT = 1 << 9;
    static final int PPM_O_DIRECTORY = 1 << 10;
    static final int PPM_O_LARGEFILE = 1 << 11;
    static final int PPM_O_CLOEXEC = 1 << 12;
    static final int PPM_O_TMPFILE = 1 << 13;
    static final int PPM_O_F_CREATED = 1 << 14;

    /** Kernel open(2) flags to Falco's encoding, as the driver's {@code open_flags_to_scap} does. */
    static long openFlagsToPpm(long k) {
        long r = switch ((int) (k & 3)) {
            case 1 -> PPM_O_WRONLY;
            case 2 -> PPM_O_RDWR;
            default -> PPM_O_RDONLY;
        };
        if ((k & 0100) != 0) {
            r |= PPM_O_CREAT;
        }
        if ((k & 020200000) == 020200000) {
            r |= PPM_O_TMPFILE;
        }
        if ((k & 02000) != 0) {
            r |= PPM_O_APPEND;
        }
        if ((k & 010000) != 0) {
            r |= PPM_O_DSYNC;
        }
        if ((k & 0200) != 0) {
            r |= PPM_O_EXCL;
        }
        if ((k & 04000) != 0) {
            r |= PPM_O_NONBLOCK;
        }
        if ((k & 04000000) != 0) {
            r |= PPM_O_SYNC;
        }
        if ((k & 01000) != 0) {
            r |= PPM_O_TRUNC;
        }
        if ((k & 040000) != 0) {
            r |= PPM_O_DIRECT;
        }
        if ((k & 0200000) != 0) {
            r |= PPM_O_DIRECTORY;
        }
        if ((k & 0100000) != 0) {
            r |= PPM_O_LARGEFILE;
        }
        if ((k & 02000000) != 0) {
            r |= PPM_O_CLOEXEC;
        }
        return r;
    }

    static final Table FILE_FLAGS = new Table(false, Flags::openFlagsToPpm,
            "O_LARGEFILE", PPM_O_LARGEFILE, "O_DIRECTORY", PPM_O_DIRECTORY, "O_DIRECT", PPM_O_DIRECT,
            "O_TRUNC", PPM_O_TRUNC, "O_SYNC", PPM_O_SYNC, "O_NONBLOCK", PPM_O_NONBLOCK, "O_EXCL", PPM_O_EXCL,
            "O_DSYNC", PPM_O_DSYNC, "O_APPEND", PPM_O_APPEND, "O_CREAT", PPM_O_CREAT, "O_RDWR", PPM_O_RDWR,
            "O_WRONLY", PPM_O_WRONLY, "O_RDONLY", PPM_O_RDONLY, "O_CLOEXEC", PPM_O_CLOEXEC, "O_NONE", 0,
            "O_TMPFILE", PPM_O_TMPFILE, "O_F_CREATED", PPM_O_F_CREATED);

    // ------------------------------------------------------------------ modes (Falco's bits equal POSIX's)

    static final Table CHMOD_MODE = new Table(false, k -> k,
            "S_IXOTH", 01, "S_IWOTH", 02, "S_IROTH", 04, "S_IXGRP", 010, "S_IWGRP", 020, "S_IRGRP", 040,
            "S_IXUSR", 0100, "S_IWUSR", 0200, "S_IRUSR", 0400, "S_ISVTX", 01000, "S_ISGID", 02000, "S_ISUID", 04000);

    // ------------------------------------------------------------------ socket families (same as Linux AF_*)

    static final Table SOCKET_FAMILIES = new Table(false, k -> k,
            "AF_NFC", 39, "AF_ALG", 38, "AF_CAIF", 37, "AF_IEEE802154", 36, "AF_PHONET", 35, "AF_ISDN", 34,
            "AF_RXRPC", 33, "AF_IUCV", 32, "AF_BLUETOOTH", 31, "AF_TIPC", 30, "AF_CAN", 29, "AF_LLC", 26,
            "AF_WANPIPE", 25, "AF_PPPOX", 24, "AF_IRDA", 23, "AF_SNA", 22, "AF_RDS", 21, "AF_ATMSVC", 20,
            "AF_ECONET", 19, "AF_ASH", 18, "AF_PACKET", 17, "AF_ROUTE", 16, "AF_NETLINK", 16, "AF_KEY", 15,
            "AF_SECURITY", 14, "AF_NETBEUI", 13, "AF_DECnet", 12, "AF_ROSE", 11, "AF_INET6", 10, "AF_X25", 9,
            "AF_ATMPVC", 8, "AF_BRIDGE", 7, "AF_NETROM", 6, "AF_APPLETALK", 5, "AF_IPX", 4, "AF_AX25", 3,
            "AF_INET", 2, "AF_LOCAL", 1, "AF_UNIX", 1, "AF_UNSPEC", 0);

    // ------------------------------------------------------------------ ptrace requests

    /** Kernel ptrace request to Falco's sequential PPM_PTRACE_* code. */
    static long ptraceToPpm(long k) {
        return switch ((int) k) {
            case 0 -> 1;   // TRACEME
            case 1 -> 2;   // PEEKTEXT
            case 2 -> 3;   // PEEKDATA
            case 3 -> 4;   // PEEKUSR
            case 4 -> 5;   // POKETEXT
            case 5 -> 6;   // POKEDATA
            case 6 -> 7;   // POKEUSR
            case 7 -> 8;   // CONT
            case 8 -> 9;   // KILL
            case 9 -> 10;  // SINGLESTEP
            case 16 -> 11; // ATTACH
            case 17 -> 12; // DETACH
            case 24 -> 13; // SYSCALL
            case 0x4200 -> 14; // SETOPTIONS
            case 0x4201 -> 15; // GETEVENTMSG
            case 0x4202 -> 16; // GETSIGINFO
            case 0x4203 -> 17; // SETSIGINFO
            case 0x4204 -> 18; // GETREGSET
            case 0x4205 -> 19; // SETREGSET
            case 0x4206 -> 20; // SEIZE
            case 0x4207 -> 21; // INTERRUPT
            case 0x4208 -> 22; // LISTEN
            case 0x4209 -> 23; // PEEKSIGINFO
            case 0x420a -> 24; // GETSIGMASK
            case 0x420b -> 25; // SETSIGMASK
            case 12 -> 26; // GETREGS
            case 13 -> 27; // SETREGS
            case 14 -> 28; // GETFPREGS
            case 15 -> 29; // SETFPREGS
            case 18 -> 30; // GETFPXREGS
            case 19 -> 31; // SETFPXREGS
            case 21 -> 32; // OLDSETOPTIONS
            case 25 -> 33; // GET_THREAD_AREA
            case 26 -> 34; // SET_THREAD_AREA
            case 30 -> 35; // ARCH_PRCTL
            case 31 -> 36; // SYSEMU
            case 32 -> 37; // SYSEMU_SINGLESTEP
            case 33 -> 38; // SINGLEBLOCK
            default -> 0;  // UNKNOWN
        };
    }

    static final Table PTRACE_REQUESTS = new Table(false, Flags::ptraceToPpm,
            "PTRACE_SINGLEBLOCK", 38, "PTRACE_SYSEMU_SINGLESTEP", 37, "PTRACE_SYSEMU", 36, "PTRACE_ARCH_PRCTL", 35,
            "PTRACE_SET_THREAD_AREA", 34, "PTRACE_GET_THREAD_AREA", 33, "PTRACE_OLDSETOPTIONS", 32,
            "PTRACE_SETFPXREGS", 31, "PTRACE_GETFPXREGS", 30, "PTRACE_SETFPREGS", 29, "PTRACE_GETFPREGS", 28,
            "PTRACE_SETREGS", 27, "PTRACE_GETREGS", 26, "PTRACE_SETSIGMASK", 25, "PTRACE_GETSIGMASK", 24,
            "PTRACE_PEEKSIGINFO", 23, "PTRACE_LISTEN", 22, "PTRACE_INTERRUPT", 21, "PTRACE_SEIZE", 20,
            "PTRACE_SETREGSET", 19, "PTRACE_GETREGSET", 18, "PTRACE_SETSIGINFO", 17, "PTRACE_GETSIGINFO", 16,
            "PTRACE_GETEVENTMSG", 15, "PTRACE_SETOPTIONS", 14, "PTRACE_SYSCALL", 13, "PTRACE_DETACH", 12,
            "PTRACE_ATTACH", 11, "PTRACE_SINGLESTEP", 10, "PTRACE_KILL", 9, "PTRACE_CONT", 8, "PTRACE_POKEUSR", 7,
            "PTRACE_POKEDATA", 6, "PTRACE_POKETEXT", 5, "PTRACE_PEEKUSR", 4, "PTRACE_PEEKDATA", 3,
            "PTRACE_PEEKTEXT", 2, "PTRACE_TRACEME", 1, "PTRACE_UNKNOWN", 0);

    // ------------------------------------------------------------------ fcntl commands (exact match)

    static long fcntlToPpm(long k) {
        return switch ((int) k) {
            case 0 -> 1;    // F_DUPFD
            case 1 -> 2;    // F_GETFD
            case 2 -> 3;    // F_SETFD
            case 3 -> 4;    // F_GETFL
            case 4 -> 5;    // F_SETFL
            case 5 -> 6;    // F_GETLK
            case 6 -> 8;    // F_SETLK
            case 7 -> 9;    // F_SETLKW
            case 8 -> 10;   // F_SETOWN
            case 9 -> 12;   // F_GETOWN
            case 10 -> 13;  // F_SETSIG
            case 11 -> 15;  // F_GETSIG
            case 15 -> 21;  // F_SETOWN_EX
            case 16 -> 22;  // F_GETOWN_EX
            case 1024 -> 23; // F_SETLEASE
            case 1025 -> 24; // F_GETLEASE
            case 1029 -> 25; // F_CANCELLK
            case 1030 -> 26; // F_DUPFD_CLOEXEC
            case 1026 -> 27; // F_NOTIFY
            case 1031 -> 28; // F_SETPIPE_SZ
            case 1032 -> 29; // F_GETPIPE_SZ
            case 36 -> 30;  // F_OFD_GETLK
            case 37 -> 31;  // F_OFD_SETLK
            case 38 -> 32;  // F_OFD_SETLKW
            default -> 0;
        };
    }

    static final Table FCNTL_COMMANDS = new Table(true, Flags::fcntlToPpm,
            "F_GETPIPE_SZ", 29, "F_SETPIPE_SZ", 28, "F_NOTIFY", 27, "F_DUPFD_CLOEXEC", 26, "F_CANCELLK", 25,
            "F_GETLEASE", 24, "F_SETLEASE", 23, "F_GETOWN_EX", 22, "F_SETOWN_EX", 21, "F_GETSIG", 15,
            "F_SETSIG", 13, "F_GETOWN", 12, "F_SETOWN", 10, "F_SETLKW", 9, "F_SETLK", 8, "F_GETLK", 6,
            "F_SETFL", 5, "F_GETFL", 4, "F_SETFD", 3, "F_GETFD", 2, "F_DUPFD", 1, "F_OFD_GETLK", 30,
            "F_OFD_SETLK", 31, "F_OFD_SETLKW", 32, "UNKNOWN", 0);

    // ------------------------------------------------------------------ bpf commands (exact match, kernel values)

    static final Table BPF_COMMANDS = new Table(true, k -> k,
            "BPF_MAP_CREATE", 0, "BPF_MAP_LOOKUP_ELEM", 1, "BPF_MAP_UPDATE_ELEM", 2, "BPF_MAP_DELETE_ELEM", 3,
            "BPF_MAP_GET_NEXT_KEY", 4, "BPF_PROG_LOAD", 5, "BPF_OBJ_PIN", 6, "BPF_OBJ_GET", 7,
            "BPF_PROG_ATTACH", 8, "BPF_PROG_DETACH", 9, "BPF_PROG_TEST_RUN", 10, "BPF_PROG_GET_NEXT_ID", 11,
            "BPF_MAP_GET_NEXT_ID", 12, "BPF_PROG_GET_FD_BY_ID", 13, "BPF_MAP_GET_FD_BY_ID", 14,
            "BPF_OBJ_GET_INFO_BY_FD", 15, "BPF_PROG_QUERY", 16, "BPF_RAW_TRACEPOINT_OPEN", 17, "BPF_BTF_LOAD", 18,
            "BPF_BTF_GET_FD_BY_ID", 19, "BPF_TASK_FD_QUERY", 20, "BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21,
            "BPF_MAP_FREEZE", 22, "BPF_BTF_GET_NEXT_ID", 23, "BPF_MAP_LOOKUP_BATCH", 24,
            "BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25, "BPF_MAP_UPDATE_BATCH", 26, "BPF_MAP_DELETE_BATCH", 27,
            "BPF_LINK_CREATE", 28, "BPF_LINK_UPDATE", 29, "BPF_LINK_GET_FD_BY_ID", 30, "BPF_LINK_GET_NEXT_ID", 31,
            "BPF_ENABLE_STATS", 32, "BPF_ITER_CREATE", 33, "BPF_LINK_DETACH", 34, "BPF_PROG_BIND_MAP", 35);

    // ------------------------------------------------------------------ clone / namespace flags

    static long cloneToPpm(long k) {
        long r = 0;
        long[][] map = {
            {0x400, 1}, {0x200, 1 << 1}, {0x80000000L, 1 << 2}, {0x8000000, 1 << 3}, {0x40000000, 1 << 4},
            {0x20000, 1 << 5}, {0x20000000, 1 << 6}, {0x4000000, 1 << 7}, {0x8000, 1 << 8}, {0x100000, 1 << 9},
            {0x2000, 1 << 10}, {0x800, 1 << 11}, {0x40000, 1 << 12}, {0x10000, 1 << 13}, {0x800000, 1 << 14},
            {0x100, 1 << 15}, {0x10000000, 1 << 20}, {0x200000, 1 << 23}, {0x1000000, 1 << 24},
            {0x80000, 1 << 25}, {0x4000, 1 << 27}, {0x2000000, 1 << 28}
        };
        for (long[] m : map) {
            if ((k & m[0]) != 0) {
                r |= m[1];
            }
        }
        return r;
    }

    static final Table CLONE_FLAGS = new Table(false, Flags::cloneToPpm,
            "CLONE_FILES", 1, "CLONE_FS", 1 << 1, "CLONE_IO", 1 << 2, "CLONE_NEWIPC", 1 << 3,
            "CLONE_NEWNET", 1 << 4, "CLONE_NEWNS", 1 << 5, "CLONE_NEWPID", 1 << 6, "CLONE_NEWUTS", 1 << 7,
            "CLONE_PARENT", 1 << 8, "CLONE_PARENT_SETTID", 1 << 9, "CLONE_PTRACE", 1 << 10,
            "CLONE_SIGHAND", 1 << 11, "CLONE_SYSVSEM", 1 << 12, "CLONE_THREAD", 1 << 13,
            "CLONE_UNTRACED", 1 << 14, "CLONE_VM", 1 << 15, "CLONE_INVERTED", 1 << 16, "NAME_CHANGED", 1 << 17,
            "CLOSED", 1 << 18, "CLONE_NEWUSER", 1 << 20, "CLONE_CHILD_CLEARTID", 1 << 23,
            "CLONE_CHILD_SETTID", 1 << 24, "CLONE_SETTLS", 1 << 25, "CLONE_STOPPED", 1 << 26,
            "CLONE_VFORK", 1 << 27, "CLONE_NEWCGROUP", 1 << 28);

    // ------------------------------------------------------------------ small tables (kernel values)

    static final Table UNLINKAT_FLAGS = new Table(false, k -> k, "AT_REMOVEDIR", 0x200);
    static final Table LINKAT_FLAGS = new Table(false, k -> k, "AT_SYMLINK_FOLLOW", 0x400, "AT_EMPTY_PATH", 0x1000);
    static final Table RENAMEAT2_FLAGS = new Table(false, k -> k,
            "RENAME_NOREPLACE", 1, "RENAME_EXCHANGE", 2, "RENAME_WHITEOUT", 4);
    static final Table MEMFD_FLAGS = new Table(false, k -> k & 7,
            "MFD_CLOEXEC", 1, "MFD_ALLOW_SEALING", 2, "MFD_HUGETLB", 4);
    static final Table EXECVE_FLAGS = new Table(false, k -> k,
            "EXE_WRITABLE", 1, "EXE_UPPER_LAYER", 2, "EXE_FROM_MEMFD", 4, "EXE_LOWER_LAYER", 8);
    static final Table MOUNT_FLAGS = new Table(false, k -> k & 0xffffffffL,
            "RDONLY", 1, "NOSUID", 2, "NODEV", 4, "NOEXEC", 8, "SYNCHRONOUS", 16, "REMOUNT", 32, "MANDLOCK", 64,
            "DIRSYNC", 128, "NOATIME", 1024, "NODIRATIME", 2048, "BIND", 4096, "MOVE", 8192, "REC", 16384,
            "SILENT", 32768, "POSIXACL", 1 << 16, "UNBINDABLE", 1 << 17, "PRIVATE", 1 << 18, "SLAVE", 1 << 19,
            "SHARED", 1 << 20, "RELATIME", 1 << 21, "KERNMOUNT", 1 << 22, "I_VERSION", 1 << 23,
            "STRICTATIME", 1 << 24, "LAZYTIME", 1 << 25, "NOSEC", 1 << 28, "BORN", 1 << 29, "ACTIVE", 1 << 30,
            "NOUSER", 1L << 31);
    static final Table UMOUNT_FLAGS = new Table(false, k -> k, "FORCE", 1, "DETACH", 2, "EXPIRE", 4, "NOFOLLOW", 8);

    private static final String[] SIGNALS = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    /** The name of a signal, or null. */
    static String signal(long sig) {
        return sig > 0 && sig < SIGNALS.length ? SIGNALS[(int) sig] : null;
    }
}
