package dev.vigil.app;

import dev.vigil.k8saudit.policy.Decision;
import dev.vigil.k8saudit.policy.DetectionRequirements;
import dev.vigil.k8saudit.policy.Policy;
import dev.vigil.k8saudit.policy.PolicyChecker;
import dev.vigil.k8saudit.policy.PolicyLinter;
import dev.vigil.k8saudit.policy.PolicyLoadResult;
import dev.vigil.k8saudit.policy.PolicyLoader;
import dev.vigil.k8saudit.policy.PolicyProblem;
import dev.vigil.k8saudit.policy.PolicyRule;
import dev.vigil.k8saudit.policy.RequestAttributes;
import dev.vigil.k8saudit.policy.RequestInfo;
import dev.vigil.k8saudit.policy.SensitiveKind;
import dev.vigil.k8saudit.policy.Stage;
import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.AuditEventParser;
import dev.vigil.k8saudit.protect.AuditProtector;
import dev.vigil.k8saudit.protect.SensitiveKinds;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.k8saudit.store.StoreKeys;
import dev.vigil.k8saudit.store.StoreOptions;
import dev.vigil.k8saudit.store.StoreVerifier;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.PublicKey;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil audit ...}: Kubernetes API audit tooling. */
final class AuditCommands {
    private AuditCommands() {}

