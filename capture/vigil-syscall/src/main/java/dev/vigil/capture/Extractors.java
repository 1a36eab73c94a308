package dev.vigil.capture;

import static dev.vigil.capture.Extractor.NONE;
import static dev.vigil.capture.Extractor.bool;
import static dev.vigil.capture.Extractor.memo;
import static dev.vigil.capture.Extractor.num;
import static dev.vigil.capture.Extractor.obj;
import static dev.vigil.capture.Extractor.str;

import dev.vigil.capture.EventParams.Param;
import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.ContainerInfo;
import dev.vigil.capture.state.ContainerMetadata;
import dev.vigil.capture.state.FdInfo;
import dev.vigil.capture.state.FdType;
import dev.vigil.capture.state.ProcessInfo;
import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldDef;
import dev.vigil.event.FieldRef;
import dev.vigil.event.IpAddress;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds the extractor of each syscall field, with Falco's semantics. Fields Vigil cannot know
 * (I/O buffers, CPU numbers, DNS names, page faults...) are absent; see the module's
 * documentation for the full list.
 */
final class Extractors {
    private static final int MAX_DEPTH = 64;
    private static final Set<String> IO_READ = Set.of("read", "pread", "readv", "preadv", "preadv2", "recvfrom",
            "recvmsg", "recvmmsg", "recv");
    private static final Set<String> IO_WRITE = Set.of("write", "pwrite", "writev", "pwritev", "pwritev2", "sendto",
            "sendmsg", "sendmmsg", "send", "sendfile");
    private static final Set<String> WAITS = Set.of("nanosleep", "clock_nanosleep", "poll", "ppoll", "select",
            "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2", "futex", "wait4", "waitid", "pause");
    private static final Set<String> MAIN_CATEGORIES = Set.of("file", "net", "memory");

    private Extractors() {}

    /** The extractor of a field; {@link Extractor#ABSENT} for fields of other sources and unsupported fields. */
    static Extractor forRef(FieldRef ref, FieldCatalog syscall) {
        FieldDef def = ref.def();
        if (!def.equals(syscall.get(def.name()).orElse(null))) {
            return Extractor.ABSENT;
        }
        Extractor x = build(ref);
        return x == null ? Extractor.ABSENT : x;
    }

    private static Extractor build(FieldRef ref) {
        String name = ref.name();
        String arg = ref.arg();
        int idx = ref.index();
        if (name.startsWith("evt.") || name.startsWith("syscall.")) {
            return evt(name, arg, idx);
        }
        if (name.startsWith("proc.") || name.startsWith("thread.")) {
            return proc(name, arg, idx);
        }
        if (name.startsWith("user.") || name.startsWith("group.")) {
            return user(name);
        }
        if (name.startsWith("fd.") || name.startsWith("fs.path.")) {
            return fd(name, arg, idx);
        }
        if (name.startsWith("container.") || name.startsWith("k8s.")) {
            return container(name, arg, idx);
        }
        if (name.startsWith("fdlist.")) {
            return fdlist(name);
        }
        return null;
    }

    // ================================================================= evt

