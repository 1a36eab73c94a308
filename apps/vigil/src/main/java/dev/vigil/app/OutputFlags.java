package dev.vigil.app;

import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.OutputSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where alerts go: the config file's outputs plus {@code --output} flags, with the spool directory. */
final class OutputFlags {
    static final Path DEFAULT_SPOOL = Path.of("/var/lib/vigil/spool");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Vigil's config file (outputs, spool, custom fields; docs/configuration.md).")
    Path config;

    @Option(names = {"-o", "--output"}, paramLabel = "TYPE:KEY=VALUE,...",
            description = "Send alerts to this output, e.g. webhook:url=http://127.0.0.1:9000/ or "
                    + "slack:webhookurl=URL,minimumpriority=warning (repeatable; `vigil forward --list-outputs` lists types and keys).")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--spool", paramLabel = "DIR",
            description = "Directory of the outputs' durable spools and dead letters (default: the config file's spool, else " + "/var/lib/vigil/spool).")
    Path spool;

    @Option(names = "--no-spool", description = "Keep queued alerts in memory only: faster, but alerts queued for a destination that is down are lost on restart.")
    boolean noSpool;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "On stop, how long outputs may keep delivering before what is left stays in the spool. Default: ${DEFAULT-VALUE}.")
    String shutdownTimeout;

    /** The config file, or an empty one. */
    VigilConfig loadConfig() throws ConfigException {
        return config == null ? VigilConfig.EMPTY : VigilConfig.load(config);
    }

    /** The outputs of the config file, then those of the flags. */
    List<OutputSettings> settings(VigilConfig cfg) throws ConfigException {
        List<OutputSettings> all = new ArrayList<>(cfg.outputs());
        for (String o : outputs) {
            all.add(OutputSpecs.parse(o));
        }
        return all;
    }

    /** The spool root, created if needed; null with --no-spool. */
    Path spoolRoot(VigilConfig cfg) throws ConfigException {
        if (noSpool) {
            if (spool != null) {
                throw new ConfigException("--no-spool and --spool exclude each other");
            }
            return null;
        }
        Path dir = spool != null ? spool : cfg.spool() != null ? cfg.spool() : DEFAULT_SPOOL;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException("spool directory " + dir + ": cannot create it (" + e.getMessage()
                    + "); give a writable --spool DIR, or --no-spool to keep queued alerts in memory only");
        }
        if (!Files.isWritable(dir)) {
            throw new ConfigException("spool directory " + dir + " is not writable; give a writable --spool DIR, or --no-spool");
        }
        return dir;
    }

    Duration shutdownDeadline() throws ConfigException {
        try {
            return Durations.parse(shutdownTimeout);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--shutdown-timeout: " + e.getMessage());
        }
    }

    /** Starts the outputs of the config file and the flags; null when there are none. */
    Forwarder start(VigilConfig cfg) throws ConfigException {
        List<OutputSettings> s = settings(cfg);
        if (s.isEmpty()) {
            return null;
        }
        return Forwarder.start(s, spoolRoot(cfg), cfg.customFields(), cfg.customTags(), shutdownDeadline());
    }

    /** A command's work with the outputs started (null when none are configured). */
    interface WithOutputs {
        int run(Forwarder forwarder, VigilConfig config) throws Exception;
    }

    /**
     * Starts the outputs of the config file and the flags, runs {@code body}, then closes the
     * outputs (delivering within the shutdown deadline) and prints their counters. A configuration
     * problem is printed on {@code err} and gives exit code 2.
     */
    int runWith(java.io.PrintWriter err, WithOutputs body) throws Exception {
        Forwarder forwarder;
        VigilConfig cfg;
        try {
            cfg = loadConfig();
            forwarder = start(cfg);
        } catch (ConfigException e) {
            err.println("vigil: " + e.getMessage());
            return 2;
        }
        if (forwarder != null) {
            err.println("vigil: alerts also go to " + describe(forwarder));
        }
        try {
            return body.run(forwarder, cfg);
        } finally {
            if (forwarder != null) {
                forwarder.close();
                err.println("vigil: outputs: " + ForwardMetrics.summary(null, forwarder));
            }
        }
    }

    /** "name (type), name (type)". */
    static String describe(Forwarder forwarder) {
        return String.join(", ", forwarder.outputs().stream().map(o -> o.name() + " (" + o.type() + ")").toList());
    }
}
