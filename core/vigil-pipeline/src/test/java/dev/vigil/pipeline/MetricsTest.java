package dev.vigil.pipeline;

import static dev.vigil.pipeline.Fixtures.envelope;
import static dev.vigil.pipeline.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void theSnapshotHoldsEveryCounterAndGauge() throws Exception {
        ScriptedSink sink = new ScriptedSink().then(SendResult.retry("HTTP 503"));
        try (Output out = Output.start(settings("a", "minimumpriority", "warning", "retry.initial", "1ms"), sink,
                OutputOptions.memoryOnly())) {
            out.offer(envelope(0));
            out.offer(envelope(1));
            out.offer(Envelope.of(Fixtures.alert(2, Priority.DEBUG, "r", Map.of("a", "b"))));
            assertThat(out.flush(Duration.ofSeconds(20))).isTrue();
            OutputCounters.Snapshot s = out.counters().snapshot();
            assertThat(s.name()).isEqualTo("a");
            assertThat(s.type()).isEqualTo("webhook");
            assertThat(s.accepted()).isEqualTo(2);
            assertThat(s.filtered()).isEqualTo(1);
            assertThat(s.delivered()).isEqualTo(2);
            assertThat(s.retried()).isEqualTo(1);
            assertThat(s.queued()).isZero();
            assertThat(s.spoolBytes()).isZero();
            assertThat(s.dropped()).containsOnlyKeys(OutputCounters.QUEUE_FULL, OutputCounters.SPOOL_FULL, OutputCounters.SHUTDOWN);
            assertThat(s.lastError()).isEqualTo("HTTP 503");
        }
    }

    @Test
    void outputsRenderAsPrometheusFamiliesPrintedOnce() throws Exception {
        PrometheusText text = new PrometheusText();
        try (Output a = Output.start(settings("a"), new ScriptedSink(), OutputOptions.memoryOnly());
                Output b = Output.start(new OutputSettings("b\"x", "Slack", Map.of(), "test"), new ScriptedSink(),
                        OutputOptions.memoryOnly())) {
            a.offer(envelope(0));
            assertThat(a.flush(Duration.ofSeconds(20))).isTrue();
            a.counters().snapshot().writeTo(text);
            b.counters().snapshot().writeTo(text);
        }
        String out = text.render();
        assertThat(out).contains("# HELP vigil_output_accepted_total Items accepted into the output's queue or spool.\n"
                + "# TYPE vigil_output_accepted_total counter\n"
                + "vigil_output_accepted_total{output=\"a\",type=\"webhook\"} 1\n"
                + "vigil_output_accepted_total{output=\"b\\\"x\",type=\"slack\"} 0\n");
        assertThat(out).contains("vigil_output_dropped_total{output=\"a\",type=\"webhook\",reason=\"queue_full\"} 0\n");
        assertThat(out).contains("# TYPE vigil_output_queued gauge\n");
        assertThat(out.split("# TYPE vigil_output_delivered_total ", -1)).hasSize(2);
        assertThat(out).contains("vigil_output_delivered_total{output=\"a\",type=\"webhook\"} 1\n");
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        PrometheusText t = new PrometheusText()
                .gauge("g", "a \\ help\nline \"q\"", 1.5, "l", "a\"b\\c\nd")
                .counter("c", "h", Double.NaN)
                .counter("d", "h", Double.POSITIVE_INFINITY);
        assertThat(t.render()).isEqualTo("# HELP g a \\\\ help\\nline \"q\"\n# TYPE g gauge\ng{l=\"a\\\"b\\\\c\\nd\"} 1.5\n"
                + "# HELP c h\n# TYPE c counter\nc NaN\n# HELP d h\n# TYPE d counter\nd +Inf\n");
    }

    @Test
    void aFamilyKeepsItsType() {
        PrometheusText t = new PrometheusText().counter("x_total", "h", 1);
        assertThatThrownBy(() -> t.gauge("x_total", "h", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.counter("y", "h", 1, "odd")).isInstanceOf(IllegalArgumentException.class);
    }
}