    private static Extractor evt(String name, String arg, int idx) {
        return switch (name) {
            case "evt.num" -> num(e -> e.num);
            case "evt.time" -> memo(e -> timeOfDay(e.wall, true));
            case "evt.time.s" -> memo(e -> timeOfDay(e.wall, false));
            case "evt.time.iso8601" -> memo(e -> iso8601(e.wall));
            case "evt.datetime" -> memo(e -> dateTime(e.wall, true));
            case "evt.datetime.s" -> memo(e -> dateTime(e.wall, false));
            case "evt.rawtime" -> num(e -> e.wall);
            case "evt.rawtime.s" -> num(e -> e.wall / 1_000_000_000L);
            case "evt.rawtime.ns" -> num(e -> e.wall % 1_000_000_000L);
            case "evt.reltime" -> num(e -> e.wall - e.firstWall);
            case "evt.reltime.s" -> num(e -> (e.wall - e.firstWall) / 1_000_000_000L);
            case "evt.reltime.ns" -> num(e -> (e.wall - e.firstWall) % 1_000_000_000L);
            case "evt.deltatime" -> num(e -> e.wall - e.prevWall);
            case "evt.deltatime.s" -> num(e -> (e.wall - e.prevWall) / 1_000_000_000L);
            case "evt.deltatime.ns" -> num(e -> (e.wall - e.prevWall) % 1_000_000_000L);
            case "evt.source" -> str(e -> FieldCatalog.SYSCALL);
            case "evt.is_async" -> bool(e -> 0);
            case "evt.hostname" -> str(e -> e.state.hostname());
            case "evt.dir" -> str(e -> "<");
            case "evt.type" -> str(e -> e.typeName);
            case "syscall.type" -> str(e -> e.syscallEvent ? e.typeName : null);
            case "evt.type.is" -> {
                int code = EventTypes.get().code(arg);
                yield num(e -> e.typeCode() >= 0 ? (e.typeCode() == code ? 1 : 0) : (e.typeName.equals(arg) ? 1 : 0));
            }
            case "evt.category" -> str(e -> e.spec.category());
            case "evt.args", "evt.info" -> memo(ArgRender::args);
            case "evt.arg" -> evtArg(arg, idx, false);
            case "evt.rawarg" -> evtArg(arg, idx, true);
            case "evt.res" -> memo(Extractors::res);
            case "evt.rawres" -> num(Extractors::rawres);
            case "evt.failed" -> bool(e -> {
                long r = rawres(e);
                return r != NONE && r < 0 ? 1 : 0;
            });
            case "evt.is_io" -> bool(e -> IO_READ.contains(e.typeName) || IO_WRITE.contains(e.typeName) ? 1 : 0);
            case "evt.is_io_read" -> bool(e -> IO_READ.contains(e.typeName) ? 1 : 0);
            case "evt.is_io_write" -> bool(e -> IO_WRITE.contains(e.typeName) ? 1 : 0);
            case "evt.io_dir" -> str(e -> IO_READ.contains(e.typeName) ? "r" : IO_WRITE.contains(e.typeName) ? "w" : null);
            case "evt.is_wait" -> bool(e -> WAITS.contains(e.typeName) ? 1 : 0);
            case "evt.count", "evt.count.exit" -> num(e -> 1);
            case "evt.count.error" -> num(e -> failed(e) ? 1 : 0);
            case "evt.count.error.file" -> num(e -> failed(e) && e.spec.category().equals("file") ? 1 : 0);
            case "evt.count.error.net" -> num(e -> failed(e) && e.spec.category().equals("net") ? 1 : 0);
            case "evt.count.error.memory" -> num(e -> failed(e) && e.spec.category().equals("memory") ? 1 : 0);
            case "evt.count.error.other" -> num(e -> failed(e) && !MAIN_CATEGORIES.contains(e.spec.category()) ? 1 : 0);
            case "evt.count.procinfo", "evt.count.threadinfo" -> num(e -> 0);
            case "evt.cpu" -> num(e -> e.rec.cpu() < 0 ? NONE : e.rec.cpu());
            case "evt.buffer" -> memo(e -> isIo(e) ? e.rec.ioBytes() : null);
            case "evt.buflen" -> num(e -> buflen(e, true, true, true, true));
            case "evt.buflen.in" -> num(e -> buflen(e, true, false, true, true));
            case "evt.buflen.out" -> num(e -> buflen(e, false, true, true, true));
            case "evt.buflen.file" -> num(e -> buflen(e, true, true, true, false));
            case "evt.buflen.file.in" -> num(e -> buflen(e, true, false, true, false));
            case "evt.buflen.file.out" -> num(e -> buflen(e, false, true, true, false));
            case "evt.buflen.net" -> num(e -> buflen(e, true, true, false, true));
            case "evt.buflen.net.in" -> num(e -> buflen(e, true, false, false, true));
            case "evt.buflen.net.out" -> num(e -> buflen(e, false, true, false, true));
            case "evt.is_open_read" -> bool(e -> openAccess(e, Flags.PPM_O_RDONLY));
            case "evt.is_open_write" -> bool(e -> openAccess(e, Flags.PPM_O_WRONLY));
            case "evt.is_open_create" -> memoBool(e -> created(e) ? 1 : 0);
            case "evt.is_open_exec" -> memoBool(e -> created(e) && (e.rec.mode() & 0111) != 0 ? 1 : 0);
            case "evt.abspath" -> memo(e -> abspath(e, arg));
            default -> null;
        };
    }

    /** Whether the event is an I/O call whose buffer the probe copies (read, write, pread, pwrite, recvfrom). */
    private static boolean isIo(LiveEvent e) {
        return e.rec.kind() == RawRecord.Kind.GENERIC && e.spec.indexOf("data") >= 0;
    }

    /**
     * {@code evt.buflen*}, as libsinsp: the bytes a successful I/O call transferred (its return value), for
     * every read or write call (with or without a buffer the probe copies) on a descriptor the fd table
     * knows, when the call reads ({@code in}) or writes ({@code out}) as asked and its fd is a file or an
     * IPv4/IPv6 socket as asked.
     */
    private static long buflen(LiveEvent e, boolean in, boolean out, boolean file, boolean net) {
        RawRecord.Kind k = e.rec.kind();
        if (k != RawRecord.Kind.GENERIC && k != RawRecord.Kind.ENDPOINT || e.fd == null || e.rec.ret() < 0) {
            return NONE;
        }
        boolean reads = IO_READ.contains(e.typeName);
        if (!reads && !IO_WRITE.contains(e.typeName) || (reads ? !in : !out)) {
            return NONE;
        }
        if (!file || !net) {
            boolean isNet = e.fd.type().isIp();
            boolean isFile = e.fd.type() == FdType.FILE;
            if (!(file && isFile || net && isNet)) {
                return NONE;
            }
        }
        return e.rec.ret();
    }

    private static Extractor memoBool(Extractor.Bool f) {
        return new Extractor() {
            private long seq = -1;
            private int cached;

            private int get(LiveEvent e) {
                if (seq != e.seq) {
                    cached = f.get(e);
                    seq = e.seq;
                }
                return cached;
            }

            @Override
            Object value(LiveEvent e) {
                int v = get(e);
                return v < 0 ? null : v == 1 ? Boolean.TRUE : Boolean.FALSE;
            }

            @Override
            boolean has(LiveEvent e) {
                return get(e) >= 0;
            }

            @Override
            long longValue(LiveEvent e) {
                return get(e);
            }
        };
    }

    private static Extractor evtArg(String arg, int idx, boolean raw) {
        return memo(e -> {
            Param p;
            if (idx >= 0) {
                p = idx < e.spec.params().length ? e.spec.params()[idx] : null;
            } else {
                p = ArgRender.param(e, arg);
            }
            if (p == null) {
                return null;
            }
            return raw ? ArgRender.typed(e, p) : ArgRender.arg(e, p);
        });
    }

    /** The return value, or NONE for events without one (procexit). */
    static long rawres(LiveEvent e) {
        return e.rec.kind() == RawRecord.Kind.EXIT ? NONE
                : e.rec.kind() == RawRecord.Kind.FORK ? e.rec.childPid() : e.rec.ret();
    }

    private static boolean failed(LiveEvent e) {
        long r = rawres(e);
        return r != NONE && r < 0;
    }

