package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OutputBatchingTest {
    @TempDir
    Path spoolRoot;

    private OutputOptions options(boolean spooled) {
        return spooled ? OutputOptions.spooled(spoolRoot) : OutputOptions.memoryOnly();
    }

    @ParameterizedTest(name = "spool={0}")
    @ValueSource(booleans = {false, true})
    void batchesAreCutAtBatchSize(boolean spooled) throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(settings("b", "batch.size", "3", "batch.linger", "1h"), sink, options(spooled))) {
            for (int i = 0; i < 7; i++) {
                assertThat(out.offer(envelope(i))).isEqualTo(Offer.ACCEPTED);
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.batchSizes()).containsExactly(3, 3, 1);
            assertThat(sink.deliveredUuids()).containsExactlyElementsOf(Fixtures.uuids(0, 7));
            assertThat(out.counters().delivered()).isEqualTo(7);
            assertThat(out.counters().queued()).isZero();
        }
    }

    @ParameterizedTest(name = "spool={0}")
    @ValueSource(booleans = {false, true})
    void batchesAreCutAtBatchBytes(boolean spooled) throws Exception {
        int size = envelope(0).size();
        ScriptedSink sink = new ScriptedSink();
        String bytes = Integer.toString(2 * size + size / 2);
        try (Output out = Output.start(settings("b", "batch.size", "100", "batch.bytes", bytes, "batch.linger", "1h"), sink,
                options(spooled))) {
            for (int i = 0; i < 5; i++) {
                out.offer(envelope(i));
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.batchSizes()).containsExactly(2, 2, 1);
        }
    }

    @Test
    void anItemLargerThanBatchBytesGoesAlone() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        try (Output out = Output.start(settings("b", "batch.size", "100", "batch.bytes", "10", "batch.linger", "1h"), sink,
                OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            out.offer(envelope(1));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.batchSizes()).containsExactly(1, 1);
        }
    }

    @Test
    void aBatchWaitsForTheLingerAfterItsFirstItem() throws Exception {
        ScriptedSink sink = new ScriptedSink();
        Duration linger = Duration.ofMillis(1500);
        try (Output out = Output.start(settings("b", "batch.size", "10", "batch.linger", "1500ms"), sink,
                OutputOptions.memoryOnly())) {
            long first = System.nanoTime();
            out.offer(envelope(0));
            out.offer(envelope(1));
            await("one batch", () -> sink.calls() == 1);
            assertThat(sink.batchSizes()).containsExactly(2);
            assertThat(sink.callNanos.getFirst() - first).isGreaterThanOrEqualTo(linger.toNanos());
        }
    }

    @Test
    void theSinksBatchingIsTheDefault() throws Exception {
        ScriptedSink sink = new ScriptedSink(new Batching(4, Long.MAX_VALUE, Duration.ofHours(1)));
        try (Output out = Output.start(settings("b"), sink, OutputOptions.memoryOnly())) {
            for (int i = 0; i < 6; i++) {
                out.offer(envelope(i));
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.batchSizes()).containsExactly(4, 2);
        }
    }
}
