package dev.vigil.capture;

import dev.vigil.capture.EventParams.Param;
import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.FdInfo;
import dev.vigil.capture.state.FdType;
import dev.vigil.capture.state.Ip;
import dev.vigil.capture.state.ProcessInfo;
import dev.vigil.event.IpAddress;
import dev.vigil.event.Printable;

/**
 * Renders event parameters as libsinsp does: a raw form ({@code 4102}, {@code 3}, {@code -2}) and,
 * where the type has one, a resolved form ({@code O_CREAT|O_WRONLY|O_CLOEXEC},
 * {@code <f>/etc/passwd}, {@code ENOENT}, a user name). {@code evt.arg.X} is the resolved form when
 * it is not empty, {@code evt.args} shows {@code name=raw(resolved)}.
 */
final class ArgRender {
    private static final int AT_FDCWD = -100;

    private ArgRender() {}

    static boolean isString(Param p) {
        return switch (p.src()) {
            case PATH1, PATH2, FILENAME, EXE, ARGS, CWD, COMM, EXEPATH, ADDR, TUPLE, IO -> true;
            default -> false;
        };
    }

    /** The numeric value of a numeric parameter, in the encoding of its type (Falco's PPM values for flags). */
    static long num(LiveEvent e, Param p) {
        RawRecord r = e.rec;
        ProcessInfo proc = e.proc;
        long v = switch (p.src()) {
            case RET -> r.ret();
            case A0 -> r.arg(0);
            case A1 -> r.arg(1);
            case A2 -> r.arg(2);
            case A3 -> r.arg(3);
            case A4 -> r.arg(4);
            case A5 -> r.arg(5);
            case OFLAGS -> r.flags() & 0xffffffffL;
            // the driver reports the mode only when the call can create a file (O_CREAT or O_TMPFILE)
            case OMODE -> (r.flags() & 0100) != 0 || (r.flags() & 020200000) == 020200000 ? r.mode() & 0xffffffffL : 0;
            case DIRFD -> r.dirfd();
            case CFD -> r.fd();
            case TID -> r.tid();
            case PID -> proc == null ? 0 : proc.pid();
            case PPID -> proc == null ? 0 : proc.ppid();
            case TTY -> proc == null ? 0 : proc.tty();
            case PGID -> proc == null ? 0 : proc.vpgid();
            case LOGINUID -> proc == null ? -1 : proc.loginUid();
            case UID -> proc == null ? -1 : proc.uid();
            case GID -> proc == null ? -1 : proc.gid();
            case VTID -> vtid(e);
            case VPID -> proc == null ? -1 : e.state.vpid(proc);
            case CAPINH -> proc == null ? 0 : proc.capInheritable();
            case CAPPRM -> proc == null ? 0 : proc.capPermitted();
            case CAPEFF -> proc == null ? 0 : proc.capEffective();
            case EXEFLAGS -> exeFlags(proc);
            case EXEINO -> proc == null ? 0 : proc.exeIno();
            case EXECTIME -> proc == null ? 0 : proc.exeCtime();
            case EXEMTIME -> proc == null ? 0 : proc.exeMtime();
            case STATUS -> r.exitCode();
            case EXITRET -> (r.exitCode() >> 8) & 0xff;
            case SIG -> r.exitCode() & 0x7f;
            case CORE -> (r.exitCode() & 0x80) != 0 ? 1 : 0;
            case CHILD -> r.childPid();
            default -> 0;
        };
        return switch (p.kind()) {
            case FD, PID, SIG -> (int) v;
            case UID, GID, MODE -> v & 0xffffffffL;
            // the driver adds O_F_CREATED to an open's flags when the kernel created the file (FMODE_CREATED)
            case FLAGS, ENUM -> p.table().fromKernel.applyAsLong(v & 0xffffffffL)
                    | (p.src() == EventParams.Src.OFLAGS && Extractors.created(e) ? Flags.PPM_O_F_CREATED : 0);
            default -> v;
        };
    }

    static long vtid(LiveEvent e) {
        ProcessInfo p = e.proc;
        int tid = e.rec.tid();
        if (p == null) {
            return tid;
        }
        int vpid = e.state.vpid(p);
        if (tid == p.pid()) {
            return vpid;
        }
        return vpid == p.pid() ? tid : -1;
    }

    static long exeFlags(ProcessInfo p) {
        if (p == null) {
            return 0;
        }
        long f = 0;
        if (p.isExeWritable()) {
            f |= 1;
        }
        if (p.isExeUpperLayer()) {
            f |= 2;
        }
        if (p.isExeFromMemfd()) {
            f |= 4;
        }
        if (p.isExeLowerLayer()) {
            f |= 8;
        }
        return f;
    }

    /** The string value of a string parameter. */
    static String str(LiveEvent e, Param p) {
        RawRecord r = e.rec;
        ProcessInfo proc = e.proc;
        return switch (p.src()) {
            case PATH1 -> r.path();
            case PATH2, FILENAME -> r.filename();
            case EXE -> proc == null ? "" : proc.exe();
            case ARGS -> proc == null ? "" : String.join(".", proc.args());
            case CWD -> {
                String c = proc == null ? null : e.state.cwd(proc);
                yield c == null ? "" : c;
            }
            case COMM -> proc == null ? r.comm() : proc.comm();
            case EXEPATH -> proc == null ? "" : proc.exepath();
            case ADDR -> sockaddr(r);
            case TUPLE -> tuple(e);
            case IO -> r.kind() == RawRecord.Kind.GENERIC ? Printable.of(r.ioBytes(), r.ioLength()) : "";
            default -> "";
        };
    }


