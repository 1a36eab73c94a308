package dev.vigil.capture.ebpf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Vigil eBPF probe, loaded into the running kernel through libbpf, and the reader of its ring buffer.
 *
 * <p>Lifecycle: {@link #preflight()} says whether this host can run the probe at all; {@link #open} loads
 * and attaches it (nothing is selected yet, so nothing is recorded); {@link #select} switches syscalls and
 * the exec/exit/fork tracepoints on in the kernel; {@link #poll} delivers records; {@link #close} detaches
 * everything.
 *
 * <p>The reader maps the ring buffer into this process (consumer page read-write, producer page plus the
 * data area mapped twice so a record that wraps around the end is still contiguous) and walks it with
 * acquire/release accesses, exactly like libbpf's own consumer, so there is no native upcall per record.
 * The probe runs in "timed" wakeup mode: the kernel does not wake the reader per record (that would cost
 * about 1.4 µs of kernel time each) but only when a quarter of the ring is waiting; otherwise {@link #poll}
 * sleeps for its timeout. Poll every 5 to 10 ms for millisecond latency.
 *
 * <p>Threads: {@link #poll} must not run on two threads at once; {@link #select} and {@link #stats} may be
 * called from any thread at any time; {@link #close} waits for a running poll to return. The blocking
 * wait inside poll is a native call, so a virtual thread running poll pins its carrier: use a platform
 * thread for the reader.
 */
@SuppressWarnings("restricted") // FFM: run with --enable-native-access=ALL-UNNAMED
public final class Probe implements AutoCloseable {
    /**
     * Whether this host can run the probe.
     *
     * @param failures one entry per missing prerequisite, each saying what failed and how to fix it
     * @param ok       true when {@code failures} is empty
     */
    public record Preflight(List<String> failures, boolean ok) {
        public Preflight {
            failures = List.copyOf(failures);
        }
    }

    /**
     * Kernel-side counters, summed over CPUs since the probe was loaded.
     *
     * @param events     records written to the ring buffer
     * @param drops      records lost because the ring buffer was full (the reader fell behind)
     * @param readErrors fields the probe could not read from user or kernel memory (left empty in the record)
     */
    public record Stats(long events, long drops, long readErrors) {
    }

    /** The classpath resource holding the compiled probe (built by the vigil-probe module). */
    public static final String RESOURCE = "dev/vigil/probe/probe.bpf.o";

    private static final System.Logger LOG = System.getLogger(Probe.class.getName());
    private static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;

    /** tp_btf programs; each has a raw_tp twin named {@code <name>_raw}. */
    private static final List<String> PROGRAMS = List.of("vg_sys_exit", "vg_proc_exec", "vg_proc_exit", "vg_proc_fork");
    private static final String RAW_SUFFIX = "_raw";

    private static final int RINGBUF_BUSY = 1 << 31;
    private static final int RINGBUF_DISCARD = 1 << 30;
    private static final int RINGBUF_HDR = 8;
    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** How the programs are attached. */
    enum Attachment {
        TP_BTF, RAW_TP
    }

    private final Arena arena;
    private final Loaded loaded;
    private final long ringSize;
    private final long ringMask;
    private final long pageSize;
    private final MemorySegment consumerPage;
    private final MemorySegment producerPages;
    private final int epollFd;
    private final MemorySegment epollEvents;
    private final MemorySegment pollCallState;
    private final int possibleCpus;

    private final RecordDecoder decoder = new RecordDecoder();
    private final RawRecord record = new RawRecord();
    private long consumerPos;
    private long decodeErrors;

    private final Object mapLock = new Object();
    private final MemorySegment mapKey;
    private final MemorySegment mapValue;
    private final MemorySegment statsValue;
    private final boolean[] selected = new boolean[RecordLayout.SEL_ENTRIES];
    private boolean selectionWritten;

    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final ReentrantLock pollLock = new ReentrantLock();
    private boolean closed;

    // ------------------------------------------------------------------ preflight

    /**
     * Checks, in order: libbpf.so.1 loads, the kernel exposes BTF, this process has the capabilities to load
     * tracing programs, and the compiled probe is on the classpath. Never throws.
     */
    public static Preflight preflight() {
        List<String> failures = new ArrayList<>();
        String lib = Libbpf.loadFailure();
        if (lib != null) {
            failures.add(lib + "; fix: apt-get install libbpf1 (libbpf 1.1 or newer)");
        }
        if (!Files.isReadable(BTF)) {
            failures.add(BTF + " is missing: the kernel publishes no BTF type information, which CO-RE and tp_btf need;"
                    + " fix: run a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian 11+, Ubuntu 20.10+, RHEL 8.2+ ship one)");
        }
        String caps = capabilityProblem();
        if (caps != null) {
            failures.add(caps);
        }
        if (Probe.class.getClassLoader().getResource(RESOURCE) == null) {
            failures.add("the probe resource " + RESOURCE + " is not on the classpath; fix: build the vigil-probe module"
                    + " (it needs clang, llvm, bpftool and libbpf-dev: ./setup.sh --deps-only) and put its jar on the classpath");
        }
        return new Preflight(failures, failures.isEmpty());
    }

    private static String capabilityProblem() {
        String capEff = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    capEff = line.substring("CapEff:".length()).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "cannot read the effective capabilities from /proc/self/status (" + e + "); fix: run on Linux with /proc mounted";
        }
        if (capEff == null) {
            return "no CapEff line in /proc/self/status; fix: run on Linux with /proc mounted";
        }
        try {
            return capabilityProblem(Long.parseUnsignedLong(capEff, 16));
        } catch (NumberFormatException e) {
            return "unreadable CapEff '" + capEff + "' in /proc/self/status; fix: run on Linux with /proc mounted";
        }
    }

    /** Null when the effective capability set {@code mask} can load the probe, else what is missing and the fix. */
    static String capabilityProblem(long mask) {
        String capEff = Long.toHexString(mask);
        boolean admin = (mask & (1L << CAP_SYS_ADMIN)) != 0;
        boolean bpfPerfmon = (mask & (1L << CAP_BPF)) != 0 && (mask & (1L << CAP_PERFMON)) != 0;
        if (admin || bpfPerfmon) {
            return null;
        }
        return "missing capabilities: the effective set (CapEff 0x" + capEff + ") has neither CAP_BPF+CAP_PERFMON nor"
                + " CAP_SYS_ADMIN, so the kernel refuses to load tracing programs; fix: run as root, or grant CAP_BPF and"
                + " CAP_PERFMON (setcap cap_bpf,cap_perfmon+ep on the java binary, or in Kubernetes"
                + " securityContext.capabilities.add: [BPF, PERFMON])";
    }

    // ------------------------------------------------------------------ open

    /**
     * Loads and attaches the probe. tp_btf programs are tried first; if the kernel rejects them, the raw_tp
     * twins compiled into the same object are used instead. Nothing is selected afterwards.
     *
     * @throws ProbeException when a prerequisite is missing (the message lists {@link #preflight()}'s
     *                        failures) or libbpf fails to open, load or attach the probe (the message names
     *                        the step and libbpf's error; {@link ProbeException#libbpfLog()} has the verifier log)
     */
    public static Probe open(ProbeConfig cfg) throws ProbeException {
        return open(cfg, false);
    }

    /** {@code rawTracepointsOnly} skips the tp_btf attempt (tests cover the fallback programs with it). */
    static Probe open(ProbeConfig cfg, boolean rawTracepointsOnly) throws ProbeException {
        return open(cfg, rawTracepointsOnly, null);
    }

    /** {@code image}: another compiled object to load instead of the resource (tests), or null. */
    static Probe open(ProbeConfig cfg, boolean rawTracepointsOnly, byte[] image) throws ProbeException {
        Objects.requireNonNull(cfg, "cfg");
        Preflight preflight = preflight();
        if (!preflight.ok()) {
            throw new ProbeException("eBPF syscall capture is unavailable on this host:\n  - "
                    + String.join("\n  - ", preflight.failures()), "");
        }
        if (image == null) {
            image = readResource();
        }
        Libbpf.installPrint();
        long started = System.nanoTime();
        Arena arena = Arena.ofShared();
        Loaded loaded = null;
        try {
            MemorySegment imageSegment = arena.allocateFrom(ValueLayout.JAVA_BYTE, image);
            ProbeException btfFailure = null;
            if (!rawTracepointsOnly) {
                try {
                    loaded = Loaded.load(arena, imageSegment, cfg, Attachment.TP_BTF);
                } catch (ProbeException e) {
                    btfFailure = e;
                    LOG.log(System.Logger.Level.WARNING, "tp_btf programs failed, falling back to raw_tp: "
                            + e.getMessage().lines().findFirst().orElse(""));
                }
            }
            if (loaded == null) {
                try {
                    loaded = Loaded.load(arena, imageSegment, cfg, Attachment.RAW_TP);
                } catch (ProbeException e) {
                    if (btfFailure == null) {
                        throw e;
                    }
                    throw new ProbeException("the probe failed both as tp_btf and as raw_tp programs.\ntp_btf: "
                            + btfFailure.getMessage() + "\nraw_tp: " + e.getMessage(), btfFailure.libbpfLog() + e.libbpfLog());
                }
            }
            Probe probe = new Probe(arena, loaded, cfg);
            LOG.log(System.Logger.Level.INFO, () -> String.format("eBPF probe attached (%s, ring %d KiB, ignoring tgid %d) in %d ms",
                    probe.loaded.attachment == Attachment.TP_BTF ? "tp_btf" : "raw_tp", cfg.ringBufferBytes() >> 10,
                    cfg.ignoreTgid(), (System.nanoTime() - started) / 1_000_000));
            return probe;
        } catch (ProbeException | RuntimeException | Error e) {
            if (loaded != null) {
                loaded.destroy();
            }
            arena.close();
            throw e;
        }
    }

    private static byte[] readResource() throws ProbeException {
        try (InputStream in = Probe.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new ProbeException("the probe resource " + RESOURCE + " is not on the classpath", "");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ProbeException("cannot read " + RESOURCE + ": " + e, "");
        }
    }

    /** The libbpf object with its programs loaded and attached. */
    private record Loaded(MemorySegment object, List<MemorySegment> links, Attachment attachment,
                          int ringFd, int selectedFd, int cfgFd, int statsFd) {

        static Loaded load(Arena arena, MemorySegment image, ProbeConfig cfg, Attachment mode) throws ProbeException {
            MemorySegment state = Libbpf.newCallState(arena);
            // struct bpf_object_open_opts, only as far as object_name: { size_t sz; const char *object_name; }
            MemorySegment opts = arena.allocate(16, 8);
            opts.set(JAVA_LONG, 0, 16);
            opts.set(ADDRESS, 8, arena.allocateFrom("vigil_probe"));
            Libbpf.startCapture();
            MemorySegment object = Libbpf.objectOpenMem(image, opts, state);
            if (object.address() == 0) {
                int errno = Libbpf.errno(state);
                throw new ProbeException("bpf_object__open_mem failed: " + Libbpf.strerror(errno), Libbpf.stopCapture());
            }
            List<MemorySegment> links = new ArrayList<>();
            try {
                List<MemorySegment> active = new ArrayList<>();
                for (String name : PROGRAMS) {
                    MemorySegment btf = program(arena, object, name);
                    MemorySegment raw = program(arena, object, name + RAW_SUFFIX);
                    check(Libbpf.programSetAutoload(btf, mode == Attachment.TP_BTF), "bpf_program__set_autoload(" + name + ")");
                    check(Libbpf.programSetAutoload(raw, mode == Attachment.RAW_TP), "bpf_program__set_autoload(" + name + RAW_SUFFIX + ")");
                    active.add(mode == Attachment.TP_BTF ? btf : raw);
                }
                MemorySegment ring = map(arena, object, "vg_events");
                check(Libbpf.mapSetMaxEntries(ring, (int) cfg.ringBufferBytes()), "bpf_map__set_max_entries(vg_events, "
                        + cfg.ringBufferBytes() + ")");

                int err = Libbpf.objectLoad(object);
                if (err != 0) {
                    throw new ProbeException("bpf_object__load (" + mode.name().toLowerCase(java.util.Locale.ROOT) + " programs) failed: "
                            + Libbpf.strerror(err), "");
                }
                for (int i = 0; i < active.size(); i++) {
                    MemorySegment link = Libbpf.programAttach(active.get(i), state);
                    if (link.address() == 0) {
                        String name = PROGRAMS.get(i) + (mode == Attachment.RAW_TP ? RAW_SUFFIX : "");
                        throw new ProbeException("bpf_program__attach(" + name + ") failed: "
                                + Libbpf.strerror(Libbpf.errno(state)), "");
                    }
                    links.add(link);
                }
                Loaded loaded = new Loaded(object, List.copyOf(links), mode, Libbpf.mapFd(ring),
                        Libbpf.mapFd(map(arena, object, "vg_selected")), Libbpf.mapFd(map(arena, object, "vg_cfg")),
                        Libbpf.mapFd(map(arena, object, "vg_stats")));
                String log = Libbpf.stopCapture();
                LOG.log(System.Logger.Level.DEBUG, () -> "libbpf while loading: " + log);
                return loaded;
            } catch (ProbeException e) {
                String log = Libbpf.stopCapture();
                new Loaded(object, links, mode, -1, -1, -1, -1).destroy();
                throw new ProbeException(e.getMessage(), log);
            } catch (RuntimeException | Error e) {
                Libbpf.stopCapture();
                new Loaded(object, links, mode, -1, -1, -1, -1).destroy();
                throw e;
            }
        }

        private static MemorySegment program(Arena arena, MemorySegment object, String name) throws ProbeException {
            MemorySegment p = Libbpf.findProgram(object, arena.allocateFrom(name));
            if (p.address() == 0) {
                throw new ProbeException("program " + name + " is missing from " + RESOURCE + " (stale build?)", "");
            }
            return p;
        }

        private static MemorySegment map(Arena arena, MemorySegment object, String name) throws ProbeException {
            MemorySegment m = Libbpf.findMap(object, arena.allocateFrom(name));
            if (m.address() == 0) {
                throw new ProbeException("map " + name + " is missing from " + RESOURCE + " (stale build?)", "");
            }
            return m;
        }

        private static void check(int rc, String what) throws ProbeException {
            if (rc != 0) {
                throw new ProbeException(what + " failed: " + Libbpf.strerror(rc), "");
            }
        }

        void destroy() {
            for (MemorySegment link : links) {
                Libbpf.linkDestroy(link);
            }
            Libbpf.objectClose(object);
        }
    }

    private Probe(Arena arena, Loaded loaded, ProbeConfig cfg) throws ProbeException {
        this.arena = arena;
        this.loaded = loaded;
        this.ringSize = cfg.ringBufferBytes();
        this.ringMask = ringSize - 1;
        this.pageSize = Libbpf.pageSize();
        this.possibleCpus = Libbpf.numPossibleCpus();
        if (possibleCpus <= 0) {
            throw new ProbeException("libbpf_num_possible_cpus failed: " + Libbpf.strerror(possibleCpus), "");
        }
        this.mapKey = arena.allocate(JAVA_INT);
        this.mapValue = arena.allocate(RecordLayout.SETTINGS_SIZE, 8);
        this.statsValue = arena.allocate((long) possibleCpus * RecordLayout.STATS_SIZE, 8);
        this.pollCallState = Libbpf.newCallState(arena);
        MemorySegment state = Libbpf.newCallState(arena);

        // settings first, so the ignored tgid is in place before anything is selected
        mapKey.set(JAVA_INT, 0, 0);
        mapValue.set(JAVA_INT, RecordLayout.SETTINGS_IGNORE_TGID, cfg.ignoreTgid());
        mapValue.set(JAVA_INT, RecordLayout.SETTINGS_WAKEUP_MODE, RecordLayout.WAKE_TIMED);
        mapValue.set(JAVA_LONG, RecordLayout.SETTINGS_WAKEUP_BYTES, ringSize / 4);
        int rc = Libbpf.mapUpdateElem(loaded.cfgFd, mapKey, mapValue, 0);
        if (rc != 0) {
            throw new ProbeException("writing the vg_cfg map failed: " + Libbpf.strerror(rc), "");
        }

        MemorySegment consumer = Libbpf.mmap(pageSize, Libbpf.PROT_READ | Libbpf.PROT_WRITE, Libbpf.MAP_SHARED,
                loaded.ringFd, 0, state);
        if (consumer.address() == 0) {
            throw new ProbeException("mmap of the ring buffer's consumer page failed: " + Libbpf.strerror(Libbpf.errno(state)), "");
        }
        this.consumerPage = consumer.reinterpret(pageSize);
        MemorySegment producer = Libbpf.mmap(pageSize + 2 * ringSize, Libbpf.PROT_READ, Libbpf.MAP_SHARED,
                loaded.ringFd, pageSize, state);
        if (producer.address() == 0) {
            int errno = Libbpf.errno(state);
            Libbpf.munmap(consumerPage, pageSize);
            throw new ProbeException("mmap of the ring buffer's data pages failed: " + Libbpf.strerror(errno), "");
        }
        this.producerPages = producer.reinterpret(pageSize + 2 * ringSize);

        int ep = Libbpf.epollCreate1(Libbpf.EPOLL_CLOEXEC, state);
        if (ep < 0) {
            int errno = Libbpf.errno(state);
            unmap();
            throw new ProbeException("epoll_create1 failed: " + Libbpf.strerror(errno), "");
        }
        this.epollFd = ep;
        this.epollEvents = arena.allocate(Libbpf.EPOLL_EVENT_SIZE * 4, 8);
        MemorySegment event = arena.allocate(Libbpf.EPOLL_EVENT_SIZE, 8);
        event.set(JAVA_INT, 0, Libbpf.EPOLLIN);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, loaded.ringFd);
        if (Libbpf.epollCtl(epollFd, Libbpf.EPOLL_CTL_ADD, loaded.ringFd, event, state) != 0) {
            int errno = Libbpf.errno(state);
            unmap();
            Libbpf.close(epollFd);
            throw new ProbeException("epoll_ctl on the ring buffer failed: " + Libbpf.strerror(errno), "");
        }
        this.consumerPos = (long) LONG.getAcquire(consumerPage, 0L);
    }

    // ------------------------------------------------------------------ selection

    /**
     * Sets what the kernel records, replacing the previous selection. Syscalls not selected never leave the
     * kernel. Safe to call at any time, from any thread, while poll runs (rule reloads): each entry switches
     * independently, so for a moment a mix of the old and new selection may be recorded.
     *
     * @param syscallNumbers x86-64 syscall numbers (see {@link Syscalls}), each 0..511; open, openat, openat2
     *                       and creat give OPEN records, connect gives CONNECT, accept, accept4, bind,
     *                       sendto and sendmsg give ENDPOINT, execve/execveat give EXEC_FAIL when they fail,
     *                       every other number gives GENERIC records
     * @param exec           EXEC records for every successful exec, and EXEC_FAIL for failed ones
     * @param exit           EXIT records when a process (thread-group leader) exits
     * @param fork           FORK records for every new process and thread
     */
    public void select(Set<Integer> syscallNumbers, boolean exec, boolean exit, boolean fork) {
        Objects.requireNonNull(syscallNumbers, "syscallNumbers");
        boolean[] want = new boolean[RecordLayout.SEL_ENTRIES];
        Set<Integer> bad = new TreeSet<>();
        for (Integer nr : syscallNumbers) {
            if (nr == null || nr < 0 || nr >= RecordLayout.NR_SYSCALLS) {
                bad.add(nr == null ? -1 : nr);
            } else {
                want[nr] = true;
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("syscall numbers must be 0.." + (RecordLayout.NR_SYSCALLS - 1) + ": " + bad);
        }
        want[RecordLayout.SEL_EXEC] = exec;
        want[RecordLayout.SEL_EXIT] = exit;
        want[RecordLayout.SEL_FORK] = fork;

        lifecycle.readLock().lock();
        try {
            ensureOpen();
            synchronized (mapLock) {
                for (int i = 0; i < want.length; i++) {
                    if (selectionWritten && want[i] == selected[i]) {
                        continue;
                    }
                    mapKey.set(JAVA_INT, 0, i);
                    mapValue.set(JAVA_INT, 0, want[i] ? 1 : 0);
                    int rc = Libbpf.mapUpdateElem(loaded.selectedFd, mapKey, mapValue, 0);
                    if (rc != 0) {
                        selectionWritten = false; // rewrite everything next time
                        throw new IllegalStateException("updating vg_selected[" + i + "] failed: " + Libbpf.strerror(rc));
                    }
                    selected[i] = want[i];
                }
                selectionWritten = true;
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Delivers the records waiting in the ring buffer to {@code sink}, one reused {@link RawRecord} per call
     * of {@link RecordSink#accept}. If none are waiting, waits up to {@code timeoutMillis} (the kernel
     * wakes the reader early only when the ring fills up) and delivers what arrived meanwhile.
     * A call delivers at most about one ring's worth of data, so it returns even under constant load.
     *
     * <p>If the sink throws, the exception propagates; the record it was given counts as consumed.
     *
     * @param timeoutMillis 0 to return at once, otherwise the longest wait in milliseconds
     * @return the number of records delivered
     */
    public int poll(RecordSink sink, int timeoutMillis) {
        Objects.requireNonNull(sink, "sink");
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeoutMillis must be >= 0, not " + timeoutMillis);
        }
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            if (!pollLock.tryLock()) {
                throw new IllegalStateException("poll is already running on another thread");
            }
            try {
                int n = drain(sink);
                if (n > 0 || timeoutMillis == 0) {
                    return n;
                }
                int rc = Libbpf.epollWait(epollFd, epollEvents, 4, timeoutMillis, pollCallState);
                if (rc < 0 && Libbpf.errno(pollCallState) != Libbpf.EINTR) {
                    throw new IllegalStateException("epoll_wait on the ring buffer failed: "
                            + Libbpf.strerror(Libbpf.errno(pollCallState)));
                }
                return drain(sink);
            } finally {
                pollLock.unlock();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Walks the ring from the consumer to the producer position (libbpf's protocol, done in Java). */
    private int drain(RecordSink sink) {
        int delivered = 0;
        long cons = consumerPos;
        long limit = cons + ringSize;
        while (cons < limit) {
            long prod = (long) LONG.getAcquire(producerPages, 0L);
            if (cons >= prod) {
                break;
            }
            boolean stalled = false;
            while (cons < prod && cons < limit) {
                long at = pageSize + (cons & ringMask);
                int header = (int) INT.getAcquire(producerPages, at);
                if ((header & RINGBUF_BUSY) != 0) {
                    stalled = true; // reserved but not yet submitted: everything after it waits too
                    break;
                }
                int len = header & ~(RINGBUF_BUSY | RINGBUF_DISCARD);
                boolean deliver = false;
                if ((header & RINGBUF_DISCARD) == 0) {
                    deliver = decoder.decode(producerPages, at + RINGBUF_HDR, len, record);
                    if (!deliver) {
                        decodeErrors++;
                        if (decodeErrors <= 10) {
                            LOG.log(System.Logger.Level.WARNING, "skipped an undecodable probe record: " + decoder.problem());
                        }
                    }
                }
                cons += (len + RINGBUF_HDR + 7) & ~7L;
                LONG.setRelease(consumerPage, 0L, cons);
                consumerPos = cons;
                if (deliver) {
                    delivered++;
                    sink.accept(record);
                }
            }
            if (stalled) {
                break;
            }
        }
        return delivered;
    }

    // ------------------------------------------------------------------ stats

    /** The kernel counters summed over all CPUs. */
    public Stats stats() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            synchronized (mapLock) {
                mapKey.set(JAVA_INT, 0, 0);
                int rc = Libbpf.mapLookupElem(loaded.statsFd, mapKey, statsValue);
                if (rc != 0) {
                    throw new IllegalStateException("reading vg_stats failed: " + Libbpf.strerror(rc));
                }
                long events = 0;
                long drops = 0;
                long readErrors = 0;
                for (int cpu = 0; cpu < possibleCpus; cpu++) {
                    long base = (long) cpu * RecordLayout.STATS_SIZE;
                    events += statsValue.get(JAVA_LONG, base + RecordLayout.STATS_EVENTS);
                    drops += statsValue.get(JAVA_LONG, base + RecordLayout.STATS_DROPS);
                    readErrors += statsValue.get(JAVA_LONG, base + RecordLayout.STATS_READ_ERRORS);
                }
                return new Stats(events, drops, readErrors);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Records the reader skipped because they did not decode (should stay 0; see the log). */
    public long decodeErrors() {
        return decodeErrors;
    }

    /** True when the kernel rejected the tp_btf programs and the raw_tp fallback runs. */
    public boolean usesRawTracepoints() {
        return loaded.attachment == Attachment.RAW_TP;
    }

    // ------------------------------------------------------------------ close

    /** Detaches the programs, frees the kernel objects and unmaps the ring. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.getReadHoldCount() > 0) {
            throw new IllegalStateException("close() cannot be called from inside poll(); call it after poll returns");
        }
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            unmap();
            Libbpf.close(epollFd);
            loaded.destroy();
            arena.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void unmap() {
        if (consumerPage != null) {
            Libbpf.munmap(consumerPage, pageSize);
        }
        if (producerPages != null) {
            Libbpf.munmap(producerPages, pageSize + 2 * ringSize);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the probe is closed");
        }
    }
}
