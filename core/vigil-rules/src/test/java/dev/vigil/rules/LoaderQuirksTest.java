package dev.vigil.rules;

import static dev.vigil.rules.LoaderSemanticsTest.canon;
import static dev.vigil.rules.LoaderSemanticsTest.expanded;
import static dev.vigil.rules.LoaderSemanticsTest.load;
import static dev.vigil.rules.LoaderSemanticsTest.loadOk;
import static dev.vigil.rules.LoaderSemanticsTest.matches;
import static dev.vigil.rules.LoaderSemanticsTest.onlyError;
import static dev.vigil.rules.LoaderSemanticsTest.problems;
import static dev.vigil.rules.LoaderSemanticsTest.rule;
import static dev.vigil.rules.LoaderSemanticsTest.ruleYaml;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Small Falco behaviours of the loader and the evaluator that rules in the wild depend on. */
class LoaderQuirksTest {
    private static String k8sRule(String name, String condition) {
        return ruleYaml(name, condition) + "  source: k8s_audit\n";
    }

    /** {@code LOAD_UNSAFE_NA_CHECK}: like Falco, once per rule however many checks compare with {@code <NA>}. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "ka.user.name = <NA>|1",
        "ka.user.name != <NA>|1",
        "ka.user.name in (a, <NA>)|1",
        "ka.user.name intersects (<NA>)|1",
        "ka.uri pmatch (<NA>)|1",
        "ka.user.name = \"<NA>\"|1",
        "jevt.value[/user/username] = <NA>|1",
        "tolower(ka.user.name) = <NA>|1",
        "ka.user.name = <NA> or ka.verb = <NA> or ka.uri in (<NA>)|1",
        "not ka.user.name = <NA>|1",
        "ka.user.name = oneof (a, <NA>)|1",
        "ka.user.name contains <NA>|0",
        "ka.user.name startswith <NA>|0",
        "ka.user.name = NA|0",
        "ka.user.name exists|0",
        "ka.verb = create|0"})
    void unsafeNaCheckIsReportedOncePerRule(String condition, int warnings) {
        var r = loadOk(k8sRule("r", condition));
        assertThat(problems(r, ProblemCode.LOAD_UNSAFE_NA_CHECK)).as(condition).hasSize(warnings).allSatisfy(p -> {
            assertThat(p.itemType()).isEqualTo("rule");
            assertThat(p.itemName()).isEqualTo("r");
            assertThat(p.message()).contains("<NA>", "exists");
        });
    }

    @Test
    void unsafeNaCheckIsForAuditFieldsOnlyAndPerRuleAlsoThroughMacros() {
        var r = loadOk("- macro: unknown_user\n  condition: ka.user.name = <NA>\n"
                + k8sRule("a", "unknown_user and ka.verb in (<NA>)") + k8sRule("b", "unknown_user") + k8sRule("c", "ka.verb = get")
                + ruleYaml("s", "evt.type = open and proc.name = <NA>"));
        assertThat(problems(r, ProblemCode.LOAD_UNSAFE_NA_CHECK)).extracting(Problem::itemName).containsExactly("a", "b");
    }

    @Test
    void unsafeNaCheckIsReportedEvenWhenTheRuleIsSkippedForAnUnknownField() {
        var r = loadOk(k8sRule("r", "ka.user.name = <NA> and ka.nosuch = x") + "  skip-if-unknown-filter: true\n");
        assertThat(problems(r, ProblemCode.LOAD_UNSAFE_NA_CHECK)).hasSize(1);
        assertThat(problems(r, ProblemCode.LOAD_UNKNOWN_FILTER)).hasSize(1);
        assertThat(r.rules()).isEmpty();
    }

    /** {@code x = <NA>} compares the text {@code <NA>}; an absent field makes every comparison false. */
    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "proc.name = <NA>|<NA>|true",
        "proc.name = <NA>|cat|false",
        "proc.name = <NA>||false",
        "proc.name != <NA>||false",
        "proc.name != <NA>|cat|true",
        "proc.name in (<NA>, N/A)|<NA>|true",
        "proc.name in (<NA>, N/A)||false",
        "not proc.name = <NA>||true",
        "not proc.name exists||true",
        "proc.name exists|<NA>|true"})
    void comparingWithNaComparesTheText(String condition, String procName, boolean match) {
        var r = loadOk(ruleYaml("r", "evt.type = open and " + condition));
        boolean hit = procName == null ? matches(r, "open") : matches(r, "open", "proc.name", procName);
        assertThat(hit).as("%s with proc.name %s", condition, procName).isEqualTo(match);
        assertThat(problems(r, ProblemCode.LOAD_UNSAFE_NA_CHECK)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "[' = ', 'in ']|' in '",
        "['=', ' in']|in",
        "[\"\\t=\", \"in\\t\"]|in"})
    void exceptionCompsAreTrimmed(String tupleComps, String singleComp) {
        var r = loadOk(ruleYaml("r", "evt.type = open") + """
                  exceptions:
                    - name: tuple
                      fields: [proc.name, fd.name]
                      comps: %s
                      values:
                        - [cat, [/a, /b]]
                    - name: single
                      fields: proc.pname
                      comps: %s
                      values: [bash]
                """.formatted(tupleComps, singleComp));
        assertThat(expanded(r, "r")).isEqualTo(canon(
                "(evt.type = open) and not ((proc.name = cat and fd.name in (/a, /b))) and not (proc.pname in (bash))"));
        assertThat(matches(r, "open", "proc.name", "cat", "fd.name", "/b", "proc.pname", "sh")).isFalse();
        assertThat(matches(r, "open", "proc.name", "cat", "fd.name", "/c", "proc.pname", "sh")).isTrue();
    }

    @Test
    void integerListItemsAreKeptAsText() {
        var r = loadOk("- list: ports\n  items: [22, 443, \"8080\"]\n" + ruleYaml("r", "evt.type = connect and fd.sport in (ports)"));
        assertThat(expanded(r, "r")).isEqualTo(canon("evt.type = connect and fd.sport in (22, 443, 8080)"));
        assertThat(r.catalog().lists()).singleElement().satisfies(l -> assertThat(l.text()).contains("22", "443", "8080"));
    }

    @ParameterizedTest(name = "{index}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`---\\n---\\n- rule: r\\n  condition: evt.type = open\\n  output: o\\n  desc: d\\n  priority: INFO\\n`",
        "`- rule: r\\n  condition: evt.type = open\\n  output: o\\n  desc: d\\n  priority: INFO\\n-\\n- ~\\n- null\\n`",
        "`~\\n---\\n- rule: r\\n  condition: evt.type = open\\n  output: o\\n  desc: d\\n  priority: INFO\\n---\\n`",
        "`# only a comment\\n---\\n- rule: r\\n  condition: evt.type = open\\n  output: o\\n  desc: d\\n  priority: INFO\\n`"})
    void nullDocumentsAndEntriesAreSkipped(String text) {
        var r = loadOk(text.replace("\\n", "\n"));
        assertThat(r.rules()).extracting(CompiledRule::name).containsExactly("r");
        assertThat(r.warnings()).as(Fixtures.describe(r)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"'  source:\\n'", "'  source: \"\"\\n'", "'  source: ~\\n'"})
    void anEmptySourceIsTheDefault(String sourceLine) {
        var r = loadOk(ruleYaml("r", "evt.type = open") + sourceLine.replace("\\n", "\n").replace("'", ""));
        assertThat(rule(r, "r").source()).isEqualTo("syscall");
        assertThat(matches(r, "open")).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'  output: \"  spaced out \\t \"\\n'|spaced out",
        "'  output: |\\n    block text\\n\\n'|block text",
        "'  output: >\\n    folded\\n    text\\n'|folded text"})
    void outputIsTrimmed(String outputLines, String expected) {
        var r = loadOk("- rule: r\n  condition: evt.type = open\n  desc: d\n  priority: INFO\n"
                + outputLines.replace("\\n", "\n").replace("\\t", "\t").replaceAll("^'|'$", ""));
        assertThat(rule(r, "r").output()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "'- rule: r\\n  condition: [evt.type, open]\\n  output: o\\n  desc: d\\n  priority: INFO\\n'|rule|r",
        "'- rule: r\\n  condition: evt.type = open\\n  output: {a: b}\\n  desc: d\\n  priority: INFO\\n'|rule|r",
        "'- macro: m\\n  condition: [a]\\n'|macro|m",
        "'- list: l\\n  items: [a, {b: c}]\\n'|list|l",
        "'- rule: [r]\\n  condition: evt.type = open\\n'|rule|",
        "'- required_engine_version: [0, 57]\\n'|required_engine_version|"})
    void aNonScalarWhereAScalarBelongsIsAnError(String text, String itemType, String itemName) {
        Problem p = onlyError(load(text.replace("\\n", "\n").replaceAll("^'|'$", "")));
        assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_YAML_VALIDATE);
        assertThat(p.message()).isEqualTo("Value is not a scalar value");
        assertThat(p.context()).anySatisfy(l -> assertThat(l.itemType()).isEqualTo(itemType));
        if (itemName != null) {
            assertThat(p.itemName()).isEqualTo(itemName);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "'  - name: json\\n    version: 1.0\\n'|Invalid required version '1.0' for plugin 'json'",
        "'  - name: json\\n    version: latest\\n'|Invalid required version 'latest' for plugin 'json'",
        "'  - name: k8saudit\\n    version: 0.18.0\\n    alternatives:\\n      - name: k8saudit-gke\\n        version: v1\\n'"
                + "|Invalid required version 'v1' for plugin 'k8saudit-gke'"})
    void anInvalidPluginVersionIsAnError(String entries, String message) {
        Problem p = onlyError(load("- required_plugin_versions:\n" + entries.replace("\\n", "\n").replaceAll("^'|'$", "")));
        assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
        assertThat(p.message()).isEqualTo(message);
    }

    @Test
    void anUnsatisfiedPluginRequirementComesBeforeOtherErrors() {
        var r = load("""
                - required_plugin_versions:
                  - name: cloudtrail
                    version: 0.1.0
                - rule: broken
                  condition: evt.type = open and
                  output: o
                  desc: d
                  priority: INFO
                """);
        assertThat(r.successful()).isFalse();
        assertThat(r.errors()).extracting(Problem::code)
                .containsExactly(ProblemCode.LOAD_ERR_VALIDATE, ProblemCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(r.errors().get(0).message()).startsWith("Plugin requirement not satisfied, must load one of: cloudtrail 0.1.0");
        assertThat(r.errors().get(0).itemType()).isEqualTo("required plugin versions");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "proc.nobody = x|o|filter_check called with nonexistent field proc.nobody",
        "evt.type = some_invalid_event|o|unknown event type some_invalid_event",
        "evt.type = open|\"%proc.nobody\"|invalid formatting token proc.nobody"})
    void skipIfUnknownFilterTurnsTheErrorIntoAnUnknownFilterWarning(String condition, String output, String message) {
        String text = "- rule: r\n  condition: " + condition + "\n  output: " + output + "\n  desc: d\n  priority: INFO\n";
        var skipped = loadOk(text + "  skip-if-unknown-filter: true\n");
        assertThat(problems(skipped, ProblemCode.LOAD_UNKNOWN_FILTER)).singleElement().satisfies(p -> {
            assertThat(p.message()).isEqualTo(message);
            assertThat(p.itemType()).isEqualTo("rule");
            assertThat(p.itemName()).isEqualTo("r");
        });
        assertThat(skipped.rules()).isEmpty();
        Problem error = onlyError(load(text));
        assertThat(error.message()).isEqualTo(message);
        assertThat(error.code()).isIn(ProblemCode.LOAD_ERR_COMPILE_CONDITION, ProblemCode.LOAD_ERR_COMPILE_OUTPUT);
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', value = {
        "evt.arg.flags contains O_CREAT|evt.arg[flags]",
        "evt.arg[flags] contains O_CREAT|evt.arg.flags",
        "evt.arg.flags contains O_CREAT|evt.arg.flags",
        "evt.arg[flags] contains O_CREAT|evt.arg[flags]"})
    void argumentByDotOrBracketIsTheSameField(String condition, String eventField) {
        var r = loadOk(ruleYaml("r", "evt.type = openat and " + condition));
        assertThat(matches(r, "openat", eventField, "O_WRONLY|O_CREAT")).isTrue();
        assertThat(matches(r, "openat", eventField, "O_RDONLY")).isFalse();
        assertThat(matches(r, "openat", "evt.arg[name]", "O_CREAT")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "proc.name = val(proc.pname)[1]|27",
        "proc.name in val(proc.aname[1])[0]|31"})
    void anArgumentAfterValIsRejected(String condition, int offset) {
        Problem p = onlyError(load(ruleYaml("r", "evt.type = open and " + condition)));
        assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_CONDITION);
        assertThat(p.message()).isEqualTo("unexpected token after ')', expecting 'or', 'and'");
        assertThat(p.context()).anySatisfy(l -> {
            assertThat(l.itemType()).isEqualTo("condition expression");
            assertThat(l.offset()).isEqualTo("evt.type = open and ".length() + offset);
        });
    }
}
