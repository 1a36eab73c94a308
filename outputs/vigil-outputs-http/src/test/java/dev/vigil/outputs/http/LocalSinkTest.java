package dev.vigil.outputs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.SendResult;
import dev.vigil.pipeline.SendResult.Status;
import dev.vigil.pipeline.Sink;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stdout and file outputs. */
class LocalSinkTest {
    @TempDir
    Path dir;

    @Test
    void stdoutJsonPrintsOneAlertPerLine() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Sink sink = new StdoutSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)) {
            assertThat(sink.send(Samples.envelopes(Samples.alert(), Samples.variant(1, Priority.ERROR))).allDelivered()).isTrue();
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo(Samples.alert().toJson());
        assertThat(JsonTree.parse(lines.get(0))).isEqualTo(JsonTree.parse(Samples.ALERT_JSON));
        assertThat(JsonTree.obj(JsonTree.parse(lines.get(1)))).containsEntry("rule", "Rule 1");
    }

    @Test
    void stdoutTextPrintsTheOutputLine() throws Exception {
        FalcoAlert a = Samples.alert();
        FalcoAlert twoLines = new FalcoAlert("u2", a.timeNanos(), a.priority(), a.rule(), a.source(), a.tags(), a.hostname(),
                "first\nsecond", a.outputFields());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Sink sink = new StdoutSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
            assertThat(sink.send(Samples.envelopes(a, twoLines)).allDelivered()).isTrue();
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(a.output() + "\nfirst second\n");
    }

    @Test
    void stdoutFactoryChecksTheFormat() {
        assertThatThrownBy(() -> new StdoutFactory().create(Samples.settings("stdout", "format", "xml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("test-stdout").hasMessageContaining("format");
    }

    @Test
    void aBrokenStdoutIsRetried() throws Exception {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("pipe closed");
            }
        };
        try (Sink sink = new StdoutSink(new PrintStream(broken, true, StandardCharsets.UTF_8), false)) {
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).status(0)).isEqualTo(Status.RETRY);
        }
    }

    @Test
    void fileAppendsJsonLinesAcrossReopens() throws Exception {
        Path file = dir.resolve("sub/alerts.json");
        try (Sink sink = new FileFactory().create(Samples.settings("file", "path", file.toString()))) {
            assertThat(sink.send(List.of(Samples.envelope(Samples.alert()))).allDelivered()).isTrue();
        }
        try (Sink sink = new FileFactory().create(Samples.settings("file", "path", file.toString()))) {
            assertThat(sink.send(List.of(Samples.envelope(Samples.variant(1, Priority.ERROR)))).allDelivered()).isTrue();
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(JsonTree.parse(lines.get(0))).isEqualTo(JsonTree.parse(Samples.ALERT_JSON));
    }

    @Test
    void fileRotatesBySizeKeepingMaxfiles() throws Exception {
        Path file = dir.resolve("alerts.json");
        int lineLength = (Samples.variant(10, Priority.WARNING).toJson() + "\n").getBytes(StandardCharsets.UTF_8).length;
        // two lines fit in a file; eight lines make four files, of which the current one and two old ones are kept
        try (Sink sink = new FileFactory().create(Samples.settings("file", "path", file.toString(),
                "maxsize", Integer.toString(2 * lineLength), "maxfiles", "2"))) {
            for (int i = 10; i < 18; i++) {
                assertThat(sink.send(List.of(Samples.envelope(Samples.variant(i, Priority.WARNING))))).matches(SendResult::allDelivered);
            }
        }
        assertThat(rules(file)).containsExactly("Rule 16", "Rule 17");
        assertThat(rules(dir.resolve("alerts.json.1"))).containsExactly("Rule 14", "Rule 15");
        assertThat(rules(dir.resolve("alerts.json.2"))).containsExactly("Rule 12", "Rule 13");
        assertThat(dir.resolve("alerts.json.3")).doesNotExist();
    }

    @Test
    void withNoOldFilesTheFileStartsOver() throws Exception {
        Path file = dir.resolve("alerts.json");
        try (Sink sink = new FileFactory().create(Samples.settings("file", "path", file.toString(), "maxsize", "10", "maxfiles", "0"))) {
            assertThat(sink.send(Samples.envelopes(Samples.variant(10, Priority.WARNING), Samples.variant(11, Priority.WARNING)))
                    .allDelivered()).isTrue();
        }
        assertThat(rules(file)).containsExactly("Rule 11");
        assertThat(dir.resolve("alerts.json.1")).doesNotExist();
    }

    @Test
    void aWriteErrorIsRetried() throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        try (Sink sink = new FileFactory().create(Samples.settings("file", "path", blocker.resolve("alerts.json").toString()))) {
            SendResult r = sink.send(List.of(Samples.envelope(Samples.alert())));
            assertThat(r.status(0)).isEqualTo(Status.RETRY);
            assertThat(r.reason(0)).contains("not-a-dir");
        }
    }

    private static List<Object> rules(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(l -> JsonTree.obj(JsonTree.parse(l)).get("rule")).toList();
    }
}
