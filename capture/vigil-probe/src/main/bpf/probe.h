/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Vigil probe: the record layout shared by the kernel programs (probe.bpf.c)
 * and the Java decoder (dev.vigil.capture.ebpf.RecordLayout).
 *
 * Every record in the ring buffer starts with struct vg_hdr (72 bytes). The
 * payload that follows depends on vg_hdr.kind. All integers are little-endian
 * (x86-64 and the BPF target agree), every struct is naturally aligned and
 * padded by hand so there is no compiler-inserted padding anywhere.
 *
 * Strings inside records are "regions": a byte count in a *_len field and the
 * bytes themselves. A region normally ends with a NUL that is counted in the
 * length; a truncated region may lack it. Readers take the bytes up to the
 * first NUL or the end of the region.
 *
 * build.sh dumps the BTF of the compiled object into probe-layout.txt
 * (struct.field=byte offset, struct.@size=size). The Java test
 * RecordDecoderTest compares that file with RecordLayout, so a change here
 * that is not mirrored in Java fails the build.
 *
 * build.sh also copies every "#define VG_<NAME> <decimal>" into that file
 * (define.VG_<NAME>=value), so keep the constants plain decimal literals.
 */
#ifndef VIGIL_PROBE_H
#define VIGIL_PROBE_H

/* Record kinds (vg_hdr.kind). Java maps them to RawRecord.Kind by ordinal + 1. */
#define VG_KIND_EXEC      1 /* sched_process_exec: struct vg_exec */
#define VG_KIND_EXEC_FAIL 2 /* sys_exit of execve/execveat with ret < 0: struct vg_exec */
#define VG_KIND_OPEN      3 /* sys_exit of open/openat/openat2/creat: struct vg_open */
#define VG_KIND_CONNECT   4 /* sys_exit of connect: struct vg_sock */
#define VG_KIND_EXIT      5 /* sched_process_exit, thread-group leader only: struct vg_exit */
#define VG_KIND_FORK      6 /* sched_process_fork: struct vg_fork */
#define VG_KIND_GENERIC   7 /* sys_exit of any other selected syscall: struct vg_generic */
#define VG_KIND_ENDPOINT  8 /* sys_exit of accept/accept4/bind/sendto/sendmsg: struct vg_sock */

/* vg_hdr.flags */
#define VG_FLAG_ARGV_TRUNCATED 1 /* argv did not fit VG_ARGV_MAX (or VG_EXECFAIL_ARGS entries) */

/* vg_exec.exe_flags: what the kernel knew about the new executable and
 * credentials at exec time (EXEC only; EXEC_FAIL leaves them 0). Read in the
 * kernel because a short-lived process is gone from /proc by the time user
 * space looks. */
#define VG_EXE_KNOWN  1  /* exe_ino, exe_ctime, exe_mtime, exe_mode, exe_uid, exe_gid are set */
#define VG_EXE_UPPER  2  /* on overlayfs, in the upper (writable) layer */
#define VG_EXE_LOWER  4  /* on overlayfs, only in a lower (image) layer */
#define VG_EXE_MEMFD  8  /* an anonymous memfd (memfd_create), not a file on disk */
#define VG_CAPS_KNOWN 16 /* cap_inheritable, cap_permitted, cap_effective are set */
#define VG_TTY_KNOWN  32 /* tty is set */

/* vg_sock.sock_flags: which parts of a CONNECT or ENDPOINT record are set. */
#define VG_SOCK_ADDR  1 /* family, port, addr or unix_path hold the address the syscall names */
#define VG_SOCK_KNOWN 2 /* the fd is a socket: sk_family, sk_type, sk_protocol are set */
#define VG_SOCK_LOCAL 4 /* laddr and lport are set (AF_INET and AF_INET6 sockets) */
#define VG_SOCK_PEER  8 /* raddr and rport are set: the socket has a peer (connected, accepted) */

/* Size limits of the variable regions. All are powers of two: the programs
 * bound every variable length with "& (limit - 1)" for the verifier. */
