package dev.vigil.capture;

import java.util.HashMap;
import java.util.Map;

/**
 * The parameters of each event as Falco names them ({@code evt.arg.NAME}, {@code evt.args}): the
 * exit-event layouts of current libsinsp (which carry the enter arguments too), mapped to where
 * Vigil finds each value (the return value, a raw argument, a string the probe copied, the
 * process state). Syscalls without an entry behave like Falco's generic event: only {@code res}.
 *
 * <p>Spec syntax, one event per string: {@code name category param...}; a parameter is
 * {@code pname:KIND[:table][>n]@source} where {@code >n} names the index of the dirfd parameter a
 * relative path resolves against.
 */
final class EventParams {
    /** How a parameter is typed and rendered. */
    enum Kind { ERRNO, FD, PID, PATH, REL, STR, FLAGS, ENUM, MODE, DEC, OCT, HEX, UID, GID, SOCKADDR, TUPLE, SIG, ARGS }

    /** Where a parameter's value comes from. */
    enum Src {
        RET, A0, A1, A2, A3, A4, A5, PATH1, PATH2, OFLAGS, OMODE, DIRFD, CFD, ADDR, TUPLE, FILENAME,
        EXE, ARGS, TID, PID, PPID, CWD, COMM, TTY, PGID, LOGINUID, UID, GID, VTID, VPID, CAPINH, CAPPRM,
        CAPEFF, EXEFLAGS, EXEINO, EXECTIME, EXEMTIME, EXEPATH, STATUS, EXITRET, SIG, CORE, CHILD, IO
    }

    record Param(String name, Kind kind, Src src, Flags.Table table, int dirParam) {}

