package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.app.CliTest.Result;
import dev.vigil.k8saudit.store.StoreKeys;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil audit ingest} and {@code vigil audit verify}, end to end through {@link Main#execute}. */
class AuditStoreCliTest {
    @TempDir
    Path tmp;

    static Result run(String... args) {
        return CliTest.run(args);
    }

    static Path events() {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize().resolve("fixtures/k8s-audit/events");
        assertThat(p).isDirectory();
        return p;
    }

    @Test
    void ingestTheFalcoTraceFilesReportsTheMalformedOneAndVerifies() throws Exception {
        Path store = tmp.resolve("store");
        List<String> args = new ArrayList<>(List.of("audit", "ingest", "--store", store.toString()));
        try (var s = Files.list(events().resolve("falco-trace-files"))) {
            s.sorted().forEach(p -> args.add(p.toString()));
        }
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("fal_01_003.json:1: malformed: ").contains("read 51, stored 51, duplicates 0, protected 0, malformed 1");
        // two pairs of fixture files share auditID, stage and stageTimestamp but differ in content: both kept
        Result v = run("audit", "verify", store.toString());
        assertThat(v.code()).as(v.out()).isZero();
        assertThat(v.out()).contains("intact: 1 segments, 51 records (seq 1..51)", "note: trusting");
    }

    @Test
    void ingestGzippedLogTwiceStoresOnceThenVerifyFindsTampering() throws Exception {
        Path store = tmp.resolve("store");
        Path gz = tmp.resolve("demo.log.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(Files.readAllBytes(events().resolve("audit2rbac/demo.log")));
        }
        Result r = run("audit", "ingest", "--store", store.toString(), "--max-size-bytes", "4096", gz.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("read 37, stored 37, duplicates 0, protected 0, malformed 0");
        Result again = run("audit", "ingest", "--store", store.toString(), "--max-size-bytes", "4096", events().resolve("audit2rbac/demo.log").toString());
        assertThat(again.out()).contains("read 37, stored 0, duplicates 37");

        Path pub = tmp.resolve("trusted.pub");
        Files.copy(store.resolve(StoreKeys.PUBLIC_FILE), pub);
        Result ok = run("audit", "verify", store.toString(), "--key", pub.toString());
        assertThat(ok.code()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("intact: ").contains("37 records (seq 1..37)").doesNotContain("note:");

        Path seg1 = store.resolve("segment-000000000001.vas");
        byte[] b = Files.readAllBytes(seg1);
        b[24 + 13 + 10] ^= 1; // a byte in the first record's body
        Files.write(seg1, b);
        Result bad = run("audit", "verify", store.toString(), "--key", pub.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out()).contains("TAMPERED or damaged at segment-000000000001.vas seq 1 byte 24: record hash mismatch: the record was modified");
    }

    @Test
    void protectedEventsAreCountedAndVerifyWithAnotherKeyFails() throws Exception {
        Path store = tmp.resolve("store");
        Path log = tmp.resolve("audit.log");
        Files.writeString(log, """
                {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/d/secrets","verb":"create","objectRef":{"resource":"secrets","namespace":"d"},"requestObject":{"data":{"k":"U0VDUkVU"}},"stageTimestamp":"2024-01-01T00:00:00.000001Z"}
                not json
                {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"2","stage":"ResponseComplete","requestURI":"/api/v1/pods?watch=1&access_token=abc","verb":"watch","objectRef":{"resource":"pods"},"stageTimestamp":"2024-01-01T00:00:00.000002Z"}
                """, StandardCharsets.UTF_8);
        Result r = run("audit", "ingest", "--store", store.toString(), log.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(log + ":2: malformed", "read 2, stored 2, duplicates 0, protected 2, malformed 1");
        String seg = Files.readString(store.resolve("segment-000000000001.vas"), StandardCharsets.ISO_8859_1);
        assertThat(seg).doesNotContain("U0VDUkVU", "access_token=abc").contains("access_token=REDACTED");

        var other = StoreKeys.generate();
        Path otherPub = tmp.resolve("other.pub");
        Files.writeString(otherPub, StoreKeys.pem("PUBLIC KEY", other.getPublic().getEncoded()));
        Result v = run("audit", "verify", store.toString(), "--key", otherPub.toString());
        assertThat(v.code()).isEqualTo(1);
        assertThat(v.out()).contains("GENESIS: signature invalid");
    }

    @Test
    void helpListsTheStoreCommands() {
        assertThat(run("audit", "--help").out()).contains("ingest", "verify");
    }
}
