package dev.vigil.capture.ebpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into the system's {@code libbpf.so.1} (Debian package {@code libbpf1}) and the few libc
 * functions the ring reader needs, through the FFM API. No JNI, no helper process.
 *
 * <p>libbpf 1.x conventions: functions returning {@code int} return {@code -errno} on failure; functions
 * returning a pointer return NULL and set {@code errno}, which is captured here with
 * {@link Linker.Option#captureCallState}. Every method that can fail with NULL therefore takes a
 * {@code state} segment allocated with {@link #newCallState}; {@link #errno} reads it.
 *
 * <p>libbpf's diagnostics (including the kernel verifier log of a rejected program) go through
 * {@code libbpf_set_print} to the {@link System.Logger} {@code dev.vigil.capture.ebpf.libbpf}; a loading
 * thread can additionally collect them with {@link #startCapture()} / {@link #stopCapture()}.
 *
 * <p>If the library cannot be found the class still initialises; {@link #loadFailure()} says why and every
 * downcall throws {@link IllegalStateException}.
 */
@SuppressWarnings("restricted") // FFM: run with --enable-native-access=ALL-UNNAMED
final class Libbpf {
    static final String LIBRARY = "libbpf.so.1";

    // libbpf_print_level
    static final int LIBBPF_WARN = 0;
    static final int LIBBPF_INFO = 1;
    static final int LIBBPF_DEBUG = 2;

    // mmap / epoll constants (x86-64 Linux)
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLLIN = 1;
    static final int EINTR = 4;
    /** struct epoll_event is packed on x86-64: u32 events, u64 data. */
    static final long EPOLL_EVENT_SIZE = 12;

    private static final System.Logger LOG = System.getLogger("dev.vigil.capture.ebpf.libbpf");
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final String LOAD_FAILURE;

    // libbpf
    private static final MethodHandle SET_PRINT;
    private static final MethodHandle OBJECT_OPEN_MEM;
    private static final MethodHandle OBJECT_FIND_MAP;
    private static final MethodHandle OBJECT_FIND_PROGRAM;
    private static final MethodHandle OBJECT_LOAD;
    private static final MethodHandle OBJECT_CLOSE;
    private static final MethodHandle MAP_SET_MAX_ENTRIES;
    private static final MethodHandle MAP_FD;
    private static final MethodHandle PROGRAM_SET_AUTOLOAD;
    private static final MethodHandle PROGRAM_ATTACH;
    private static final MethodHandle LINK_DESTROY;
    private static final MethodHandle MAP_UPDATE_ELEM;
    private static final MethodHandle MAP_LOOKUP_ELEM;
    private static final MethodHandle NUM_POSSIBLE_CPUS;
    private static final MethodHandle STRERROR;
    // libc
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle EPOLL_CREATE1;
    private static final MethodHandle EPOLL_CTL;
    private static final MethodHandle EPOLL_WAIT;
    private static final MethodHandle CLOSE;
    private static final MethodHandle VSNPRINTF;
    private static final MethodHandle GETPAGESIZE;

    static {
        String failure = null;
        SymbolLookup bpf = null;
        try {
            bpf = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            failure = LIBRARY + " cannot be loaded (" + e.getMessage() + ")";
        }
        SymbolLookup libc = LINKER.defaultLookup();
        MethodHandle[] h = new MethodHandle[23];
        if (bpf != null) {
            try {
                h[0] = down(bpf, "libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));
                h[1] = down(bpf, "bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), ERRNO_OPT);
                h[2] = down(bpf, "bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
                h[3] = down(bpf, "bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
                h[4] = down(bpf, "bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[5] = down(bpf, "bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
                h[6] = down(bpf, "bpf_map__set_max_entries", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
                h[7] = down(bpf, "bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[8] = down(bpf, "bpf_program__set_autoload", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BOOLEAN));
                h[9] = down(bpf, "bpf_program__attach", FunctionDescriptor.of(ADDRESS, ADDRESS), ERRNO_OPT);
                h[10] = down(bpf, "bpf_link__destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[11] = down(bpf, "bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
                h[12] = down(bpf, "bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
                h[13] = down(bpf, "libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT));
                h[14] = down(bpf, "libbpf_strerror", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
                h[15] = down(libc, "mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO_OPT);
                h[16] = down(libc, "munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                h[17] = down(libc, "epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
                h[18] = down(libc, "epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), ERRNO_OPT);
                h[19] = down(libc, "epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO_OPT);
                h[20] = down(libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                h[21] = down(libc, "vsnprintf", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
                h[22] = down(libc, "getpagesize", FunctionDescriptor.of(JAVA_INT));
            } catch (RuntimeException e) {
                failure = LIBRARY + " lacks a needed function (" + e.getMessage() + "); libbpf 1.1 or newer is required";
                h = new MethodHandle[h.length];
            }
        }
        LOAD_FAILURE = failure;
        SET_PRINT = h[0];
        OBJECT_OPEN_MEM = h[1];
        OBJECT_FIND_MAP = h[2];
        OBJECT_FIND_PROGRAM = h[3];
        OBJECT_LOAD = h[4];
        OBJECT_CLOSE = h[5];
        MAP_SET_MAX_ENTRIES = h[6];
        MAP_FD = h[7];
        PROGRAM_SET_AUTOLOAD = h[8];
        PROGRAM_ATTACH = h[9];
        LINK_DESTROY = h[10];
        MAP_UPDATE_ELEM = h[11];
        MAP_LOOKUP_ELEM = h[12];
        NUM_POSSIBLE_CPUS = h[13];
        STRERROR = h[14];
        MMAP = h[15];
        MUNMAP = h[16];
        EPOLL_CREATE1 = h[17];
        EPOLL_CTL = h[18];
        EPOLL_WAIT = h[19];
        CLOSE = h[20];
        VSNPRINTF = h[21];
        GETPAGESIZE = h[22];
    }

    private Libbpf() {
    }

    private static MethodHandle down(SymbolLookup lookup, String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " not found"));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** Why libbpf cannot be used, or null when it loaded. */
    static String loadFailure() {
        return LOAD_FAILURE;
    }

    private static void require() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException(LOAD_FAILURE);
        }
    }

    /** Downcalls never throw checked exceptions; this turns the signature's {@code Throwable} into an Error. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ------------------------------------------------------------------ errno

    static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** libbpf's text for an error number (positive or negative; libbpf's own codes included). */
    static String strerror(int err) {
        int e = Math.abs(err);
        if (LOAD_FAILURE == null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(256);
                int rc = (int) STRERROR.invokeExact(e, buf, 256L);
                if (rc == 0) {
                    return buf.getString(0) + " (errno " + e + ")";
                }
            } catch (Throwable t) {
                // fall through to the number
            }
        }
        return "errno " + e;
    }

    // ------------------------------------------------------------------ logging

    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    private static volatile boolean printInstalled;

    /**
     * Routes libbpf's output to the logger (idempotent). The upcall stub lives in the global arena,
     * because libbpf keeps the pointer for the life of the process.
     */
    static synchronized void installPrint() {
        require();
        if (printInstalled) {
            return;
        }
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(Libbpf.class, "onPrint",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
                    Arena.global());
            MemorySegment previous = (MemorySegment) SET_PRINT.invokeExact(stub);
            LOG.log(System.Logger.Level.TRACE, () -> "libbpf print callback installed, replacing " + previous);
            printInstalled = true;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Starts collecting libbpf warnings and info messages printed on this thread. */
    static void startCapture() {
        CAPTURE.set(new StringBuilder());
    }

    /** Stops collecting and returns what was printed since {@link #startCapture()}. */
    static String stopCapture() {
        StringBuilder sb = CAPTURE.get();
        CAPTURE.remove();
        return sb == null ? "" : sb.toString();
    }

    /**
     * The libbpf print callback. It runs on whichever thread called into libbpf, must not throw (an
     * exception escaping an upcall ends the JVM) and declares no checked exceptions.
     */
    private static int onPrint(int level, MemorySegment format, MemorySegment vaList) {
        try {
            System.Logger.Level jl = switch (level) {
                case LIBBPF_WARN -> System.Logger.Level.WARNING;
                case LIBBPF_INFO -> System.Logger.Level.DEBUG;
                default -> System.Logger.Level.TRACE;
            };
            StringBuilder capture = CAPTURE.get();
            boolean keep = capture != null && level <= LIBBPF_INFO;
            if (!keep && !LOG.isLoggable(jl)) {
                return 0;
            }
            // The va_list can be consumed once, so size the buffer generously up front: warnings carry
            // the whole verifier log.
            long size = level == LIBBPF_WARN ? 1 << 20 : 8 << 10;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(size);
                int n = (int) VSNPRINTF.invokeExact(buf, size, format, vaList);
                if (n < 0) {
                    return 0;
                }
                String text = buf.getString(0, StandardCharsets.UTF_8);
                if (n >= size) {
                    text += "... (truncated)\n";
                }
                if (keep) {
                    capture.append(text);
                }
                if (LOG.isLoggable(jl)) {
                    LOG.log(jl, text.stripTrailing());
                }
                return n;
            }
        } catch (Throwable t) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ libbpf objects

    static MemorySegment objectOpenMem(MemorySegment buf, MemorySegment opts, MemorySegment state) {
        require();
        try {
            return (MemorySegment) OBJECT_OPEN_MEM.invokeExact(state, buf, buf.byteSize(), opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment findMap(MemorySegment obj, MemorySegment name) {
        try {
            return (MemorySegment) OBJECT_FIND_MAP.invokeExact(obj, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment findProgram(MemorySegment obj, MemorySegment name) {
        try {
            return (MemorySegment) OBJECT_FIND_PROGRAM.invokeExact(obj, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int objectLoad(MemorySegment obj) {
        try {
            return (int) OBJECT_LOAD.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void objectClose(MemorySegment obj) {
        try {
            OBJECT_CLOSE.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapSetMaxEntries(MemorySegment map, int entries) {
        try {
            return (int) MAP_SET_MAX_ENTRIES.invokeExact(map, entries);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapFd(MemorySegment map) {
        try {
            return (int) MAP_FD.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int programSetAutoload(MemorySegment prog, boolean autoload) {
        try {
            return (int) PROGRAM_SET_AUTOLOAD.invokeExact(prog, autoload);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment programAttach(MemorySegment prog, MemorySegment state) {
        try {
            return (MemorySegment) PROGRAM_ATTACH.invokeExact(state, prog);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int linkDestroy(MemorySegment link) {
        try {
            return (int) LINK_DESTROY.invokeExact(link);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapUpdateElem(int fd, MemorySegment key, MemorySegment value, long flags) {
        try {
            return (int) MAP_UPDATE_ELEM.invokeExact(fd, key, value, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapLookupElem(int fd, MemorySegment key, MemorySegment value) {
        try {
            return (int) MAP_LOOKUP_ELEM.invokeExact(fd, key, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int numPossibleCpus() {
        require();
        try {
            return (int) NUM_POSSIBLE_CPUS.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ libc

    static int pageSize() {
        require();
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mmap; returns {@link MemorySegment#NULL} on failure (errno in state). */
    static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, MemorySegment state) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            return p.address() == -1L ? MemorySegment.NULL : p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int munmap(MemorySegment addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(addr, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCreate1(int flags, MemorySegment state) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(state, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollCtl(int epfd, int op, int fd, MemorySegment event, MemorySegment state) {
        try {
            return (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis, MemorySegment state) {
        try {
            return (int) EPOLL_WAIT.invokeExact(state, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

}