    private static String res(LiveEvent e) {
        long r = rawres(e);
        if (r == NONE) {
            return null;
        }
        if (r >= 0) {
            return "SUCCESS";
        }
        String n = Errno.name(-r);
        return n != null ? n : Long.toString(r);
    }

    private static int openAccess(LiveEvent e, int bit) {
        if (!e.isOpenFamily() || e.typeName.equals("creat")) {
            return 0;
        }
        long ppm = Flags.openFlagsToPpm(e.rec.flags());
        return (ppm & bit) == bit ? 1 : 0;
    }

    /**
     * Whether an open created the file. Falco's driver reads this from the kernel (FMODE_CREATED);
     * the probe does not report it yet, so Vigil infers it: O_EXCL or O_TMPFILE opens that succeed
     * always create; other O_CREAT opens (and creat) created the file when its birth time is the
     * event's time.
     */
    static boolean created(LiveEvent e) {
        if (e.createdSeq != e.seq) {
            e.createdValue = computeCreated(e);
            e.createdSeq = e.seq;
        }
        return e.createdValue;
    }

    private static boolean computeCreated(LiveEvent e) {
        if (!e.isOpenFamily() || e.rec.ret() < 0) {
            return false;
        }
        if (e.rec.createdKnown()) {
            // the kernel's FMODE_CREATED, read by the probe from the opened file: what Falco's drivers report
            return e.rec.created();
        }
        int k = e.rec.flags();
        boolean creat = e.typeName.equals("creat");
        if (!creat && (k & 0100) == 0 && (k & 020200000) != 020200000) {
            return false;
        }
        if (!creat && ((k & 0200) != 0 || (k & 020200000) == 020200000)) {
            return true;
        }
        FdInfo f = e.fd;
        if (f == null || f.name().isEmpty()) {
            return false;
        }
        if (e.proc == null) {
            return false;
        }
        long bornNanos = e.state.fileBirthNanos(e.proc, f.name());
        return bornNanos != Long.MIN_VALUE && bornNanos >= e.wall - 50_000_000L && bornNanos <= e.wall + 5_000_000_000L;
    }

    private static String abspath(LiveEvent e, String which) {
        List<Param> rel = new ArrayList<>(2);
        for (Param p : e.spec.params()) {
            if (p.kind() == EventParams.Kind.REL) {
                rel.add(p);
            }
        }
        Param p;
        if (which == null) {
            p = rel.size() == 1 ? rel.get(0) : null;
        } else if (which.equals("src")) {
            p = rel.isEmpty() ? null : rel.get(0);
        } else if (which.equals("dst")) {
            p = rel.size() == 2 ? rel.get(1) : null;
        } else {
            p = null;
        }
        if (p == null) {
            return null;
        }
        String r = ArgRender.resolved(e, p);
        return r.isEmpty() ? null : r;
    }

    // ================================================================= proc / thread

    private static Extractor procStr(Function<ProcessInfo, String> f) {
        return str(e -> e.proc == null ? null : f.apply(e.proc));
    }

    private static Extractor parentStr(Function<ProcessInfo, String> f) {
        return str(e -> {
            ProcessInfo p = e.ancestor(1);
            return p == null ? null : f.apply(p);
        });
    }

    /**
     * {@code proc.aname[N]} and friends: the N-th ancestor's value (0 = the process); without an
     * index the list of every ancestor's value from the parent up (any-ancestor matching).
     */
    private static Extractor ancestors(int idx, Function<ProcessInfo, Object> f) {
        if (idx >= 0) {
            return obj(e -> {
                ProcessInfo p = e.ancestor(idx);
                return p == null ? null : f.apply(p);
            });
        }
        return new Extractor() {
            private long seq = -1;
            private final ArrayList<Object> list = new ArrayList<>();
            private final List<Object> view = java.util.Collections.unmodifiableList(list);
            private boolean present;

            @Override
            Object value(LiveEvent e) {
                if (seq != e.seq) {
                    seq = e.seq;
                    list.clear();
                    present = e.proc != null;
                    ProcessInfo p = e.proc == null ? null : e.state.parent(e.proc);
                    for (int d = 0; p != null && d < MAX_DEPTH; d++) {
                        Object v = f.apply(p);
                        if (v != null) {
                            list.add(v);
                        }
                        p = e.state.parent(p);
                    }
                }
                return present ? view : null;
            }
        };
    }