    @Command(name = "audit", mixinStandardHelpOptions = true, description = "Kubernetes API audit: policy tools; a tamper-evident event store.",
            subcommands = {PolicyGroup.class, Ingest.class, Verify.class, AuditServe.class, AuditApiserverConfig.class})
    static final class Audit implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = "Validate, explain and lint kube-apiserver audit policies (audit.k8s.io/v1 Policy). See docs/audit-policy.md.",
            subcommands = {Validate.class, Explain.class, Lint.class})
    static final class PolicyGroup implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /** Prints the load problems; returns the policy or null. */
    static Policy load(Path file, PrintWriter out) {
        PolicyLoadResult r = PolicyLoader.load(file);
        for (PolicyProblem p : r.problems()) {
            out.println(p.format(file.toString()));
        }
        return r.policy();
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check a policy file as kube-apiserver loads it: its errors (same field paths and texts) and warnings for what "
                    + "it accepts silently (unknown or duplicate fields, verbs and resources that never match, ...), each with "
                    + "FILE:LINE:COLUMN. Exit 0 when kube-apiserver would load it, 1 otherwise.")
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "FILE", description = "The policy file (YAML or JSON).")
        Path file;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PolicyLoadResult r = PolicyLoader.load(file);
            out.println(file + ": " + (r.valid() ? "valid (" + r.policy().rules().size() + " rules)" : "invalid"));
            for (PolicyProblem p : r.problems()) {
                out.println("  " + p.format(file.toString()));
            }
            out.println("  " + r.errors().size() + " errors, " + r.warnings().size() + " warnings");
            if (r.apiserverError() != null) {
                out.println("  kube-apiserver would refuse to start: " + r.apiserverError());
            } else if (r.warnings().stream().anyMatch(PolicyProblem::apiserver)) {
                out.println("  kube-apiserver would start, logging \"Audit policy contains errors, falling back to lenient decoding\"");
            }
            return r.valid() ? 0 : 1;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Show which rule of the policy a request matches, its level, the omitted stages and the stages that "
                    + "will be emitted, as kube-apiserver decides them. Describe the request with --resource (resource request) or "
                    + "--path (non-resource request); --path with --method derives everything from the URL as kube-apiserver does.")
    static final class Explain implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "FILE", description = "The policy file.")
        Path file;
        @Option(names = "--user", paramLabel = "U", description = "The authenticated user (impersonation is applied after the audit policy, so this is the real user).")
        String user;
        @Option(names = "--group", paramLabel = "G", description = "A group of the user. Repeatable.")
        List<String> groups = new ArrayList<>();
        @Option(names = "--failed-authn", description = "The request failed authentication: there is no user (instead of --user).")
        boolean failedAuthn;
        @Option(names = "--verb", paramLabel = "V", description = "The request verb: get, list, watch, create, update, patch, delete, "
                + "deletecollection, proxy; for --path the lowercased HTTP method.")
        String verb;
        @Option(names = "--api-group", paramLabel = "G", defaultValue = "", description = "The API group (default: \"\", the core group).")
        String apiGroup;
        @Option(names = "--resource", paramLabel = "R[/SUB]", description = "The resource, optionally with a subresource: pods, pods/exec.")
        String resource;
        @Option(names = "--namespace", paramLabel = "NS", defaultValue = "", description = "The namespace (default: \"\", a cluster-scoped request).")
        String namespace;
        @Option(names = "--name", paramLabel = "N", defaultValue = "", description = "The object name (default: none, as for list and create).")
        String name;
        @Option(names = "--path", paramLabel = "/URL", description = "A non-resource URL path (/healthz, /apis, ...); with --method any URL, query included.")
        String path;
        @Option(names = "--method", paramLabel = "M", description = "With --path: the HTTP method; the verb and resource attributes are derived from the URL.")
        String method;
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
                description = "text or json: {\"rule\": N|null, \"level\": ..., \"omitStages\": [...], \"stages\": [...]}.")
        String format;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String fmt = format.toLowerCase(Locale.ROOT);
            if (!fmt.equals("text") && !fmt.equals("json")) {
                throw usage("unknown output format '" + format + "' (text or json)");
            }
            RequestAttributes a = request();
            Policy policy = load(file, err);
            if (policy == null) {
                err.println("vigil: " + file + " is not a valid policy (see vigil audit policy validate)");
                return 1;
            }
            Decision d = new PolicyChecker(policy).check(a);
            if (fmt.equals("json")) {
                out.println(d.toJson());
                return 0;
            }
            out.println("request:           " + a.describe());
            if (d.rule() == null) {
                out.println("rule:              none (no rule matches: level None)");
            } else {
                PolicyRule r = policy.rule(d.rule());
                out.println("rule:              " + d.rule() + (r.position().known() ? " (line " + r.position().line() + ")" : ""));
            }
            out.println("level:             " + d.level());
            out.println("omitStages:        " + stages(d.omitStages()));
            out.println("stages:            " + stages(d.stages()) + (d.level().name().equals("None") ? " (not audited)" : ""));
            out.println("omitManagedFields: " + d.omitManagedFields());
            return 0;
        }

        private static String stages(List<Stage> s) {
            return s.isEmpty() ? "(none)" : s.stream().map(Stage::name).collect(Collectors.joining(", "));
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }

        private RequestAttributes request() {
            if (failedAuthn && user != null) {
                throw usage("--failed-authn means there is no user: leave out --user");
            }
            if (!failedAuthn && user == null) {
                throw usage("--user is required (or --failed-authn for a request that failed authentication; anonymous requests are "
                        + "--user system:anonymous --group system:unauthenticated)");
            }
            if (failedAuthn && !groups.isEmpty()) {
                throw usage("--failed-authn means there is no user: leave out --group");
            }
            String u = failedAuthn ? null : user;
            if ((resource == null) == (path == null)) {
                throw usage("give either --resource (a resource request) or --path (a non-resource request)");
            }
            if (path != null) {
                if (!apiGroup.isEmpty() || !namespace.isEmpty() || !name.isEmpty()) {
                    throw usage("--api-group, --namespace and --name describe resource requests; with --path use --method to derive them from the URL");
                }
                if (method != null) {
                    if (verb != null) {
                        throw usage("--method derives the verb from the URL: leave out --verb");
                    }
                    return RequestInfo.parse(method, path, u, groups);
                }
                if (verb == null) {
                    throw usage("--verb is required (the lowercased HTTP method of a non-resource request, e.g. get), or --method");
                }
                if (path.contains("?")) {
                    throw usage("--path is the URL path without query string (or give --method to parse a whole URL)");
                }
                if (RequestInfo.parse("GET", path, u, groups).resourceRequest()) {
                    throw usage(path + " is a resource path, which kube-apiserver treats as a resource request: describe it with --resource, "
                            + "or give --method to derive it from the URL");
                }
                return RequestAttributes.nonResource(u, groups, verb, path);
            }
            if (method != null) {
                throw usage("--method goes with --path");
            }
            if (verb == null) {
                throw usage("--verb is required");
            }
            String res = resource;
            String sub = "";
            int slash = res.indexOf('/');
            if (slash >= 0) {
                sub = res.substring(slash + 1);
                res = res.substring(0, slash);
            }
            if (res.isEmpty() || sub.contains("/")) {
                throw usage("--resource is RESOURCE or RESOURCE/SUBRESOURCE, e.g. pods or pods/exec");
            }
            return RequestAttributes.resource(u, groups, verb, apiGroup, res, sub, namespace, name);
        }
    }

    @Command(name = "lint", mixinStandardHelpOptions = true,
            description = "Check what a valid policy really does: sensitive kinds (secrets, tokenreviews, serviceaccounts/token and "
                    + "--sensitive ones) logged above Metadata by some request, rules that never match or are shadowed by earlier ones, "
                    + "surprising forms; with --rules, which Falco k8s_audit detection rules cannot fire under the policy (they need "
                    + "request bodies, the ResponseStarted stage, or requests the policy does not log). Exit 1 when a sensitive kind "
                    + "can be logged above Metadata (or the policy is invalid), else 0.")
    static final class Lint implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "FILE", description = "The policy file.")
        Path file;
        @Option(names = "--rules", paramLabel = "K8S_RULES.yaml", description = "Falco k8s_audit rules file (layered in order). Repeatable.")
        List<Path> rules = new ArrayList<>();
        @Option(names = "--sensitive", paramLabel = "RESOURCE", description = "Another sensitive kind: RESOURCE[.GROUP][/SUBRESOURCE], e.g. "
                + "configmaps, certificatesigningrequests, oauthaccesstokens.oauth.openshift.io. Repeatable.")
        List<String> sensitive = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<SensitiveKind> extra = new ArrayList<>();
            for (String s : sensitive) {
                try {
                    extra.add(SensitiveKind.parse(s));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--sensitive': " + e.getMessage());
                }
            }
            Policy policy = load(file, out);
            if (policy == null) {
                out.println(file + ": invalid policy, not linted (see vigil audit policy validate)");
                return 1;
            }
            PolicyLinter.Options options = PolicyLinter.Options.defaults().with(extra);
            PolicyLinter.Report report = PolicyLinter.lint(policy, options);
            for (PolicyLinter.Finding f : report.findings()) {
                out.println(f.format(file.toString()));
            }
            long errors = report.findings().stream().filter(f -> f.severity() == PolicyLinter.Severity.ERROR).count();
            long warnings = report.findings().stream().filter(f -> f.severity() == PolicyLinter.Severity.WARNING).count();
            long infos = report.findings().size() - errors - warnings;
            out.println(file + ": " + errors + " errors, " + warnings + " warnings, " + infos + " notes; sensitive kinds checked: "
                    + options.sensitive().stream().map(SensitiveKind::toString).collect(Collectors.joining(", "))
                    + (report.sensitiveLeak() ? " (some logged above Metadata)" : " (all at Metadata or below)"));
            int code = report.sensitiveLeak() ? 1 : 0;
            if (!rules.isEmpty()) {
                DetectionRequirements.Report d = DetectionRequirements.check(policy, rules);
                String names = rules.stream().map(Path::toString).collect(Collectors.joining(", "));
                if (!d.loadErrors().isEmpty()) {
                    out.println(names + ": the rules did not load, detections not checked:");
                    d.loadErrors().forEach(e -> out.println("  " + e));
                    return 1;
                }
                printDetections(out, names, d);
            }
            return code;
        }

        private static void printDetections(PrintWriter out, String names, DetectionRequirements.Report d) {
            out.println();
            out.println("Detection rules (" + names + "): " + d.results().size() + " k8s_audit rules: "
                    + d.count(DetectionRequirements.Status.FIRES) + " can fire, "
                    + d.count(DetectionRequirements.Status.FIRES_WITHOUT_BODIES) + " fire without the bodies they read, "
                    + d.count(DetectionRequirements.Status.CANNOT_FIRE) + " cannot fire, "
                    + d.count(DetectionRequirements.Status.NEVER_FIRES) + " never fire by their own condition, "
                    + d.count(DetectionRequirements.Status.DISABLED) + " disabled");
            for (DetectionRequirements.Result r : d.results()) {
                String status = switch (r.status()) {
                    case FIRES -> "fires";
                    case FIRES_WITHOUT_BODIES -> "fires without bodies";
                    case CANNOT_FIRE -> "CANNOT FIRE";
                    case NEVER_FIRES -> "never fires";
                    case DISABLED -> "disabled";
                };
                out.println("  " + status + ": " + r.rule() + (r.reason().isEmpty() ? "" : " — " + r.reason()));
                if (!r.example().isEmpty() && r.status() != DetectionRequirements.Status.FIRES) {
                    out.println("      e.g. " + r.example());
                }
            }
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Read audit log files (JSON lines of Event/EventList, v1 or v1beta1; .gz too), protect sensitive kinds "
                    + "(bodies removed, level lowered to Metadata, query-string tokens masked) and append them to a tamper-evident store. "
                    + "Re-sent events (same auditID, stage and stageTimestamp) are stored once. Prints counts and each malformed "
                    + "line. Exit 0 when every line was read, 1 when some were malformed. See docs/audit-store.md.")
    static final class Ingest implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--store", paramLabel = "DIR", required = true, description = "The store directory (created on first use).")
        Path store;
        @Parameters(paramLabel = "FILE", arity = "1..*", description = "Audit log files; '-' for standard input.")
        List<Path> files;
        @Option(names = "--signing-key", paramLabel = "PRIV.pem", description = "Ed25519 PKCS#8 PEM key that signs checkpoints "
                + "(default: DIR/store.key, generated with mode 0600 on first use, public half in DIR/store.pub).")
        Path signingKey;
        @Option(names = "--max-size", paramLabel = "MB", defaultValue = "100", description = "Seal a segment and start a new one at this size "
                + "(like --audit-log-maxsize; 0 = never). Default 100.")
        long maxSizeMb;
        @Option(names = "--max-size-bytes", paramLabel = "BYTES", hidden = true, description = "Segment size in bytes (overrides --max-size).")
        Long maxSizeBytes;
        @Option(names = "--max-backup", paramLabel = "N", defaultValue = "0", description = "Sealed segments kept (like --audit-log-maxbackup; 0 = all).")
        int maxBackup;
        @Option(names = "--max-age", paramLabel = "DAYS", defaultValue = "0", description = "Remove sealed segments older than this (like --audit-log-maxage; 0 = never).")
        int maxAgeDays;
        @Option(names = "--sensitive", paramLabel = "GROUP/RESOURCE[/SUB]", description = "A further sensitive kind, e.g. /configmaps or "
                + "certificates.k8s.io/certificatesigningrequests. Repeatable. Always included: secrets, authentication.k8s.io/tokenreviews, serviceaccounts/token.")
        List<String> sensitive = new ArrayList<>();
        @Option(names = "--follow", description = "Follow one live audit log (kube-apiserver --audit-log-path) through its rotations, "
                + "like tail -F, resuming from a checkpoint; stops on SIGTERM/SIGINT. See docs/audit-ingestion.md.")
        boolean follow;
        @Option(names = "--checkpoint", paramLabel = "FILE", description = "With --follow: where the position is kept "
                + "(default: DIR/follow-<log file name>.checkpoint).")
        Path checkpoint;
        @Option(names = "--poll-interval", paramLabel = "MS", defaultValue = "250", description = "With --follow: how often to look for new lines (default 250 ms).")
        long pollMillis;
        @Option(names = "--follow-until-idle", hidden = true, description = "With --follow: stop as soon as nothing more is available (tests).")
        boolean untilIdle;
        @picocli.CommandLine.Mixin
        AuditDetection detection;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (maxSizeMb < 0 || maxBackup < 0 || maxAgeDays < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-size, --max-backup and --max-age must not be negative");
            }
            SensitiveKinds kinds;
            try {
                kinds = SensitiveKinds.defaultsPlus(sensitive);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            StoreOptions o = StoreOptions.defaults().withMaxSegmentBytes(maxSizeBytes != null ? maxSizeBytes : maxSizeMb * 1024 * 1024)
                    .withMaxSegments(maxBackup).withMaxAge(maxAgeDays == 0 ? null : Duration.ofDays(maxAgeDays)).withPrivateKey(signingKey);
            try {
                return detection.runWith(out, err, detector -> ingest(out, err, kinds, o, detector));
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private int ingest(PrintWriter out, PrintWriter err, SensitiveKinds kinds, StoreOptions o, AuditDetection.Detector detector)
                throws IOException {
            if (follow) {
                if (files.size() != 1 || files.getFirst().toString().equals("-")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--follow takes exactly one log file (not '-')");
                }
                if (pollMillis <= 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--poll-interval must be positive");
                }
                return AuditFollow.run(out, err, store, o, new AuditProtector(kinds), files.getFirst(), checkpoint, pollMillis, untilIdle,
                        detector);
            }
            if (checkpoint != null || untilIdle) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--checkpoint goes with --follow");
            }
            long read = 0;
            long stored = 0;
            long duplicates = 0;
            long protectedCount = 0;
            long malformed = 0;
            try (AuditStore s = AuditStore.open(store, o, new AuditProtector(kinds))) {
                for (String r : s.recoveries()) {
                    err.println("vigil: " + store + ": " + r);
                }
                for (Path f : files) {
                    AuditEventParser.Collector parsed = new AuditEventParser.Collector();
                    try (Reader in = open(f)) {
                        new AuditEventParser().read(in, parsed);
                    }
                    List<AuditEvent> events = parsed.events();
                    List<AuditEventParser.Problem> problems = parsed.problems();
                    for (AuditEventParser.Problem p : problems) {
                        out.println(f + ":" + p.line() + ": malformed: " + p.message());
                    }
                    malformed += problems.size();
                    read += events.size();
                    for (int i = 0; i < events.size(); i += 512) {
                        List<AuditStore.Outcome> outcomes = s.appendAll(events.subList(i, Math.min(events.size(), i + 512)));
                        if (detector != null) {
                            detector.detect(outcomes);
                        }
                        for (AuditStore.Outcome oc : outcomes) {
                            if (oc.duplicate()) {
                                duplicates++;
                            } else {
                                stored++;
                                if (oc.protection().changed()) {
                                    protectedCount++;
                                }
                            }
                        }
                    }
                }
                out.println("read " + read + ", stored " + stored + ", duplicates " + duplicates + ", protected " + protectedCount
                        + ", malformed " + malformed + " (last seq " + s.lastSeq() + ")");
            }
            return malformed > 0 ? 1 : 0;
        }

        private static Reader open(Path f) throws IOException {
            InputStream in = f.toString().equals("-") ? System.in : Files.newInputStream(f);
            BufferedInputStream b = new BufferedInputStream(in);
            b.mark(2);
            int m1 = b.read();
            int m2 = b.read();
            b.reset();
            InputStream data = m1 == 0x1f && m2 == 0x8b ? new GZIPInputStream(b) : b;
            return new InputStreamReader(data, StandardCharsets.UTF_8);
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a store: the signed genesis pointer, every segment's hash chain and sequence continuity, and each "
                    + "sealed segment's signed checkpoint. Prints the first bad position (segment file, record seq, byte offset) for "
                    + "modified, inserted, deleted, reordered or truncated records and forged checkpoints. Exit 0 when intact, 1 otherwise.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "DIR", description = "The store directory.")
        Path dir;
        @Option(names = "--key", paramLabel = "PUB.pem", description = "The Ed25519 public key (X.509 PEM) to trust. Default: DIR/store.pub, "
                + "which only proves consistency: an attacker who can rewrite the store can replace it too. Keep a copy elsewhere.")
        Path key;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path k = key != null ? key : dir.resolve(StoreKeys.PUBLIC_FILE);
            PublicKey pub = StoreKeys.readPublic(k);
            StoreVerifier.Report r = StoreVerifier.verify(dir, pub);
            if (key == null) {
                out.println("note: trusting " + k + " from the store itself; pass --key with a copy kept elsewhere");
            }
            if (r.intact()) {
                out.println(dir + ": intact: " + r.segments() + " segments, " + r.records() + " records"
                        + (r.records() > 0 ? " (seq " + r.firstSeq() + ".." + r.lastSeq() + ")" : ""));
                return 0;
            }
            out.println(dir + ": TAMPERED or damaged at " + r.problem());
            out.println("  verified before it: " + r.records() + " records in " + r.segments() + " segments");
            return 1;
        }
    }
}
