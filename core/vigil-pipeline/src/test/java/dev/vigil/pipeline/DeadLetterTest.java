package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeadLetterTest {
    @TempDir
    Path root;

    private final Fixtures.MutableClock clock = new Fixtures.MutableClock();

    @Test
    void aRejectedAlertBecomesOneValidJsonLineWithItsReason() throws Exception {
        List<FalcoAlert> internal = new CopyOnWriteArrayList<>();
        ScriptedSink sink = new ScriptedSink().otherwise(SendResult.ofHttpStatus(400, "invalid payload"));
        Envelope e = envelope(7);
        try (Output out = Output.start(settings("hook"), sink, OutputOptions.spooled(root).withClock(clock).withInternalAlerts(internal::add))) {
            out.offer(e);
            out.offer(envelope(8));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.counters().snapshot().deadLettered()).isEqualTo(2);
            assertThat(out.counters().queued()).isZero();
        }
        List<String> lines = Files.readAllLines(root.resolve("hook").resolve("deadletter.jsonl"));
        assertThat(lines).hasSize(2);
        assertThat(lines.getFirst()).isEqualTo("{\"time\":\"2026-11-26T10:00:00Z\",\"output\":\"hook\",\"type\":\"webhook\","
                + "\"reason\":\"HTTP 400: invalid payload\",\"alert\":" + new String(e.body(), StandardCharsets.UTF_8) + "}");
        assertThat(lines).allSatisfy(l -> assertThat(DeadLetters.isJson(l)).as(l).isTrue());
        assertThat(internal).singleElement().satisfies(a -> {
            assertThat(a.rule()).isEqualTo(InternalAlerts.DEAD_LETTER);
            assertThat(a.outputFields()).containsEntry("vigil.output", "hook").containsEntry("vigil.reason", "HTTP 400: invalid payload");
        });
    }

    @Test
    void aBodyThatIsNotJsonIsKeptAsAString() {
        DeadLetters d = new DeadLetters(null, "logs", "loki", clock);
        String line = d.line("line one\n\"quoted\"".getBytes(StandardCharsets.UTF_8), "HTTP 413");
        assertThat(line).endsWith(",\"alert\":\"line one\\n\\\"quoted\\\"\"}");
        assertThat(DeadLetters.isJson(line)).isTrue();
    }

    @Test
    void prettyPrintedJsonStaysOnOneLine() {
        DeadLetters d = new DeadLetters(null, "logs", "loki", clock);
        String line = d.line("{\n  \"a\": \"x\\ny\",\r\n  \"b\": [1, 2]\n}".getBytes(StandardCharsets.UTF_8), "no");
        assertThat(line).doesNotContain("\n").doesNotContain("\r").contains("\"alert\":{   \"a\": \"x\\ny\",    \"b\": [1, 2] }");
        assertThat(DeadLetters.isJson(line)).isTrue();
    }

    @Test
    void invalidUtf8IsKeptAsAString() {
        DeadLetters d = new DeadLetters(null, "logs", "loki", clock);
        String line = d.line(new byte[] {'"', (byte) 0xff, '"'}, "no");
        assertThat(DeadLetters.isJson(line)).isTrue();
        assertThat(line).contains("\"alert\":\"\\\"\uFFFD\\\"\"");
    }

    @Test
    void trailingDataIsNotJson() {
        assertThat(DeadLetters.isJson("{} {}")).isFalse();
        assertThat(DeadLetters.isJson("{\"a\":")).isFalse();
        assertThat(DeadLetters.isJson("")).isFalse();
        assertThat(DeadLetters.isJson(" [1] ")).isTrue();
    }

    @Test
    void anExplicitDeadLetterFileWorksInMemoryMode() throws Exception {
        Path file = root.resolve("sub").resolve("dl.jsonl");
        ScriptedSink sink = new ScriptedSink().then(SendResult.reject("HTTP 401: bad token"));
        try (Output out = Output.start(settings("m", "deadletter", file.toString()), sink, OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
        }
        assertThat(Files.readAllLines(file)).singleElement().asString().contains("\"reason\":\"HTTP 401: bad token\"");
    }

    @Test
    void withoutAFileInMemoryModeTheItemIsStillCounted() throws Exception {
        ScriptedSink sink = new ScriptedSink().then(SendResult.reject("HTTP 404"));
        try (Output out = Output.start(settings("m"), sink, OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.counters().snapshot().deadLettered()).isEqualTo(1);
        }
    }
}