    private static Extractor proc(String name, String arg, int idx) {
        return switch (name) {
            case "proc.exe" -> procStr(ProcessInfo::exe);
            case "proc.pexe" -> parentStr(ProcessInfo::exe);
            case "proc.aexe" -> ancestors(idx, ProcessInfo::exe);
            case "proc.exepath" -> procStr(ProcessInfo::exepath);
            case "proc.pexepath" -> parentStr(ProcessInfo::exepath);
            case "proc.aexepath" -> ancestors(idx, ProcessInfo::exepath);
            case "proc.name" -> procStr(ProcessInfo::comm);
            case "proc.pname" -> parentStr(ProcessInfo::comm);
            case "proc.aname" -> ancestors(idx, ProcessInfo::comm);
            case "proc.args" -> procStr(ProcessInfo::argsJoined);
            case "proc.cmdline" -> procStr(ProcessInfo::cmdline);
            case "proc.pcmdline" -> parentStr(ProcessInfo::cmdline);
            case "proc.acmdline" -> ancestors(idx, ProcessInfo::cmdline);
            case "proc.exeline" -> procStr(ProcessInfo::exeline);
            case "proc.cmdnargs" -> num(e -> e.proc == null ? NONE : e.proc.args().size());
            case "proc.cmdlenargs" -> num(e -> {
                if (e.proc == null) {
                    return NONE;
                }
                long n = 0;
                for (String a : e.proc.args()) {
                    n += a.length();
                }
                return n;
            });
            case "proc.env" -> arg == null
                    ? memo(e -> e.proc == null ? null : joinEnv(e.state.env(e.proc)))
                    : str(e -> e.proc == null ? null : e.state.envVar(e.proc, arg));
            case "proc.aenv" -> aenv(arg, idx);
            case "proc.cwd" -> str(e -> e.proc == null ? null : e.state.cwd(e.proc));
            case "proc.loginshellid" -> num(Extractors::loginShellId);
            case "proc.tty" -> num(e -> e.proc == null ? NONE : e.proc.tty() & 0xffffffffL);
            case "proc.pid" -> num(e -> e.proc == null ? NONE : e.proc.pid());
            case "proc.ppid" -> num(e -> e.proc == null ? NONE : e.proc.ppid());
            case "proc.apid" -> ancestors(idx, p -> (long) p.pid());
            case "proc.vpid" -> num(e -> {
                int v = e.proc == null ? -1 : e.state.vpid(e.proc);
                return v < 0 ? NONE : v;
            });
            case "proc.pvpid" -> num(e -> {
                ProcessInfo p = e.ancestor(1);
                int v = p == null ? -1 : e.state.vpid(p);
                return v < 0 ? NONE : v;
            });
            case "proc.sid" -> num(e -> e.proc == null || e.proc.sid() < 0 ? NONE : e.proc.sid());
            case "proc.sname" -> str(e -> comm(sessionLeader(e)));
            case "proc.sid.exe" -> str(e -> exe(sessionLeader(e)));
            case "proc.sid.exepath" -> str(e -> exepath(sessionLeader(e)));
            case "proc.vpgid" -> num(e -> e.proc == null || e.proc.vpgid() < 0 ? NONE : e.proc.vpgid());
            case "proc.vpgid.name" -> str(e -> comm(groupLeader(e)));
            case "proc.vpgid.exe" -> str(e -> exe(groupLeader(e)));
            case "proc.vpgid.exepath" -> str(e -> exepath(groupLeader(e)));
            case "proc.duration" -> num(e -> e.proc == null || e.proc.startNanos() == 0 ? NONE : e.wall - e.proc.startNanos());
            case "proc.ppid.duration" -> num(e -> {
                ProcessInfo p = e.ancestor(1);
                return p == null || p.startNanos() == 0 ? NONE : e.wall - p.startNanos();
            });
            case "proc.pid.ts" -> num(e -> e.proc == null || e.proc.startNanos() == 0 ? NONE : e.proc.startNanos());
            case "proc.ppid.ts" -> num(e -> {
                ProcessInfo p = e.ancestor(1);
                return p == null || p.startNanos() == 0 ? NONE : p.startNanos();
            });
            case "proc.is_exe_writable" -> bool(e -> e.proc == null ? -1 : e.proc.isExeWritable() ? 1 : 0);
            case "proc.is_exe_upper_layer" -> bool(e -> e.proc == null ? -1 : e.proc.isExeUpperLayer() ? 1 : 0);
            case "proc.is_exe_from_memfd" -> bool(e -> e.proc == null ? -1 : e.proc.isExeFromMemfd() ? 1 : 0);
            case "proc.is_sid_leader" -> bool(e -> e.proc == null || e.proc.sid() < 0 ? -1
                    : e.proc.sid() == vpidOrPid(e, e.proc) ? 1 : 0);
            case "proc.is_vpgid_leader" -> bool(e -> e.proc == null || e.proc.vpgid() < 0 ? -1
                    : e.proc.vpgid() == vpidOrPid(e, e.proc) ? 1 : 0);
            case "proc.exe_ino" -> num(e -> e.proc == null || !e.proc.exeStatKnown() ? NONE : e.proc.exeIno());
            case "proc.exe_ino.ctime" -> num(e -> e.proc == null || !e.proc.exeStatKnown() ? NONE : e.proc.exeCtime());
            case "proc.exe_ino.mtime" -> num(e -> e.proc == null || !e.proc.exeStatKnown() ? NONE : e.proc.exeMtime());
            case "proc.exe_ino.ctime_duration_proc_start" -> num(e -> e.proc == null || !e.proc.exeStatKnown()
                    || e.proc.startNanos() == 0 ? NONE : e.proc.startNanos() - e.proc.exeCtime());
            case "proc.exe_ino.ctime_duration_pidns_start" -> num(e -> {
                long ns = e.proc == null ? 0 : e.state.pidnsInitStart(e.proc);
                return ns == 0 || !e.proc.exeStatKnown() ? NONE : e.proc.exeCtime() - ns;
            });
            case "proc.pidns_init_start_ts" -> num(e -> {
                long ns = e.proc == null ? 0 : e.state.pidnsInitStart(e.proc);
                return ns == 0 ? NONE : ns;
            });
            case "proc.fdopencount" -> num(e -> e.proc == null ? NONE : e.proc.fdCount());
            case "proc.stdin.type" -> stdFd(0, true);
            case "proc.stdin.name" -> stdFd(0, false);
            case "proc.stdout.type" -> stdFd(1, true);
            case "proc.stdout.name" -> stdFd(1, false);
            case "proc.stderr.type" -> stdFd(2, true);
            case "proc.stderr.name" -> stdFd(2, false);
            case "proc.is_container_healthcheck", "proc.is_container_liveness_probe",
                 "proc.is_container_readiness_probe" -> bool(e -> e.proc == null ? -1 : 0);
            case "thread.tid" -> num(e -> e.rec.tid());
            case "thread.ismain" -> bool(e -> e.proc == null ? -1 : e.rec.tid() == e.proc.pid() ? 1 : 0);
            case "thread.vtid" -> num(e -> {
                long v = ArgRender.vtid(e);
                return v < 0 ? NONE : v;
            });
            case "thread.nametid" -> memo(e -> e.proc == null ? null : e.proc.comm() + e.rec.tid());
            case "thread.cap_effective" -> str(e -> e.proc != null && e.state.ensureCaps(e.proc) ? e.proc.capEffectiveNames() : null);
            case "thread.cap_permitted" -> str(e -> e.proc != null && e.state.ensureCaps(e.proc) ? e.proc.capPermittedNames() : null);
            case "thread.cap_inheritable" -> str(e -> e.proc != null && e.state.ensureCaps(e.proc) ? e.proc.capInheritableNames() : null);
            default -> null;
        };
    }

