package dev.vigil.app;

import dev.vigil.logs.LogShipper;
import dev.vigil.pipeline.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil logs}: ships container and node logs into the outputs with end-to-end acknowledgement. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Ship container logs (kubelet's /var/log/pods layout, CRI or docker json-file format) and node logs "
                + "(globs) to the outputs (file, stdout, opensearch/elasticsearch, splunk, loki, kafka), one JSON record per "
                + "line with namespace, pod, uid, container, restart, stream, node and original time. Checkpoints advance "
                + "only when every output acknowledged; a full output buffer pauses reading. Stops on SIGTERM/SIGINT after "
                + "delivering within --shutdown-timeout and saving the checkpoints. See docs/log-shipping.md.")
final class LogsCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Mixin
    OutputFlags outputOptions;

    @Option(names = "--pods-dir", paramLabel = "DIR", description = "Kubelet's pod log directory, e.g. /var/log/pods.")
    Path podsDir;
    @Option(names = "--node-logs", paramLabel = "GLOB", description = "Node log files, e.g. '/var/log/*.log' (wildcards in the file name; repeatable).")
    List<String> nodeLogs = new ArrayList<>();
    @Option(names = "--checkpoints", paramLabel = "DIR", description = "Directory of the read positions (checkpoints.json); required unless the config file's logs: section has it.")
    Path checkpoints;
    @Option(names = "--node-name", paramLabel = "NAME", description = "The node name in every record (default: $NODE_NAME, else the host name).")
    String nodeName;
    @Option(names = "--multiline-start", paramLabel = "REGEX", description = "Lines matching this start a record; other lines join the one before (stack traces).")
    String multilineStart;
    @Option(names = "--scan-interval", paramLabel = "DURATION", description = "How often to look for new and rotated files. Default: 1s.")
    String scanInterval;
    @Option(names = "--metrics-file", paramLabel = "FILE", description = "Write Prometheus text metrics to FILE every 5 s and at exit (textfile collector).")
    Path metricsFile;
    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics over plain HTTP at http://HOST:PORT/metrics (and /healthz).")
    String metricsListen;
    @Option(names = "--metrics-interval", paramLabel = "DURATION", defaultValue = "5s", hidden = true,
            description = "How often --metrics-file is written (benchmarks).")
    String metricsInterval;
    @Option(names = "--duration", paramLabel = "DURATION", hidden = true, description = "Stop after this long (tests).")
    String duration;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Pattern multiline;
        Duration scan;
        long metricsMillis;
        try {
            if (metricsListen != null) {
                ListenAddress.parse(metricsListen, "--metrics-listen");
            }
            multiline = multilineStart == null ? null : Pattern.compile(multilineStart);
            scan = scanInterval == null ? null : Durations.parse(scanInterval);
            metricsMillis = Math.max(10, Durations.parse(metricsInterval).toMillis());
        } catch (IllegalArgumentException e) { // a bad pattern (PatternSyntaxException) or duration
            err.println("vigil: logs: " + e.getMessage());
            return 2;
        }
        Forwarder outputs;
        VigilConfig cfg;
        try {
            cfg = outputOptions.loadConfig();
        } catch (ConfigException e) {
            err.println("vigil: " + e.getMessage());
            return 2;
        }
        VigilConfig.Logs logs = merged(cfg.logs(), multiline, scan);
        if (logs.podsDir() == null && logs.nodeLogs().isEmpty()) {
            err.println("vigil: logs: give --pods-dir DIR and/or --node-logs GLOB (or a logs: section in --config)");
            return 2;
        }
        if (logs.checkpoints() == null) {
            err.println("vigil: logs: give --checkpoints DIR (or logs.checkpoints in --config)");
            return 2;
        }
        try {
            outputs = outputOptions.start(cfg);
            if (outputs == null) {
                err.println("vigil: no outputs: give --output TYPE:KEY=VALUE,... (e.g. --output file:path=OUT.jsonl)");
                return 2;
            }
        } catch (ConfigException e) {
            err.println("vigil: " + e.getMessage());
            return 2;
        }
        LogShipper shipper;
        try {
            shipper = new LogShipper(LogsInRun.settings(logs), outputs.outputs());
        } catch (IOException e) {
            outputs.close();
            err.println("vigil: logs: checkpoints in " + logs.checkpoints() + ": " + e.getMessage());
            return 2;
        }
        MetricsEndpoint endpoint = null;
        if (metricsListen != null) {
            try {
                endpoint = MetricsEndpoint.start(metricsListen, () -> shipper.metrics().render(outputs.outputs()), err, "logs metrics");
            } catch (IOException e) {
                outputs.close();
                err.println("vigil: logs: cannot listen on " + metricsListen + " for metrics: " + e.getMessage());
                return 2;
            }
        }
        Signals.onTermination(err, shipper::stop);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("vigil-logs-timer").unstarted(r));
        if (duration != null) {
            timer.schedule(shipper::stop, Durations.parse(duration).toMillis(), TimeUnit.MILLISECONDS);
        }
        if (metricsFile != null) {
            timer.scheduleAtFixedRate(() -> writeMetrics(shipper, outputs), metricsMillis, metricsMillis, TimeUnit.MILLISECONDS);
        }
        err.println("vigil: shipping logs from " + sources(logs) + " to " + OutputFlags.describe(outputs) + ", checkpoints in "
                + logs.checkpoints());
        err.flush();
        try {
            shipper.run(outputOptions.shutdownDeadline());
        } finally {
            timer.shutdownNow();
            if (endpoint != null) {
                endpoint.close();
            }
            outputs.close();
            if (metricsFile != null) {
                writeMetrics(shipper, outputs);
            }
            err.println("vigil: logs stopped: " + shipper.metrics().linesRead() + " lines, " + shipper.metrics().records()
                    + " records read; outputs: " + ForwardMetrics.summary(null, outputs));
            err.flush();
        }
        return 0;
    }

    /** The flags, each over the config file's {@code logs:} value (when there is a section). */
    private VigilConfig.Logs merged(VigilConfig.Logs file, Pattern multiline, Duration scan) {
        VigilConfig.Logs f = file != null ? file
                : new VigilConfig.Logs(null, List.of(), null, null, null, Duration.ofSeconds(1), "the command line");
        return new VigilConfig.Logs(podsDir != null ? podsDir : f.podsDir(), nodeLogs.isEmpty() ? f.nodeLogs() : nodeLogs,
                checkpoints != null ? checkpoints : f.checkpoints(), nodeName != null ? nodeName : f.nodeName(),
                multiline != null ? multiline : f.multilineStart(), scan != null ? scan : f.scanInterval(), f.where());
    }

    /** "DIR [GLOB, …]" for the start line. */
    static String sources(VigilConfig.Logs l) {
        return (l.podsDir() != null ? l.podsDir().toString() : "") + (l.nodeLogs().isEmpty() ? "" : " " + l.nodeLogs());
    }

    private void writeMetrics(LogShipper shipper, Forwarder outputs) {
        try {
            Path tmp = metricsFile.resolveSibling(metricsFile.getFileName() + ".tmp");
            Files.writeString(tmp, shipper.metrics().render(outputs.outputs()), StandardCharsets.UTF_8);
            Files.move(tmp, metricsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("vigil: logs: cannot write " + metricsFile + ": " + e.getMessage());
        }
    }
}
