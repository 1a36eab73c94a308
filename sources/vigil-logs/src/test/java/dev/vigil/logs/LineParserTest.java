package dev.vigil.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LineParserTest {
    private final LineParser p = new LineParser();

    private void parse(String line) {
        byte[] b = ("xx" + line).getBytes(StandardCharsets.UTF_8);
        p.parse(b, 2, b.length - 2);
    }

    private String message() {
        return new String(p.msgBuf, p.msgOff, p.msgLen, StandardCharsets.UTF_8);
    }

    private String time() {
        return new String(p.tsBuf, p.tsOff, p.tsLen, StandardCharsets.UTF_8);
    }

    @Test
    void criFullAndPartialLines() {
        parse("2026-11-26T10:00:00.123456789Z stdout F hello world");
        assertThat(p.malformed).isFalse();
        assertThat(p.partial).isFalse();
        assertThat(p.stream).isEqualTo("stdout");
        assertThat(time()).isEqualTo("2026-11-26T10:00:00.123456789Z");
        assertThat(message()).isEqualTo("hello world");
        parse("2026-11-26T10:00:00.1+02:00 stderr P part one ");
        assertThat(p.partial).isTrue();
        assertThat(p.stream).isEqualTo("stderr");
        assertThat(message()).isEqualTo("part one ");
        parse("2026-11-26T10:00:00.123456789Z stdout F");
        assertThat(p.malformed).isFalse();
        assertThat(message()).isEmpty();
    }

    @Test
    void dockerJsonFileLines() {
        parse("{\"log\":\"text with \\\"quotes\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2016-10-05T00:00:30.082640485Z\"}");
        assertThat(p.malformed).isFalse();
        assertThat(p.partial).isFalse();
        assertThat(p.stream).isEqualTo("stderr");
        assertThat(message()).isEqualTo("text with \"quotes\"");
        assertThat(time()).isEqualTo("2016-10-05T00:00:30.082640485Z");
        parse("{\"log\":\"no newline yet\",\"stream\":\"stdout\",\"time\":\"2016-10-05T00:00:30.082640485Z\"}");
        assertThat(p.partial).isTrue();
    }

    @Test
    void anythingElseIsMalformedAndKeptWhole() {
        for (String bad : new String[] {"just text", "2026-11-26T10:00:00Z stdin F x", "2026-11-26T10:00:00Z stdout X x",
                "not a time stdout F x", "{\"log\":1}", "{broken json", ""}) {
            parse(bad);
            assertThat(p.malformed).as(bad).isTrue();
            assertThat(message()).isEqualTo(bad);
        }
    }

    @Test
    void podPathsSplitFromTheRight() {
        PodPath p = PodPath.of(Path.of("/var/log/pods/kube-system_coredns-5d78c9869d-abcde_0d3c5e1a-1111-2222/coredns/3.log"));
        assertThat(p).isEqualTo(new PodPath("kube-system", "coredns-5d78c9869d-abcde", "0d3c5e1a-1111-2222", "coredns", 3, true));
        PodPath rotated = PodPath.of(Path.of("/var/log/pods/ns_pod_uid/c/0.log.20240101-120000.gz"));
        assertThat(rotated.live()).isFalse();
        assertThat(rotated.restart()).isZero();
        assertThat(PodPath.of(Path.of("/var/log/pods/nounderscore/c/0.log"))).isNull();
        assertThat(PodPath.of(Path.of("/var/log/pods/ns_pod_uid/c/abc.log"))).isNull();
    }

    @Test
    void fingerprintsNeedACompleteFirstLine() {
        byte[] b = "first line\nsecond".getBytes(StandardCharsets.UTF_8);
        assertThat(Fingerprint.of(b, 5)).isNull();
        assertThat(Fingerprint.of(b, b.length)).hasSize(16).isEqualTo(Fingerprint.of(b, 11));
        assertThat(Fingerprint.of("other line\n".getBytes(StandardCharsets.UTF_8), 11)).isNotEqualTo(Fingerprint.of(b, 11));
    }
}
