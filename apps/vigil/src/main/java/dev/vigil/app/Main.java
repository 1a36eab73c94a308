package dev.vigil.app;

import dev.vigil.capture.file.CaptureFormatException;
import dev.vigil.capture.file.CaptureReader;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldDef;
import dev.vigil.event.Priority;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.FileResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The {@code vigil} command line. Exit codes: 0 success, 1 findings or failures, 2 usage errors. */
@Command(name = "vigil", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runtime security for Kubernetes: Falco-compatible rules over system calls and audit events.",
        subcommands = {Main.Run.class, ForwardCommand.class, LogsCommand.class, Main.Capture.class, Main.Replay.class, Main.Rules.class,
                Main.Fields.class, AuditCommands.Audit.class, AdmissionCommands.Admission.class, ScanCommand.class})
public final class Main implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "vigil: %4$s: %5$s%6$s%n");
        }
        System.exit(execute(args, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /** Runs the command line with the given streams (used by tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            err.println("vigil: " + ex.getMessage());
            return 2;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"vigil " + (v == null ? "development build" : v) + " (Falco rules engine " + RuleEngine.ENGINE_VERSION + ")"};
        }
    }

    static RuleSelection selection(Priority min, List<String> disable, List<String> disableTags, List<String> enable, List<String> enableTags) {
        return new RuleSelection(min, disable, java.util.Set.copyOf(disableTags), enable, java.util.Set.copyOf(enableTags));
    }

    /** Options that choose which rules run. */
    static final class SelectionOptions {
        @Option(names = "--priority", paramLabel = "MIN", defaultValue = "debug",
                description = "Minimum priority of the rules that run (emergency, alert, critical, error, warning, notice, informational|info, debug). Default: ${DEFAULT-VALUE}.")
        String priority;

        @Option(names = "--rule-matching", paramLabel = "MODE", defaultValue = "first",
                description = "first: stop at the first matching rule (Falco's default); all: report every matching rule. Default: ${DEFAULT-VALUE}.")
        RuleMatching matching;

        @Option(names = "--disable", paramLabel = "NAME", description = "Disable rules by name (glob patterns * and ?). Repeatable.")
        List<String> disable = new ArrayList<>();

        @Option(names = "--disable-tag", paramLabel = "TAG", description = "Disable rules carrying this tag. Repeatable.")
        List<String> disableTags = new ArrayList<>();

        @Option(names = "--enable", paramLabel = "NAME", description = "Enable rules by name (glob), even if disabled in their file. Repeatable.")
        List<String> enable = new ArrayList<>();

        @Option(names = "--enable-tag", paramLabel = "TAG", description = "Enable rules carrying this tag. Repeatable.")
        List<String> enableTags = new ArrayList<>();

        @Spec(Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec mixee;

        RuleSelection selection() {
            Priority min = Priority.parse(priority).orElseThrow(() -> new CommandLine.ParameterException(
                    mixee.commandLine(), "Invalid value for option '--priority': unknown priority '" + priority
                            + "' (emergency, alert, critical, error, warning, notice, informational, debug)"));
            return Main.selection(min, disable, disableTags, enable, enableTags);
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the agent on this host: capture system calls with the eBPF probe, evaluate them against "
                    + "the rules (Vigil's default rules unless --rules) and print alerts. Stops on SIGTERM/SIGINT or after "
                    + "--duration, flushing pending alerts and printing final statistics. Needs root (or CAP_BPF and "
                    + "CAP_PERFMON), a kernel with BTF and libbpf1; --demo replays the bundled demo events instead.")
    static final class Run implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        ProbeOptions probeOptions;
        @Mixin
        RulesOptions rulesOptions;
        @Mixin
        SelectionOptions sel;
        @Mixin
        OutputFlags outputFlags;
        @Option(names = "--json", description = "Print Falco JSON alerts instead of text lines.")
        boolean json;
        @Option(names = "--duration", paramLabel = "DURATION", description = "Stop after this long (e.g. 30s, 5m, 1h). Default: until SIGTERM/SIGINT.")
        String duration;
        @Option(names = "--stats-interval", paramLabel = "DURATION", defaultValue = "10s",
                description = "How often to report events/s, alerts and drops on standard error. Default: ${DEFAULT-VALUE}.")
        String statsInterval;
        @Option(names = "--demo", description = "Replay the bundled demo events instead of capturing (no privileges needed).")
        boolean demo;
        @Option(names = "--no-watch", description = "Do not reload the rules when their files change (SIGHUP still reloads).")
        boolean noWatch;
        @Option(names = "--events", paramLabel = "FILE", description = "Replay these events (JSON lines) instead of capturing.")
        Path events;
        @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
                description = "Serve Prometheus metrics (agent, outputs, log shipper, audit pipeline) over plain HTTP at http://HOST:PORT/metrics (and /healthz); live capture only.")
        String metricsListen;
        /** The log shipper beside the agent, when the config file has a logs section. */
        private LogsInRun logsInRun;
        /** The audit pipeline beside the agent, when the config file has an audit section. */
        private AuditInRun auditInRun;

        @Override
        public Integer call() throws IOException, InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (events != null && !Files.isReadable(events)) {
                err.println("vigil: cannot read events file " + events);
                return 2;
            }
            Duration stopAfter = duration == null ? null : parseDuration(spec, duration, "--duration");
            Duration every = parseDuration(spec, statsInterval, "--stats-interval");
            if (metricsListen != null) {
                try {
                    ListenAddress.parse(metricsListen, "--metrics-listen");
                } catch (IllegalArgumentException e) {
                    err.println("vigil: " + e.getMessage());
                    return 2;
                }
            }
            RuleSet rs = rulesOptions.ruleSet(sel.selection(), err);
            if (rs == null) {
                return 1;
            }
            err.println("vigil: " + rs.runningRules().size() + " rules running (" + rs.rules().size() + " loaded)");
            try {
                return outputFlags.runWith(err, (forwarder, cfg) -> runWithLogs(cfg, forwarder, rs, stopAfter, every, out, err));
            } catch (IOException | InterruptedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** With the config file's logs section, the log shipper runs beside the agent and stops with it. */
        private int runWithLogs(VigilConfig cfg, Forwarder forwarder, RuleSet rs, Duration stopAfter, Duration every, PrintWriter out,
                PrintWriter err) throws IOException, InterruptedException {
            LogsInRun logs;
            try {
                logs = LogsInRun.start(cfg.logs(), forwarder, outputFlags.shutdownDeadline(), err);
            } catch (dev.vigil.pipeline.ConfigException e) {
                err.println("vigil: " + e.getMessage());
                return 2;
            }
            try (logs) {
                logsInRun = logs;
                return runWithAudit(cfg, forwarder, rs, stopAfter, every, out, err);
            } finally {
                logsInRun = null;
            }
        }

        /** With the config file's audit section, the audit pipeline runs beside the agent and stops with it. */
        private int runWithAudit(VigilConfig cfg, Forwarder forwarder, RuleSet rs, Duration stopAfter, Duration every, PrintWriter out,
                PrintWriter err) throws IOException, InterruptedException {
            if (cfg.audit() == null) {
                return runWith(forwarder, rs, stopAfter, every, out, err);
            }
            AuditInRun audit;
            try {
                audit = AuditInRun.start(cfg.audit(), forwarder, out, err);
            } catch (dev.vigil.pipeline.ConfigException e) {
                err.println("vigil: " + e.getMessage());
                return 2;
            }
            try (audit) {
                auditInRun = audit;
                return runWith(forwarder, rs, stopAfter, every, out, err);
            } finally {
                auditInRun = null;
            }
        }

        private int runWith(Forwarder forwarder, RuleSet rs, Duration stopAfter, Duration every, PrintWriter out, PrintWriter err)
                throws IOException, InterruptedException {
            java.util.function.Consumer<dev.vigil.event.Alert> toOutputs = forwarder == null ? a -> {}
                    : a -> forwarder.accept(dev.vigil.pipeline.FalcoAlert.of(a));
            if (demo || events != null) {
                Replayer r = new Replayer(rs, sel.matching, !json).alertsTo(toOutputs);
                Replayer.Summary s;
                if (events == null) {
                    try (InputStream in = Main.class.getResourceAsStream("/dev/vigil/app/demo/events.jsonl")) {
                        s = r.replay("demo events", new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out, err);
                    }
                } else {
                    try (BufferedReader in = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
                        s = r.replay(events.toString(), in, out, err);
                    }
                }
                err.println("vigil: " + s);
                return 0;
            }
            LiveAgent agent = new LiveAgent(rs, sel.matching, json, out, err, every);
            agent.alertsTo(toOutputs);
            agent.probeConfig(probeOptions.config());
            agent.metadataSources(probeOptions.metadataSources(err));
            RulesWatcher watcher = null;
            if (rulesOptions.reloadable()) {
                RuleSelection selection = sel.selection();
                agent.reloadWith(() -> rulesOptions.ruleSet(selection, err));
                // reload on SIGHUP and when a rules file changes; a broken file leaves the running rules in place
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> agent.requestReload());
                } catch (IllegalArgumentException unsupported) {
                    err.println("vigil: SIGHUP reload is not available on this platform");
                }
                if (!noWatch) {
                    watcher = new RulesWatcher(rulesOptions.watchedPaths(), Duration.ofSeconds(1), agent::requestReload);
                    watcher.start();
                }
            }
            Thread hook = new Thread(() -> {
                agent.stop();
                try {
                    agent.awaitStopped(java.time.Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "vigil-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            MetricsEndpoint endpoint = null;
            if (metricsListen != null) {
                LogsInRun logs = logsInRun;
                AuditInRun audit = auditInRun;
                endpoint = MetricsEndpoint.start(metricsListen, () -> agent.metrics()
                        + (forwarder == null ? "" : ForwardMetrics.render(forwarder, null)) + (logs == null ? "" : logs.metrics())
                        + (audit == null ? "" : audit.metrics()), err, "metrics");
            }
            try {
                return agent.run(stopAfter);
            } finally {
                if (endpoint != null) {
                    endpoint.close();
                }
                if (watcher != null) {
                    watcher.close();
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for the agent, which has finished
                }
            }
        }
    }

    @Command(name = "capture", mixinStandardHelpOptions = true,
            description = "Record system calls to a capture file for `vigil replay`: the live agent's capture (same probe, "
                    + "same syscalls selected in the kernel for the rules and state tracking) writing every record and the "
                    + "initial process state instead of evaluating rules. Stops on SIGTERM/SIGINT or after --duration and "
                    + "prints records written, bytes and kernel drops. Needs what `vigil run` needs. Format: docs/capture-format.md.")
    static final class Capture implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        ProbeOptions probeOptions;
        @Mixin
        RulesOptions rulesOptions;
        @Option(names = {"-w", "--write"}, paramLabel = "FILE", required = true,
                description = "The capture file to write (replaced if it exists); gzip-compressed when it ends in .gz or with --gzip.")
        Path file;
        @Option(names = "--gzip", description = "Compress the whole file with gzip.")
        boolean gzip;
        @Option(names = "--duration", paramLabel = "DURATION", description = "Stop after this long (e.g. 30s, 5m, 1h). Default: until SIGTERM/SIGINT.")
        String duration;
        @Option(names = "--stats-interval", paramLabel = "DURATION", defaultValue = "10s",
                description = "How often to report records written, bytes and drops on standard error. Default: ${DEFAULT-VALUE}.")
        String statsInterval;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter err = spec.commandLine().getErr();
            Duration stopAfter = duration == null ? null : parseDuration(spec, duration, "--duration");
            Duration every = parseDuration(spec, statsInterval, "--stats-interval");
            RuleSet rs = rulesOptions.ruleSet(selection(Priority.DEBUG, List.of(), List.of(), List.of(), List.of()), err);
            if (rs == null) {
                return 1;
            }
            String described = rulesOptions.rules.isEmpty() ? RulesOptions.DEFAULT_RULES_RESOURCE.substring(RulesOptions.DEFAULT_RULES_RESOURCE.lastIndexOf('/') + 1)
                    + " (bundled)" : String.join(",", rulesOptions.rules.stream().map(Path::toString).toList());
            boolean compress = gzip || file.getFileName().toString().endsWith(".gz");
            CaptureAgent agent = new CaptureAgent(rs, described, file, compress, err, every);
            agent.probeConfig(probeOptions.config());
            agent.metadataSources(probeOptions.metadataSources(err));
            Thread hook = new Thread(() -> {
                agent.stop();
                try {
                    agent.awaitStopped(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "vigil-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return agent.run(stopAfter);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for the agent, which has finished
                }
            }
        }
    }

    static Duration parseDuration(CommandLine.Model.CommandSpec spec, String text, String option) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException bad) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '" + option + "': " + bad.getMessage());
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Replay events through rules and print one Falco JSON alert per match (--text: Falco's text line). "
                    + "FILE is a capture file written by `vigil capture` (replayed with the recorded state: the alerts `vigil run` "
                    + "printed live, at the recorded times) or an event file of JSON field snapshots, one per line; the format "
                    + "is recognised by its first bytes. With --source k8s_audit, FILE is a Kubernetes audit log.")
    static final class Replay implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        RulesOptions rulesOptions;
        @Mixin
        SelectionOptions sel;
        @Option(names = "--text", description = "Print Falco's text alert line instead of JSON.")
        boolean text;
        @Mixin
        OutputFlags outputFlags;
        @Option(names = "--source", paramLabel = "SOURCE",
                description = "k8s_audit: EVENTS is a Kubernetes audit log (JSON lines of audit Event or EventList, or one such JSON document), "
                        + "its ka.*/jevt.* fields extracted as Falco's k8saudit plugin does. Default: field snapshot lines.")
        String source;
        @Parameters(paramLabel = "FILE", description = "A capture file (vigil capture), or events one per line: "
                + "{\"source\":\"syscall\",\"time\":\"2026-11-26T10:00:00.123456789Z\",\"fields\":{\"evt.type\":\"execve\",...}}; "
                + "- for JSON lines on standard input.")
        String events;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            boolean audit = FieldCatalog.K8S_AUDIT.equals(source);
            if (source != null && !audit) {
                err.println("vigil: unknown --source '" + source + "' (k8s_audit, or none for field snapshot lines)");
                return 2;
            }
            RuleSet rs = rulesOptions.ruleSet(sel.selection(), err);
            if (rs == null) {
                return 1;
            }
            try {
                return outputFlags.runWith(err, (forwarder, cfg) -> replay(rs, audit, forwarder, out, err));
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private int replay(RuleSet rs, boolean audit, Forwarder forwarder, PrintWriter out, PrintWriter err) throws IOException {
            Replayer r = new Replayer(rs, sel.matching, text);
            if (forwarder != null) {
                r.alertsTo(a -> forwarder.accept(dev.vigil.pipeline.FalcoAlert.of(a)));
            }
            Replayer.Summary s;
            if (events.equals("-")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                s = audit ? r.replayAudit("stdin", in, out, err) : r.replay("stdin", in, out, err);
            } else {
                Path p = Path.of(events);
                if (!Files.isReadable(p)) {
                    err.println("vigil: cannot read events file " + p);
                    return 2;
                }
                if (!audit && CaptureReader.isCaptureFile(p)) {
                    try {
                        CaptureReplayer.Summary cs = new CaptureReplayer(rs, sel.matching, text).replay(p, out);
                        if (cs.warning() != null) {
                            err.println("vigil: warning: " + p + ": " + cs.warning());
                        }
                        err.println("vigil: " + cs);
                        return 0;
                    } catch (CaptureFormatException e) {
                        out.flush();
                        err.println("vigil: " + e.getMessage());
                        return 1;
                    }
                }
                try (BufferedReader in = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                    s = audit ? r.replayAudit(events, in, out, err) : r.replay(events, in, out, err);
                }
            }
            err.println("vigil: " + s);
            return 0;
        }
    }

    @Command(name = "rules", mixinStandardHelpOptions = true, description = "Validate, list and test rules files.",
            subcommands = {Validate.class, ListRules.class, RulesTest.class})
    static final class Rules implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Validate rules files, layered in order. Prints every error and warning with its code and position; exit 0 when valid, 1 otherwise.")
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "FILE", arity = "1..*", description = "Rules files or directories.")
        List<Path> files;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text", description = "text or json.")
        String format;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RuleEngine.LoadResult r = RuleEngine.loadPaths(files, RuleEngine.Options.defaults());
            switch (format.toLowerCase(Locale.ROOT)) {
                case "json" -> out.println(Reports.json(r.files()));
                case "text" -> {
                    for (FileResult f : r.files()) {
                        out.println(f.summary());
                        for (Problem p : f.problems()) {
                            out.println("  " + Reports.line(f, p));
                            if (p.isError() && !p.snippet().isEmpty()) {
                                p.snippet().lines().forEach(l -> out.println("    | " + l));
                            }
                        }
                        out.println("  " + f.errors().size() + " errors, " + f.warnings().size() + " warnings");
                    }
                }
                default -> {
                    spec.commandLine().getErr().println("vigil: unknown output format '" + format + "' (text or json)");
                    return 2;
                }
            }
            return r.successful() ? 0 : 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List rules (source, priority, enabled, tags), macros and lists.")
    static final class ListRules implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        RulesOptions rulesOptions;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            RuleEngine.LoadResult r = rulesOptions.load(spec.commandLine().getErr());
            if (!r.successful()) {
                return 1;
            }
            out.println("RULES (" + r.rules().size() + ")");
            out.printf("%-60s %-10s %-13s %-8s %s%n", "NAME", "SOURCE", "PRIORITY", "ENABLED", "TAGS");
            for (CompiledRule c : r.rules()) {
                out.printf("%-60s %-10s %-13s %-8s %s%n", c.name(), c.source(), c.priority().displayName(), c.enabled(), String.join(",", c.tags()));
            }
            out.println();
            out.println("MACROS (" + r.catalog().macros().size() + ")");
            r.catalog().macros().forEach(m -> out.println(m.name() + ": " + m.text().strip().replaceAll("\\s+", " ")));
            out.println();
            out.println("LISTS (" + r.catalog().lists().size() + ")");
            r.catalog().lists().forEach(l -> out.println(l.name() + ": [" + l.text() + "]"));
            return 0;
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Run rule unit tests: a YAML list of {name, event, expect}; expect lists the rules that must match under rule_matching all.")
    static final class RulesTest implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Mixin
        RulesOptions rulesOptions;
        @Parameters(paramLabel = "CASES.yaml", arity = "1..*", description = "Test case files.")
        List<Path> cases;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RuleSet rs = rulesOptions.ruleSet(RuleSelection.all(), err);
            if (rs == null) {
                return 1;
            }
            RuleTests.Outcome o = new RuleTests(rs).run(cases, out);
            out.println(o.passed() + " passed, " + o.failed() + " failed");
            return o.failed() == 0 && o.passed() > 0 ? 0 : 1;
        }
    }

    @Command(name = "fields", mixinStandardHelpOptions = true, description = "List the fields rules can use, per event source.")
    static final class Fields implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--source", paramLabel = "SOURCE", description = "Only this source (syscall, k8s_audit).")
        String source;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (String s : FieldCatalog.builtInSources()) {
                if (source != null && !source.equals(s)) {
                    continue;
                }
                FieldCatalog c = FieldCatalog.forSource(s).orElseThrow();
                out.println("Source " + s + " (" + c.fields().size() + " fields)");
                out.printf("  %-48s %-8s %-10s %s%n", "FIELD", "TYPE", "ARGUMENT", "DESCRIPTION");
                for (FieldDef d : c.fields().values()) {
                    String flags = d.flags().isEmpty() ? "" : " [" + String.join(", ", d.flags().stream()
                            .map(f -> f.name().toLowerCase(Locale.ROOT)).sorted().toList()) + "]";
                    out.printf("  %-48s %-8s %-10s %s%s%n", d.name(), d.type().label(), d.arg().label(), d.description(), flags);
                }
                out.println();
            }
            if (source != null && FieldCatalog.forSource(source).isEmpty()) {
                spec.commandLine().getErr().println("vigil: unknown source '" + source + "' (known: " + String.join(", ", FieldCatalog.builtInSources()) + ")");
                return 2;
            }
            return 0;
        }
    }
}