    private static int vpidOrPid(LiveEvent e, ProcessInfo p) {
        int v = e.state.vpid(p);
        return v < 0 ? p.pid() : v;
    }

    private static Extractor stdFd(int n, boolean type) {
        return str(e -> {
            if (e.proc == null) {
                return null;
            }
            FdInfo f = e.state.fd(e.proc, n);
            return f == null ? null : type ? f.type().label() : f.name();
        });
    }

    private static Extractor aenv(String arg, int idx) {
        if (idx >= 0) {
            return memo(e -> {
                ProcessInfo p = e.ancestor(idx);
                return p == null ? null : joinEnv(e.state.env(p));
            });
        }
        if (arg != null) {
            return str(e -> {
                ProcessInfo p = e.proc == null ? null : e.state.parent(e.proc);
                for (int d = 0; p != null && d < MAX_DEPTH; d++) {
                    String v = e.state.envVar(p, arg);
                    if (v != null) {
                        return v;
                    }
                    p = e.state.parent(p);
                }
                return null;
            });
        }
        return ancestorsWithState();
    }

    private static Extractor ancestorsWithState() {
        return memo(e -> {
            if (e.proc == null) {
                return null;
            }
            List<Object> out = new ArrayList<>();
            ProcessInfo p = e.state.parent(e.proc);
            for (int d = 0; p != null && d < MAX_DEPTH; d++) {
                String env = joinEnv(e.state.env(p));
                if (env != null) {
                    out.add(env);
                }
                p = e.state.parent(p);
            }
            return out;
        });
    }

    private static String joinEnv(List<String> env) {
        return env == null ? null : String.join(" ", env);
    }

    /** The oldest process, from the process itself upward, whose argv[0] ends in "sh". */
    private static long loginShellId(LiveEvent e) {
        long found = NONE;
        ProcessInfo p = e.proc;
        for (int d = 0; p != null && d < MAX_DEPTH; d++) {
            if (p.exe().endsWith("sh")) {
                found = p.pid();
            }
            p = e.state.parent(p);
        }
        return found;
    }

    /**
     * The session leader: the process whose pid is the session id when it is known (host pid
     * namespace), otherwise the highest ancestor with the same session id, as libsinsp does.
     */
    private static ProcessInfo sessionLeader(LiveEvent e) {
        return leader(e, ProcessInfo::sid);
    }

    /** The process group leader, found as {@link #sessionLeader} is but by process group id. */
    private static ProcessInfo groupLeader(LiveEvent e) {
        return leader(e, ProcessInfo::vpgid);
    }

    private static ProcessInfo leader(LiveEvent e, java.util.function.ToIntFunction<ProcessInfo> id) {
        ProcessInfo p = e.proc;
        if (p == null || id.applyAsInt(p) < 0) {
            return null;
        }
        int want = id.applyAsInt(p);
        if (e.state.vpid(p) == p.pid()) {
            ProcessInfo s = e.state.process(want);
            if (s != null) {
                return s;
            }
        }
        ProcessInfo leader = p;
        ProcessInfo q = e.state.parent(p);
        for (int d = 0; q != null && d < MAX_DEPTH && id.applyAsInt(q) == want; d++) {
            leader = q;
            q = e.state.parent(q);
        }
        return leader;
    }

    private static String comm(ProcessInfo p) {
        return p == null ? null : p.comm();
    }

    private static String exe(ProcessInfo p) {
        return p == null ? null : p.exe();
    }

    private static String exepath(ProcessInfo p) {
        return p == null ? null : p.exepath();
    }

    // ================================================================= user / group

    private static Extractor user(String name) {
        return switch (name) {
            case "user.uid" -> num(e -> e.proc == null || e.proc.uid() == -1 ? NONE : e.proc.uid() & 0xffffffffL);
            case "user.name" -> str(e -> e.proc == null ? null : e.state.userName(e.proc));
            case "user.homedir" -> str(e -> e.proc == null ? null : e.state.userHome(e.proc));
            case "user.shell" -> str(e -> e.proc == null ? null : e.state.userShell(e.proc));
            case "user.loginuid" -> num(e -> e.proc == null ? NONE : e.proc.loginUid());
            case "user.loginname" -> str(e -> e.proc == null ? null : e.state.loginName(e.proc));
            case "group.gid" -> num(e -> e.proc == null || e.proc.gid() == -1 ? NONE : e.proc.gid() & 0xffffffffL);
            case "group.name" -> str(e -> e.proc == null ? null : e.state.groupName(e.proc));
            default -> null;
        };
    }

    // ================================================================= fd / fs.path

