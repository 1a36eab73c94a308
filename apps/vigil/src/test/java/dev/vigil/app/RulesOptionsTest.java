package dev.vigil.app;

import static dev.vigil.app.CliTest.repo;
import static dev.vigil.app.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rules.RuleSelection;
import dev.vigil.rules.RuleSet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rules.d layering over the bundled defaults ({@code --rules-dir}, /etc/vigil/rules.d), as docs/rules-guide.md tells it. */
class RulesOptionsTest {
    private static final String SHELL_RULE = "Vigil Terminal Shell in Container";

    private static List<String> running(RuleSet rs) {
        return rs.runningRules().stream().map(r -> r.name()).toList();
    }

    /** The seed case: the debug-image override (and its exception twin) over the bundled defaults, checked with `vigil rules test`. */
    @Test
    void debugImageTuningSilencesTheShellRuleOnlyForDebugImages() {
        Path cases = repo().resolve("docs/examples/debug-images_test.yaml");
        for (String dir : List.of("docs/examples/rules.d", "docs/examples/rules.d-exception")) {
            CliTest.Result tuned = run("rules", "test", cases.toString(), "--rules-dir", repo().resolve(dir).toString());
            assertThat(tuned.code()).as(dir + ": " + tuned.out() + tuned.err()).isZero();
            assertThat(tuned.out()).contains("3 passed, 0 failed");
        }
        // without the tuning the debug image raises the alert: the cases really depend on the rules.d file
        CliTest.Result plain = run("rules", "test", cases.toString());
        assertThat(plain.code()).isEqualTo(1);
        assertThat(plain.out()).contains("'a shell with a terminal in a debug image is expected now': expected [] but matched [" + SHELL_RULE + "]");
    }

    @Test
    void defaultDirectoryIsLayeredOnlyWhenItExistsAndNoRulesAreGiven(@TempDir Path dir) throws Exception {
        RulesOptions o = new RulesOptions();
        o.defaultRulesDir = dir.resolve("rules.d");
        StringWriter err = new StringWriter();
        // missing default directory: the bundled defaults alone, and the directory is watched so that creating it reloads
        RuleSet defaults = o.ruleSet(RuleSelection.all(), new PrintWriter(err, true));
        assertThat(defaults).as(err.toString()).isNotNull();
        assertThat(running(defaults)).contains(SHELL_RULE).hasSizeGreaterThan(20);
        assertThat(o.watchedPaths()).containsExactly(o.defaultRulesDir);
        assertThat(o.reloadable()).isTrue();

        Files.createDirectories(o.defaultRulesDir);
        Files.writeString(o.defaultRulesDir.resolve("50-off.yaml"), """
                - rule: Vigil Terminal Shell in Container
                  enabled: false
                  override:
                    enabled: replace
                """);
        RuleSet tuned = o.ruleSet(RuleSelection.all(), new PrintWriter(err, true));
        assertThat(running(tuned)).doesNotContain(SHELL_RULE).hasSize(running(defaults).size() - 1);

        // explicit --rules: the default directory is not layered implicitly, --rules-dir still is
        RulesOptions explicit = new RulesOptions();
        explicit.defaultRulesDir = o.defaultRulesDir;
        explicit.rules = List.of(repo().resolve("rules/vigil_rules.yaml"));
        assertThat(running(explicit.ruleSet(RuleSelection.all(), new PrintWriter(err, true)))).contains(SHELL_RULE);
        assertThat(explicit.watchedPaths()).containsExactly(repo().resolve("rules/vigil_rules.yaml"));
        explicit.rulesDirs = List.of(o.defaultRulesDir);
        assertThat(running(explicit.ruleSet(RuleSelection.all(), new PrintWriter(err, true)))).doesNotContain(SHELL_RULE);
        assertThat(explicit.watchedPaths()).containsExactly(repo().resolve("rules/vigil_rules.yaml"), o.defaultRulesDir);
    }

    @Test
    void brokenRulesDirFileIsRejectedWithItsErrors(@TempDir Path dir) throws Exception {
        Path local = Files.createDirectories(dir.resolve("rules.d"));
        Files.writeString(local.resolve("20-broken.yaml"), "- rule: Vigil Terminal Shell in Container\n  condition: and evt.type=\n  override:\n    condition: append\n");
        RulesOptions o = new RulesOptions();
        o.rulesDirs = List.of(local);
        StringWriter err = new StringWriter();
        assertThat(o.ruleSet(RuleSelection.all(), new PrintWriter(err, true))).isNull();
        // the appended condition compiles with the rule it extends: the error names that rule
        assertThat(err.toString()).contains("LOAD_ERR_COMPILE_CONDITION", "rule 'Vigil Terminal Shell in Container'", "the rules did not load");
        Files.writeString(local.resolve("20-broken.yaml"), "- rule: [unclosed\n");
        StringWriter yaml = new StringWriter();
        assertThat(o.ruleSet(RuleSelection.all(), new PrintWriter(yaml, true))).isNull();
        assertThat(yaml.toString()).contains("20-broken.yaml", "LOAD_ERR_YAML_PARSE");

        // a --rules-dir that does not exist is an error, unlike the implicit default directory
        o.rulesDirs = List.of(dir.resolve("missing"));
        StringWriter err2 = new StringWriter();
        assertThat(o.ruleSet(RuleSelection.all(), new PrintWriter(err2, true))).isNull();
        assertThat(err2.toString()).contains("missing", "no such file");
    }
}
