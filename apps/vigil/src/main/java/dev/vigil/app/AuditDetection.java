package dev.vigil.app;

import dev.vigil.event.Alert;
import dev.vigil.event.AlertJson;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.Priority;
import dev.vigil.k8saudit.AuditEventView;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.output.AlertFormatter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Detection on the audit events Vigil stores: the {@code k8s_audit} rules of {@code --rules}
 * evaluated over every newly stored event as it was stored (after protection: a Secret's event has
 * no bodies to match), re-sent duplicates skipped. Alerts are printed as Falco JSON lines and
 * delivered to the outputs of {@code --output}/{@code --config}.
 */
final class AuditDetection {
    @Option(names = "--rules", paramLabel = "K8S_RULES.yaml",
            description = "Run these k8s_audit rules (e.g. Falco's k8s_audit_rules.yaml; files or directories, layered in order) over "
                    + "every stored event and print/deliver their alerts. Repeatable.")
    List<Path> rules = new ArrayList<>();

    @Mixin
    OutputFlags outputFlags;

    /** Evaluates events and emits alerts; thread-safe (one event at a time). */
    static final class Detector implements AutoCloseable {
        private final RuleSet rules;
        private final AuditEventView view;
        private final AlertFormatter formatter;
        private final PrintWriter out;
        private final Forwarder forwarder;
        private final boolean ownsForwarder;
        // written under this object's lock (detect), read without it by metrics scrapes
        private volatile long events;
        private volatile long alerts;

        /** {@code forwarder} (may be null) is closed with the detector when {@code ownsForwarder}. */
        Detector(RuleSet rules, PrintWriter out, Forwarder forwarder, boolean ownsForwarder) {
            this.ownsForwarder = ownsForwarder;
            this.rules = rules;
            String host = AlertFormatter.defaultHostname();
            this.view = new AuditEventView(rules.slots(), host);
            this.formatter = new AlertFormatter(host);
            this.out = out;
            this.forwarder = forwarder;
        }

        /** Runs the rules over the events that were stored (not the duplicates), as stored. */
        synchronized void detect(List<AuditStore.Outcome> outcomes) {
            for (AuditStore.Outcome o : outcomes) {
                if (o.duplicate()) {
                    continue;
                }
                events++;
                view.set(o.protection().event());
                rules.evaluate(view, RuleMatching.FIRST, rule -> emit(formatter.alert(rule, view)));
            }
            out.flush();
        }

        private void emit(Alert a) {
            alerts++;
            out.println(AlertJson.write(a));
            if (forwarder != null) {
                forwarder.accept(FalcoAlert.of(a));
            }
        }

        /** Events evaluated and alerts raised, as Prometheus metrics. */
        /** The metrics of the outputs this detector delivers to, when it owns them (`vigil audit serve --output`). */
        String outputMetrics() {
            return forwarder == null || !ownsForwarder ? "" : ForwardMetrics.render(forwarder, null);
        }

        void metrics(dev.vigil.pipeline.PrometheusText t) {
            t.counter("vigil_audit_detection_events_total", "Newly stored audit events evaluated by the k8s_audit rules.", events);
            t.counter("vigil_audit_detection_alerts_total", "Alerts raised by the k8s_audit rules.", alerts);
        }

        synchronized String summary() {
            return "detection: " + events + " events evaluated, " + alerts + " alerts"
                    + (forwarder == null || !ownsForwarder ? "" : "; outputs: " + ForwardMetrics.summary(null, forwarder));
        }

        @Override
        public void close() {
            if (forwarder != null && ownsForwarder) {
                forwarder.close();
            }
        }
    }

    /**
     * The detector, or null when no {@code --rules} were given (outputs then make no sense: an error).
     * Problems with the rules or the outputs are reported on {@code err} as a {@link ConfigException}.
     */
    Detector start(PrintWriter out, PrintWriter err) throws ConfigException {
        VigilConfig cfg = outputFlags.loadConfig();
        if (rules.isEmpty()) {
            if (!outputFlags.settings(cfg).isEmpty()) {
                throw new ConfigException("--output/--config outputs need --rules (the k8s_audit rules whose alerts they deliver)");
            }
            return null;
        }
        RuleSet rs = loadRules(rules, "--rules", err);
        long k8s = rs.runningRules().stream().filter(r -> FieldCatalog.K8S_AUDIT.equals(r.source())).count();
        Forwarder forwarder = outputFlags.start(cfg);
        err.println("vigil: " + k8s + " k8s_audit rules run over stored events"
                + (forwarder == null ? "" : "; alerts also go to " + OutputFlags.describe(forwarder)));
        return new Detector(rs, out, forwarder, true);
    }

    /** Loads k8s_audit rules files (reporting their problems on {@code err}); they must hold an enabled k8s_audit rule. */
    static RuleSet loadRules(List<Path> files, String where, PrintWriter err) throws ConfigException {
        RulesOptions ro = new RulesOptions();
        ro.rules = List.copyOf(files);
        RuleSet rs = ro.ruleSet(Main.selection(Priority.DEBUG, List.of(), List.of(), List.of(), List.of()), err);
        if (rs == null) {
            throw new ConfigException("the " + where + " did not load");
        }
        if (rs.runningRules().stream().noneMatch(r -> FieldCatalog.K8S_AUDIT.equals(r.source()))) {
            throw new ConfigException("the " + where + " hold no enabled k8s_audit rule (source: k8s_audit)");
        }
        return rs;
    }

    /** A command's work with detection running (null when no --rules were given). */
    interface WithDetector {
        int run(Detector detector) throws Exception;
    }

    /**
     * Starts detection and its outputs, runs {@code body}, then closes the outputs and prints the
     * detection summary. A problem with the rules or the outputs is printed and gives exit code 2.
     */
    int runWith(PrintWriter out, PrintWriter err, WithDetector body) throws Exception {
        Detector detector;
        try {
            detector = start(out, err);
        } catch (ConfigException e) {
            err.println("vigil: " + e.getMessage());
            return 2;
        }
        try {
            return body.run(detector);
        } finally {
            if (detector != null) {
                detector.close();
                err.println("vigil: " + detector.summary());
            }
        }
    }
}