    private static String sockaddr(RawRecord r) {
        if (r.kind() != RawRecord.Kind.CONNECT && (r.kind() != RawRecord.Kind.ENDPOINT || !r.hasAddress())) {
            return ""; // a GENERIC bind (older capture files) carries no address
        }
        if (r.family() == 1) {
            return r.unixPath();
        }
        IpAddress a = Ip.of(r.address());
        return a == null ? "" : Ip.format(a) + ":" + r.port();
    }

    private static String tuple(LiveEvent e) {
        FdInfo f = e.sock();
        if (f == null) {
            return "";
        }
        return f.type().isIp() || f.type() == FdType.UNIX ? f.name() : "";
    }

    /** The raw rendering. */
    static String raw(LiveEvent e, Param p) {
        if (isString(p)) {
            return str(e, p);
        }
        long v = num(e, p);
        return switch (p.kind()) {
            case OCT -> v == 0 ? "0" : "0" + Long.toOctalString(v);
            case MODE -> v == 0 ? "0" : "0" + Long.toOctalString(v);
            case HEX -> Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
            case UID, GID -> v == 0xffffffffL ? "-1" : Long.toString(v);
            default -> Long.toString(v);
        };
    }

    /** The resolved rendering, or "" when the type has none. */
    static String resolved(LiveEvent e, Param p) {
        switch (p.kind()) {
            case ERRNO -> {
                long v = num(e, p);
                String n = v < 0 ? Errno.name(-v) : null;
                return n == null ? "" : n;
            }
            case FD -> {
                return fd(e, num(e, p));
            }
            case PID -> {
                ProcessInfo t = e.state.process((int) num(e, p));
                return t == null ? "" : t.comm();
            }
            case PATH -> {
                String s = str(e, p);
                if (s == null || s.isEmpty() || s.equals("<NA>") || e.proc == null) {
                    return "";
                }
                String abs = e.state.absolutePath(e.proc, AT_FDCWD, s);
                return abs == null ? "" : abs;
            }
            case REL -> {
                String s = str(e, p);
                if (s == null || s.isEmpty() || e.proc == null) {
                    return "";
                }
                int dirfd = p.dirParam() >= 0 ? (int) num(e, e.spec.params()[p.dirParam()]) : AT_FDCWD;
                String abs = e.state.absolutePath(e.proc, dirfd, s);
                return abs == null ? "" : abs;
            }
            case FLAGS, ENUM, MODE -> {
                return p.table().render(num(e, p));
            }
            case UID -> {
                long v = num(e, p);
                if (v == 0xffffffffL) {
                    return "<NONE>";
                }
                String n = e.proc == null ? null : e.state.userNameOf(e.proc, (int) v);
                return n == null ? "<NA>" : n;
            }
            case GID -> {
                long v = num(e, p);
                if (v == 0xffffffffL) {
                    return "<NONE>";
                }
                String n = e.proc == null ? null : e.state.groupNameOf(e.proc, (int) v);
                return n == null ? "<NA>" : n;
            }
            case SIG -> {
                String n = Flags.signal(num(e, p));
                return n == null ? "" : n;
            }
            default -> {
                return "";
            }
        }
    }

    private static String fd(LiveEvent e, long fd) {
        if (fd == AT_FDCWD) {
            return "AT_FDCWD";
        }
        if (fd < 0) {
            String n = Errno.name(-fd);
            return n == null ? "" : n;
        }
        FdInfo f = e.fd != null && e.fd.num() == fd ? e.fd : e.proc == null ? null : e.proc.fd((int) fd);
        if (f == null) {
            return "";
        }
        if (f.type().isIp() && f.isUnresolved() && e.proc != null) {
            e.state.resolveSocket(e.proc, f);
        }
        String proto = "";
        if (f.type().isIp() && f.l4proto() != null) {
            proto = switch (f.l4proto()) {
                case "tcp" -> "t";
                case "udp" -> "u";
                case "icmp" -> "i";
                case "raw" -> "r";
                default -> "";
            };
        }
        return "<" + f.type().typechar() + proto + ">" + f.name();
    }

    /** {@code evt.arg.X}: the resolved form when there is one, else the raw form. */
    static String arg(LiveEvent e, Param p) {
        String r = resolved(e, p);
        return r.isEmpty() ? raw(e, p) : r;
    }

    /** {@code evt.rawarg.X}: numbers as Long, strings as String. */
    static Object typed(LiveEvent e, Param p) {
        return isString(p) ? str(e, p) : Long.valueOf(num(e, p));
    }

    /** {@code evt.args}: every parameter as {@code name=raw} or {@code name=raw(resolved)}, each followed by a space. */
    static String args(LiveEvent e) {
        EventParams.Spec s = e.spec;
        if (s == null || !EventParams.known(e.typeName)) {
            return "";
        }
        StringBuilder sb = new StringBuilder(128);
        for (Param p : s.params()) {
            String raw = raw(e, p);
            String res = resolved(e, p);
            sb.append(p.name()).append('=').append(raw);
            if (!res.isEmpty() && !res.equals(raw)) {
                sb.append('(').append(res).append(')');
            }
            sb.append(' ');
        }
        return sb.toString();
    }

    /** The parameter named {@code name} of the current event, or null. */
    static Param param(LiveEvent e, String name) {
        int i = e.spec.indexOf(name);
        return i < 0 ? null : e.spec.params()[i];
    }
}