    record Spec(String name, String category, Param[] params) {
        int indexOf(String pname) {
            for (int i = 0; i < params.length; i++) {
                if (params[i].name().equals(pname)) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static final String EXEC_COMMON = "res:ERRNO@ret exe:STR@exe args:ARGS@args tid:PID@tid pid:PID@pid"
            + " ptid:PID@ppid cwd:STR@cwd comm:STR@comm tty:DEC@tty pgid:PID@pgid loginuid:DEC@loginuid"
            + " flags:FLAGS:exe@exeflags cap_inheritable:HEX@capinh cap_permitted:HEX@capprm cap_effective:HEX@capeff"
            + " exe_ino:DEC@exeino exe_ino_ctime:DEC@exectime exe_ino_mtime:DEC@exemtime uid:UID@uid"
            + " trusted_exepath:STR@exepath gid:GID@gid";
    private static final String CLONE_COMMON = "res:PID@child exe:STR@exe args:ARGS@args tid:PID@tid pid:PID@pid"
            + " ptid:PID@ppid cwd:STR@cwd comm:STR@comm uid:UID@uid gid:GID@gid vtid:PID@vtid vpid:PID@vpid";

    private static final String[] SPECS = {
        "open file fd:FD@ret name:PATH@path1 flags:FLAGS:file@oflags mode:OCT@omode",
        "openat file fd:FD@ret dirfd:FD@dirfd name:REL>1@path1 flags:FLAGS:file@oflags mode:OCT@omode",
        "openat2 file fd:FD@ret dirfd:FD@dirfd name:REL>1@path1 flags:FLAGS:file@oflags mode:OCT@omode",
        "creat file fd:FD@ret name:PATH@path1 mode:OCT@omode",
        "execve process " + EXEC_COMMON + " filename:PATH@filename",
        "execveat process " + EXEC_COMMON + " pathname:PATH@filename",
        "clone process " + CLONE_COMMON,
        "clone3 process " + CLONE_COMMON,
        "fork process " + CLONE_COMMON,
        "vfork process " + CLONE_COMMON,
        "procexit process status:ERRNO@status ret:ERRNO@exitret sig:SIG@sig core:DEC@core",
        "connect net res:ERRNO@ret tuple:TUPLE@tuple fd:FD@cfd addr:SOCKADDR@addr",
        "socket net fd:FD@ret domain:FLAGS:family@a0 type:DEC@a1 proto:DEC@a2",
        "bind net res:ERRNO@ret addr:SOCKADDR@addr fd:FD@a0",
        "listen net res:ERRNO@ret fd:FD@a0 backlog:DEC@a1",
        "accept net fd:FD@ret tuple:TUPLE@tuple",
        "accept4 net fd:FD@ret tuple:TUPLE@tuple flags:DEC@a3",
        "close file res:ERRNO@ret fd:FD@a0",
        "dup file res:FD@ret oldfd:FD@a0",
        "dup2 file res:FD@ret oldfd:FD@a0 newfd:FD@a1",
        "dup3 file res:FD@ret oldfd:FD@a0 newfd:FD@a1 flags:FLAGS:file@a2",
        "fcntl file res:FD@ret fd:FD@a0 cmd:ENUM:fcntl@a1",
        "chdir file res:ERRNO@ret path:STR@path1",
        "fchdir file res:ERRNO@ret fd:FD@a0",
        "setuid user res:ERRNO@ret uid:UID@a0",
        "setgid user res:ERRNO@ret gid:GID@a0",
        "setreuid user res:ERRNO@ret ruid:UID@a0 euid:UID@a1",
        "setregid user res:ERRNO@ret rgid:GID@a0 egid:GID@a1",
        "setresuid user res:ERRNO@ret ruid:UID@a0 euid:UID@a1 suid:UID@a2",
        "setresgid user res:ERRNO@ret rgid:GID@a0 egid:GID@a1 sgid:GID@a2",
        "rename file res:ERRNO@ret oldpath:PATH@path1 newpath:PATH@path2",
        "renameat file res:ERRNO@ret olddirfd:FD@a0 oldpath:REL>1@path1 newdirfd:FD@a2 newpath:REL>3@path2",
        "renameat2 file res:ERRNO@ret olddirfd:FD@a0 oldpath:REL>1@path1 newdirfd:FD@a2 newpath:REL>3@path2"
                + " flags:FLAGS:renameat2@a4",
        "unlink file res:ERRNO@ret path:PATH@path1",
        "unlinkat file res:ERRNO@ret dirfd:FD@a0 name:REL>1@path1 flags:FLAGS:unlinkat@a2",
        "link file res:ERRNO@ret oldpath:PATH@path1 newpath:PATH@path2",
        "linkat file res:ERRNO@ret olddir:FD@a0 oldpath:REL>1@path1 newdir:FD@a2 newpath:REL>3@path2"
                + " flags:FLAGS:linkat@a4",
        "symlink file res:ERRNO@ret target:STR@path1 linkpath:PATH@path2",
        "symlinkat file res:ERRNO@ret target:STR@path1 linkdirfd:FD@a1 linkpath:REL>2@path2",
        "mkdir file res:ERRNO@ret path:PATH@path1 mode:HEX@a1",
        "mkdirat file res:ERRNO@ret dirfd:FD@a0 path:REL>1@path1 mode:HEX@a2",
        "rmdir file res:ERRNO@ret path:PATH@path1",
        "chmod file res:ERRNO@ret filename:PATH@path1 mode:MODE:chmod@a1",
        "fchmodat file res:ERRNO@ret dirfd:FD@a0 filename:REL>1@path1 mode:MODE:chmod@a2",
        "fchmod file res:ERRNO@ret fd:FD@a0 mode:MODE:chmod@a1",
        "ptrace process res:ERRNO@ret addr:HEX@a2 data:HEX@a3 request:FLAGS:ptrace@a0 pid:PID@a1",
        "bpf other fd:FD@ret cmd:ENUM:bpf@a0",
        "memfd_create memory fd:FD@ret name:STR@path1 flags:FLAGS:memfd@a1",
        "mount file res:ERRNO@ret dev:STR@path1 dir:PATH@path2 flags:FLAGS:mount@a3",
        "umount2 file res:ERRNO@ret name:PATH@path1 flags:FLAGS:umount@a1",
        "init_module process res:ERRNO@ret length:DEC@a1",
        "finit_module process res:ERRNO@ret fd:FD@a0 flags:DEC@a2",
        "kill signal res:ERRNO@ret pid:PID@a0 sig:SIG@a1",
        "tkill signal res:ERRNO@ret tid:PID@a0 sig:SIG@a1",
        "tgkill signal res:ERRNO@ret pid:PID@a0 tid:PID@a1 sig:SIG@a2",
        "setns process res:ERRNO@ret fd:FD@a0 nstype:FLAGS:clone@a1",
        "unshare process res:ERRNO@ret flags:FLAGS:clone@a0",
        "userfaultfd file res:ERRNO@ret flags:DEC@a0",
        "chroot file res:ERRNO@ret path:PATH@path1",
        "setpgid process res:ERRNO@ret pid:PID@a0 pgid:PID@a1",
        "setsid process res:PID@ret",
        "prctl process res:ERRNO@ret option:DEC@a0 arg2_int:DEC@a1",
        "sendto net fd:FD@a0 size:DEC@a2 res:ERRNO@ret tuple:TUPLE@tuple",
        "sendmsg net fd:FD@a0 res:ERRNO@ret tuple:TUPLE@tuple",
        "recvfrom net fd:FD@a0 size:DEC@a2 res:ERRNO@ret data:STR@io",
        "recvmsg net fd:FD@a0 res:ERRNO@ret",
        "read io fd:FD@a0 size:DEC@a2 res:ERRNO@ret data:STR@io",
        "write io fd:FD@a0 size:DEC@a2 res:ERRNO@ret data:STR@io",
        "pread io fd:FD@a0 size:DEC@a2 pos:DEC@a3 res:ERRNO@ret data:STR@io",
        "pwrite io fd:FD@a0 size:DEC@a2 pos:DEC@a3 res:ERRNO@ret data:STR@io",
        "pipe ipc res:ERRNO@ret",
        "pipe2 ipc res:ERRNO@ret flags:FLAGS:file@a1",
        "eventfd ipc res:FD@ret initval:DEC@a0",
        "eventfd2 ipc res:FD@ret initval:DEC@a0 flags:DEC@a1",
        "inotify_init ipc res:FD@ret",
        "inotify_init1 ipc res:FD@ret flags:DEC@a0",
        "epoll_create wait res:FD@ret size:DEC@a0",
        "epoll_create1 wait res:FD@ret flags:DEC@a0",
        "timerfd_create time res:FD@ret clockid:DEC@a0 flags:DEC@a1",
        "signalfd signal res:FD@ret fd:FD@a0",
        "signalfd4 signal res:FD@ret fd:FD@a0 flags:DEC@a3",
        "io_uring_setup io res:FD@ret entries:DEC@a0",
        "pidfd_open process fd:FD@ret pid:PID@a0 flags:DEC@a1",
        "capset process res:ERRNO@ret",
        "mprotect memory res:ERRNO@ret addr:HEX@a0 length:DEC@a1 prot:HEX@a2",
        "shutdown net res:ERRNO@ret fd:FD@a0 how:DEC@a1",
        "socketpair ipc res:ERRNO@ret domain:FLAGS:family@a0 type:DEC@a1 proto:DEC@a2",
    };

    private static final Map<String, Flags.Table> TABLES = Map.ofEntries(
            Map.entry("file", Flags.FILE_FLAGS), Map.entry("chmod", Flags.CHMOD_MODE),
            Map.entry("family", Flags.SOCKET_FAMILIES), Map.entry("ptrace", Flags.PTRACE_REQUESTS),
            Map.entry("fcntl", Flags.FCNTL_COMMANDS), Map.entry("bpf", Flags.BPF_COMMANDS),
            Map.entry("clone", Flags.CLONE_FLAGS), Map.entry("unlinkat", Flags.UNLINKAT_FLAGS),
            Map.entry("linkat", Flags.LINKAT_FLAGS), Map.entry("renameat2", Flags.RENAMEAT2_FLAGS),
            Map.entry("memfd", Flags.MEMFD_FLAGS), Map.entry("exe", Flags.EXECVE_FLAGS),
            Map.entry("mount", Flags.MOUNT_FLAGS), Map.entry("umount", Flags.UMOUNT_FLAGS));

    private static final Map<String, Spec> BY_NAME = new HashMap<>();
    private static final Spec GENERIC_WITH_RES = new Spec("", "other",
            new Param[] {new Param("res", Kind.ERRNO, Src.RET, null, -1)});

    static {
        for (String s : SPECS) {
            Spec spec = parse(s);
            BY_NAME.put(spec.name(), spec);
        }
    }

    private EventParams() {}

    /**
     * The parameters of event {@code name}. Syscalls Vigil has no layout for get a single
     * {@code res} parameter (named like Falco's), so {@code evt.res} and {@code evt.rawres} work for
     * every syscall.
     */
    static Spec of(String name) {
        Spec s = BY_NAME.get(name);
        return s != null ? s : GENERIC_WITH_RES;
    }

    static boolean known(String name) {
        return BY_NAME.containsKey(name);
    }

    static Spec parse(String text) {
        String[] tok = text.trim().split("\\s+");
        Param[] params = new Param[tok.length - 2];
        for (int i = 2; i < tok.length; i++) {
            String t = tok[i];
            int at = t.indexOf('@');
            String src = t.substring(at + 1);
            String[] head = t.substring(0, at).split(":");
            String pname = head[0];
            String kindPart = head[1];
            int dir = -1;
            int gt = kindPart.indexOf('>');
            if (gt >= 0) {
                dir = Integer.parseInt(kindPart.substring(gt + 1));
                kindPart = kindPart.substring(0, gt);
            }
            Flags.Table table = null;
            if (head.length > 2) {
                table = TABLES.get(head[2]);
                if (table == null) {
                    throw new IllegalStateException("unknown flag table " + head[2] + " in " + text);
                }
            }
            params[i - 2] = new Param(pname, Kind.valueOf(kindPart), Src.valueOf(src.toUpperCase(java.util.Locale.ROOT)), table, dir);
        }
        return new Spec(tok[0], tok[1], params);
    }
}