#define VG_PATH_MAX   512  /* open paths and exec filenames, NUL included */
#define VG_ARGV_MAX   2048 /* the whole NUL-separated argv block */
#define VG_ARG_MAX    256  /* one argument, only when argv comes from user pointers (EXEC_FAIL) */
#define VG_EXECFAIL_ARGS 32 /* at most this many argv entries for EXEC_FAIL */
#define VG_CGNAME_MAX 256  /* one cgroup directory name */
#define VG_UNIX_MAX   128  /* room for sockaddr_un.sun_path (108 bytes used) */
#define VG_RECORD_MAX 4096 /* no record is longer than this */
#define VG_IO_SNAPLEN 80   /* bytes of an I/O buffer a GENERIC record carries */
#define VG_IO_MASK    127  /* bounds io_len for the verifier */

/* The syscall selection map (vg_selected) is indexed by x86-64 syscall
 * number 0..VG_NR_SYSCALLS-1; the tracepoint kinds have pseudo indexes after
 * that range. A non-zero value switches the entry on. */
#define VG_NR_SYSCALLS 512
#define VG_SEL_EXEC    512 /* VG_NR_SYSCALLS + 0 */
#define VG_SEL_EXIT    513 /* VG_NR_SYSCALLS + 1 */
#define VG_SEL_FORK    514 /* VG_NR_SYSCALLS + 2 */
#define VG_SEL_ENTRIES 515 /* VG_NR_SYSCALLS + 3 */

/* x86-64 syscall numbers the dispatcher decodes specially (the ABI is
 * stable; the Java test checks them against the generated syscall table). */
#define VG_NR_READ     0
#define VG_NR_WRITE    1
#define VG_NR_OPEN     2
#define VG_NR_POLL     7
#define VG_NR_PREAD64  17
#define VG_NR_PWRITE64 18
#define VG_NR_RECVFROM 45
#define VG_NR_CONNECT  42
#define VG_NR_ACCEPT   43
#define VG_NR_SENDTO   44
#define VG_NR_SENDMSG  46
#define VG_NR_BIND     49
#define VG_NR_EXECVE   59
#define VG_NR_CREAT    85
#define VG_NR_OPENAT   257
#define VG_NR_EXECVEAT 322
#define VG_NR_ACCEPT4  288
#define VG_NR_OPENAT2  437
#define VG_NR_PPOLL    271

/* vg_settings.wakeup_mode */
#define VG_WAKE_TIMED 0 /* BPF_RB_NO_WAKEUP, except a forced wakeup above wakeup_bytes */
#define VG_WAKE_EACH  1 /* let the kernel wake the reader whenever it is waiting */

/* Value of the single entry of the vg_settings array map, written by Java. */
struct vg_settings {
	__u32 ignore_tgid;  /* drop every record of this tgid (the agent itself); 0 = none */
	__u32 wakeup_mode;  /* VG_WAKE_* */
	__u64 wakeup_bytes; /* VG_WAKE_TIMED: force a wakeup once this much data waits (checked
			     * every 16th record of a CPU); 0 = never */
};

/* Value of the single entry of the per-CPU vg_stats map; Java sums the CPUs. */
struct vg_stats {
	__u64 events;      /* records written to the ring buffer */
	__u64 drops;       /* records lost: ring buffer reserve/output failed (ring full) */
	__u64 read_errors; /* failed bpf_probe_read_* of user or kernel memory (field left empty) */
};

struct vg_hdr {
	__u64 ts;         /*  0 bpf_ktime_get_ns(): CLOCK_MONOTONIC, the clock of System.nanoTime() */
	__u64 cgroup_id;  /*  8 bpf_get_current_cgroup_id() (cgroup v2 id; 1 = root) */
	__s64 ret;        /* 16 syscall return value; 0 for tracepoint kinds */
	__u32 pid;        /* 24 tgid of the current task */
	__u32 tid;        /* 28 pid (thread id) of the current task */
	__u32 ppid;       /* 32 real_parent->tgid */
	__u32 uid;        /* 36 real uid */
	__u32 gid;        /* 40 real gid */
	__s32 syscall_nr; /* 44 x86-64 syscall number; -1 for tracepoint kinds */
	__u8 kind;        /* 48 VG_KIND_* */
	__u8 flags;       /* 49 VG_FLAG_* */
	__u16 cpu;        /* 50 the CPU the program ran on (bpf_get_smp_processor_id()) */
	__u32 len;        /* 52 total record length in bytes, header included */
	char comm[16];    /* 56 current->comm, NUL-padded */
};                        /* 72 */

