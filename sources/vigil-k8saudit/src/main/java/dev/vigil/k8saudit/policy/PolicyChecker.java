package dev.vigil.k8saudit.policy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Evaluates requests against a policy exactly as kube-apiserver's {@code pkg/audit/policy/checker.go}
 * does: rules are tried in order and the first whose selectors all hold decides the level, the
 * omitted stages (policy ∪ rule) and omitManagedFields (the rule's if set, else the policy's). When
 * no rule matches, the level is None.
 */
public final class PolicyChecker {
    /** Verbs kube-apiserver treats as long-running (its ResponseStarted stage is emitted). */
    public static final Set<String> LONG_RUNNING_VERBS = Set.of("watch", "proxy");
    /** Subresources kube-apiserver treats as long-running. */
    public static final Set<String> LONG_RUNNING_SUBRESOURCES = Set.of("attach", "exec", "proxy", "log", "portforward");

    private final Policy policy;

    public PolicyChecker(Policy policy) {
        this.policy = policy;
    }

    public Policy policy() {
        return policy;
    }

    /** The decision for one request. */
    public Decision check(RequestAttributes a) {
        for (PolicyRule r : policy.rules()) {
            if (ruleMatches(r, a)) {
                return decision(r, a);
            }
        }
        EnumSet<Stage> omit = stageSet(policy.omitStages());
        return new Decision(null, Level.None, List.copyOf(omit), List.of(), policy.omitManagedFields());
    }

    /** The decision rule {@code r} gives a request it matches (used by the linter too). */
    Decision decision(PolicyRule r, RequestAttributes a) {
        EnumSet<Stage> omit = stageSet(policy.omitStages());
        omit.addAll(r.omitStages());
        boolean omf = r.omitManagedFields() != null ? r.omitManagedFields() : policy.omitManagedFields();
        return new Decision(r.index(), r.level(), List.copyOf(omit), emittedStages(r.level(), omit, a), omf);
    }

    private static EnumSet<Stage> stageSet(List<Stage> stages) {
        EnumSet<Stage> s = EnumSet.noneOf(Stage.class);
        s.addAll(stages);
        return s;
    }

