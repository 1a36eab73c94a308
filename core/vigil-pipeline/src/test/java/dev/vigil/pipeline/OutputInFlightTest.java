package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.await;
import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** More than one batch in flight (batch.inflight): sends overlap, commits stay in order, nothing is lost. */
class OutputInFlightTest {
    private static final Batching TWO = new Batching(2, Long.MAX_VALUE, Duration.ofHours(1));

    @TempDir
    Path spoolRoot;

    /** A sink holding the batch that starts with alert 0 until {@code gate} opens (the sender threads race for the first call). */
    private static ScriptedSink holdingTheFirstBatch(CountDownLatch gate) {
        return new ScriptedSink(TWO, true).otherwise(b -> {
            if (ScriptedSink.uuidOf(b.getFirst()).equals(Fixtures.uuid(0))) {
                gate.await();
            }
            return SendResult.ok();
        });
    }

    private OutputOptions options(boolean spooled) {
        return spooled ? OutputOptions.spooled(spoolRoot) : OutputOptions.memoryOnly();
    }

    @ParameterizedTest(name = "spool={0}")
    @ValueSource(booleans = {false, true})
    void aLaterBatchIsDeliveredWhileAnEarlierOneHangsButCommittedOnlyAfterIt(boolean spooled) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        ScriptedSink sink = holdingTheFirstBatch(gate);
        try (Output out = Output.start(settings("f"), sink, options(spooled))) {
            for (int i = 0; i < 4; i++) {
                assertThat(out.offer(envelope(i))).isEqualTo(Offer.ACCEPTED);
            }
            await("the second batch delivered while the first hangs", () -> out.counters().delivered() == 2);
            await("the first batch sent too", () -> sink.calls() == 2);
            assertThat(out.counters().delivered()).isEqualTo(2);
            assertThat(sink.deliveredUuids()).containsExactlyElementsOf(Fixtures.uuids(2, 4));
            assertThat(out.counters().queued()).as("nothing committed before the first batch").isEqualTo(4);
            if (!spooled) { // (a spool's flush is also content once the items are on disk)
                assertThat(out.flush(Duration.ofMillis(300))).as("not resolved yet").isFalse();
            }
            gate.countDown();
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(out.counters().queued()).isZero();
            assertThat(out.counters().delivered()).isEqualTo(4);
        }
    }

    @Test
    void batchesBeyondTheLimitWaitAndTheRestFlowsWithoutLoss() throws Exception {
        ScriptedSink sink = new ScriptedSink(TWO, true);
        try (Output out = Output.start(settings("f", "batch.inflight", "3"), sink, options(true))) {
            for (int i = 0; i < 200; i++) {
                out.offer(envelope(i));
            }
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(sink.mostInside.get()).isLessThanOrEqualTo(3);
            assertThat(sink.deliveredUuids()).containsExactlyInAnyOrderElementsOf(Fixtures.uuids(0, 200));
            assertThat(out.counters().delivered()).isEqualTo(200);
        }
    }

    @Test
    void anAbortedEarlierBatchKeepsTheLaterDeliveredOnesInTheSpoolForTheNextStart() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ScriptedSink stuck = holdingTheFirstBatch(never);
        OutputOptions options = options(true).withShutdownDeadline(Duration.ofMillis(200));
        Output first = Output.start(settings("f"), stuck, options);
        for (int i = 0; i < 4; i++) {
            first.offer(envelope(i));
        }
        await("the second batch delivered", () -> first.counters().delivered() == 2);
        first.close(); // the first batch is interrupted: neither batch is committed
        assertThat(first.workerStopped()).isTrue();

        ScriptedSink next = new ScriptedSink(TWO, true);
        try (Output second = Output.start(settings("f"), next, options(true))) {
            assertThat(second.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(next.deliveredUuids()).containsExactlyInAnyOrderElementsOf(Fixtures.uuids(0, 4));
        }
    }

    @Test
    void theDefaultAndTheSinksThatAllowIt() throws Exception {
        OutputOptions o = OutputOptions.memoryOnly();
        assertThat(OutputConfig.read(settings("f"), new ScriptedSink(TWO, true), o).maxInFlight()).isEqualTo(2);
        assertThat(OutputConfig.read(settings("f"), new ScriptedSink(TWO, false), o).maxInFlight()).isEqualTo(1);
        assertThat(OutputConfig.read(settings("f"), new ScriptedSink(Batching.SINGLE, true), o).maxInFlight()).isEqualTo(1);
        assertThat(OutputConfig.read(settings("f", "batch.inflight", "1"), new ScriptedSink(TWO, true), o).maxInFlight()).isEqualTo(1);
        assertThatThrownBy(() -> OutputConfig.read(settings("f", "batch.inflight", "2"), new ScriptedSink(TWO, false), o))
                .isInstanceOf(ConfigException.class).hasMessageContaining("batch.inflight").hasMessageContaining("one batch at a time");
        assertThatThrownBy(() -> OutputConfig.read(settings("f", "batch.inflight", "0"), new ScriptedSink(TWO, true), o))
                .isInstanceOf(ConfigException.class).hasMessageContaining("batch.inflight");
    }
}
