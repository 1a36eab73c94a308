package dev.vigil.app;

import dev.vigil.k8saudit.ingest.AuditLogFollower;
import dev.vigil.k8saudit.protect.AuditProtector;
import dev.vigil.k8saudit.protect.SensitiveKinds;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.k8saudit.store.StoreOptions;
import dev.vigil.pipeline.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * The Kubernetes audit pipeline inside `vigil run`, from the config file's {@code audit:} section:
 * one tamper-evident store fed by the webhook receiver ({@code serve}, as `vigil audit serve`)
 * and/or a followed kube-apiserver log ({@code follow}, as `vigil audit ingest --follow`), with the
 * section's k8s_audit rules run over every newly stored event and their alerts sent to the
 * agent's outputs.
 */
final class AuditInRun implements AutoCloseable {
    private final AuditStore store;
    private final AuditDetection.Detector detector;
    private AuditWebhook server;
    private AuditLogFollower follower;
    private ScheduledExecutorService followExecutor;
    private final PrintWriter err;

    private AuditInRun(AuditStore store, AuditDetection.Detector detector, PrintWriter err) {
        this.store = store;
        this.detector = detector;
        this.err = err;
    }

    /** Opens the store and starts what the section configures; on a problem, everything started is closed again. */
    static AuditInRun start(VigilConfig.Audit cfg, Forwarder forwarder, PrintWriter out, PrintWriter err) throws ConfigException {
        SensitiveKinds kinds;
        try {
            kinds = SensitiveKinds.defaultsPlus(cfg.sensitive());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(cfg.where() + ": audit.sensitive: " + e.getMessage());
        }
        AuditDetection.Detector detector = null;
        if (!cfg.rules().isEmpty()) {
            detector = new AuditDetection.Detector(AuditDetection.loadRules(cfg.rules(), "audit.rules", err), out, forwarder, false);
        }
        StoreOptions options = StoreOptions.defaults().withMaxSegmentBytes(cfg.maxSizeMb() * 1024 * 1024).withMaxSegments(cfg.maxBackup())
                .withMaxAge(cfg.maxAgeDays() == 0 ? null : Duration.ofDays(cfg.maxAgeDays())).withPrivateKey(cfg.signingKey());
        AuditStore store;
        try {
            store = AuditStore.open(cfg.store(), options, new AuditProtector(kinds));
        } catch (IOException e) {
            throw new ConfigException(cfg.where() + ": audit.store " + cfg.store() + ": " + e.getMessage());
        }
        store.recoveries().forEach(r -> err.println("vigil: " + cfg.store() + ": " + r));
        AuditInRun a = new AuditInRun(store, detector, err);
        try {
            if (cfg.serve() != null) {
                a.serve(cfg, out);
            }
            if (cfg.follow() != null) {
                a.follow(cfg.follow(), cfg.store());
            }
        } catch (ConfigException | RuntimeException e) {
            a.close();
            throw e;
        }
        return a;
    }

    private void serve(VigilConfig.Audit cfg, PrintWriter out) throws ConfigException {
        VigilConfig.Serve s = cfg.serve();
        // the same checks as `vigil audit serve`: its options are built from the section
        List<String> args = new ArrayList<>(List.of("--listen", s.listen(), "--store", cfg.store().toString(), "--path", s.path()));
        add(args, "--tls-cert", s.tlsCert());
        add(args, "--tls-key", s.tlsKey());
        add(args, "--client-ca", s.clientCa());
        add(args, "--token-file", s.tokenFile());
        if (s.plainHttp()) {
            args.add("--plain-http");
        }
        AuditServe cmd = new AuditServe();
        AuditWebhook.Config config;
        try {
            new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
            config = cmd.config();
        } catch (CommandLine.ParameterException | IOException e) {
            throw new ConfigException(cfg.where() + ": audit.serve: " + e.getMessage());
        }
        try {
            server = new AuditWebhook(config, store);
        } catch (IOException e) {
            throw new ConfigException(cfg.where() + ": audit.serve: cannot listen on " + s.listen() + ": " + e.getMessage());
        }
        if (detector != null) {
            server.afterStore(detector::detect);
        }
        server.start();
        err.println("vigil: serving the audit webhook on " + (config.tls() == null ? "http" : "https") + "://"
                + ListenAddress.host(s.listen()) + ":" + server.address().getPort() + config.path() + " (store " + cfg.store() + ")");
        err.flush();
    }

    private static void add(List<String> args, String option, Path value) {
        if (value != null) {
            args.add(option);
            args.add(value.toString());
        }
    }

    private void follow(VigilConfig.Follow f, Path storeDir) {
        Path cp = f.checkpoint() != null ? f.checkpoint() : storeDir.resolve("follow-" + f.log().getFileName() + ".checkpoint");
        AuditLogFollower.Sink sink = events -> {
            List<AuditStore.Outcome> outcomes = store.appendAll(events);
            if (detector != null) {
                detector.detect(outcomes);
            }
        };
        AuditLogFollower.Reporter reporter = new AuditLogFollower.Reporter() {
            @Override
            public void malformed(String file, long line, String message) {
                err.println("vigil: " + file + ":" + line + ": malformed audit event: " + message);
            }

            @Override
            public void warning(String message) {
                err.println("vigil: warning: " + message);
            }
        };
        follower = new AuditLogFollower(f.log(), cp, sink, reporter);
        followExecutor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("vigil-audit-follow").unstarted(r));
        follower.start(followExecutor, Duration.ofMillis(f.pollMillis()));
        err.println("vigil: following the audit log " + f.log() + " into " + storeDir);
    }

    /** Prometheus metrics of the receiver, the follower and detection (what is configured). */
    String metrics() {
        return metrics(server, follower, detector);
    }

    /**
     * Prometheus metrics of an audit pipeline's parts (null for those not running): the webhook
     * receiver, the log follower, detection and the outputs detection owns.
     */
    static String metrics(AuditWebhook server, AuditLogFollower follower, AuditDetection.Detector detector) {
        dev.vigil.pipeline.PrometheusText t = new dev.vigil.pipeline.PrometheusText();
        if (server != null) {
            server.metrics(t);
        }
        if (follower != null) {
            t.counter("vigil_audit_follow_events_total", "Audit events read from the followed log.", follower.events());
            t.counter("vigil_audit_follow_malformed_total", "Lines of the followed log that are not audit events.",
                    follower.malformed());
        }
        if (detector != null) {
            detector.metrics(t);
        }
        return t.render() + (detector == null ? "" : detector.outputMetrics());
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.stop();
            followExecutor.shutdown();
            try {
                followExecutor.awaitTermination(30, TimeUnit.SECONDS);
                follower.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                err.println("vigil: audit log follower: " + e.getMessage());
            }
        }
        if (server != null) {
            server.close(); // waits for the requests in flight, which finish their appends
            err.println("vigil: audit webhook stopped: " + server.counters());
        }
        try {
            store.close();
        } catch (IOException e) {
            err.println("vigil: audit store: " + e.getMessage());
        }
        if (detector != null) {
            err.println("vigil: audit " + detector.summary());
        }
        err.flush();
    }
}
