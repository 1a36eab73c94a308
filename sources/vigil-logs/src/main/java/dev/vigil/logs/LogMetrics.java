package dev.vigil.logs;

import dev.vigil.pipeline.Output;
import dev.vigil.pipeline.PrometheusText;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The shipper's own counters, per-file figures, and (through the outputs' counters) delivered,
 * retried, dropped by reason and buffer fill, rendered as Prometheus text. Written by the shipper
 * thread, read from any thread.
 */
public final class LogMetrics {
    /** Lines, bytes and lag of one file, as of the last read. */
    record FileFigures(long lines, long bytes, long lag) {}

    final LongAdder linesRead = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder records = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder truncated = new LongAdder();
    final LongAdder rotations = new LongAdder();
    final LongAdder truncations = new LongAdder();
    final LongAdder filesOpened = new LongAdder();
    final LongAdder checkpointWrites = new LongAdder();
    final LongAdder backpressureWaits = new LongAdder();
    final LongAdder readErrors = new LongAdder();
    final Map<String, FileFigures> files = new ConcurrentHashMap<>();
    volatile long unacknowledgedRecords;

    public long linesRead() {
        return linesRead.sum();
    }

    public long records() {
        return records.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long backpressureWaits() {
        return backpressureWaits.sum();
    }

    /** Everything as Prometheus text, with the outputs' samples. */
    public String render(List<Output> outputs) {
        PrometheusText t = new PrometheusText();
        t.counter("vigil_logs_lines_read_total", "Lines read from log files.", linesRead.sum());
        t.counter("vigil_logs_bytes_read_total", "Bytes read from log files.", bytesRead.sum());
        t.counter("vigil_logs_records_total", "Records made (after joining partial and multiline lines).", records.sum());
        t.counter("vigil_logs_malformed_total", "Lines in neither CRI nor docker format, shipped raw with malformed=true.", malformed.sum());
        t.counter("vigil_logs_truncated_total", "Records cut at the maximum line size.", truncated.sum());
        t.counter("vigil_logs_rotations_total", "Files renamed away (rotation) while being read.", rotations.sum());
        t.counter("vigil_logs_copytruncate_total", "Files truncated in place, read again from the start.", truncations.sum());
        t.counter("vigil_logs_files_opened_total", "Log files opened.", filesOpened.sum());
        t.counter("vigil_logs_checkpoint_writes_total", "Checkpoint file writes.", checkpointWrites.sum());
        t.counter("vigil_logs_backpressure_waits_total", "Times reading paused because an output's buffer was full.", backpressureWaits.sum());
        t.counter("vigil_logs_read_errors_total", "Failures opening or reading a log file.", readErrors.sum());
        t.gauge("vigil_logs_files_open", "Log files open now.", files.size());
        t.gauge("vigil_logs_unacknowledged_records", "Records handed to the outputs and not yet acknowledged.", unacknowledgedRecords);
        long lag = 0;
        for (Map.Entry<String, FileFigures> e : files.entrySet()) {
            FileFigures f = e.getValue();
            lag += f.lag();
            t.counter("vigil_logs_file_lines_read_total", "Lines read, per file.", f.lines(), "path", e.getKey());
            t.counter("vigil_logs_file_bytes_read_total", "Bytes read, per file.", f.bytes(), "path", e.getKey());
            t.gauge("vigil_logs_file_lag_bytes", "Bytes written to a file and not read yet.", f.lag(), "path", e.getKey());
        }
        t.gauge("vigil_logs_lag_bytes", "Bytes written to open files and not read yet, all files.", lag);
        for (Output o : outputs) {
            o.counters().snapshot().writeTo(t);
        }
        return t.render();
    }
}