    private static Extractor fd(String name, String arg, int idx) {
        return switch (name) {
            case "fd.num" -> num(e -> e.fd == null ? NONE : e.fd.num());
            case "fd.type" -> str(e -> e.fd == null ? null : e.fd.type().label());
            case "fd.typechar" -> str(e -> e.fd == null ? null : e.fd.type().typechar());
            case "fd.name" -> str(e -> {
                FdInfo f = e.sock();
                return f == null ? null : f.name();
            });
            case "fd.nameraw" -> str(e -> e.fd == null ? null : e.fd.nameRaw());
            case "fd.directory" -> str(e -> e.fd == null ? null : e.fd.directory());
            case "fd.filename" -> str(e -> e.fd == null ? null : e.fd.filename());
            case "fd.containername" -> memo(e -> e.fd == null || e.proc == null ? null : e.proc.container().id() + ":" + e.sock().name());
            case "fd.containerdirectory" -> memo(e -> {
                String d = e.fd == null || e.proc == null ? null : e.fd.directory();
                return d == null ? null : e.proc.container().id() + ":" + d;
            });
            case "fd.l4proto" -> str(e -> {
                FdInfo f = e.fd;
                if (f == null) {
                    return null;
                }
                if (f.type().isIp() && f.l4proto() == null) {
                    f = e.sock();
                }
                return f.type().isIp() && f.l4proto() != null ? f.l4proto() : "<NA>";
            });
            case "fd.sockfamily" -> str(e -> {
                FdInfo f = e.fd;
                return f == null ? null : f.type().isIp() ? "ip" : f.type() == FdType.UNIX ? "unix" : null;
            });
            case "fd.is_server" -> bool(e -> {
                FdInfo f = e.fd;
                return f == null || !f.type().isSocket() ? -1 : f.isServer() ? 1 : 0;
            });
            case "fd.connected" -> bool(e -> {
                FdInfo f = e.fd;
                return f == null || !f.type().isSocket() ? -1 : f.isConnected() ? 1 : 0;
            });
            case "fd.name_changed" -> bool(e -> e.fd == null ? -1 : e.fdNameChanged ? 1 : 0);
            case "fd.cip.name" -> str(e -> e.state.domainNames().nameOf(ip(e, Side.CLIENT)));
            case "fd.sip.name" -> str(e -> e.state.domainNames().nameOf(ip(e, Side.SERVER)));
            case "fd.lip.name" -> str(e -> e.state.domainNames().nameOf(ip(e, Side.LOCAL)));
            case "fd.rip.name" -> str(e -> e.state.domainNames().nameOf(ip(e, Side.REMOTE)));
            case "fd.cip", "fd.cnet" -> obj(e -> ip(e, Side.CLIENT));
            case "fd.sip", "fd.snet" -> obj(e -> ip(e, Side.SERVER));
            case "fd.lip", "fd.lnet" -> obj(e -> ip(e, Side.LOCAL));
            case "fd.rip", "fd.rnet" -> obj(e -> ip(e, Side.REMOTE));
            case "fd.cport" -> num(e -> port(e, Side.CLIENT));
            case "fd.sport" -> num(e -> port(e, Side.SERVER));
            case "fd.lport" -> num(e -> port(e, Side.LOCAL));
            case "fd.rport" -> num(e -> port(e, Side.REMOTE));
            case "fd.cproto" -> str(e -> service(e, Side.CLIENT));
            case "fd.sproto" -> str(e -> service(e, Side.SERVER));
            case "fd.lproto" -> str(e -> service(e, Side.LOCAL));
            case "fd.rproto" -> str(e -> service(e, Side.REMOTE));
            case "fd.ip", "fd.net" -> endpoints(true);
            case "fd.port", "fd.proto" -> endpoints(false);
            case "fd.types" -> idx >= 0
                    ? str(e -> {
                        FdInfo f = e.proc == null ? null : e.proc.fd(idx);
                        return f == null ? null : f.type().label();
                    })
                    : memo(e -> {
                        if (e.proc == null) {
                            return null;
                        }
                        List<Object> out = new ArrayList<>();
                        for (int n : e.proc.fdNumbers()) {
                            FdInfo f = e.proc.fd(n);
                            if (f != null && !out.contains(f.type().label())) {
                                out.add(f.type().label());
                            }
                        }
                        return out;
                    });
            case "fd.ino" -> num(e -> e.fd == null || e.fd.inode() == 0 ? NONE : e.fd.inode());
            case "fs.path.name" -> memo(e -> fsPath(e, 0, true, false));
            case "fs.path.nameraw" -> memo(e -> fsPath(e, 0, false, false));
            case "fs.path.source" -> memo(e -> fsPath(e, 0, true, true));
            case "fs.path.sourceraw" -> memo(e -> fsPath(e, 0, false, true));
            case "fs.path.target" -> memo(e -> fsPath(e, 1, true, true));
            case "fs.path.targetraw" -> memo(e -> fsPath(e, 1, false, true));
            default -> null;
        };
    }

    private enum Side { CLIENT, SERVER, LOCAL, REMOTE }

    // ================================================================= fdlist

    /**
     * {@code fdlist.*} of a poll or ppoll, as libsinsp extracts them: for each polled descriptor (the
     * probe carries the first ten entries of the pollfd array) its number, its name ({@code <NA>} when
     * the fd table does not know it or it has none), or, for connected IPv4/IPv6 sockets only, the
     * client address and port and the server port; the server address also of listening sockets.
     * Joined with commas; absent when empty. Only the fd table is consulted (no /proc read), so a
     * replay gives what the live agent gave. Falco reads them on the enter event, whose arguments
     * Vigil's exit events carry.
     */
    private static Extractor fdlist(String name) {
        return memo(e -> {
            RawRecord r = e.rec;
            if (e.proc == null || r.kind() != RawRecord.Kind.GENERIC
                    || !("poll".equals(e.typeName) || "ppoll".equals(e.typeName))) {
                return null;
            }
            byte[] b = r.ioBytes();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i + 8 <= b.length; i += 8) {
                int fd = (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | b[i + 3] << 24;
                FdInfo f = fd < 0 ? null : e.proc.fd(fd);
                boolean ip = f != null && f.type().isIp();
                boolean connected = ip && !f.isListening();
                Object v = switch (name) {
                    case "fdlist.nums" -> fd;
                    case "fdlist.names" -> f == null || f.name().isEmpty() ? "<NA>" : f.name();
                    case "fdlist.cips" -> connected ? f.clientIp() : null;
                    case "fdlist.sips" -> ip ? f.serverIp() : null;
                    case "fdlist.cports" -> connected && f.clientPort() >= 0 ? f.clientPort() : null;
                    default -> connected && f.serverPort() >= 0 ? f.serverPort() : null;
                };
                if (v != null) {
                    sb.append(v).append(',');
                }
            }
            return sb.isEmpty() ? null : sb.substring(0, sb.length() - 1);
        });
    }

