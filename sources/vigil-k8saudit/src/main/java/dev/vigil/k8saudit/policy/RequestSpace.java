package dev.vigil.k8saudit.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A finite set of representative requests that stands for every possible request as far as one
 * policy (plus some extra values) can tell them apart, and a depth-first search over it that prunes
 * partly built requests with three-valued rule matching.
 *
 * <p>Every policy selector is an exact match, a set membership, a string prefix or one of the
 * resource wildcard forms, so for each attribute the values the policy mentions plus one value it
 * does not mention ("fresh") cover every case: two requests that agree on which mentioned values
 * they carry are treated alike by every rule. User groups are a set, so the domain is the subsets of
 * the mentioned groups; beyond 2^6 of them, the empty set, the singletons, the pairs with
 * {@code system:authenticated} and the full set. That loses nothing for the questions asked ("is
 * there a request whose first matching rule is k"): {@code userGroups} matches when ANY group is
 * listed, so more groups only make more rules match, and when a group set works, the empty set or a
 * single group of rule k works too. Requests without any user (failed authentication) are not part
 * of the space.
 */
final class RequestSpace {
    /** An API group, resource and subresource ({@code ""} = none). */
    record Tuple(String group, String resource, String subresource) {}

    /** A request under construction: null fields are not chosen yet. */
    static final class Partial {
        final boolean resource;
        String verb;
        Tuple tuple;
        String user;
        List<String> groups;
        String namespace;
        String name;
        String path;

        Partial(boolean resource) {
            this.resource = resource;
        }

        RequestAttributes attributes() {
            return resource
                    ? RequestAttributes.resource(user, groups, verb, tuple.group(), tuple.resource(), tuple.subresource(), namespace, name)
                    : RequestAttributes.nonResource(user, groups, verb, path);
        }
    }

    interface Prune {
        /** False when no completion of {@code p} can be what the search looks for. */
        boolean viable(Partial p);
    }

    interface Visit {
        /** Called for each complete request; true stops the search. */
        boolean accept(Partial p);
    }

    static final String AUTHENTICATED = "system:authenticated";
    static final String UNAUTHENTICATED = "system:unauthenticated";
    static final String ANONYMOUS = "system:anonymous";

    final List<String> users;
    final List<List<String>> groupSets;
    final List<String> resourceVerbs;
    final List<String> nonResourceVerbs;
    final List<Tuple> tuples;
    final List<String> namespaces;
    final List<String> names;
    final List<String> paths;

    private RequestSpace(List<String> users, List<List<String>> groupSets, List<Tuple> tuples, List<String> namespaces, List<String> names,
            List<String> paths) {
        this.users = users;
        this.groupSets = groupSets;
        this.resourceVerbs = PolicyLoader.RESOURCE_VERBS;
        this.nonResourceVerbs = PolicyLoader.NON_RESOURCE_VERBS;
        this.tuples = tuples;
        this.namespaces = namespaces;
        this.names = names;
        this.paths = paths;
    }

    /** Extra values to include besides the policy's own (e.g. those a Falco rule compares with). */
    record Extras(Set<String> users, Set<String> groups, Set<String> namespaces, Set<String> names, Set<String> paths) {
        static Extras none() {
            return new Extras(Set.of(), Set.of(), Set.of(), Set.of(), Set.of());
        }
    }

    /** The space for a policy, its tuples derived from the policy's resources. */
    static RequestSpace of(Policy policy, Extras extras) {
        return of(policy, extras, policyTuples(policy));
    }

    /** The space for a policy with the given resource tuples. */
    static RequestSpace of(Policy policy, Extras extras, List<Tuple> tuples) {
        Set<String> mentionedUsers = new LinkedHashSet<>();
        Set<String> groups = new LinkedHashSet<>();
        groups.add(AUTHENTICATED);
        groups.add(UNAUTHENTICATED);
        Set<String> ns = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        List<String> specs = new ArrayList<>();
        for (PolicyRule r : policy.rules()) {
            mentionedUsers.addAll(r.users());
            groups.addAll(r.userGroups());
            ns.addAll(r.namespaces());
            for (GroupResources gr : r.resources()) {
                names.addAll(gr.resourceNames());
            }
            specs.addAll(r.nonResourceURLs());
        }
        mentionedUsers.addAll(extras.users());
        groups.addAll(extras.groups());
        ns.addAll(extras.namespaces());
        names.addAll(extras.names());

        List<String> users = new ArrayList<>();
        users.add(fresh(mentionedUsers, "jane", "jane-doe", "vigil-example-user"));
        users.addAll(mentionedUsers);

        List<String> namespaces = new ArrayList<>();
        namespaces.add(fresh(ns, "default", "team-a", "vigil-example-ns"));
        if (!ns.contains("")) {
            namespaces.add("");
        }
        namespaces.addAll(ns);

        List<String> nameList = new ArrayList<>();
        nameList.add(fresh(names, "example", "example-1", "vigil-example-name"));
        if (!names.contains("")) {
            nameList.add("");
        }
        nameList.addAll(names);

        Set<String> pathSet = new LinkedHashSet<>();
        for (String s : specs) {
            if (s.equals("*")) {
                continue;
            }
            if (s.endsWith("*")) {
                String prefix = PolicyChecker.trimRight(s, "*");
                pathSet.add(prefix);
                pathSet.add(prefix + (prefix.endsWith("/") ? "x" : "/x"));
            } else {
                pathSet.add(s);
            }
        }
        pathSet.addAll(extras.paths());
        List<String> paths = new ArrayList<>();
        paths.add(fresh(pathSet, "/metrics", "/openapi/v2", "/vigil-example-path"));
        paths.addAll(pathSet);

        return new RequestSpace(users, groupSets(groups), tuples, namespaces, nameList, paths);
    }

    private static List<List<String>> groupSets(Set<String> groups) {
        List<String> g = new ArrayList<>(groups);
        List<List<String>> sets = new ArrayList<>();
        if (g.size() <= 6) {
            for (int mask = 0; mask < (1 << g.size()); mask++) {
                List<String> s = new ArrayList<>();
                for (int i = 0; i < g.size(); i++) {
                    if ((mask & (1 << i)) != 0) {
                        s.add(g.get(i));
                    }
                }
                sets.add(s);
            }
        } else {
            sets.add(List.of());
            for (String x : g) {
                sets.add(List.of(x));
                if (!x.equals(AUTHENTICATED)) {
                    sets.add(List.of(AUTHENTICATED, x));
                }
            }
            sets.add(g);
        }
        // the usual shape first (for readable examples): authenticated, fewest extra groups
        sets.sort((a, b) -> Integer.compare(rank(a, AUTHENTICATED, UNAUTHENTICATED), rank(b, AUTHENTICATED, UNAUTHENTICATED)));
        return sets;
    }

    private static int rank(List<String> set, String want, String avoid) {
        return (set.contains(want) ? 0 : 100) + (set.contains(avoid) ? 50 : 0) + set.size();
    }

    /** The group sets to try for a user, the usual ones for that user first. */
    private List<List<String>> groupSetsFor(String user) {
        if (!user.equals(ANONYMOUS)) {
            return groupSets;
        }
        List<List<String>> sets = new ArrayList<>(groupSets);
        sets.sort((a, b) -> Integer.compare(rank(a, UNAUTHENTICATED, AUTHENTICATED), rank(b, UNAUTHENTICATED, AUTHENTICATED)));
        return sets;
    }

    /** The first candidate not in {@code taken}. */
    static String fresh(Collection<String> taken, String... candidates) {
        for (String c : candidates) {
            if (!taken.contains(c)) {
                return c;
            }
        }
        String base = candidates[candidates.length - 1];
        for (int i = 2;; i++) {
            if (!taken.contains(base + "-" + i)) {
                return base + "-" + i;
            }
        }
    }

    /** Resource and subresource names an entry of {@code resources} mentions. */
    static void mentioned(String entry, Set<String> resources, Set<String> subresources) {
        if (entry.equals("*") || PolicyChecker.neverMatchingResourceEntry(entry) != null) {
            return;
        }
        if (entry.startsWith("*/")) {
            subresources.add(PolicyChecker.trimLeft(entry, "*/"));
        } else if (entry.endsWith("/*")) {
            resources.add(PolicyChecker.trimRight(entry, "/*"));
        } else if (entry.contains("/")) {
            resources.add(entry.substring(0, entry.indexOf('/')));
            subresources.add(entry.substring(entry.indexOf('/') + 1));
        } else {
            resources.add(entry);
        }
    }

    /** Tuples that tell apart every resource selector of the policy. */
    static List<Tuple> policyTuples(Policy policy) {
        Map<String, Set<String>> res = new LinkedHashMap<>();
        Map<String, Set<String>> subs = new LinkedHashMap<>();
        res.put("", new LinkedHashSet<>());
        subs.put("", new LinkedHashSet<>());
        Set<String> anyGroupRes = new LinkedHashSet<>();
        Set<String> anyGroupSubs = new LinkedHashSet<>();
        for (PolicyRule r : policy.rules()) {
            for (GroupResources gr : r.resources()) {
                Set<String> rs = gr.group().equals("*") ? anyGroupRes : res.computeIfAbsent(gr.group(), k -> new LinkedHashSet<>());
                Set<String> ss = gr.group().equals("*") ? anyGroupSubs : subs.computeIfAbsent(gr.group(), k -> new LinkedHashSet<>());
                for (String e : gr.resources()) {
                    mentioned(e, rs, ss);
                }
            }
        }
        String freshGroup = fresh(res.keySet(), "example.com", "example.org", "vigil.example.com");
        res.put(freshGroup, new LinkedHashSet<>());
        subs.put(freshGroup, new LinkedHashSet<>());
        List<Tuple> out = new ArrayList<>();
        for (String g : res.keySet()) {
            Set<String> rs = new LinkedHashSet<>(res.get(g));
            rs.addAll(anyGroupRes);
            rs.add(freshResource(g, rs));
            Set<String> ss = new LinkedHashSet<>(subs.get(g));
            ss.addAll(anyGroupSubs);
            List<String> subList = new ArrayList<>();
            subList.add("");
            subList.addAll(ss);
            subList.add(fresh(ss, "status", "scale", "binding", "vigil-example-sub"));
            for (String r : rs) {
                for (String s : subList) {
                    out.add(new Tuple(g, r, s));
                }
            }
        }
        return out;
    }

    /** A resource of group {@code g} not in {@code taken}: a real one when the group is a built-in one. */
    static String freshResource(String g, Set<String> taken) {
        List<String> candidates = new ArrayList<>();
        for (String r : KnownResources.all()) {
            if (KnownResources.group(r).orElseThrow().equals(g)) {
                candidates.add(r);
            }
        }
        candidates.addAll(List.of("widgets", "gadgets", "vigil-examples"));
        return fresh(taken, candidates.toArray(String[]::new));
    }

    /** Searches the resource or the non-resource requests; true when {@code visit} stopped it. */
    boolean search(boolean resource, Prune prune, Visit visit) {
        Partial p = new Partial(resource);
        if (!prune.viable(p)) {
            return false;
        }
        return resource ? resourceVerb(p, prune, visit) : nonResourceVerb(p, prune, visit);
    }

    private boolean resourceVerb(Partial p, Prune prune, Visit visit) {
        for (String v : resourceVerbs) {
            p.verb = v;
            if (prune.viable(p)) {
                for (Tuple t : tuples) {
                    p.tuple = t;
                    if (prune.viable(p) && userLevel(p, prune, visit, true)) {
                        return true;
                    }
                }
                p.tuple = null;
            }
        }
        p.verb = null;
        return false;
    }

    private boolean nonResourceVerb(Partial p, Prune prune, Visit visit) {
        for (String v : nonResourceVerbs) {
            p.verb = v;
            if (prune.viable(p)) {
                for (String path : paths) {
                    p.path = path;
                    if (prune.viable(p) && userLevel(p, prune, visit, false)) {
                        return true;
                    }
                }
                p.path = null;
            }
        }
        p.verb = null;
        return false;
    }

    private boolean userLevel(Partial p, Prune prune, Visit visit, boolean resource) {
        for (String u : users) {
            p.user = u;
            if (!prune.viable(p)) {
                continue;
            }
            for (List<String> g : groupSetsFor(u)) {
                p.groups = g;
                if (!prune.viable(p)) {
                    continue;
                }
                if (!resource) {
                    if (visit.accept(p)) {
                        return true;
                    }
                    continue;
                }
                for (String ns : namespaces) {
                    p.namespace = ns;
                    if (!prune.viable(p)) {
                        continue;
                    }
                    for (String n : names) {
                        p.name = n;
                        if (prune.viable(p) && visit.accept(p)) {
                            return true;
                        }
                    }
                    p.name = null;
                }
                p.namespace = null;
            }
            p.groups = null;
        }
        p.user = null;
        return false;
    }

    // ------------------------------------------------------------------------------------------
    // three-valued policy matching on partial requests

    /** Whether rule {@code r} matches every / some / no completion of {@code p}. */
    static Tri ruleMatches(PolicyRule r, Partial p) {
        Tri t = Tri.YES;
        if (!r.users().isEmpty()) {
            t = t.and(p.user == null ? Tri.MAYBE : Tri.of(r.users().contains(p.user)));
        }
        if (!r.userGroups().isEmpty()) {
            t = t.and(p.groups == null ? Tri.MAYBE : Tri.of(p.groups.stream().anyMatch(r.userGroups()::contains)));
        }
        if (!r.verbs().isEmpty()) {
            t = t.and(p.verb == null ? Tri.MAYBE : Tri.of(r.verbs().contains(p.verb)));
        }
        if (t == Tri.NO) {
            return Tri.NO;
        }
        if (r.resourceOnly()) {
            if (!p.resource) {
                return Tri.NO;
            }
            if (!r.namespaces().isEmpty()) {
                t = t.and(p.namespace == null ? Tri.MAYBE : Tri.of(r.namespaces().contains(p.namespace)));
            }
            if (t == Tri.NO || r.resources().isEmpty()) {
                return t;
            }
            if (p.tuple == null) {
                return t.and(Tri.MAYBE);
            }
            Tri any = Tri.NO;
            for (GroupResources gr : r.resources()) {
                if (!PolicyChecker.groupMatches(gr.group(), p.tuple.group())) {
                    continue;
                }
                if (gr.resources().isEmpty()) {
                    return t;
                }
                boolean entry = gr.resources().stream()
                        .anyMatch(e -> PolicyChecker.resourceEntryMatches(e, p.tuple.resource(), p.tuple.subresource()));
                if (!entry) {
                    continue;
                }
                if (gr.resourceNames().isEmpty()) {
                    return t;
                }
                any = any.or(p.name == null ? Tri.MAYBE : Tri.of(gr.resourceNames().contains(p.name)));
            }
            return t.and(any);
        }
        if (!r.nonResourceURLs().isEmpty()) {
            if (p.resource) {
                return Tri.NO;
            }
            if (p.path == null) {
                return t.and(Tri.MAYBE);
            }
            return t.and(Tri.of(r.nonResourceURLs().stream().anyMatch(s -> PolicyChecker.pathMatches(p.path, s))));
        }
        return t;
    }

    /**
     * The rules (1-based) that may be the first to match some completion of {@code p}, in order,
     * with 0 at the end when it is possible that no rule matches.
     */
    static List<Integer> possibleFirst(Policy policy, Partial p) {
        List<Integer> out = new ArrayList<>();
        for (PolicyRule r : policy.rules()) {
            Tri t = ruleMatches(r, p);
            if (t == Tri.NO) {
                continue;
            }
            out.add(r.index());
            if (t == Tri.YES) {
                return out;
            }
        }
        out.add(0);
        return out;
    }
}
