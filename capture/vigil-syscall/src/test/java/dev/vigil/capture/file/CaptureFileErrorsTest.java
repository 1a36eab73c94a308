package dev.vigil.capture.file;

import static dev.vigil.capture.file.CaptureFiles.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.state.SyscallState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged, cut and foreign files: clear errors naming the byte offset, and no record lost before a cut. */
class CaptureFileErrorsTest {
    @TempDir
    java.nio.file.Path dir;

    byte[] file;
    List<long[]> entries; // {offset, type, total size}
    List<String> all;

    @BeforeEach
    void setUp() throws IOException {
        file = sample(dir, false);
        entries = entries(file);
        try (CaptureReader in = open(file)) {
            all = readAll(in);
        }
        assertThat(all).hasSize(everyKind().size());
    }

    /** Walks the entries after the 12-byte header. */
    static List<long[]> entries(byte[] f) {
        List<long[]> out = new ArrayList<>();
        int p = 12;
        while (p < f.length) {
            int start = p;
            int type = f[p++] & 0xff;
            long len = 0;
            for (int shift = 0; ; shift += 7) {
                int b = f[p++] & 0xff;
                len |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            p += (int) len;
            out.add(new long[] {start, type, p - start});
        }
        return out;
    }

    long[] first(int type) {
        return entries.stream().filter(e -> e[1] == type).findFirst().orElseThrow();
    }

    long[] last(int type) {
        return entries.stream().filter(e -> e[1] == type).reduce((a, b) -> b).orElseThrow();
    }

    static CaptureReader open(byte[] bytes) throws IOException {
        return new CaptureReader("x.vcap", new ByteArrayInputStream(bytes));
    }

    static byte[] concat(byte[] a, int aLength, byte... b) {
        byte[] out = Arrays.copyOf(a, aLength + b.length);
        System.arraycopy(b, 0, out, aLength, b.length);
        return out;
    }

    @Test
    void aFileOfAnotherKindIsRefused() {
        assertThatThrownBy(() -> open("{\"source\":\"syscall\"}\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CaptureFormatException.class)
                .hasMessage("x.vcap: not a Vigil capture file (bad magic 7b 22 73 6f 75 72 63 65) at byte offset 0")
                .satisfies(e -> assertThat(((CaptureFormatException) e).offset()).isZero());
        assertThatThrownBy(() -> open(new byte[0])).hasMessage("x.vcap: not a Vigil capture file (the file is empty) at byte offset 0");
    }

    @Test
    void anotherFormatVersionIsRefused() {
        byte[] v2 = file.clone();
        v2[8] = 2;
        assertThatThrownBy(() -> open(v2)).isInstanceOf(CaptureFormatException.class)
                .hasMessage("x.vcap: unsupported capture format version 2 (this Vigil reads version 1) at byte offset 8");
    }

    @Test
    void aCutHeaderOrStateSectionIsAnError() {
        assertThatThrownBy(() -> open(Arrays.copyOf(file, 10))).isInstanceOf(CaptureFormatException.class)
                .hasMessage("x.vcap: truncated file: the 12-byte header ends after 10 bytes at byte offset 10");
        long[] services = entries.stream().filter(e -> e[1] == CaptureFormat.T_FACT && e[2] > 1000).findFirst().orElseThrow();
        assertThatThrownBy(() -> open(Arrays.copyOf(file, (int) (services[0] + services[2] / 2))))
                .isInstanceOf(CaptureFormatException.class)
                .hasMessage("x.vcap: truncated file: the state section ends inside the FACT entry starting here at byte offset " + services[0]);
        long[] stateEnd = first(CaptureFormat.T_STATE_END);
        assertThatThrownBy(() -> open(Arrays.copyOf(file, (int) stateEnd[0])))
                .hasMessage("x.vcap: truncated file: the state section ends without its STATE_END entry at byte offset " + stateEnd[0]);
    }

    @Test
    void aCutLastRecordEndsTheReplayWithAWarningAndKeepsEveryEarlierRecord() throws IOException {
        long[] exit = last(CaptureFormat.T_EXIT);
        int cut = (int) (exit[0] + exit[2] - 2);
        try (CaptureReader in = open(Arrays.copyOf(file, cut))) {
            List<String> got = readAll(in);
            assertThat(got.subList(0, got.size() - 1)).containsExactlyElementsOf(all.subList(0, all.size() - 1));
            assertThat(in.records()).isEqualTo(all.size() - 1);
            assertThat(in.warning()).isEqualTo("truncated file: the EXIT record at byte offset " + exit[0]
                    + " is cut short (the file ends at byte offset " + cut + "); replay stops after " + (all.size() - 1) + " records");
        }
    }

    @Test
    void aFileWithoutItsEndMarkerReplaysEverythingWithAWarning() throws IOException {
        long[] end = last(CaptureFormat.T_END);
        try (CaptureReader in = open(Arrays.copyOf(file, (int) end[0]))) {
            List<String> got = readAll(in);
            assertThat(got.subList(0, all.size())).containsExactlyElementsOf(all);
            assertThat(in.warning()).isEqualTo("the file ends without its END entry (the capture did not finish cleanly); "
                    + all.size() + " records read up to byte offset " + end[0]);
        }
    }

    @Test
    void corruptRecordsRaiseAnErrorNamingTheirOffset() throws IOException {
        long[] open = first(CaptureFormat.T_OPEN);
        byte[] typeZero = file.clone();
        typeZero[(int) open[0]] = 0;
        try (CaptureReader in = open(typeZero)) {
            RawRecord r = new RawRecord();
            assertThat(in.next(r)).isTrue();
            assertThat(in.next(r)).isTrue();
            assertThat(describe(r)).isEqualTo(all.get(1));
            assertThatThrownBy(() -> in.next(r)).isInstanceOf(CaptureFormatException.class)
                    .hasMessage("x.vcap: corrupt entry: type 0 at byte offset " + open[0]);
        }

        int before = (int) open[0];
        byte[] huge = concat(file, before, (byte) 0x03, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x0f);
        try (CaptureReader in = open(huge)) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(CaptureFormatException.class)
                    .hasMessage("x.vcap: corrupt OPEN record: length 4294967295 exceeds the 67108864-byte limit at byte offset " + before);
        }

        byte[] shortPayload = concat(file, before, (byte) 0x03, (byte) 0x02, (byte) 0x00, (byte) 0x00);
        try (CaptureReader in = open(shortPayload)) {
            assertThatThrownBy(() -> readAll(in)).isInstanceOf(CaptureFormatException.class)
                    .hasMessage("x.vcap: corrupt OPEN record: field runs past the end of the entry (field at byte offset "
                            + (before + 4) + ") at byte offset " + before)
                    .satisfies(e -> assertThat(((CaptureFormatException) e).offset()).isEqualTo(before));
        }

        // a CONNECT record: nine one-byte numbers, an empty comm, fd, family, port, then an address of length 7
        int[] connect = {0x04, 14, 0, 2, 0, 2, 2, 0, 2, 2, 2, 0, 2, 4, 2, 7};
        byte[] tail = new byte[connect.length];
        for (int i = 0; i < tail.length; i++) {
            tail[i] = (byte) connect[i];
        }
        byte[] badAddress = concat(file, before, tail);
        try (CaptureReader in = open(badAddress)) {
            assertThatThrownBy(() -> readAll(in)).hasMessageContaining("corrupt CONNECT record: address length 7 (0, 4 or 16)");
        }
    }

    /** A CONNECT entry as the first version of the format wrote it: no socket facts after the unix path. */
    @Test
    void aConnectRecordWithoutTheKernelSocketFactsReadsAsUnknown() throws IOException {
        int before = (int) first(CaptureFormat.T_OPEN)[0];
        // delta 0, cgroup 1, ret 0, pid/tid/ppid 1, uid/gid 0, nr 42, comm "", fd 5, family 2, port 443, 10.0.0.1, unix ""
        int[] old = {0x04, 20, 0x00, 0x02, 0x00, 0x02, 0x02, 0x02, 0x00, 0x00, 0x54, 0x00,
            0x0a, 0x04, 0xf6, 0x06, 0x04, 10, 0, 0, 1, 0x00};
        byte[] tail = new byte[old.length];
        for (int i = 0; i < tail.length; i++) {
            tail[i] = (byte) old[i];
        }
        try (CaptureReader in = open(concat(file, before, tail))) {
            RawRecord r = new RawRecord();
            r.setSocket(15, 2, 1, 6, new byte[] {1, 2, 3, 4}, 9, new byte[] {5, 6, 7, 8}, 10); // stale values
            assertThat(in.next(r)).isTrue();
            assertThat(in.next(r)).isTrue();
            assertThat(in.next(r)).isTrue();
            assertThat(r.kind()).isEqualTo(RawRecord.Kind.CONNECT);
            assertThat(r.fd()).isEqualTo(5);
            assertThat(r.port()).isEqualTo(443);
            assertThat(r.address()).containsExactly(10, 0, 0, 1);
            assertThat(r.sockFlags()).isZero();
            assertThat(r.socketKnown()).isFalse();
            assertThat(r.hasLocal()).isFalse();
            assertThat(r.localAddress()).isEmpty();
            assertThat(r.peerAddress()).isEmpty();
            assertThat(in.next(r)).isFalse();
            assertThat(in.warning()).contains("without its END entry");
        }
    }

    @Test
    void aCutGzipFileReplaysItsCompleteRecords() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Integer> flushedAt = new ArrayList<>();
        try (SyscallState state = syntheticState(dir); CaptureWriter w = new CaptureWriter(bytes, state, Map.of(), true)) {
            for (RawRecord r : everyKind()) {
                state.apply(r);
                w.append(r);
                w.flush();
                flushedAt.add(bytes.size());
            }
        }
        byte[] gz = bytes.toByteArray();
        int cut = flushedAt.get(4) + 3; // the sixth record's compressed bytes start, then stop
        try (CaptureReader in = open(Arrays.copyOf(gz, cut))) {
            List<String> got = readAll(in);
            assertThat(got).hasSize(6);
            assertThat(got.subList(0, 5)).containsExactlyElementsOf(all.subList(0, 5));
            assertThat(got.get(5)).startsWith("WARNING ");
            assertThat(in.warning()).isNotNull();
        }
    }
}
