package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.app.CliTest.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil audit ingest --follow}, through {@link Main#execute}, with the hidden --follow-until-idle (no timers). */
class AuditFollowCliTest {
    @TempDir
    Path tmp;

    static Result run(String... args) {
        return CliTest.run(args);
    }

    static String line(int n) {
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Request\",\"auditID\":\"id-" + n
                + "\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/default/secrets/s" + n
                + "\",\"verb\":\"create\",\"user\":{\"username\":\"u\"},\"objectRef\":{\"resource\":\"secrets\",\"namespace\":\"default\",\"name\":\"s" + n
                + "\"},\"requestObject\":{\"data\":{\"k\":\"c2VjcmV0\"}},\"responseStatus\":{\"code\":201},"
                + "\"requestReceivedTimestamp\":\"2024-01-01T00:00:00.000000Z\",\"stageTimestamp\":\"2024-01-01T00:00:0" + (n % 10) + ".000000Z\"}\n";
    }

    @Test
    void followResumesAcrossRotationAndRestartAndTheStoreVerifies() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("log"));
        Path log = d.resolve("audit.log");
        Path store = tmp.resolve("store");
        Files.writeString(log, line(1) + line(2) + "garbage\n" + line(3).substring(0, 20), StandardCharsets.UTF_8);
        Result a = run("audit", "ingest", "--store", store.toString(), "--follow", "--follow-until-idle", log.toString());
        assertThat(a.code()).as(a.out() + a.err()).isEqualTo(1);
        assertThat(a.out()).contains("audit.log:3: malformed: ", "read 2, stored 2, duplicates 0, protected 2, malformed 1 (last seq 2)");
        assertThat(store.resolve("follow-audit.log.checkpoint")).isRegularFile();
        Files.writeString(log, line(3).substring(20), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.move(log, d.resolve("audit-2024-01-01T00-00-10.000.log"));
        Files.writeString(log, line(4));
        Result b = run("audit", "ingest", "--store", store.toString(), "--follow", "--follow-until-idle", log.toString());
        assertThat(b.code()).as(b.out() + b.err()).isZero();
        assertThat(b.out()).contains("read 2, stored 2, duplicates 0, protected 2, malformed 0 (last seq 4)");
        Result v = run("audit", "verify", store.toString());
        assertThat(v.code()).as(v.out()).isZero();
        assertThat(v.out()).contains("4 records");
        Result two = run("audit", "ingest", "--store", store.toString(), "--follow", log.toString(), log.toString());
        assertThat(two.code()).isEqualTo(2);
        assertThat(two.err()).contains("--follow takes exactly one log file");
    }
}
