package dev.vigil.capture.file;

import static dev.vigil.capture.file.CaptureFormat.*;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.ContainerMetadata;
import dev.vigil.capture.state.ContainerSnapshot;
import dev.vigil.capture.state.FdSnapshot;
import dev.vigil.capture.state.HostFact;
import dev.vigil.capture.state.ProcessSnapshot;
import dev.vigil.capture.state.StateSnapshot;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.event.IpAddress;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a capture file (docs/capture-format.md): the header and state section when opened, then
 * the records one at a time into a reused {@link RawRecord}.
 *
 * <p>The file's state is restored into {@link #state()}, a {@link SyscallState} that never reads
 * this machine; {@link #next} gives it, before each record, what the live state learnt from the
 * machine while applying that record. Replay exactly as the live agent runs:
 * <pre>{@code
 * try (CaptureReader in = CaptureReader.open(file)) {
 *     SyscallState state = in.state();
 *     LiveEvent event = new LiveEvent(slots, state);
 *     RawRecord r = new RawRecord();
 *     while (in.next(r)) {
 *         state.apply(r);
 *         event.load(r);
 *         ... evaluate
 *     }
 *     if (in.warning() != null) ... the file was cut short
 * }
 * }</pre>
 *
 * <p>A file that is not a capture file, has another format version or is damaged raises a
 * {@link CaptureFormatException} naming the byte offset. A file that ends inside an entry (a
 * capture that was killed) is not an error: {@link #next} returns false after the last complete
 * record and {@link #warning()} says where the file was cut. Entry types this version does not
 * know are skipped. Not thread-safe.
 */
public final class CaptureReader implements Closeable {
    private final String name;
    private final InputStream in;
    private final int version;
    private final Map<String, String> properties;
    private final StateSnapshot snapshot;
    private final SyscallState state;
    private final Cursor c = new Cursor();
    private final byte[] ipv4 = new byte[4];
    private final byte[] ipv6 = new byte[16];
    private final byte[] localIpv4 = new byte[4];
    private final byte[] localIpv6 = new byte[16];
    private final byte[] peerIpv4 = new byte[4];
    private final byte[] peerIpv6 = new byte[16];
    private final byte[] noAddress = new byte[0];
    private final byte[] io = new byte[RawRecord.IO_SNAPLEN];
    private final List<String> argv = new ArrayList<>();
    private byte[] entry = new byte[4096];
    private int entryLength;
    private int entryType;
    private long entryStart;
    private long offset;
    private long lastMono;
    private long records;
    private long skipped;
    private boolean ended;
    private String warning;

    /** Opens a capture file (gzip-compressed or not) and reads its header and state. */
    public static CaptureReader open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        try {
            return new CaptureReader(file.toString(), raw);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Whether {@code file} starts like a capture file (gzip-compressed or not). */
    public static boolean isCaptureFile(Path file) throws IOException {
        try (InputStream in = maybeGunzip(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] head = in.readNBytes(MAGIC.length);
            return Arrays.equals(head, MAGIC);
        } catch (ZipException | EOFException e) {
            return false;
        }
    }

    private static InputStream maybeGunzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024) : in;
    }

    /**
     * Reads the header and state from {@code stream} (gzip-compressed or not); {@code name} names the
     * file in messages.
     */
    public CaptureReader(String name, InputStream stream) throws IOException {
        this.name = Objects.requireNonNull(name, "name");
        this.in = maybeGunzip(new BufferedInputStream(stream, 64 * 1024));
        byte[] head = readHeader();
        this.version = (head[8] & 0xFF) | (head[9] & 0xFF) << 8;
        if (version != VERSION) {
            throw new CaptureFormatException(name, 8, "unsupported capture format version " + version
                    + " (this Vigil reads version " + VERSION + ")");
        }
        this.properties = new LinkedHashMap<>();
        this.snapshot = readState();
        this.state = SyscallState.builder().restore(snapshot).build();
    }

    private byte[] readHeader() throws IOException {
        byte[] head = new byte[HEADER_SIZE];
        int n = readFully(head, 0, HEADER_SIZE);
        int magic = Math.min(n, MAGIC.length);
        if (n == 0) {
            throw new CaptureFormatException(name, 0, "not a Vigil capture file (the file is empty)");
        }
        if (!Arrays.equals(head, 0, magic, MAGIC, 0, magic)) {
            throw new CaptureFormatException(name, 0, "not a Vigil capture file (bad magic "
                    + java.util.HexFormat.ofDelimiter(" ").formatHex(head, 0, magic) + ")");
        }
        if (n < HEADER_SIZE) {
            throw new CaptureFormatException(name, n, "truncated file: the " + HEADER_SIZE + "-byte header ends after " + n + " bytes");
        }
        offset = HEADER_SIZE;
        return head;
    }

    /** Reads up to {@code len} bytes; fewer only at the end of the file (or where a gzip stream is cut). */
    private int readFully(byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n;
            try {
                n = in.read(b, off + total, len - total);
            } catch (EOFException cut) {
                return total; // a gzip stream cut short
            } catch (ZipException bad) {
                throw new CaptureFormatException(name, offset + total, "damaged gzip data (" + bad.getMessage() + ")");
            }
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private enum Read { ENTRY, EOF, TRUNCATED }

    /** Reads the next entry into {@link #entry}; EOF when the file ends between entries. */
    private Read readEntry() throws IOException {
        byte[] one = new byte[1];
        entryStart = offset;
        if (readFully(one, 0, 1) == 0) {
            return Read.EOF;
        }
        entryType = one[0] & 0xFF;
        offset++;
        if (entryType == 0) {
            throw new CaptureFormatException(name, entryStart, "corrupt entry: type 0");
        }
        long length = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift >= 35) {
                throw new CaptureFormatException(name, entryStart, "corrupt " + typeName(entryType) + ": its length does not end within 5 bytes");
            }
            if (readFully(one, 0, 1) == 0) {
                return Read.TRUNCATED;
            }
            offset++;
            length |= (long) (one[0] & 0x7F) << shift;
            if ((one[0] & 0x80) == 0) {
                break;
            }
        }
        if (length > MAX_ENTRY) {
            throw new CaptureFormatException(name, entryStart, "corrupt " + typeName(entryType) + ": length " + length
                    + " exceeds the " + MAX_ENTRY + "-byte limit");
        }
        entryLength = (int) length;
        if (entry.length < entryLength) {
            entry = new byte[Math.max(entryLength, entry.length * 2)];
        }
        int n = readFully(entry, 0, entryLength);
        offset += n;
        if (n < entryLength) {
            return Read.TRUNCATED;
        }
        c.reset(entry, entryLength);
        return Read.ENTRY;
    }

    private CaptureFormatException corrupt(Cursor.Bad bad) {
        long at = entryStart + 1 + varintSize(entryLength) + bad.at;
        return new CaptureFormatException(name, entryStart, "corrupt " + typeName(entryType) + ": "
                + bad.getMessage() + " (field at byte offset " + at + ")");
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    // ---------------------------------------------------------------- state section

    private StateSnapshot readState() throws IOException {
        long bootEpoch = 0;
        long clockOffset = 0;
        long lastUserCheck = Long.MIN_VALUE;
        long lastSweep = Long.MIN_VALUE;
        Map<Long, Long> pidns = new HashMap<>();
        List<HostFact> facts = new ArrayList<>();
        Map<String, ContainerSnapshot> containers = new LinkedHashMap<>();
        List<ProcessSnapshot> processes = new ArrayList<>();
        boolean info = false;
        while (true) {
            Read r = readEntry();
            if (r != Read.ENTRY) {
                throw new CaptureFormatException(name, r == Read.EOF ? offset : entryStart, "truncated file: the state section "
                        + (r == Read.EOF ? "ends without its STATE_END entry" : "ends inside the " + typeName(entryType)
                        + " starting here"));
            }
            if (!info && entryType != T_INFO) {
                throw new CaptureFormatException(name, entryStart, "corrupt state section: it starts with a "
                        + typeName(entryType) + ", not the INFO entry");
            }
            try {
                switch (entryType) {
                    case T_INFO -> {
                        if (info) {
                            throw new Cursor.Bad(0, "a second INFO entry");
                        }
                        info = true;
                        bootEpoch = c.svar();
                        clockOffset = c.svar();
                        lastUserCheck = c.svar();
                        lastSweep = c.svar();
                        lastMono = c.svar();
                        int n = c.count(2);
                        for (int i = 0; i < n; i++) {
                            pidns.put(c.svar(), c.svar());
                        }
                        n = c.count(2);
                        for (int i = 0; i < n; i++) {
                            properties.put(c.str(), c.str());
                        }
                    }
                    case T_FACT -> {
                        HostFact f = fact();
                        if (f != null) {
                            facts.add(f);
                        }
                    }
                    case T_CONTAINER -> {
                        ContainerSnapshot cs = container();
                        containers.put(cs.fullId(), cs);
                    }
                    case T_PROCESS -> processes.add(process());
                    case T_STATE_END -> {
                        return new StateSnapshot(bootEpoch, clockOffset, lastUserCheck, lastSweep, pidns, facts,
                                List.copyOf(containers.values()), processes);
                    }
                    default -> {
                        if (isRecordType(entryType) || entryType == T_CLOCK || entryType == T_END) {
                            throw new Cursor.Bad(0, "a " + typeName(entryType) + " inside the state section");
                        }
                        skipped++;
                    }
                }
            } catch (Cursor.Bad bad) {
                throw corrupt(bad);
            }
        }
    }

    private static boolean isRecordType(int t) {
        return t >= T_EXEC && t <= T_ENDPOINT;
    }

    /** A fact, or null for a fact kind this version does not know. */
    private HostFact fact() throws Cursor.Bad {
        int code = (int) c.uvar();
        int pid = c.sint();
        long key = c.svar();
        String keyText = c.str();
        boolean present = c.bool();
        int n = c.count(1);
        long[] numbers = new long[n];
        for (int i = 0; i < n; i++) {
            numbers[i] = c.svar();
        }
        List<String> strings = c.strs();
        HostFact.Kind kind = HostFact.Kind.of(code);
        if (kind == null) {
            skipped++;
            return null;
        }
        return new HostFact(kind, pid, key, keyText, present, numbers, strings);
    }

    private ContainerSnapshot container() throws Cursor.Bad {
        String fullId = c.str();
        String runtime = c.str();
        ContainerMetadata m = null;
        if (c.bool()) {
            String cname = c.ostr();
            String image = c.ostr();
            String imageId = c.ostr();
            String repo = c.ostr();
            String tag = c.ostr();
            String digest = c.ostr();
            int priv = c.u8();
            if (priv > 2) {
                throw new Cursor.Bad(c.position() - 1, "privileged byte " + priv);
            }
            int n = c.count(5);
            List<ContainerMetadata.Mount> mounts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                mounts.add(new ContainerMetadata.Mount(c.str(), c.str(), c.str(), c.bool(), c.str()));
            }
            Long start = c.bool() ? c.svar() : null;
            Map<String, String> labels = labels();
            m = new ContainerMetadata(cname, image, imageId, repo, tag, digest, priv == 0 ? null : priv == 2, mounts, start, labels);
            if (c.remaining() > 0) {
                // the pod sandbox came later, at the end: files without it leave the container outside a pod
                m = m.withPod(c.ostr(), c.ostr(), labels());
            }
        }
        return new ContainerSnapshot(fullId, runtime, m);
    }

    private Map<String, String> labels() throws Cursor.Bad {
        int n = c.count(2);
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            labels.put(c.str(), c.str());
        }
        return labels;
    }

    private ProcessSnapshot process() throws Cursor.Bad {
        int pid = c.sint();
        int ppid = c.sint();
        int vpid = c.sint();
        int sid = c.sint();
        int vpgid = c.sint();
        String comm = c.str();
        String exe = c.str();
        String exepath = c.str();
        List<String> args = c.strs();
        String cwd = c.ostr();
        int envState = c.u8();
        if (envState > 2) {
            throw new Cursor.Bad(c.position() - 1, "environment state " + envState);
        }
        List<String> env = envState == 2 ? c.strs() : null;
        int uid = c.sint();
        int gid = c.sint();
        int loginUid = c.sint();
        long tty = c.svar();
        long start = c.svar();
        int caps = c.u8();
        long capInh = c.svar();
        long capPrm = c.svar();
        long capEff = c.svar();
        int exeFlags = c.u8();
        long exeIno = c.svar();
        long exeCtime = c.svar();
        long exeMtime = c.svar();
        long pidns = c.svar();
        long mntns = c.svar();
        long netns = c.svar();
        String containerId = c.ostr();
        String runtime = c.ostr();
        if ((containerId == null) != (runtime == null)) {
            throw new Cursor.Bad(c.position(), "a container id without a runtime, or the reverse");
        }
        int flags = c.u8();
        int n = c.count(8);
        List<FdSnapshot> fds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int num = c.sint();
            int typeAt = c.position();
            int type = c.u8();
            if (type >= FD_TYPES.length) {
                throw new Cursor.Bad(typeAt, "fd type code " + type);
            }
            String fname = c.str();
            String raw = c.ostr();
            int openFlags = c.sint();
            long inode = c.svar();
            String l4 = c.ostr();
            byte[] cip = c.addr();
            byte[] sip = c.addr();
            int cport = c.sint();
            int sport = c.sint();
            int f = c.u8();
            fds.add(new FdSnapshot(num, FD_TYPES[type], fname, raw, openFlags, inode, l4, cip == null ? null : new IpAddress(cip),
                    sip == null ? null : new IpAddress(sip), cport, sport, (f & 1) != 0, (f & 2) != 0, (f & 4) != 0, (f & 8) != 0));
        }
        return new ProcessSnapshot(pid, ppid, vpid, sid, vpgid, comm, exe, exepath, args, cwd, envState != 0, env, uid, gid,
                loginUid, tty, start, (caps & 1) != 0, (caps & 2) != 0, capInh, capPrm, capEff, (exeFlags & 1) != 0,
                (exeFlags & 2) != 0, (exeFlags & 4) != 0, (exeFlags & 8) != 0, (exeFlags & 16) != 0, exeIno, exeCtime, exeMtime,
                pidns, mntns, netns, containerId, runtime, (flags & 1) != 0, fds);
    }

    // ---------------------------------------------------------------- records

    /**
     * Reads the next record into {@code into}, first giving {@link #state()} what the live state learnt
     * from the machine for it. False at the end of the file, or where a cut-short file ends (then
     * {@link #warning()} says so).
     *
     * @throws CaptureFormatException when the file is damaged
     */
    public boolean next(RawRecord into) throws IOException {
        while (!ended) {
            Read r = readEntry();
            if (r == Read.EOF) {
                ended = true;
                warning = "the file ends without its END entry (the capture did not finish cleanly); " + records
                        + " records read up to byte offset " + offset;
                return false;
            }
            if (r == Read.TRUNCATED) {
                ended = true;
                warning = "truncated file: the " + typeName(entryType) + " at byte offset " + entryStart
                        + " is cut short (the file ends at byte offset " + offset + "); replay stops after " + records + " records";
                return false;
            }
            try {
                switch (entryType) {
                    case T_EXEC, T_EXEC_FAIL, T_OPEN, T_CONNECT, T_EXIT, T_FORK, T_GENERIC, T_ENDPOINT -> {
                        record(into);
                        records++;
                        return true;
                    }
                    case T_FACT -> {
                        HostFact f = fact();
                        if (f != null) {
                            state.replayFact(f);
                        }
                    }
                    case T_CONTAINER -> state.replayContainer(container());
                    case T_CLOCK -> state.clock().setOffset(c.svar());
                    case T_END -> {
                        ended = true;
                        long written = c.uvar();
                        if (written != records) {
                            warning = "the END entry counts " + written + " records, " + records + " were read";
                        }
                        return false;
                    }
                    case T_INFO, T_PROCESS, T_STATE_END -> throw new Cursor.Bad(0, "a " + typeName(entryType) + " after the state section");
                    default -> skipped++;
                }
            } catch (Cursor.Bad bad) {
                throw corrupt(bad);
            }
        }
        return false;
    }

    private void record(RawRecord r) throws Cursor.Bad {
        RawRecord.Kind kind = RawRecord.Kind.values()[entryType - 1];
        long mono = lastMono + c.svar();
        long cgroup = c.svar();
        long ret = c.svar();
        int pid = c.sint();
        int tid = c.sint();
        int ppid = c.sint();
        int uid = c.sint();
        int gid = c.sint();
        int nr = c.sint();
        String comm = c.str();
        switch (kind) {
            case EXEC, EXEC_FAIL -> {
                String filename = c.str();
                c.strs(argv);
                int vpid = c.sint();
                long mntns = c.svar();
                String leaf = c.str();
                String parent = c.str();
                int login = c.sint();
                r.setExec(filename, argv, vpid, mntns, leaf, parent, login);
                int exeFlags = c.sint();
                long capInh = c.svar();
                long capPrm = c.svar();
                long capEff = c.svar();
                long exeIno = c.svar();
                long exeCtime = c.svar();
                long exeMtime = c.svar();
                int exeMode = c.sint();
                int exeUid = c.sint();
                int exeGid = c.sint();
                // the terminal came later, at the end of the payload: files without it leave it unknown
                int tty = c.remaining() > 0 ? c.sint() : 0;
                r.setExecFacts(exeFlags, capInh, capPrm, capEff, exeIno, exeCtime, exeMtime, exeMode, exeUid, exeGid, tty);
                // so did the pid namespace: files without it leave it unread (0)
                r.setPidns(c.remaining() > 0 ? c.svar() : 0);
                // and the memfd executable's name: files without it leave it empty
                r.setExeName(c.remaining() > 0 ? c.str() : "");
            }
            case OPEN -> {
                String path = c.str();
                r.setOpen(path, c.sint(), c.sint(), c.sint());
                // the kernel's "created" answer came later, at the end: files without it leave it unread
                r.setOpenFmode(c.remaining() > 0 ? c.sint() : 0);
            }
            case CONNECT, ENDPOINT -> {
                int fd = c.sint();
                int family = c.sint();
                int port = c.sint();
                byte[] addr = c.addrInto(ipv4, ipv6, noAddress);
                r.setConnect(fd, family, port, addr, c.str());
                if (kind == RawRecord.Kind.CONNECT && c.remaining() == 0) {
                    // written before CONNECT records carried the kernel socket: nothing known, as the probe had
                    r.setSocket(0, 0, 0, 0, noAddress, 0, noAddress, 0);
                } else {
                    int flags = c.sint();
                    int skFamily = c.sint();
                    int skType = c.sint();
                    int skProtocol = c.sint();
                    byte[] local = c.addrInto(localIpv4, localIpv6, noAddress);
                    int localPort = c.sint();
                    byte[] peer = c.addrInto(peerIpv4, peerIpv6, noAddress);
                    r.setSocket(flags, skFamily, skType, skProtocol, local, localPort, peer, c.sint());
                    for (int i = 0; i < 6; i++) {
                        r.setArg(i, c.svar());
                    }
                }
            }
            case EXIT -> r.setExit(c.sint());
            case FORK -> r.setFork(c.sint(), c.sint());
            case GENERIC -> {
                for (int i = 0; i < 6; i++) {
                    r.setArg(i, c.svar());
                }
                r.setGenericPaths(c.str(), c.str());
            }
        }
        // the CPU and a GENERIC record's I/O bytes came later, at the end: files without them leave the CPU
        // unknown and no I/O bytes
        r.setCpu(c.remaining() > 0 ? c.sint() : -1);
        r.setIo(io, kind == RawRecord.Kind.GENERIC && c.remaining() > 0 ? c.blobInto(io) : 0);
        r.setHeader(kind, mono, cgroup, ret, pid, tid, ppid, uid, gid, nr, comm);
        lastMono = mono;
    }

    // ---------------------------------------------------------------- accessors

    /** The format version of the file. */
    public int version() {
        return version;
    }

    /** The capture's free-form properties (host name, Vigil version, ...). */
    public Map<String, String> properties() {
        return properties;
    }

    /** The state section as read. */
    public StateSnapshot snapshot() {
        return snapshot;
    }

    /** The state restored from the file; {@link #next} keeps it fed. Closed with this reader. */
    public SyscallState state() {
        return state;
    }

    /** Records returned by {@link #next} so far. */
    public long records() {
        return records;
    }

    /** Entries skipped because this version does not know their type (or fact kind). */
    public long skippedEntries() {
        return skipped;
    }

    /** Bytes read so far (of the uncompressed stream). */
    public long offset() {
        return offset;
    }

    /** Why the replay ended early or looks incomplete, or null. */
    public String warning() {
        return warning;
    }

    @Override
    public void close() throws IOException {
        try (in) {
            state.close();
        }
    }
}
