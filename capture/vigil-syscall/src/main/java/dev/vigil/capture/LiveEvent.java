package dev.vigil.capture;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.FdInfo;
import dev.vigil.capture.state.ProcessInfo;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.capture.state.WallClock;
import dev.vigil.event.Event;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldSlots;
import java.util.Arrays;
import java.util.Objects;

/**
 * The rules engine's view of one probe record: an {@link Event} of source {@code syscall} whose
 * fields are extracted on demand, with Falco's semantics, from the record and the
 * {@link SyscallState} it was applied to.
 *
 * <p>Usage, on the thread that applies records:
 * <pre>{@code
 * state.apply(record);
 * event.load(record);
 * engine.evaluate(event);
 * }</pre>
 * One instance serves the whole stream. Field slots are bound to extractors once
 * ({@link #rebind()} after new fields were interned). {@link #load} only captures the record, the
 * process and the fd the record concerns; extraction is lazy, and values that exist as objects
 * in state (names, paths, command lines) are returned without copying. Not thread-safe.
 */
public final class LiveEvent implements Event {
    private final FieldSlots slots;
    final SyscallState state;
    private final WallClock clock;
    private Extractor[] extractors = new Extractor[0];

    // the event being viewed; package-private for the extractors
    RawRecord rec;
    ProcessInfo proc;
    FdInfo fd;
    boolean fdNameChanged;
    EventParams.Spec spec;
    String typeName;
    private int typeCode = -1;
    /** False for tracepoint events (procexit), whose syscall.type is absent. */
    boolean syscallEvent;
    long num;
    long wall;
    long firstWall = -1;
    long prevWall;
    /** Increments on every load; extractors use it to memoise per event. */
    long seq;
    /** Whether the open of event {@link #createdSeq} created its file (see {@code Extractors.created}). */
    long createdSeq = -1;
    boolean createdValue;

    private final TypeNames types;

    public LiveEvent(FieldSlots slots, SyscallState state) {
        this.slots = Objects.requireNonNull(slots, "slots");
        this.state = Objects.requireNonNull(state, "state");
        this.clock = state.clock();
        this.types = new TypeNames(state);
        rebind();
    }

    /** Binds extractors to the slots interned since the last call (after a rules (re)load). */
    public void rebind() {
        int n = slots.size();
        if (n == extractors.length) {
            return;
        }
        Extractor[] a = Arrays.copyOf(extractors, n);
        FieldCatalog catalog = FieldCatalog.forSource(FieldCatalog.SYSCALL).orElseThrow();
        for (int i = extractors.length; i < n; i++) {
            a[i] = Extractors.forRef(slots.ref(i), catalog);
        }
        extractors = a;
    }

    /** Prepares the view of {@code r}; call after {@code state.apply(r)}. */
    public void load(RawRecord r) {
        rec = r;
        proc = state.currentProcess();
        fd = state.currentFd();
        fdNameChanged = state.currentFdNameChanged();
        seq++;
        long w = clock.toWallNanos(r.monotonicNanos());
        prevWall = num == 0 ? w : wall;
        wall = w;
        if (num == 0) {
            firstWall = w;
        }
        num++;
        types.classify(this, r);
        spec = EventParams.of(typeName);
    }

    void setType(String name, int code, boolean syscall) {
        typeName = name;
        typeCode = code;
        syscallEvent = syscall;
    }

    @Override
    public String source() {
        return FieldCatalog.SYSCALL;
    }

    @Override
    public long timestampNanos() {
        return wall;
    }

    @Override
    public int typeCode() {
        return typeCode;
    }

    @Override
    public Object value(int slot) {
        Extractor[] x = extractors;
        return slot < x.length && rec != null ? x[slot].value(this) : null;
    }

    @Override
    public boolean has(int slot) {
        Extractor[] x = extractors;
        return slot < x.length && rec != null && x[slot].has(this);
    }

    @Override
    public long longValue(int slot) {
        return extractors[slot].longValue(this);
    }

    /** The event name ({@code evt.type}). */
    public String typeName() {
        return typeName;
    }

    /** The event number ({@code evt.num}), starting at 1. */
    public long number() {
        return num;
    }

    // ---------------------------------------------------------------- helpers for extractors

    /** The fd with socket endpoints read from /proc if the record did not carry them. */
    FdInfo sock() {
        FdInfo f = fd;
        if (f != null && f.isUnresolved() && proc != null) {
            state.resolveSocket(proc, f);
        }
        return f;
    }

    /** The {@code n}-th ancestor (0 = the process itself), or null. */
    ProcessInfo ancestor(int n) {
        ProcessInfo p = proc;
        for (int i = 0; i < n && p != null; i++) {
            p = state.parent(p);
        }
        return p;
    }

    boolean isOpenFamily() {
        return rec.kind() == RawRecord.Kind.OPEN;
    }
}
