package dev.vigil.capture.file;

import static dev.vigil.capture.file.CaptureFormat.*;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.ContainerMetadata;
import dev.vigil.capture.state.ContainerSnapshot;
import dev.vigil.capture.state.FdSnapshot;
import dev.vigil.capture.state.HostFact;
import dev.vigil.capture.state.HostRecorder;
import dev.vigil.capture.state.ProcessSnapshot;
import dev.vigil.capture.state.StateSnapshot;
import dev.vigil.capture.state.SyscallState;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a capture file (docs/capture-format.md): the header, a snapshot of a live
 * {@link SyscallState}, then every record {@linkplain #append appended}, each preceded by what the
 * state learnt from the machine while applying it (see {@link SyscallState#record}).
 *
 * <p>Usage, on the thread that applies records:
 * <pre>{@code
 * try (CaptureWriter w = CaptureWriter.create(file, state, props, gzip)) {
 *     ... for each record: state.apply(r); w.append(r);
 * }
 * }</pre>
 * Not thread-safe (container metadata arriving on the lookup thread is queued and written with the
 * next record).
 */
public final class CaptureWriter implements Closeable {
    private final SyscallState state;
    private final CountingStream file;
    private final OutputStream out;
    private final Payload p = new Payload();
    private final List<HostFact> pendingFacts = new ArrayList<>();
    private final ConcurrentLinkedQueue<ContainerSnapshot> pendingContainers = new ConcurrentLinkedQueue<>();
    private long lastMono;
    private long lastOffset;
    private long records;
    private long facts;
    private boolean closed;

    /**
     * Starts a capture file on {@code sink}: writes the header and the state as it is now, and starts
     * recording what the state reads from the machine.
     *
     * @param properties free-form facts about the capture (host name, Vigil version...), stored as text
     * @param gzip       compress the whole file with gzip
     */
    public CaptureWriter(OutputStream sink, SyscallState state, Map<String, String> properties, boolean gzip) throws IOException {
        this.state = Objects.requireNonNull(state, "state");
        if (state.isRestored()) {
            throw new IllegalArgumentException("a restored state cannot be recorded (it does not read the machine)");
        }
        this.file = new CountingStream(sink);
        OutputStream o = gzip ? new GZIPOutputStream(file, 64 * 1024, true) : file;
        this.out = new BufferedOutputStream(o, 64 * 1024);
        out.write(MAGIC);
        out.write(new byte[] {(byte) VERSION, (byte) (VERSION >>> 8), 0, 0});
        state.record(new HostRecorder() {
            @Override
            public void fact(HostFact fact) {
                pendingFacts.add(fact);
            }

            @Override
            public void container(ContainerSnapshot container) {
                pendingContainers.add(container);
            }
        });
        StateSnapshot snap = state.snapshot();
        // the snapshot holds what was read while taking it
        pendingFacts.clear();
        pendingContainers.clear();
        lastMono = state.clock().nowMonoNanos();
        lastOffset = snap.clockOffsetNanos();
        writeState(snap, properties);
    }

    /** Creates {@code path} (replacing it) and starts a capture file in it. */
    public static CaptureWriter create(Path path, SyscallState state, Map<String, String> properties, boolean gzip) throws IOException {
        OutputStream o = Files.newOutputStream(path);
        try {
            return new CaptureWriter(o, state, properties, gzip);
        } catch (IOException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    private void writeState(StateSnapshot s, Map<String, String> properties) throws IOException {
        p.reset();
        p.svar(s.bootEpochNanos());
        p.svar(s.clockOffsetNanos());
        p.svar(s.lastUserCheckMono());
        p.svar(s.lastSweepMono());
        p.svar(lastMono);
        TreeMap<Long, Long> pidns = new TreeMap<>(s.pidnsInitStart());
        p.uvar(pidns.size());
        pidns.forEach((ns, start) -> {
            p.svar(ns);
            p.svar(start);
        });
        TreeMap<String, String> props = new TreeMap<>(properties);
        p.uvar(props.size());
        props.forEach((k, v) -> {
            p.str(k);
            p.str(v);
        });
        entry(T_INFO);
        for (HostFact f : s.hostFacts()) {
            writeFact(f);
        }
        for (ContainerSnapshot c : s.containers()) {
            writeContainer(c);
        }
        for (ProcessSnapshot ps : s.processes()) {
            writeProcess(ps);
        }
        p.reset();
        entry(T_STATE_END);
    }

    private void entry(int type) throws IOException {
        p.writeEntry(out, type);
    }

    private void writeProcess(ProcessSnapshot s) throws IOException {
        p.reset();
        p.svar(s.pid());
        p.svar(s.ppid());
        p.svar(s.vpid());
        p.svar(s.sid());
        p.svar(s.vpgid());
        p.str(s.comm());
        p.str(s.exe());
        p.str(s.exepath());
        p.strs(s.args());
        p.ostr(s.cwd());
        if (!s.envLoaded()) {
            p.u8(0);
        } else if (s.env() == null) {
            p.u8(1);
        } else {
            p.u8(2);
            p.strs(s.env());
        }
        p.svar(s.uid());
        p.svar(s.gid());
        p.svar(s.loginUid());
        p.svar(s.tty());
        p.svar(s.startNanos());
        p.u8((s.capsKnown() ? 1 : 0) | (s.capsStale() ? 2 : 0));
        p.svar(s.capInh());
        p.svar(s.capPrm());
        p.svar(s.capEff());
        p.u8((s.exeUpperLayer() ? 1 : 0) | (s.exeLowerLayer() ? 2 : 0) | (s.exeFromMemfd() ? 4 : 0)
                | (s.exeWritable() ? 8 : 0) | (s.exeStatKnown() ? 16 : 0));
        p.svar(s.exeIno());
        p.svar(s.exeCtime());
        p.svar(s.exeMtime());
        p.svar(s.pidnsInode());
        p.svar(s.mntns());
        p.svar(s.netns());
        p.ostr(s.containerId());
        p.ostr(s.containerRuntime());
        p.u8(s.ppidChecked() ? 1 : 0);
        p.uvar(s.fds().size());
        for (FdSnapshot f : s.fds()) {
            p.svar(f.num());
            p.u8(fdTypeCode(f.type()));
            p.str(f.name());
            p.ostr(f.nameRaw());
            p.svar(f.openFlags());
            p.svar(f.inode());
            p.ostr(f.l4proto());
            p.addr(f.clientIp() == null ? null : f.clientIp().bytes());
            p.addr(f.serverIp() == null ? null : f.serverIp().bytes());
            p.svar(f.clientPort());
            p.svar(f.serverPort());
            p.u8((f.server() ? 1 : 0) | (f.listening() ? 2 : 0) | (f.connected() ? 4 : 0) | (f.unresolved() ? 8 : 0));
        }
        entry(T_PROCESS);
    }

    private void writeContainer(ContainerSnapshot c) throws IOException {
        p.reset();
        p.str(c.fullId());
        p.str(c.runtime());
        ContainerMetadata m = c.metadata();
        p.bool(m != null);
        if (m != null) {
            p.ostr(m.name());
            p.ostr(m.image());
            p.ostr(m.imageId());
            p.ostr(m.imageRepository());
            p.ostr(m.imageTag());
            p.ostr(m.imageDigest());
            p.u8(m.privileged() == null ? 0 : m.privileged() ? 2 : 1);
            p.uvar(m.mounts().size());
            for (ContainerMetadata.Mount mt : m.mounts()) {
                p.str(mt.source());
                p.str(mt.destination());
                p.str(mt.mode());
                p.bool(mt.readWrite());
                p.str(mt.propagation());
            }
            p.bool(m.startTsNanos() != null);
            if (m.startTsNanos() != null) {
                p.svar(m.startTsNanos());
            }
            labels(m.labels());
            // added after the first release: the pod sandbox of a CRI container
            p.ostr(m.sandboxId());
            p.ostr(m.podIp());
            labels(m.podLabels());
        }
        entry(T_CONTAINER);
    }

    private void labels(Map<String, String> labels) {
        TreeMap<String, String> sorted = new TreeMap<>(labels);
        p.uvar(sorted.size());
        sorted.forEach((k, v) -> {
            p.str(k);
            p.str(v);
        });
    }

    private void writeFact(HostFact f) throws IOException {
        p.reset();
        p.uvar(f.kind().code());
        p.svar(f.pid());
        p.svar(f.key());
        p.str(f.keyText());
        p.bool(f.present());
        p.uvar(f.numbers().length);
        for (long n : f.numbers()) {
            p.svar(n);
        }
        p.strs(f.strings());
        entry(T_FACT);
        facts++;
    }

    /**
     * Appends a record the state has just applied, after what the state read from the machine for it
     * (and what the event view could still read lazily: see {@link SyscallState#prefetch}).
     */
    public void append(RawRecord r) throws IOException {
        if (closed) {
            throw new IllegalStateException("the capture file is closed");
        }
        state.prefetch(r);
        state.clock().toWallNanos(r.monotonicNanos()); // paces the clock's re-sampling as the live event view does
        long offset = state.clock().offsetNanos();
        if (offset != lastOffset) {
            lastOffset = offset;
            p.reset();
            p.svar(offset);
            entry(T_CLOCK);
        }
        for (ContainerSnapshot c; (c = pendingContainers.poll()) != null; ) {
            writeContainer(c);
        }
        for (HostFact f : pendingFacts) {
            writeFact(f);
        }
        pendingFacts.clear();
        writeRecord(r);
        records++;
    }

    private void writeRecord(RawRecord r) throws IOException {
        p.reset();
        p.svar(r.monotonicNanos() - lastMono);
        lastMono = r.monotonicNanos();
        p.svar(r.cgroupId());
        p.svar(r.ret());
        p.svar(r.pid());
        p.svar(r.tid());
        p.svar(r.ppid());
        p.svar(r.uid());
        p.svar(r.gid());
        p.svar(r.syscallNr());
        p.str(r.comm());
        switch (r.kind()) {
            case EXEC, EXEC_FAIL -> {
                p.str(r.filename());
                p.strs(r.argv());
                p.svar(r.vpid());
                p.svar(r.mntns());
                p.str(r.cgroupLeaf());
                p.str(r.cgroupParent());
                p.svar(r.loginUid());
                p.svar(r.exeFlags());
                p.svar(r.capInheritable());
                p.svar(r.capPermitted());
                p.svar(r.capEffective());
                p.svar(r.exeIno());
                p.svar(r.exeCtime());
                p.svar(r.exeMtime());
                p.svar(r.exeMode());
                p.svar(r.exeUid());
                p.svar(r.exeGid());
                p.svar(r.tty());
                p.svar(r.pidns());
                p.str(r.exeName());
            }
            case OPEN -> {
                p.str(r.path());
                p.svar(r.flags());
                p.svar(r.mode());
                p.svar(r.dirfd());
                p.svar(r.openFmode());
            }
            case CONNECT, ENDPOINT -> {
                p.svar(r.fd());
                p.svar(r.family());
                p.svar(r.port());
                p.addr(r.address().length == 0 ? null : r.address());
                p.str(r.unixPath());
                // what the kernel socket said (appended to CONNECT after the first release of the format)
                p.svar(r.sockFlags());
                p.svar(r.socketFamily());
                p.svar(r.socketType());
                p.svar(r.socketProtocol());
                p.addr(r.localAddress().length == 0 ? null : r.localAddress());
                p.svar(r.localPort());
                p.addr(r.peerAddress().length == 0 ? null : r.peerAddress());
                p.svar(r.peerPort());
                for (int i = 0; i < 6; i++) {
                    p.svar(r.arg(i));
                }
            }
            case EXIT -> p.svar(r.exitCode());
            case FORK -> {
                p.svar(r.childPid());
                p.svar(r.childTid());
            }
            case GENERIC -> {
                for (int i = 0; i < 6; i++) {
                    p.svar(r.arg(i));
                }
                p.str(r.path());
                p.str(r.filename());
            }
        }
        // added at the end of every record after the first release: the CPU, then a GENERIC record's I/O bytes
        p.svar(r.cpu());
        if (r.kind() == RawRecord.Kind.GENERIC) {
            p.uvar(r.ioLength());
            if (r.ioLength() > 0) {
                byte[] io = r.ioBytes();
                p.bytes(io, 0, io.length);
            }
        }
        entry(r.kind().ordinal() + 1);
    }

    /** Pushes buffered bytes to the file (a sync flush for gzip), so that a crash loses little. */
    public void flush() throws IOException {
        out.flush();
    }

    /** Records appended so far. */
    public long records() {
        return records;
    }

    /** Machine answers (facts) written so far, the snapshot's included. */
    public long facts() {
        return facts;
    }

    /** Bytes written to the file so far (compressed bytes for gzip; buffered bytes count once flushed). */
    public long bytes() {
        return file.count;
    }

    /** Writes the end marker, stops recording the state and closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        state.record(null);
        try (out) {
            p.reset();
            p.uvar(records);
            entry(T_END);
        }
    }

    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
