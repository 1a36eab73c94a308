package dev.vigil.k8saudit.policy;

import dev.vigil.event.FieldCatalog;
import dev.vigil.k8saudit.policy.RequestSpace.Partial;
import dev.vigil.k8saudit.policy.RequestSpace.Tuple;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.FileResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.ConditionParser;
import dev.vigil.rules.condition.ConditionSyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which Falco-style {@code k8s_audit} detection rules can fire under an audit policy.
 *
 * <p>For each rule, its condition (lists, macros and exceptions expanded by Vigil's rules engine) is
 * evaluated in three-valued logic over the representative requests of the policy ({@link RequestSpace})
 * and each stage, with what the audit event would carry at the level and stages the policy gives
 * that request: {@code ka.verb}, {@code ka.target.resource/subresource/namespace}, {@code ka.user.name}
 * and {@code ka.stage} / {@code jevt.value[/stage]} take the request's values; body fields
 * ({@code ka.req.*}, {@code jevt.value[/requestObject...]}) exist only at level Request or higher on
 * resource requests (not in RequestReceived events), response fields ({@code ka.resp.*},
 * {@code ka.target.pod.name}, {@code jevt.value[/responseObject...]}) only at RequestResponse in
 * ResponseComplete; an absent field makes every comparison on it false; everything else is unknown
 * (may be true or false). A rule that cannot fire is re-checked with all stages emitted and with
 * bodies logged, to say what it lacks.
 */
public final class DetectionRequirements {
    /** What a detection rule can do under the policy. */
    public enum Status {
        /** Some logged request can make it fire. */
        FIRES,
        /** It fires, but never sees the bodies its condition reads: negated body checks always hold. */
        FIRES_WITHOUT_BODIES,
        /** The policy does not log what it needs (bodies, a stage, or the requests at all). */
        CANNOT_FIRE,
        /** Its own condition never holds (disabled by a macro such as k8s_audit_never_true). */
        NEVER_FIRES,
        /** {@code enabled: false} in the rules file. */
        DISABLED
    }

    /**
     * @param reason why it cannot fire / what it needs; empty when it simply fires
     * @param example a request (and stage) that makes it fire under the policy, or the one it would need
     */
    public record Result(String rule, Status status, String reason, String example) {}

    /** The outcome for a rules file: load problems (when it did not load) or one result per k8s_audit rule. */
    public record Report(List<String> loadErrors, List<Result> results) {
        public Report {
            loadErrors = List.copyOf(loadErrors);
            results = List.copyOf(results);
        }

        public long count(Status s) {
            return results.stream().filter(r -> r.status() == s).count();
        }
    }

    private DetectionRequirements() {}

    /** Loads the rules files (layered, as Falco does) and checks every k8s_audit rule against the policy. */
    public static Report check(Policy policy, List<Path> rulesFiles) {
        RuleEngine.LoadResult loaded = RuleEngine.loadPaths(rulesFiles, RuleEngine.Options.defaults());
        if (!loaded.successful()) {
            List<String> errs = new ArrayList<>();
            for (FileResult f : loaded.files()) {
                for (Problem p : f.errors()) {
                    errs.add(p.position() + ": " + p.code() + ": " + p.message());
                }
            }
            if (errs.isEmpty()) {
                errs.add("the rules did not load");
            }
            return new Report(errs, List.of());
        }
        List<Result> out = new ArrayList<>();
        for (CompiledRule r : loaded.rules()) {
            if (!FieldCatalog.K8S_AUDIT.equals(r.source())) {
                continue;
            }
            out.add(checkRule(policy, r.name(), r.expandedCondition(), r.enabled()));
        }
        return new Report(List.of(), out);
    }

    /** Checks one condition (already expanded) against the policy. */
    static Result checkRule(Policy policy, String name, String condition, boolean enabled) {
        if (!enabled) {
            return new Result(name, Status.DISABLED, "enabled: false in the rules file", "");
        }
        Ast.Expr cond;
        try {
            cond = ConditionParser.parse(condition);
        } catch (ConditionSyntaxException e) {
            return new Result(name, Status.FIRES, "condition not analysed: " + e.getMessage(), "");
        }
        Analysis a = new Analysis(policy, cond);
        Witness real = a.find(Mode.REAL, false);
        if (real != null) {
            Set<String> bodyFields = a.bodyFields();
            if (!bodyFields.isEmpty() && a.find(Mode.REAL, true) == null) {
                return new Result(name, Status.FIRES_WITHOUT_BODIES, "it reads " + String.join(", ", bodyFields)
                        + ", which this policy never logs for the requests it matches; absent, every check on them is false, so a negated "
                        + "check always holds and the rule fires on every matching request", real.describe());
            }
            return new Result(name, Status.FIRES, a.stageNote(real), real.describe());
        }
        Witness ideal = a.find(Mode.IDEAL, false);
        if (ideal == null) {
            return new Result(name, Status.NEVER_FIRES,
                    "its condition holds for no audit event (disabled by design, e.g. a macro like k8s_audit_never_true or an always-true exception)", "");
        }
        Witness w = a.find(Mode.ALL_STAGES, false);
        if (w != null) {
            return new Result(name, Status.CANNOT_FIRE, "needs the " + w.stage + " stage, which this policy omits for the requests it matches ("
                    + w.ruleText(policy) + ")", w.describe());
        }
        for (Mode m : List.of(Mode.FLOOR_REQUEST, Mode.FLOOR_RESPONSE, Mode.FLOOR_REQUEST_ALL_STAGES, Mode.FLOOR_RESPONSE_ALL_STAGES)) {
            w = a.find(m, false);
            if (w != null) {
                String what = m.floor == Level.Request ? "request bodies (level Request or higher)" : "response bodies (level RequestResponse)";
                String also = m.allStages ? " and the " + w.stage + " stage" : "";
                return new Result(name, Status.CANNOT_FIRE, "needs " + what + also + "; this policy logs the requests it matches at "
                        + w.real.level() + " (" + w.ruleText(policy) + ")", w.describe());
            }
        }
        return new Result(name, Status.CANNOT_FIRE, "the requests it needs are not audited: " + ideal.request.describe() + " gets level "
                + ideal.real.level() + " (" + ideal.ruleText(policy) + ")", ideal.describe());
    }

    // ------------------------------------------------------------------------------------------

    /** What is assumed about the policy while searching. */
    private enum Mode {
        REAL(null, false, false),
        IDEAL(null, true, true),
        ALL_STAGES(null, true, false),
        FLOOR_REQUEST(Level.Request, false, false),
        FLOOR_RESPONSE(Level.RequestResponse, false, false),
        FLOOR_REQUEST_ALL_STAGES(Level.Request, true, false),
        FLOOR_RESPONSE_ALL_STAGES(Level.RequestResponse, true, false);

        final Level floor;
        final boolean allStages;
        final boolean ideal;

        Mode(Level floor, boolean allStages, boolean ideal) {
            this.floor = floor;
            this.allStages = allStages;
            this.ideal = ideal;
        }

        Level level(Level real) {
            if (ideal) {
                return Level.RequestResponse;
            }
            if (real == Level.None || floor == null) {
                return real;
            }
            return real.compareTo(floor) < 0 ? floor : real;
        }
    }

    /** A request, stage and what the policy really decides for it. */
    private record Witness(Stage stage, RequestAttributes request, Decision real, Level level) {
        String describe() {
            return request.describe() + ", stage " + stage + " (policy: " + (real.rule() == null ? "no rule matches" : "rule " + real.rule())
                    + ", level " + real.level() + ")";
        }

        String ruleText(Policy policy) {
            if (real.rule() == null) {
                return "no rule matches: level None";
            }
            PolicyRule r = policy.rule(real.rule());
            String omit = real.omitStages().isEmpty() ? "" : ", omitStages " + real.omitStages();
            return r.label() + ": level " + r.level() + omit;
        }
    }

    private enum Attr {
        STAGE,
        VERB,
        RESOURCE,
        SUBRESOURCE,
        NAMESPACE,
        USER,
        REQUEST_BODY,
        RESPONSE_BODY,
        RAWTIME,
        ALWAYS_PRESENT,
        UNKNOWN
    }

    private static Attr classify(String name, String arg) {
        if (arg == null && name.contains("[") && name.endsWith("]")) {
            arg = name.substring(name.indexOf('[') + 1, name.length() - 1);
            name = name.substring(0, name.indexOf('['));
        }
        if (name.equals("jevt.value") || name.equals("json.value")) {
            String ptr = arg == null ? "" : arg;
            return switch (ptr) {
                case "/stage" -> Attr.STAGE;
                case "/verb" -> Attr.VERB;
                case "/objectRef/resource" -> Attr.RESOURCE;
                case "/objectRef/subresource" -> Attr.SUBRESOURCE;
                case "/objectRef/namespace" -> Attr.NAMESPACE;
                case "/user/username" -> Attr.USER;
                default -> ptr.startsWith("/requestObject") ? Attr.REQUEST_BODY
                        : ptr.startsWith("/responseObject") ? Attr.RESPONSE_BODY : Attr.UNKNOWN;
            };
        }
        return switch (name) {
            case "ka.stage" -> Attr.STAGE;
            case "ka.verb" -> Attr.VERB;
            case "ka.target.resource" -> Attr.RESOURCE;
            case "ka.target.subresource" -> Attr.SUBRESOURCE;
            case "ka.target.namespace" -> Attr.NAMESPACE;
            case "ka.user.name" -> Attr.USER;
            case "ka.req.configmap.name", "ka.req.binding.subject.has_name" -> Attr.UNKNOWN;
            case "ka.resp.name", "ka.target.pod.name" -> Attr.RESPONSE_BODY;
            case "jevt.rawtime", "json.rawtime" -> Attr.RAWTIME;
            case "ka.auditid" -> Attr.ALWAYS_PRESENT;
            default -> name.startsWith("ka.req.") ? Attr.REQUEST_BODY : Attr.UNKNOWN;
        };
    }

    /** The analysis of one condition against one policy. */
    private static final class Analysis {
        private final Policy policy;
        private final PolicyChecker checker;
        private final Ast.Expr cond;
        private final RequestSpace space;
        private final Set<String> bodyFields = new TreeSet<>();
        private boolean readsRequestBody;
        private boolean readsResponseBody;

        Analysis(Policy policy, Ast.Expr cond) {
            this.policy = policy;
            this.checker = new PolicyChecker(policy);
            this.cond = cond;
            Set<String> users = new LinkedHashSet<>();
            Set<String> namespaces = new LinkedHashSet<>();
            Set<String> resources = new LinkedHashSet<>();
            Set<String> subresources = new LinkedHashSet<>();
            collect(cond, users, namespaces, resources, subresources);
            users.add("system:serviceaccount:default:app");
            RequestSpace.Extras extras = new RequestSpace.Extras(users, Set.of(), namespaces, Set.of(), Set.of());
            this.space = RequestSpace.of(policy, extras, tuples(policy, resources, subresources));
        }

        Set<String> bodyFields() {
            return bodyFields;
        }

        /** Resource tuples: the rule's and the policy's resources, each in its real group when it is a built-in one. */
        private static List<Tuple> tuples(Policy policy, Set<String> ruleResources, Set<String> ruleSubresources) {
            List<Tuple> policyTuples = RequestSpace.policyTuples(policy);
            Set<String> groups = new LinkedHashSet<>();
            Set<String> resources = new LinkedHashSet<>(ruleResources);
            Set<String> subs = new LinkedHashSet<>();
            subs.add("");
            subs.addAll(ruleSubresources);
            for (Tuple t : policyTuples) {
                groups.add(t.group());
                resources.add(t.resource());
                subs.add(t.subresource());
            }
            List<Tuple> out = new ArrayList<>();
            for (String r : resources) {
                // a built-in resource only in its own group and with its real subresources: a request to a subresource that
                // does not exist is audited, but never carries a body, so it would be a false "fires"
                boolean known = KnownResources.group(r).isPresent();
                List<String> gs = known ? List.of(KnownResources.group(r).orElseThrow()) : List.copyOf(groups);
                List<String> ss = new ArrayList<>();
                ss.add("");
                ss.addAll(known ? KnownResources.subresources(r) : subs.stream().filter(x -> !x.isEmpty()).toList());
                for (String g : gs) {
                    for (String s : ss) {
                        out.add(new Tuple(g, r, s));
                    }
                }
            }
            return out;
        }

        private void collect(Ast.Expr e, Set<String> users, Set<String> namespaces, Set<String> resources, Set<String> subresources) {
            switch (e) {
                case Ast.And a -> a.children().forEach(c -> collect(c, users, namespaces, resources, subresources));
                case Ast.Or o -> o.children().forEach(c -> collect(c, users, namespaces, resources, subresources));
                case Ast.Not n -> collect(n.child(), users, namespaces, resources, subresources);
                case Ast.MacroRef m -> { }
                case Ast.Check c -> {
                    if (!(c.lhs() instanceof Ast.FieldOperand f)) {
                        return;
                    }
                    Attr a = classify(f.name(), f.arg());
                    if (a == Attr.REQUEST_BODY || a == Attr.RESPONSE_BODY) {
                        bodyFields.add(f.text());
                        readsRequestBody |= a == Attr.REQUEST_BODY;
                        readsResponseBody |= a == Attr.RESPONSE_BODY;
                        return;
                    }
                    List<String> values = switch (c.rhs()) {
                        case Ast.Value v -> List.of(v.text());
                        case Ast.ValueList l -> l.values();
                        case null, default -> List.of();
                    };
                    for (String v : values) {
                        switch (a) {
                            case USER -> users.add(c.op().equals("startswith") ? (v.equals("system:") ? "system:serviceaccount:default:app" : v + "example") : v);
                            case NAMESPACE -> namespaces.add(v);
                            case RESOURCE -> {
                                if (!v.isEmpty() && !v.contains("/")) {
                                    resources.add(v);
                                }
                            }
                            case SUBRESOURCE -> {
                                if (!v.isEmpty() && !v.contains("/")) {
                                    subresources.add(v);
                                }
                            }
                            default -> { }
                        }
                    }
                }
            }
        }

        /** A request and stage at which the condition may hold under {@code mode}; null when none. */
        Witness find(Mode mode, boolean requireBody) {
            for (Stage stage : List.of(Stage.ResponseComplete, Stage.ResponseStarted, Stage.RequestReceived)) {
                for (boolean resource : List.of(true, false)) {
                    Witness[] found = new Witness[1];
                    space.search(resource, p -> viable(p, stage, mode), p -> {
                        Witness w = leaf(p, stage, mode, requireBody);
                        found[0] = w;
                        return w != null;
                    });
                    if (found[0] != null) {
                        return found[0];
                    }
                }
            }
            return null;
        }

        private boolean viable(Partial p, Stage stage, Mode mode) {
            if (eval(cond, p, stage, null) == Tri.NO) {
                return false;
            }
            if (mode.ideal) {
                return true;
            }
            for (int idx : RequestSpace.possibleFirst(policy, p)) {
                Level level = idx == 0 ? Level.None : policy.rule(idx).level();
                if (mode.level(level) == Level.None) {
                    continue;
                }
                if (!mode.allStages && (policy.omitStages().contains(stage) || policy.rule(idx).omitStages().contains(stage))) {
                    continue;
                }
                return true;
            }
            return false;
        }

        private Witness leaf(Partial p, Stage stage, Mode mode, boolean requireBody) {
            RequestAttributes attrs = p.attributes();
            Decision real = checker.check(attrs);
            Level level = mode.level(real.level());
            Set<Stage> omitted = EnumSet.noneOf(Stage.class);
            if (!mode.allStages) {
                omitted.addAll(real.omitStages());
            }
            List<Stage> stages = PolicyChecker.emittedStages(level, omitted, attrs);
            if (!stages.contains(stage)) {
                return null;
            }
            if (eval(cond, p, stage, level) == Tri.NO) {
                return null;
            }
            if (requireBody && ((readsRequestBody && !requestBody(p, stage, level)) || (readsResponseBody && !responseBody(p, stage, level)))) {
                return null;
            }
            return new Witness(stage, attrs, real, level);
        }

        /** A note when the rule has no stage condition and alerts once per emitted stage. */
        String stageNote(Witness w) {
            Partial p = new Partial(w.request.resourceRequest());
            p.verb = w.request.verb();
            p.user = w.request.user();
            p.groups = w.request.groups();
            if (w.request.resourceRequest()) {
                p.tuple = new Tuple(w.request.apiGroup(), w.request.resource(), w.request.subresource());
                p.namespace = w.request.namespace();
                p.name = w.request.name();
            } else {
                p.path = w.request.path();
            }
            List<Stage> firing = new ArrayList<>();
            for (Stage s : w.real.stages()) {
                if (eval(cond, p, s, w.level) != Tri.NO) {
                    firing.add(s);
                }
            }
            return firing.size() > 1 ? "it has no stage condition: one alert per emitted stage (" + firing + ") for the same request" : "";
        }

        private static boolean requestBody(Partial p, Stage stage, Level level) {
            return p.resource && level != null && level.compareTo(Level.Request) >= 0 && stage != Stage.RequestReceived;
        }

        private static boolean responseBody(Partial p, Stage stage, Level level) {
            return p.resource && level != null && level == Level.RequestResponse && (stage == Stage.ResponseComplete || stage == Stage.Panic);
        }

        private Tri eval(Ast.Expr e, Partial p, Stage stage, Level level) {
            switch (e) {
                case Ast.And a -> {
                    Tri t = Tri.YES;
                    for (Ast.Expr c : a.children()) {
                        t = t.and(eval(c, p, stage, level));
                        if (t == Tri.NO) {
                            return Tri.NO;
                        }
                    }
                    return t;
                }
                case Ast.Or o -> {
                    Tri t = Tri.NO;
                    for (Ast.Expr c : o.children()) {
                        t = t.or(eval(c, p, stage, level));
                        if (t == Tri.YES) {
                            return Tri.YES;
                        }
                    }
                    return t;
                }
                case Ast.Not n -> {
                    return eval(n.child(), p, stage, level).not();
                }
                case Ast.MacroRef m -> {
                    return Tri.MAYBE;
                }
                case Ast.Check c -> {
                    return check(c, p, stage, level);
                }
            }
        }

        /** Sentinel for a field whose value is not decided yet. */
        private static final String UNDECIDED = new String("undecided");

        private Tri check(Ast.Check c, Partial p, Stage stage, Level level) {
            if (!(c.lhs() instanceof Ast.FieldOperand f)) {
                return Tri.MAYBE;
            }
            Attr a = classify(f.name(), f.arg());
            String value;
            switch (a) {
                case UNKNOWN -> {
                    return Tri.MAYBE;
                }
                case ALWAYS_PRESENT -> {
                    return c.op().equals("exists") ? Tri.YES : Tri.MAYBE;
                }
                case RAWTIME -> {
                    if (c.op().equals("exists")) {
                        return Tri.YES;
                    }
                    if ((c.op().equals("=") || c.op().equals("==")) && c.rhs() instanceof Ast.Value v && v.text().equals("0")) {
                        return Tri.NO;
                    }
                    return Tri.MAYBE;
                }
                case REQUEST_BODY -> {
                    if (level == null) {
                        return Tri.MAYBE;
                    }
                    return requestBody(p, stage, level) ? Tri.MAYBE : Tri.NO;
                }
                case RESPONSE_BODY -> {
                    if (level == null) {
                        return Tri.MAYBE;
                    }
                    return responseBody(p, stage, level) ? Tri.MAYBE : Tri.NO;
                }
                case STAGE -> value = stage.name();
                case VERB -> value = p.verb == null ? UNDECIDED : p.verb;
                case USER -> value = p.user == null ? UNDECIDED : p.user;
                case RESOURCE -> value = !p.resource ? null : p.tuple == null ? UNDECIDED : p.tuple.resource();
                case SUBRESOURCE -> value = !p.resource ? null : p.tuple == null ? UNDECIDED
                        : p.tuple.subresource().isEmpty() ? null : p.tuple.subresource();
                case NAMESPACE -> value = !p.resource ? null : p.namespace == null ? UNDECIDED : p.namespace.isEmpty() ? null : p.namespace;
                default -> throw new IllegalStateException(a.name());
            }
            if (value == UNDECIDED) {
                return Tri.MAYBE;
            }
            if (value == null) {
                return Tri.NO; // an absent field: every comparison is false, even != (exists too)
            }
            return compare(c, value);
        }

        private static Tri compare(Ast.Check c, String v) {
            if (c.modifier() != null && !c.modifier().isEmpty()) {
                return Tri.MAYBE;
            }
            if (c.op().equals("exists")) {
                return Tri.YES;
            }
            List<String> values;
            switch (c.rhs()) {
                case Ast.Value val -> values = List.of(val.text());
                case Ast.ValueList l -> values = l.values();
                case null, default -> {
                    return Tri.MAYBE;
                }
            }
            String first = values.isEmpty() ? "" : values.getFirst();
            return switch (c.op()) {
                case "=", "==" -> c.rhs() instanceof Ast.Value ? Tri.of(v.equals(first)) : Tri.MAYBE;
                case "!=" -> c.rhs() instanceof Ast.Value ? Tri.of(!v.equals(first)) : Tri.MAYBE;
                case "in", "intersects" -> Tri.of(values.contains(v));
                case "startswith" -> Tri.of(v.startsWith(first));
                case "endswith" -> Tri.of(v.endsWith(first));
                case "contains" -> Tri.of(v.contains(first));
                case "icontains" -> Tri.of(v.toLowerCase(Locale.ROOT).contains(first.toLowerCase(Locale.ROOT)));
                case "glob" -> Tri.of(glob(first).matcher(v).matches());
                default -> Tri.MAYBE;
            };
        }

        private static Pattern glob(String g) {
            StringBuilder sb = new StringBuilder();
            for (char ch : g.toCharArray()) {
                switch (ch) {
                    case '*' -> sb.append(".*");
                    case '?' -> sb.append('.');
                    default -> sb.append(Pattern.quote(String.valueOf(ch)));
                }
            }
            return Pattern.compile(sb.toString(), Pattern.DOTALL);
        }
    }
}
