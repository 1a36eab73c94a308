package dev.vigil.app;

import dev.vigil.logs.LogShipper;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.rules.output.AlertFormatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Node log shipping inside `vigil run`, from the config file's {@code logs:} section: a {@link LogShipper}
 * on its own thread, shipping into the agent's outputs, stopped (delivering within the shutdown
 * deadline and saving its checkpoints) when the agent stops.
 */
final class LogsInRun implements AutoCloseable {
    private final LogShipper shipper;
    private final Thread thread;
    private final PrintWriter err;

    private LogsInRun(LogShipper shipper, Duration drain, PrintWriter err) {
        this.shipper = shipper;
        this.err = err;
        this.thread = Thread.ofPlatform().name("vigil-logs").start(() -> {
            try {
                shipper.run(drain);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The shipper's own Prometheus text (the outputs' counters are rendered by the caller). */
    String metrics() {
        return shipper.metrics().render(java.util.List.of());
    }

    /** The shipper's settings for a {@code logs:} section (or the flags of `vigil logs` folded into one). */
    static LogShipper.Settings settings(VigilConfig.Logs l) {
        String node = l.nodeName() != null ? l.nodeName()
                : System.getenv("NODE_NAME") != null ? System.getenv("NODE_NAME") : AlertFormatter.defaultHostname();
        LogShipper.Settings base = LogShipper.Settings.defaults(l.podsDir(), l.nodeLogs(), l.checkpoints(), node);
        return new LogShipper.Settings(l.podsDir(), l.nodeLogs(), l.checkpoints(), node, l.multilineStart(), l.scanInterval(),
                base.checkpointInterval(), base.multilineTimeout(), base.bufferBytes());
    }

    /** Starts shipping; null when there is no {@code logs:} section. */
    static LogsInRun start(VigilConfig.Logs cfg, Forwarder forwarder, Duration drain, PrintWriter err) throws ConfigException {
        if (cfg == null) {
            return null;
        }
        if (forwarder == null) {
            throw new ConfigException(cfg.where() + ": logs: no outputs to ship to (give outputs: or --output)");
        }
        LogShipper shipper;
        try {
            shipper = new LogShipper(settings(cfg), forwarder.outputs());
        } catch (IOException e) {
            throw new ConfigException(cfg.where() + ": logs.checkpoints " + cfg.checkpoints() + ": " + e.getMessage());
        }
        err.println("vigil: shipping logs from " + LogsCommand.sources(cfg) + " to " + OutputFlags.describe(forwarder)
                + ", checkpoints in " + cfg.checkpoints());
        err.flush();
        return new LogsInRun(shipper, drain, err);
    }

    @Override
    public void close() {
        shipper.close();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println("vigil: logs stopped: " + shipper.metrics().linesRead() + " lines, " + shipper.metrics().records()
                + " records read");
        err.flush();
    }
}