    /**
     * The stages kube-apiserver emits for a request at {@code level} with {@code omitted} stages left
     * out: none at level None; a failed authentication yields a single ResponseStarted; otherwise
     * RequestReceived, ResponseStarted for long-running requests only, and ResponseComplete. Panic
     * (instead of ResponseComplete when the handler panics) is not a normal outcome and is not listed.
     */
    public static List<Stage> emittedStages(Level level, Set<Stage> omitted, RequestAttributes a) {
        List<Stage> out = new ArrayList<>();
        if (level == Level.None) {
            return out;
        }
        if (a.unauthenticated()) {
            if (!omitted.contains(Stage.ResponseStarted)) {
                out.add(Stage.ResponseStarted);
            }
            return out;
        }
        for (Stage s : List.of(Stage.RequestReceived, Stage.ResponseStarted, Stage.ResponseComplete)) {
            if (s == Stage.ResponseStarted && !longRunning(a)) {
                continue;
            }
            if (!omitted.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * kube-apiserver's long-running check ({@code BasicLongRunningRequestCheck} with the verbs
     * watch, proxy and the subresources attach, exec, proxy, log, portforward; plus
     * {@code /debug/pprof/} paths).
     */
    public static boolean longRunning(RequestAttributes a) {
        if (LONG_RUNNING_VERBS.contains(a.verb())) {
            return true;
        }
        if (a.resourceRequest() && LONG_RUNNING_SUBRESOURCES.contains(a.subresource())) {
            return true;
        }
        return !a.resourceRequest() && a.path().startsWith("/debug/pprof/");
    }

    /** checker.go {@code ruleMatches}. */
    public static boolean ruleMatches(PolicyRule r, RequestAttributes a) {
        if (!r.users().isEmpty() && (a.user() == null || !r.users().contains(a.user()))) {
            return false;
        }
        if (!r.userGroups().isEmpty()) {
            if (a.user() == null || a.groups().stream().noneMatch(r.userGroups()::contains)) {
                return false;
            }
        }
        if (!r.verbs().isEmpty() && !r.verbs().contains(a.verb())) {
            return false;
        }
        if (!r.namespaces().isEmpty() || !r.resources().isEmpty()) {
            return ruleMatchesResource(r, a);
        }
        if (!r.nonResourceURLs().isEmpty()) {
            return ruleMatchesNonResource(r, a);
        }
        return true;
    }

    static boolean ruleMatchesResource(PolicyRule r, RequestAttributes a) {
        if (!a.resourceRequest()) {
            return false;
        }
        if (!r.namespaces().isEmpty() && !r.namespaces().contains(a.namespace())) {
            return false;
        }
        if (r.resources().isEmpty()) {
            return true;
        }
        for (GroupResources gr : r.resources()) {
            if (groupMatches(gr.group(), a.apiGroup()) && groupResourcesMatch(gr, a.resource(), a.subresource(), a.name())) {
                return true;
            }
        }
        return false;
    }

    /** {@code ""} is the core group; {@code "*"} is any group (Kubernetes 1.36). */
    static boolean groupMatches(String ruleGroup, String requestGroup) {
        return ruleGroup.equals(requestGroup) || ruleGroup.equals("*");
    }

    /** One GroupResources entry against a request in its group. */
    static boolean groupResourcesMatch(GroupResources gr, String resource, String subresource, String name) {
        if (gr.resources().isEmpty()) {
            return true;
        }
        if (!gr.resourceNames().isEmpty() && !gr.resourceNames().contains(name)) {
            return false;
        }
        for (String res : gr.resources()) {
            if (resourceEntryMatches(res, resource, subresource)) {
                return true;
            }
        }
        return false;
    }

    /**
     * One {@code resources} entry against a request's resource and subresource, as checker.go
     * compares them: equal to {@code resource[/subresource]}; {@code *}; {@code *&#47;X} (Go's
     * {@code TrimLeft(entry, "*&#47;")}) equal to a non-empty subresource; {@code R/*} (Go's
     * {@code TrimRight(entry, "/*")}) equal to the resource, whatever the subresource, so
     * {@code pods/*} also matches plain {@code pods}, and {@code *&#47;*} matches nothing.
     */
    public static boolean resourceEntryMatches(String entry, String resource, String subresource) {
        String combined = subresource.isEmpty() ? resource : resource + "/" + subresource;
        if (entry.equals(combined) || entry.equals("*")) {
            return true;
        }
        if (!subresource.isEmpty() && entry.startsWith("*/") && subresource.equals(trimLeft(entry, "*/"))) {
            return true;
        }
        return entry.endsWith("/*") && resource.equals(trimRight(entry, "/*"));
    }

    /**
     * Why an entry of {@code resources} can never match a real request (resource and subresource
     * names are non-empty and contain no '/' or '*'), or null when it can.
     */
    public static String neverMatchingResourceEntry(String entry) {
        if (entry.equals("*")) {
            return null;
        }
        if (entry.isEmpty()) {
            return "an empty resource name matches nothing";
        }
        if (entry.startsWith("*/")) {
            String sub = trimLeft(entry, "*/");
            if (sub.isEmpty()) {
                return "\"" + entry + "\" matches NO request in an audit policy (unlike admission rules): \"*\" alone matches every resource "
                        + "and subresource, \"*/x\" needs subresource x, \"r/*\" needs resource r";
            }
            return plainName(sub) ? null : "no subresource is named " + PolicyLoader.goQuote(sub);
        }
        if (entry.endsWith("/*")) {
            String res = trimRight(entry, "/*");
            return plainName(res) ? null : "no resource is named " + PolicyLoader.goQuote(res);
        }
        int slash = entry.indexOf('/');
        if (slash < 0) {
            return plainName(entry) ? null : "wildcards are only \"*\", \"*/subresource\" and \"resource/*\"";
        }
        String res = entry.substring(0, slash);
        String sub = entry.substring(slash + 1);
        if (sub.contains("/")) {
            return "a request has at most one subresource: \"resource/subresource\"";
        }
        return plainName(res) && plainName(sub) ? null : "wildcards are only \"*\", \"*/subresource\" and \"resource/*\"";
    }

    private static boolean plainName(String s) {
        return !s.isEmpty() && !s.contains("/") && !s.contains("*");
    }

    static boolean ruleMatchesNonResource(PolicyRule r, RequestAttributes a) {
        if (a.resourceRequest()) {
            return false;
        }
        for (String spec : r.nonResourceURLs()) {
            if (pathMatches(a.path(), spec)) {
                return true;
            }
        }
        return false;
    }

    /** checker.go {@code pathMatches}: {@code *}, exact, or a trailing-{@code *} plain string prefix. */
    public static boolean pathMatches(String path, String spec) {
        if (spec.equals("*") || spec.equals(path)) {
            return true;
        }
        return spec.endsWith("*") && path.startsWith(trimRight(spec, "*"));
    }

    /** Go's {@code strings.TrimLeft}: drops leading characters that are in {@code cutset}. */
    static String trimLeft(String s, String cutset) {
        int i = 0;
        while (i < s.length() && cutset.indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return s.substring(i);
    }

    /** Go's {@code strings.TrimRight}: drops trailing characters that are in {@code cutset}. */
    static String trimRight(String s, String cutset) {
        int i = s.length();
        while (i > 0 && cutset.indexOf(s.charAt(i - 1)) >= 0) {
            i--;
        }
        return s.substring(0, i);
    }
}