    private static Side orient(FdInfo f, Side s) {
        return switch (s) {
            case LOCAL -> f.isServer() ? Side.SERVER : Side.CLIENT;
            case REMOTE -> f.isServer() ? Side.CLIENT : Side.SERVER;
            default -> s;
        };
    }

    private static IpAddress ip(LiveEvent e, Side side) {
        FdInfo f = e.fd;
        if (f == null || !f.type().isIp()) {
            return null;
        }
        Side s = orient(f, side);
        if (s == Side.CLIENT && f.clientIp() == null || s == Side.SERVER && f.serverIp() == null) {
            f = e.sock();
        }
        return s == Side.CLIENT ? f.clientIp() : f.serverIp();
    }

    private static long port(LiveEvent e, Side side) {
        FdInfo f = e.fd;
        if (f == null || !f.type().isIp()) {
            return NONE;
        }
        Side s = orient(f, side);
        if (s == Side.CLIENT && f.clientPort() < 0 || s == Side.SERVER && f.serverPort() < 0) {
            f = e.sock();
        }
        int v = s == Side.CLIENT ? f.clientPort() : f.serverPort();
        return v < 0 ? NONE : v;
    }

    private static String service(LiveEvent e, Side side) {
        long p = port(e, side);
        if (p == NONE) {
            return null;
        }
        String proto = e.fd.l4proto();
        String n = e.state.serviceName((int) p, proto == null ? "tcp" : proto);
        return n != null ? n : Long.toString(p);
    }

    /** fd.ip / fd.net (addresses) or fd.port / fd.proto (ports): client and server, or the server alone for listening sockets. */
    private static Extractor endpoints(boolean address) {
        return new Extractor() {
            private long seq = -1;
            private final ArrayList<Object> list = new ArrayList<>(2);
            private final List<Object> view = java.util.Collections.unmodifiableList(list);
            private boolean present;

            @Override
            Object value(LiveEvent e) {
                if (seq != e.seq) {
                    seq = e.seq;
                    list.clear();
                    FdInfo f = e.fd;
                    present = f != null && f.type().isIp();
                    if (present) {
                        f = e.sock();
                        if (address) {
                            if (!f.isListening() && f.clientIp() != null) {
                                list.add(f.clientIp());
                            }
                            if (f.serverIp() != null) {
                                list.add(f.serverIp());
                            }
                        } else {
                            if (!f.isListening() && f.clientPort() >= 0) {
                                list.add((long) f.clientPort());
                            }
                            if (f.serverPort() >= 0) {
                                list.add((long) f.serverPort());
                            }
                        }
                        present = !list.isEmpty();
                    }
                }
                return present ? view : null;
            }
        };
    }

    /**
     * fs.path.*: for one-path calls ({@code which == 0}, {@code twoPath} false) the path operated
     * on; for two-path calls (rename, link, symlink) the source ({@code which == 0}) or target.
     */
    private static String fsPath(LiveEvent e, int which, boolean absolute, boolean twoPath) {
        List<Param> paths = new ArrayList<>(2);
        for (Param p : e.spec.params()) {
            if (p.kind() == EventParams.Kind.PATH || p.kind() == EventParams.Kind.REL
                    || (p.kind() == EventParams.Kind.STR && (p.name().equals("target")))) {
                paths.add(p);
            }
        }
        if (e.typeName.startsWith("execve") || e.typeName.equals("chdir")) {
            return null;
        }
        if (twoPath != (paths.size() == 2) || which >= paths.size()) {
            return null;
        }
        Param p = paths.get(which);
        String raw = ArgRender.str(e, p);
        if (!absolute || p.kind() == EventParams.Kind.STR) {
            return raw;
        }
        String r = ArgRender.resolved(e, p);
        return r.isEmpty() ? raw : r;
    }

    // ================================================================= container / k8s

    private static Extractor meta(Function<ContainerMetadata, Object> f) {
        return obj(e -> {
            if (e.proc == null) {
                return null;
            }
            ContainerMetadata m = e.proc.container().metadata();
            return m == null ? null : f.apply(m);
        });
    }