/*
 * EXEC and EXEC_FAIL. The data area after the fixed part holds, in order,
 * the regions filename (filename_len), argv (argv_len: NUL-separated
 * arguments), cgroup leaf name, cgroup parent name and, for an executable
 * that is a memfd, its dentry name ("memfd:NAME"). EXEC_FAIL leaves the
 * cgroup regions empty and takes filename/argv from the syscall's user
 * pointers, EXEC from bprm->filename and the new mm's argument area.
 * The executable's inode and the new credentials follow the counts
 * (valid as exe_flags says).
 */
struct vg_exec {
	struct vg_hdr h;       /*   0 */
	__u64 mntns;           /*  72 mount namespace inode number */
	__s32 vpid;            /*  80 tgid in the task's own pid namespace */
	__s32 loginuid;        /*  84 audit login uid; -1 when unset or unknown */
	__u32 argc;            /*  88 bprm->argc (EXEC) or entries read (EXEC_FAIL) */
	__u16 filename_len;    /*  92 */
	__u16 argv_len;        /*  94 */
	__u16 cg_leaf_len;     /*  96 cgroup v2 leaf directory name (v1 cpu cgroup when v2 is root) */
	__u16 cg_parent_len;   /*  98 its parent directory name */
	__u32 exe_flags;       /* 100 VG_EXE_* and VG_CAPS_KNOWN */
	__u64 cap_inheritable; /* 104 capability masks of the new credentials */
	__u64 cap_permitted;   /* 112 */
	__u64 cap_effective;   /* 120 */
	__u64 exe_ino;         /* 128 inode number of the executable */
	__s64 exe_ctime;       /* 136 its ctime, nanoseconds since the epoch */
	__s64 exe_mtime;       /* 144 its mtime, nanoseconds since the epoch */
	__u32 exe_mode;        /* 152 its i_mode (type and permission bits) */
	__u32 exe_uid;         /* 156 its owner (kernel uid) */
	__u32 exe_gid;         /* 160 its group (kernel gid) */
	__u32 tty;             /* 164 controlling terminal as /proc/PID/stat's tty_nr encodes it, 0 for none */
	__u64 pidns;           /* 168 inode number of the task's own (innermost) pid namespace, 0 if unread */
	__u16 exe_name_len;    /* 176 the executable's name region (memfd executables only, else 0) */
	__u16 pad16;           /* 178 */
	__u32 pad32;           /* 180 */
	__u8 data[];           /* 184 */
};

/* vg_open.fmode: whether the open created its file is known; it did (FMODE_CREATED).
 * Known for a successful open: read from the opened file's f_mode when the
 * flags hold O_CREAT or O_TMPFILE, and "not created" without them (the kernel
 * creates files only for those flags). */
#define VG_OPEN_FMODE_KNOWN 1
#define VG_OPEN_CREATED 2

/* OPEN: open(2), openat(2), openat2(2) and creat(2). vg_hdr.ret is the fd. */
struct vg_open {
	struct vg_hdr h;  /*  0 */
	__u32 flags;      /* 72 open flags (creat: O_CREAT|O_WRONLY|O_TRUNC; openat2: how.flags) */
	__u32 mode;       /* 76 */
	__s32 dirfd;      /* 80 AT_FDCWD (-100) for open/creat */
	__u16 path_len;   /* 84 */
	__u16 fmode;      /* 86 VG_OPEN_* bits (0: not known: failed open, file not found) */
	__u8 path[];      /* 88 at most VG_PATH_MAX bytes */
};

