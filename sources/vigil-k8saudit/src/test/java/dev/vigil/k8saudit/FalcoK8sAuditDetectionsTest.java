package dev.vigil.k8saudit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.Priority;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.FileResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RuleText;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Falco's own k8s audit detection table ({@code falco_k8s_audit_tests.yaml}, pinned revision of
 * falcosecurity/falco): every entry's trace file is read by {@link AuditEventParser}, shown through
 * {@link AuditEventView} and evaluated by Vigil's rules engine, and the entry's expectations are
 * checked as Falco's test harness checks them: {@code detect} (some alert / no alert at all),
 * {@code detect_level} (some alert at that priority) and {@code detect_counts} (exact count per
 * listed rule), with Falco's first-match rule evaluation.
 *
 * <p>The table was written for the rules that lived in the Falco repository then
 * ({@code ../rules/k8s_audit_rules.yaml}); the fixtures keep the current plugin ruleset instead, which
 * stands in for it. Where the two differ by name, the entry runs ADAPTED (rule or list renamed, see
 * {@link #RENAMED_RULES} and {@link #RENAMED_LISTS}). {@code ../rules/falco_rules.yaml} (syscall rules,
 * which never match an audit event) is left out. Entries needing files that were not saved (the
 * engine-v4 compatibility files) are not run; a separate test pins that exactly those are left out.
 */
class FalcoK8sAuditDetectionsTest {
    /** Rules of the old ruleset that the current one renamed (one rule per resource kind now). */
    static final Map<String, String> RENAMED_RULES = Map.of(
            "K8s Role/Clusterrole Created", "K8s ClusterRole Created",
            "K8s Role/Clusterrole Deleted", "K8s ClusterRole Deleted",
            "K8s Role/Clusterrolebinding Created", "K8s ClusterRoleBinding Created",
            "K8s Role/Clusterrolebinding Deleted", "K8s ClusterRoleBinding Deleted");

    /** Lists of the old ruleset that the current one renamed (the trust_nginx_container override appends to them). */
    static final Map<String, String> RENAMED_LISTS = Map.of(
            "falco_privileged_images", "k8s_audit_privileged_images",
            "falco_sensitive_mount_images", "k8s_audit_sensitive_mount_images",
            "falco_hostnetwork_images", "k8s_audit_hostnetwork_images");

    private static final Map<String, String> RESULTS = new TreeMap<>();

    static Path shared() {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize();
        assertThat(p.resolve("fixtures/k8s-audit")).as("shared fixtures at %s", p).isDirectory();
        return p;
    }

    static Path k8s(String relative) {
        return shared().resolve("fixtures/k8s-audit").resolve(relative);
    }

    record Entry(String name, boolean detect, String level, List<String> rulesFiles, Map<String, Integer> counts,
            String traceFile, String stderrContains) {}

    /** One entry made runnable: the rules texts, the expected counts under current rule names, and notes. */
    record Plan(List<RuleText> rules, Map<String, Integer> counts, List<String> notes, String notRunnable) {}

    @SuppressWarnings("unchecked")
    static List<Entry> entries() throws IOException {
        String text = Files.readString(k8s("falco/falco_k8s_audit_tests.yaml"));
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(text.replace("!mux", ""));
        Map<String, Object> traces = (Map<String, Object>) doc.get("trace_files");
        List<Entry> out = new ArrayList<>();
        traces.forEach((name, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            Map<String, Integer> counts = new LinkedHashMap<>();
            List<Object> dc = (List<Object>) m.getOrDefault("detect_counts", List.of());
            for (Object o : dc) {
                ((Map<String, Object>) o).forEach((rule, n) -> counts.put(rule, ((Number) n).intValue()));
            }
            out.add(new Entry(name, String.valueOf(m.get("detect")).equalsIgnoreCase("true"), (String) m.get("detect_level"),
                    (List<String>) m.get("rules_file"), counts, (String) m.get("trace_file"), (String) m.get("stderr_contains")));
        });
        return out;
    }

    static Plan plan(Entry e) throws IOException {
        List<RuleText> rules = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String f : e.rulesFiles()) {
            if (f.equals("../rules/falco_rules.yaml")) {
                continue; // syscall rules: they never match a k8s_audit event
            }
            Path p;
            if (f.equals("../rules/k8s_audit_rules.yaml")) {
                p = k8s("falco/k8s_audit_rules.yaml");
            } else if (f.startsWith("./rules/k8s_audit/")) {
                p = k8s("falco/test-rule-overrides/" + f.substring("./rules/k8s_audit/".length()));
            } else {
                p = null;
            }
            if (p == null || !Files.isRegularFile(p)) {
                return new Plan(List.of(), Map.of(), notes, f + " is not in the fixtures (engine v4 compatibility files were not saved)");
            }
            String content = Files.readString(p);
            for (var r : RENAMED_LISTS.entrySet()) {
                if (content.contains(r.getKey())) {
                    content = content.replace(r.getKey(), r.getValue());
                    notes.add("list " + r.getKey() + " -> " + r.getValue());
                }
            }
            rules.add(new RuleText(p.getFileName().toString(), content));
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        e.counts().forEach((rule, n) -> {
            String now = RENAMED_RULES.getOrDefault(rule, rule);
            if (!now.equals(rule)) {
                notes.add("rule '" + rule + "' -> '" + now + "'");
            }
            counts.put(now, n);
        });
        return new Plan(rules, counts, notes, null);
    }

    /** What one trace file produced: alerts per rule, priorities seen, input problems. */
    record Outcome(Map<String, Integer> byRule, Set<Priority> priorities, int alerts, int events, List<String> problems) {}

    static Outcome run(RuleSet rs, Path trace) throws IOException {
        Map<String, Integer> byRule = new TreeMap<>();
        Set<Priority> priorities = new java.util.HashSet<>();
        List<String> problems = new ArrayList<>();
        int[] n = new int[2];
        AuditEventView view = new AuditEventView(rs.slots(), "test-host");
        try (Reader in = Files.newBufferedReader(trace, StandardCharsets.UTF_8)) {
            new AuditEventParser().read(in, new AuditEventParser.Listener() {
                @Override
                public void event(AuditEvent event) {
                    n[0]++;
                    view.set(event);
                    rs.evaluate(view, RuleMatching.FIRST, (CompiledRule r) -> {
                        n[1]++;
                        byRule.merge(r.name(), 1, Integer::sum);
                        priorities.add(r.priority());
                        // rendering every output must work on audit events (no exception, fields resolve)
                        assertThat(r.outputFormat().format(view)).isNotBlank();
                    });
                }

                @Override
                public void problem(AuditEventParser.Problem problem) {
                    problems.add(problem.toString());
                }
            });
        }
        return new Outcome(byRule, priorities, n[1], n[0], problems);
    }

    @TestFactory
    Stream<DynamicTest> everyEntryOfFalcosTable() throws IOException {
        List<Entry> entries = entries();
        assertThat(entries).hasSizeGreaterThanOrEqualTo(60);
        List<DynamicTest> tests = new ArrayList<>();
        for (Entry e : entries) {
            if (plan(e).notRunnable() == null) {
                tests.add(DynamicTest.dynamicTest(e.name(), () -> check(e)));
            }
        }
        return tests.stream();
    }

    /** The entries that cannot run are exactly those needing the unsaved engine-v4 compatibility files. */
    @Test
    void onlyTheEngineV4CompatibilityEntriesAreNotRunnable() throws IOException {
        List<String> notRunnable = new ArrayList<>();
        for (Entry e : entries()) {
            Plan plan = plan(e);
            if (plan.notRunnable() != null) {
                notRunnable.add(e.name());
                assertThat(plan.notRunnable()).as(e.name()).contains("engine_v4");
            }
        }
        assertThat(notRunnable).hasSize(7).allMatch(n -> n.startsWith("compat_engine_v4_"));
    }

    private static void check(Entry e) throws IOException {
        Plan plan = plan(e);
        RuleEngine.LoadResult loaded = RuleEngine.load(plan.rules(), RuleEngine.Options.defaults());
        assertThat(loaded.successful()).as("rules load for %s:%n%s", e.name(), describe(loaded)).isTrue();
        Set<String> names = new java.util.HashSet<>();
        loaded.rules().forEach(r -> names.add(r.name()));
        assertThat(names).as("expected rules exist").containsAll(plan.counts().keySet());

        RuleSet rs = loaded.ruleSet(RuleSelection.all());
        String trace = e.traceFile().substring(e.traceFile().lastIndexOf('/') + 1);
        Outcome o = run(rs, k8s("events/falco-trace-files/" + trace));

        if (e.detect()) {
            assertThat(o.alerts()).as("%s: alerts (%s)", e.name(), o.byRule()).isPositive();
            if (e.level() != null) {
                Priority level = Priority.parse(e.level()).orElseThrow();
                assertThat(o.priorities()).as("%s: priorities seen", e.name()).contains(level);
            }
        } else {
            assertThat(o.byRule()).as("%s: no alert expected", e.name()).isEmpty();
        }
        plan.counts().forEach((rule, n) ->
                assertThat(o.byRule().getOrDefault(rule, 0)).as("%s: alerts of '%s' (all: %s)", e.name(), rule, o.byRule()).isEqualTo(n));
        if (e.stderrContains() != null) {
            // Falco stops on the unreadable line; Vigil reports it with its line number and goes on
            assertThat(o.problems()).as("%s: problems", e.name()).singleElement().asString()
                    .startsWith("line 1: not a Kubernetes audit event");
        } else {
            assertThat(o.problems()).as("%s: problems", e.name()).isEmpty();
            assertThat(o.events()).as("%s: events read", e.name()).isPositive();
        }
        RESULTS.put(e.name(), (plan.notes().isEmpty() ? "PASS          " : "PASS ADAPTED  ")
                + (e.detect() ? "detect " + o.byRule() : "no alert") + (plan.notes().isEmpty() ? "" : "  [" + String.join("; ", plan.notes()) + "]"));
    }

    private static String describe(RuleEngine.LoadResult r) {
        StringBuilder sb = new StringBuilder();
        for (FileResult f : r.files()) {
            for (Problem p : f.problems()) {
                sb.append(f.name()).append(": ").append(p.code()).append(' ').append(p.message()).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void theTrustOverrideDoesNotLoadAgainstTheCurrentRulesWithoutTheRename() throws IOException {
        // why the trust_nginx_container entries run ADAPTED: the old list names are gone
        RuleEngine.LoadResult r = RuleEngine.loadPaths(List.of(k8s("falco/k8s_audit_rules.yaml"),
                k8s("falco/test-rule-overrides/trust_nginx_container.yaml")), RuleEngine.Options.defaults());
        assertThat(r.successful()).isFalse();
        assertThat(describe(r)).contains("trust_nginx_container.yaml: LOAD_ERR_VALIDATE", "no list by that name already exists");
    }

    @AfterAll
    static void printTable() {
        StringBuilder sb = new StringBuilder("Falco k8s audit detection table:\n");
        RESULTS.forEach((k, v) -> sb.append(String.format("  %-55s %s%n", k, v)));
        System.out.print(sb);
    }
}