    private static Extractor container(String name, String arg, int idx) {
        return switch (name) {
            case "container.id" -> str(e -> e.proc == null ? null : e.proc.container().id());
            case "container.full_id" -> str(e -> e.proc == null ? null : e.proc.container().fullId());
            case "container.name" -> str(e -> {
                if (e.proc == null) {
                    return null;
                }
                ContainerInfo c = e.proc.container();
                if (c.isHost()) {
                    return "host";
                }
                ContainerMetadata m = c.metadata();
                return m == null ? null : m.name();
            });
            case "container.type" -> str(e -> e.proc == null || e.proc.container().isHost() ? null : e.proc.container().runtime());
            case "container.image" -> meta(ContainerMetadata::image);
            case "container.image.id" -> meta(ContainerMetadata::imageId);
            case "container.image.repository" -> meta(ContainerMetadata::imageRepository);
            case "container.image.tag" -> meta(ContainerMetadata::imageTag);
            case "container.image.digest" -> meta(ContainerMetadata::imageDigest);
            case "container.privileged" -> obj(e -> {
                ContainerMetadata m = e.proc == null ? null : e.proc.container().metadata();
                return m == null ? null : m.privileged();
            });
            case "container.mounts" -> str(e -> e.proc == null || e.proc.container().metadata() == null ? null
                    : e.proc.container().mountsString());
            case "container.mount" -> mount(arg, idx, null, false);
            case "container.mount.source" -> mount(arg, idx, ContainerMetadata.Mount::source, true);
            case "container.mount.dest" -> mount(arg, idx, ContainerMetadata.Mount::destination, false);
            case "container.mount.mode" -> mount(arg, idx, ContainerMetadata.Mount::mode, false);
            case "container.mount.rdwr" -> mount(arg, idx, m -> Boolean.toString(m.readWrite()), false);
            case "container.mount.propagation" -> mount(arg, idx, ContainerMetadata.Mount::propagation, false);
            // the container plugin extracts proc.pidns_init_start_ts, also for host processes (the
            // start of the host's pid 1, about the boot time); container metadata when known
            case "container.start_ts" -> num(e -> {
                if (e.proc == null) {
                    return NONE;
                }
                ContainerMetadata m = e.proc.container().metadata();
                if (m != null && m.startTsNanos() != null) {
                    return m.startTsNanos();
                }
                long ns = e.state.pidnsInitStart(e.proc);
                return ns == 0 ? NONE : ns;
            });
            case "container.duration" -> num(e -> {
                ContainerMetadata m = e.proc == null ? null : e.proc.container().metadata();
                return m == null || m.startTsNanos() == null ? NONE : e.wall - m.startTsNanos();
            });
            case "container.label" -> meta(m -> m.labels().get(arg));
            case "container.labels" -> memo(e -> {
                ContainerMetadata m = e.proc == null ? null : e.proc.container().metadata();
                return m == null ? null : joinLabels(m.labels());
            });
            case "k8s.pod.name" -> meta(ContainerMetadata::podName);
            case "k8s.ns.name" -> meta(ContainerMetadata::podNamespace);
            case "k8s.pod.uid", "k8s.pod.id" -> meta(ContainerMetadata::podUid);
            case "k8s.pod.full_sandbox_id" -> meta(ContainerMetadata::sandboxId);
            case "k8s.pod.sandbox_id" -> meta(m -> m.sandboxId() == null ? null
                    : m.sandboxId().substring(0, Math.min(12, m.sandboxId().length())));
            case "k8s.pod.ip", "container.ip" -> meta(ContainerMetadata::podIp);
            case "k8s.pod.label" -> meta(m -> m.podLabels().get(arg));
            case "k8s.pod.labels" -> memo(e -> {
                ContainerMetadata m = e.proc == null ? null : e.proc.container().metadata();
                return m == null || m.sandboxId() == null ? null : joinLabels(m.podLabels());
            });
            default -> null;
        };
    }

    /**
     * Labels as Falco's container plugin lists them: sorted by key, {@code key:value} (just {@code key}
     * for an empty value), joined with {@code ", "}, leaving out kubelet's internal {@code io.kubernetes.*}
     * labels and {@code annotation.*} entries; empty when nothing is left.
     */
    private static String joinLabels(java.util.Map<String, String> labels) {
        StringBuilder sb = new StringBuilder();
        labels.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .filter(en -> !en.getKey().startsWith("io.kubernetes.") && !en.getKey().startsWith("annotation."))
                .forEach(en -> {
                    if (!sb.isEmpty()) {
                        sb.append(", ");
                    }
                    sb.append(en.getKey());
                    if (!en.getValue().isEmpty()) {
                        sb.append(':').append(en.getValue());
                    }
                });
        return sb.toString();
    }

    /**
     * container.mount*[arg]: by index, or by glob on the mount's source path (its destination for
     * container.mount.source). "N/A" when the container has no such mount, as the upstream rules
     * expect ({@code not container.mount.dest[/proc*] in ("<NA>","N/A")}).
     */
    private static Extractor mount(String arg, int idx, Function<ContainerMetadata.Mount, String> part,
                                   boolean keyIsDestination) {
        return obj(e -> {
            if (e.proc == null) {
                return null;
            }
            ContainerMetadata m = e.proc.container().metadata();
            List<ContainerMetadata.Mount> mounts = m == null ? List.of() : m.mounts();
            ContainerMetadata.Mount found = null;
            if (idx >= 0) {
                found = idx < mounts.size() ? mounts.get(idx) : null;
            } else if (arg != null) {
                for (ContainerMetadata.Mount mt : mounts) {
                    if (Glob.matches(arg, keyIsDestination ? mt.destination() : mt.source())) {
                        found = mt;
                        break;
                    }
                }
            }
            if (found == null) {
                return "N/A";
            }
            return part == null ? found.toString() : part.apply(found);
        });
    }

    // ================================================================= time rendering

    private static final ZoneId ZONE = ZoneId.systemDefault();

    static String timeOfDay(long nanos, boolean withNanos) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                (int) Math.floorMod(nanos, 1_000_000_000L), ZONE.getRules().getOffset(Instant.ofEpochSecond(nanos / 1_000_000_000L)));
        String hms = String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        return withNanos ? hms + String.format(".%09d", t.getNano()) : hms;
    }

    static String dateTime(long nanos, boolean withNanos) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                (int) Math.floorMod(nanos, 1_000_000_000L), ZONE.getRules().getOffset(Instant.ofEpochSecond(nanos / 1_000_000_000L)));
        return String.format("%04d-%02d-%02d ", t.getYear(), t.getMonthValue(), t.getDayOfMonth())
                + timeOfDay(nanos, withNanos);
    }

    static String iso8601(long nanos) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                (int) Math.floorMod(nanos, 1_000_000_000L), ZoneOffset.UTC);
        return String.format("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond(), t.getNano());
    }
}
