package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vigil command line, end to end through {@link Main#execute}. */
class CliTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    static Path repo() {
        return Path.of(System.getProperty("vigil.repo.dir", "../..")).toAbsolutePath().normalize();
    }

    static Path shared() {
        Path p = Path.of(System.getProperty("vigil.shared.dir", "../../../shared")).toAbsolutePath().normalize();
        assertThat(p.resolve("fixtures/falco-rules/upstream")).isDirectory();
        return p;
    }

    static final String RULE = """
            - rule: cat opens a file
              desc: test rule
              condition: evt.type in (open, openat) and proc.name = cat
              output: cat opened %fd.name (cmd=%proc.cmdline)
              priority: WARNING
              tags: [filesystem, testing]
            - rule: anything by cat
              desc: catch-all
              condition: proc.name = cat
              output: cat did %evt.type
              priority: INFO
              warn_evttypes: false
            """;

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("run", "replay", "rules", "fields");
    }

    @Test
    void runReplaysTheBundledDemoThroughTheDefaultRules() {
        Result r = run("run", "--demo");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines()).hasSize(7);
        assertThat(r.out()).contains("Critical Outbound connection to a mining pool (connection=", "Warning Sensitive file opened for reading");
        assertThat(r.err()).contains("10 events, 7 alerts");
    }

    @Test
    void validateAcceptsTheUpstreamStableRules() {
        Result r = run("rules", "validate", shared().resolve("fixtures/falco-rules/upstream/falco_rules.yaml").toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("falco_rules.yaml: Ok");
    }

    @Test
    void validateReportsCodeAndPositionAndFails(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                - rule: broken
                  desc: d
                  condition: evt.type=open and
                  output: x
                  priority: INFO
                """);
        Result r = run("rules", "validate", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("bad.yaml: Invalid", "LOAD_ERR_COMPILE_CONDITION", "bad.yaml:3:", "rule 'broken'");

        Result json = run("rules", "validate", "-o", "json", bad.toString());
        assertThat(json.code()).isEqualTo(1);
        assertThat(json.out()).contains("\"successful\":false", "\"code\":\"LOAD_ERR_COMPILE_CONDITION\"", "\"item_name\":\"broken\"");
    }

    @Test
    void validateMissingFileIsAFileReadError(@TempDir Path dir) {
        Result r = run("rules", "validate", dir.resolve("nope.yaml").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("LOAD_ERR_FILE_READ");
    }

    @Test
    void replayPrintsJsonAlertsAndSurvivesBadLines(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("r.yaml"), RULE);
        Path events = Files.writeString(dir.resolve("e.jsonl"), String.join("\n",
                "{\"source\":\"syscall\",\"time\":\"2026-11-26T10:00:00.123456789Z\",\"fields\":{\"evt.type\":\"openat\",\"proc.name\":\"cat\",\"fd.name\":\"/etc/hosts\",\"proc.cmdline\":\"cat /etc/hosts\"}}",
                "{this is not json",
                "{\"fields\":{\"no.such.field\":1}}",
                "{\"fields\":{\"proc.name\":[\"a\",\"b\"]}}",
                "{\"time\":\"2026-11-26T10:00:01Z\",\"fields\":{\"evt.type\":\"execve\",\"proc.name\":\"bash\"}}",
                ""));
        Result r = run("replay", "--no-suggested-output", "--rules", rules.toString(), events.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out().lines()).containsExactly(
                "{\"hostname\":\"" + dev.vigil.rules.output.AlertFormatter.defaultHostname() + "\","
                        + "\"output\":\"2026-11-26T10:00:00.123456789+0000: Warning cat opened /etc/hosts (cmd=cat /etc/hosts)\","
                        + "\"output_fields\":{\"evt.time.iso8601\":1795687200123456789,\"fd.name\":\"/etc/hosts\",\"proc.cmdline\":\"cat /etc/hosts\"},"
                        + "\"priority\":\"Warning\",\"rule\":\"cat opens a file\",\"source\":\"syscall\",\"tags\":[\"filesystem\",\"testing\"],"
                        + "\"time\":\"2026-11-26T10:00:00.123456789Z\"}");
        assertThat(r.err()).contains(":2: malformed JSON", ":3: unknown field 'no.such.field'", ":4: field 'proc.name' takes one value",
                "2 events, 1 alerts, 3 malformed lines skipped");
    }

    @Test
    void replayRuleMatchingAllTextAndPriority(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("r.yaml"), RULE);
        Path events = Files.writeString(dir.resolve("e.jsonl"),
                "{\"fields\":{\"evt.type\":\"openat\",\"proc.name\":\"cat\",\"fd.name\":\"/x\",\"proc.cmdline\":\"cat /x\"}}\n");
        Result first = run("replay", "--text", "--no-suggested-output", "-r", rules.toString(), events.toString());
        assertThat(first.out().lines()).containsExactly("1970-01-01T00:00:00.000000000+0000: Warning cat opened /x (cmd=cat /x)");
        Result all = run("replay", "--text", "--no-suggested-output", "--rule-matching", "all", "-r", rules.toString(), events.toString());
        assertThat(all.out().lines()).containsExactly(
                "1970-01-01T00:00:00.000000000+0000: Warning cat opened /x (cmd=cat /x)",
                "1970-01-01T00:00:00.000000000+0000: Informational cat did openat");
        Result warnOnly = run("replay", "--text", "--rule-matching", "all", "--priority", "warning", "-r", rules.toString(), events.toString());
        assertThat(warnOnly.out().lines()).hasSize(1);
        Result disabled = run("replay", "--text", "--rule-matching", "all", "--disable-tag", "testing", "-r", rules.toString(), events.toString());
        assertThat(disabled.out().lines()).hasSize(1).allMatch(l -> l.contains("Informational"));
    }

    @Test
    void replayRefusesRulesThatDoNotLoad(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("r.yaml"), "- macro: m\n  condition: evt.type=\n");
        Path events = Files.writeString(dir.resolve("e.jsonl"), "{\"fields\":{}}\n");
        Result r = run("replay", "-r", rules.toString(), events.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("LOAD_ERR_COMPILE_CONDITION", "did not load");
    }

    @Test
    void usageErrorsExitTwoAndSayWhat(@TempDir Path dir) throws IOException {
        Path events = Files.writeString(dir.resolve("e.jsonl"), "{\"fields\":{}}\n");
        Result badPriority = run("replay", "--priority", "loud", events.toString());
        assertThat(badPriority.code()).isEqualTo(2);
        assertThat(badPriority.err()).contains("unknown priority 'loud'", "Usage: vigil replay");
        Result badRing = run("run", "--ring-buffer", "3MiB", "--duration", "1s");
        assertThat(badRing.code()).isEqualTo(2);
        assertThat(badRing.err()).contains("'--ring-buffer'", "power of two");
        Result missing = run("run", "--events", dir.resolve("none.jsonl").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read events file");
    }

    /** Every file of rules/tests runs against the default rules, and every default rule has a case that expects it. */
    @Test
    void rulesTestRunsTheDefaultRuleCases() throws IOException {
        List<Path> files;
        try (var s = Files.list(repo().resolve("rules/tests"))) {
            files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(1);
        List<String> args = new java.util.ArrayList<>(List.of("rules", "test"));
        files.forEach(f -> args.add(f.toString()));
        args.addAll(List.of("--rules", repo().resolve("rules/vigil_rules.yaml").toString()));
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("(?m)^\\d+ passed, 0 failed$");

        StringBuilder cases = new StringBuilder();
        for (Path f : files) {
            cases.append(Files.readString(f));
        }
        var rules = dev.vigil.rules.RuleEngine.loadPaths(List.of(repo().resolve("rules/vigil_rules.yaml")),
                dev.vigil.rules.RuleEngine.Options.defaults()).rules();
        assertThat(rules).hasSizeGreaterThan(20);
        for (var rule : rules) {
            assertThat(cases.toString()).as("a case expecting '%s'", rule.name())
                    .containsPattern("expect: \\[([^\\]]*, )?" + java.util.regex.Pattern.quote(rule.name()) + "[,\\]]");
        }
    }

    @Test
    void rulesTestReportsWhatMatchedInstead(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("r.yaml"), RULE);
        Path cases = Files.writeString(dir.resolve("c.yaml"), """
                - name: both rules
                  event: {fields: {evt.type: openat, proc.name: cat}}
                  expect: [cat opens a file, anything by cat]
                - name: wrong expectation
                  event: {fields: {evt.type: execve, proc.name: cat}}
                  expect: []
                - name: bad event
                  event: {fields: {nope.nope: 1}}
                  expect: []
                """);
        Result r = run("rules", "test", cases.toString(), "--rules", rules.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL", "'wrong expectation': expected [] but matched [anything by cat]", "'bad event': bad event: unknown field");
        assertThat(r.out().lines()).last().isEqualTo("1 passed, 2 failed");
    }

    @Test
    void fieldsListsBothSources() {
        Result r = run("fields");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Source syscall", "proc.aname", "Source k8s_audit", "ka.verb");
        assertThat(run("fields", "--source", "nope").code()).isEqualTo(2);
    }

    /** {@link #RULE} plus a rule disabled in its file, tagged {@code extra}. */
    static final String THREE_RULES = RULE + """
            - rule: disabled cat rule
              desc: off unless enabled
              condition: evt.type = openat and proc.name = cat
              output: the disabled rule ran
              priority: NOTICE
              enabled: false
              tags: [extra]
            """;

    /** The priorities of the alert lines of a text replay with every matching rule reported. */
    private static List<String> firing(Path rules, Path events, String... selection) {
        List<String> args = new java.util.ArrayList<>(List.of("replay", "--text", "--no-suggested-output", "--rule-matching", "all"));
        args.addAll(List.of(selection));
        args.addAll(List.of("-r", rules.toString(), events.toString()));
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().lines().map(l -> l.substring(l.indexOf(": ") + 2)).toList();
    }

    @Test
    void replayEnablesAndDisablesRulesByNameAndTag(@TempDir Path dir) throws IOException {
        Path rules = Files.writeString(dir.resolve("r.yaml"), THREE_RULES);
        Path events = Files.writeString(dir.resolve("e.jsonl"),
                "{\"fields\":{\"evt.type\":\"openat\",\"proc.name\":\"cat\",\"fd.name\":\"/x\",\"proc.cmdline\":\"cat /x\"}}\n");
        String warning = "Warning cat opened /x (cmd=cat /x)";
        String info = "Informational cat did openat";
        String notice = "Notice the disabled rule ran";
        assertThat(firing(rules, events)).containsExactly(warning, info);
        // --disable takes name globs (* and ?), whole names only
        assertThat(firing(rules, events, "--disable", "anything*")).containsExactly(warning);
        assertThat(firing(rules, events, "--disable", "cat opens a fil?")).containsExactly(info);
        assertThat(firing(rules, events, "--disable", "cat")).containsExactly(warning, info);
        assertThat(firing(rules, events, "--disable", "*cat*")).isEmpty();
        assertThat(firing(rules, events, "--disable", "anything by cat", "--disable", "cat opens a file")).isEmpty();
        // --enable turns on a rule its file disables, and wins over a disable
        assertThat(firing(rules, events, "--enable", "disabled cat rule")).containsExactly(warning, info, notice);
        assertThat(firing(rules, events, "--enable", "no such rule")).containsExactly(warning, info);
        assertThat(firing(rules, events, "--disable", "*", "--enable", "anything by cat")).containsExactly(info);
        assertThat(firing(rules, events, "--disable-tag", "testing", "--enable", "cat opens a file")).containsExactly(warning, info);
        // --enable-tag: every rule carrying the tag
        assertThat(firing(rules, events, "--enable-tag", "extra")).containsExactly(warning, info, notice);
        assertThat(firing(rules, events, "--disable", "*", "--enable-tag", "filesystem")).containsExactly(warning);
        assertThat(firing(rules, events, "--disable", "*", "--enable-tag", "nosuchtag")).isEmpty();
        // the minimum priority still applies to enabled rules
        assertThat(firing(rules, events, "--enable-tag", "extra", "--priority", "notice")).containsExactly(warning, notice);
    }

    @Test
    void listShowsRulesMacrosAndLists(@TempDir Path dir) throws IOException {
        Result r = run("rules", "list");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("RULES (26)", "Vigil Terminal Shell in Container", "MACROS", "vigil_spawned_process", "LISTS", "vigil_shell_binaries");

        Path rules = Files.writeString(dir.resolve("r.yaml"), """
                - list: resources
                  items: [pods, "my pods"]
                - macro: creating
                  condition: ka.verb = create
                """ + THREE_RULES + """
                - rule: audit of pods
                  desc: k8s
                  condition: creating and ka.target.resource in (resources)
                  output: pod %ka.target.name
                  priority: info
                  source: k8s_audit
                  tags: [k8s, b_tag, a_tag]
                """);
        Result own = run("rules", "list", "--rules", rules.toString());
        assertThat(own.code()).as(own.err()).isZero();
        String row = "%-60s %-10s %-13s %-8s %s";
        assertThat(own.out().lines()).containsSubsequence(
                "RULES (4)",
                row.formatted("NAME", "SOURCE", "PRIORITY", "ENABLED", "TAGS"),
                row.formatted("cat opens a file", "syscall", "Warning", "true", "filesystem,testing"),
                row.formatted("anything by cat", "syscall", "Informational", "true", ""),
                row.formatted("disabled cat rule", "syscall", "Notice", "false", "extra"),
                row.formatted("audit of pods", "k8s_audit", "Informational", "true", "a_tag,b_tag,k8s"),
                "MACROS (1)",
                "creating: ka.verb = create",
                "LISTS (1)");
        assertThat(own.out()).contains("resources: [");
    }

    @Test
    void versionNamesTheRulesEngineVersion() {
        Result r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out().strip()).matches("vigil \\S.* \\(Falco rules engine " + java.util.regex.Pattern.quote(dev.vigil.rules.RuleEngine.ENGINE_VERSION) + "\\)");
        assertThat(r.out().lines()).hasSize(1);
        assertThat(r.err()).isEmpty();
    }
}
