package dev.vigil.k8saudit.policy;

import dev.vigil.k8saudit.policy.RequestSpace.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Semantic checks of a valid policy, reasoning over every request the policy can tell apart
 * ({@link RequestSpace}) rather than over the rules' text:
 * <ul>
 *   <li>{@code sensitive-above-metadata} (error): some request on a sensitive kind (Secrets,
 *       TokenReviews, serviceaccounts/token, plus configured ones) is logged at Request or
 *       RequestResponse; names the rule and gives an example request. Shadowing-aware by
 *       construction: the first matching rule decides;</li>
 *   <li>{@code rule-never-matches} / {@code shadowed-rule} (warning): a rule that is never the first
 *       match, because nothing satisfies its selectors (e.g. {@code *&#47;*}, verbs no request has)
 *       or because earlier rules take every request it selects;</li>
 *   <li>{@code prefix-wildcard}, {@code subresource-wildcard-includes-resource} (info) and
 *       {@code websocket-exec-verb} (warning): forms that mean more, or less, than they seem to.</li>
 * </ul>
 * Falco detection requirements are checked by {@link DetectionRequirements}.
 */
public final class PolicyLinter {
    /** Finding severities. */
    public enum Severity {
        ERROR,
        WARNING,
        INFO
    }

    /**
     * One finding.
     *
     * @param rule the 1-based rule it is about, or null for the whole policy
     * @param example a request that shows it, or empty
     */
    public record Finding(Severity severity, String code, Integer rule, Position position, String message, String example) {
        /** {@code FILE:LINE:COL: severity: [code] message (e.g. example)}. */
        public String format(String file) {
            String where = position.known() ? file + ":" + position : file;
            return where + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": [" + code + "] " + message
                    + (example.isEmpty() ? "" : "; e.g. " + example);
        }
    }

    /** @param sensitive the kinds that must never be logged above Metadata */
    public record Options(List<SensitiveKind> sensitive) {
        public Options {
            sensitive = List.copyOf(sensitive);
        }

        public static Options defaults() {
            return new Options(SensitiveKind.DEFAULTS);
        }

        /** The defaults plus {@code extra}. */
        public Options with(List<SensitiveKind> extra) {
            List<SensitiveKind> all = new ArrayList<>(sensitive);
            for (SensitiveKind k : extra) {
                if (!all.contains(k)) {
                    all.add(k);
                }
            }
            return new Options(all);
        }
    }

    /** The findings, in order: sensitive kinds, then rules in policy order. */
    public record Report(List<Finding> findings) {
        public Report {
            findings = List.copyOf(findings);
        }

        /** True when some sensitive kind can be logged above Metadata. */
        public boolean sensitiveLeak() {
            return findings.stream().anyMatch(f -> f.code().equals(SENSITIVE));
        }
    }

    public static final String SENSITIVE = "sensitive-above-metadata";
    public static final String NEVER_MATCHES = "rule-never-matches";
    public static final String SHADOWED = "shadowed-rule";
    public static final String PREFIX_WILDCARD = "prefix-wildcard";
    public static final String SUBRESOURCE_WILDCARD = "subresource-wildcard-includes-resource";
    public static final String WEBSOCKET_EXEC = "websocket-exec-verb";

    /** Leaves visited at most when listing the rules that shadow a rule. */
    private static final int SHADOW_SCAN_LIMIT = 200_000;

    private PolicyLinter() {}

    public static Report lint(Policy policy, Options options) {
        List<Finding> out = new ArrayList<>();
        for (SensitiveKind k : options.sensitive()) {
            sensitive(policy, k, out);
        }
        RequestSpace space = RequestSpace.of(policy, RequestSpace.Extras.none());
        for (PolicyRule r : policy.rules()) {
            reachability(policy, space, r, out);
            notes(r, out);
        }
        return new Report(out);
    }

    // ---- sensitive kinds

    private static void sensitive(Policy policy, SensitiveKind kind, List<Finding> out) {
        RequestSpace space = RequestSpace.of(policy, RequestSpace.Extras.none(),
                List.of(new Tuple(kind.group(), kind.resource(), kind.subresource())));
        PolicyChecker checker = new PolicyChecker(policy);
        for (PolicyRule r : policy.rules()) {
            if (!r.level().above(Level.Metadata) || r.nonResourceOnly()) {
                continue;
            }
            Map<String, RequestAttributes> byVerb = new LinkedHashMap<>();
            for (String verb : PolicyLoader.RESOURCE_VERBS) {
                space.search(true, p -> (p.verb == null || p.verb.equals(verb)) && RequestSpace.possibleFirst(policy, p).contains(r.index()), p -> {
                    RequestAttributes a = p.attributes();
                    Decision d = checker.check(a);
                    if (d.rule() != null && d.rule() == r.index() && d.stages().stream().anyMatch(s -> s != Stage.RequestReceived)) {
                        byVerb.put(verb, a);
                        return true;
                    }
                    return false;
                });
            }
            if (byVerb.isEmpty()) {
                continue;
            }
            List<String> recording = byVerb.keySet().stream().filter(v -> payloadRecorded(kind, v, r.level())).toList();
            RequestAttributes example = byVerb.get(recording.isEmpty() ? byVerb.keySet().iterator().next() : recording.getFirst());
            String msg = kind + " can be logged at " + r.level() + " by " + r.label() + " (verbs " + String.join(", ", byVerb.keySet()) + "); ";
            if (!recording.isEmpty()) {
                msg += "for " + String.join(", ", recording) + " that records " + payload(kind, r.level());
            } else {
                msg += "for these verbs this level records no " + kind + " content, but it is above Metadata";
            }
            out.add(new Finding(recording.isEmpty() ? Severity.WARNING : Severity.ERROR, SENSITIVE, r.index(), r.position(),
                    msg + "; sensitive kinds must stay at Metadata or None", example.describe()));
        }
    }

    /** True when a {@code verb} request on {@code kind} logged at {@code level} records the credential itself. */
    static boolean payloadRecorded(SensitiveKind kind, String verb, Level level) {
        boolean request;
        boolean response;
        if (kind.resource().equals("serviceaccounts") && kind.subresource().equals("token")) {
            request = false; // a TokenRequest asks for audiences and expiry
            response = verb.equals("create"); // the issued token
        } else if (kind.resource().equals("tokenreviews")) {
            request = verb.equals("create"); // the bearer token under review
            response = verb.equals("create"); // echoes the spec, token included
        } else {
            request = Set.of("create", "update", "patch").contains(verb);
            response = Set.of("get", "list", "create", "update", "patch", "delete", "deletecollection").contains(verb);
        }
        return (level.compareTo(Level.Request) >= 0 && request) || (level == Level.RequestResponse && response);
    }

    private static String payload(SensitiveKind kind, Level level) {
        if (kind.resource().equals("serviceaccounts") && kind.subresource().equals("token")) {
            return "the issued service-account token (response body)";
        }
        if (kind.resource().equals("tokenreviews")) {
            return "the bearer token under review";
        }
        if (kind.resource().equals("secrets")) {
            return "secret data" + (level == Level.RequestResponse ? " (request and response bodies)" : " (request bodies)");
        }
        return "the " + kind + " object" + (level == Level.RequestResponse ? " (request and response bodies)" : " (request bodies)");
    }

    // ---- dead and shadowed rules

    private static void reachability(Policy policy, RequestSpace space, PolicyRule r, List<Finding> out) {
        if (reachable(space, r, p -> RequestSpace.possibleFirst(policy, p).contains(r.index()),
                p -> RequestSpace.possibleFirst(policy, p).getFirst() == r.index())) {
            return;
        }
        boolean matchesAlone = reachable(space, r, p -> RequestSpace.ruleMatches(r, p) != Tri.NO,
                p -> RequestSpace.ruleMatches(r, p) == Tri.YES);
        if (!matchesAlone) {
            out.add(new Finding(Severity.WARNING, NEVER_MATCHES, r.index(), r.position(),
                    r.label() + " never matches a request: " + whyNoMatch(r), ""));
            return;
        }
        Set<Integer> covering = new TreeSet<>();
        RequestAttributes[] example = new RequestAttributes[1];
        int[] visited = {0};
        RequestSpace.Visit collect = p -> {
            if (RequestSpace.ruleMatches(r, p) == Tri.YES) {
                int first = RequestSpace.possibleFirst(policy, p).getFirst();
                covering.add(first);
                if (example[0] == null) {
                    example[0] = p.attributes();
                }
            }
            return ++visited[0] >= SHADOW_SCAN_LIMIT;
        };
        for (boolean resource : kinds(r)) {
            space.search(resource, p -> RequestSpace.ruleMatches(r, p) != Tri.NO, collect);
        }
        List<String> names = covering.stream().map(i -> policy.rule(i).label()).toList();
        out.add(new Finding(Severity.WARNING, SHADOWED, r.index(), r.position(),
                r.label() + " is dead: every request it selects is matched first by " + String.join(", ", names)
                        + " (first match wins), so its level " + r.level() + " never applies",
                example[0] == null ? "" : example[0].describe() + " goes to " + policy.rule(covering.iterator().next()).label()));
    }

    private static List<Boolean> kinds(PolicyRule r) {
        return r.resourceOnly() ? List.of(true) : r.nonResourceOnly() ? List.of(false) : List.of(true, false);
    }

    private static boolean reachable(RequestSpace space, PolicyRule r, RequestSpace.Prune prune, RequestSpace.Visit visit) {
        for (boolean resource : kinds(r)) {
            if (space.search(resource, prune, visit)) {
                return true;
            }
        }
        return false;
    }

    private static String whyNoMatch(PolicyRule r) {
        List<String> why = new ArrayList<>();
        if (!r.verbs().isEmpty() && r.verbs().stream().noneMatch(v -> PolicyLoader.RESOURCE_VERBS.contains(v)
                || PolicyLoader.NON_RESOURCE_VERBS.contains(v))) {
            why.add("none of its verbs " + r.verbs() + " is a request verb");
        }
        if (!r.resources().isEmpty()) {
            boolean allDead = true;
            for (GroupResources gr : r.resources()) {
                if (gr.resources().isEmpty() || gr.resources().stream().anyMatch(e -> PolicyChecker.neverMatchingResourceEntry(e) == null)) {
                    allDead = false;
                }
            }
            if (allDead) {
                List<String> entries = r.resources().stream().flatMap(g -> g.resources().stream()).distinct().toList();
                why.add("none of its resources " + entries + " can match (\"*/*\" matches nothing in an audit policy; use \"*\")");
            }
        }
        return why.isEmpty() ? "no request satisfies all its selectors together" : String.join("; ", why);
    }

    // ---- forms that surprise

    private static void notes(PolicyRule r, List<Finding> out) {
        for (String spec : r.nonResourceURLs()) {
            if (spec.endsWith("*") && !spec.equals("*")) {
                String prefix = PolicyChecker.trimRight(spec, "*");
                if (!prefix.endsWith("/")) {
                    out.add(new Finding(Severity.INFO, PREFIX_WILDCARD, r.index(), r.position(),
                            PolicyLoader.goQuote(spec) + " in " + r.label() + " is a plain string prefix: it matches " + PolicyLoader.goQuote(prefix)
                                    + " and every path starting with it, such as " + PolicyLoader.goQuote(prefix + "s") + " or "
                                    + PolicyLoader.goQuote(prefix + "-anything") + ", not only " + PolicyLoader.goQuote(prefix + "/..."), ""));
                }
            }
        }
        for (GroupResources gr : r.resources()) {
            for (String e : gr.resources()) {
                if (e.endsWith("/*") && PolicyChecker.neverMatchingResourceEntry(e) == null) {
                    String res = PolicyChecker.trimRight(e, "/*");
                    boolean alsoPlain = gr.resources().contains(res);
                    if (!alsoPlain) {
                        out.add(new Finding(Severity.INFO, SUBRESOURCE_WILDCARD, r.index(), r.position(),
                                PolicyLoader.goQuote(e) + " in " + r.label() + " also matches plain " + PolicyLoader.goQuote(res)
                                        + " requests, not only its subresources (kube-apiserver compares only the resource for \"r/*\")", ""));
                    }
                }
            }
        }
        if (!r.verbs().isEmpty() && r.verbs().contains("create") && !r.verbs().contains("get")) {
            Set<String> streaming = new TreeSet<>();
            for (GroupResources gr : r.resources()) {
                if (!gr.group().isEmpty() && !gr.group().equals("*")) {
                    continue;
                }
                for (String sub : List.of("exec", "attach", "portforward")) {
                    if (gr.resources().isEmpty() ? false : gr.resources().stream().anyMatch(e -> !e.equals("*")
                            && PolicyChecker.resourceEntryMatches(e, "pods", sub))) {
                        streaming.add("pods/" + sub);
                    }
                }
            }
            if (!streaming.isEmpty()) {
                out.add(new Finding(Severity.WARNING, WEBSOCKET_EXEC, r.index(), r.position(),
                        r.label() + " selects " + String.join(", ", streaming) + " with verb create only: SPDY clients POST (create), but newer "
                                + "kubectl uses websockets, a GET (verb get), which this rule misses", ""));
            }
        }
    }
}