/*
 * CONNECT (connect) and ENDPOINT (accept, accept4, bind, sendto, sendmsg):
 * fixed size, reserved in the ring. Besides the raw arguments a record holds
 * two things:
 *
 * - the address the syscall names (VG_SOCK_ADDR): connect's destination,
 *   bind's address, the destination of sendto (dest_addr) and sendmsg
 *   (msg_name) when the caller gave one, read from user memory at exit; for
 *   accept of a unix socket, the path the socket is bound to (the listener's);
 * - the kernel socket behind the fd (fd -> file -> socket -> sock), read at
 *   exit with CO-RE: family, type and protocol (VG_SOCK_KNOWN), the local
 *   address and port (VG_SOCK_LOCAL) and the peer (VG_SOCK_PEER). For accept
 *   and accept4 this is the new socket (the fd in vg_hdr.ret), otherwise the
 *   socket in args[0]. A connect that returned 0 or -EINPROGRESS has its
 *   local port (and, for TCP, its local address) assigned by then, and so
 *   has a sendto/sendmsg on a socket that was not bound.
 *
 * vg_hdr.ret is the syscall's result: 0 or -errno (connect, bind), the new fd
 * (accept), the bytes sent (sendto, sendmsg).
 */
struct vg_sock {
	struct vg_hdr h;          /*   0 */
	__u64 args[6];            /*  72 the raw syscall arguments */
	__s32 fd;                 /* 120 args[0]: the socket (accept: the listening socket) */
	__u16 sock_flags;         /* 124 VG_SOCK_* */
	__u16 family;             /* 126 of the named address: AF_UNIX 1, AF_INET 2, AF_INET6 10; 0 none */
	__u16 port;               /* 128 its port, host byte order */
	__u16 unix_len;           /* 130 bytes of unix_path in use (abstract names start with NUL) */
	__u16 sk_family;          /* 132 the socket's family */
	__u16 sk_type;            /* 134 SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, SOCK_SEQPACKET 5 */
	__u16 sk_protocol;        /* 136 IPPROTO_TCP 6, IPPROTO_UDP 17, ... */
	__u16 lport;              /* 138 local port, host byte order */
	__u16 rport;              /* 140 peer port, host byte order */
	__u16 pad;                /* 142 */
	__u8 addr[16];            /* 144 named address: AF_INET 4 bytes, AF_INET6 16 bytes, network order */
	__u8 laddr[16];           /* 160 local address, as addr (by sk_family) */
	__u8 raddr[16];           /* 176 peer address, as addr (by sk_family) */
	__u8 unix_path[VG_UNIX_MAX]; /* 192 */
};                                /* 320 */

/* EXIT: the thread-group leader finished do_exit(). */
struct vg_exit {
	struct vg_hdr h;  /*  0 */
	__s32 exit_code;  /* 72 task->exit_code: the wait(2) status, (code << 8) | signal */
	__u32 pad;        /* 76 */
};                        /* 80 */

/* FORK: the header describes the parent (the task calling fork/clone). */
struct vg_fork {
	struct vg_hdr h;  /*  0 */
	__u32 child_pid;  /* 72 child tgid (equal to h.pid for a new thread) */
	__u32 child_tid;  /* 76 child thread id */
};                        /* 80 */

/* GENERIC: any other selected syscall, with its six raw arguments. Syscalls
 * with path arguments (link, symlink, rename, unlink, mkdir, chdir, mount,
 * memfd_create's name, ... and their *at forms) also carry those strings,
 * copied from user memory at exit: path1 then path2, each at most
 * VG_PATH_MAX, lengths 0 when absent. The I/O syscalls with a plain buffer
 * argument (read, write, pread64, pwrite64, recvfrom) carry instead the first
 * VG_IO_SNAPLEN bytes the call transferred (io_len, after the paths), as
 * Falco's drivers do with their default snaplen; poll and ppoll carry there
 * the first VG_IO_SNAPLEN / 8 entries of their struct pollfd array (as the
 * call left it: fd, events, revents). */
struct vg_generic {
	struct vg_hdr h;   /*   0 */
	__u64 args[6];     /*  72 */
	__u16 path1_len;   /* 120 */
	__u16 path2_len;   /* 122 */
	__u16 io_len;      /* 124 */
	__u16 pad;         /* 126 */
	__u8 data[];       /* 128 */
};

#endif /* VIGIL_PROBE_H */
