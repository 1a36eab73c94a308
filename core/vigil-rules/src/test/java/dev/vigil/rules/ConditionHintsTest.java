package dev.vigil.rules;

import static dev.vigil.rules.LoaderSemanticsTest.loadOk;
import static dev.vigil.rules.LoaderSemanticsTest.problems;
import static dev.vigil.rules.LoaderSemanticsTest.ruleYaml;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The filter compiler's {@code LOAD_COMPILE_CONDITION} hints (spec 1.10): warnings, never errors, for
 * a literal compared with that is probably a mistake.
 */
class ConditionHintsTest {
    private static final String SIMPLER = "' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'";
    private static final String FIELD = "' may be a valid field misused as a const string value";
    private static final String TRANSFORMER = "' may be a valid field transformer misused as a const string value";

    private static List<String> hints(RuleEngine.LoadResult r) {
        return problems(r, ProblemCode.LOAD_COMPILE_CONDITION).stream().map(Problem::message).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = "=>", quoteCharacter = '`', value = {
        // a regex without special characters past its anchors and a leading/trailing .* .+ .?
        "proc.name regex cat => regex check with 'cat" + SIMPLER,
        "proc.name regex ^cat$ => regex check with '^cat$" + SIMPLER,
        "proc.name regex '.*cat' => regex check with '.*cat" + SIMPLER,
        "proc.name regex 'cat.+' => regex check with 'cat.+" + SIMPLER,
        "proc.name regex '.?cat.*' => regex check with '.?cat.*" + SIMPLER,
        "proc.name regex '.*' => regex check with '.*" + SIMPLER,
        "proc.name regex c.t => ",
        "proc.name regex ca+t => ",
        "proc.name regex '(cat|dog)' => ",
        "proc.name regex 'c[a]t' => ",
        "proc.name regex 'ca\\\\.t' => ",
        "proc.name regex 'x.*y' => ",
        "proc.name regex '^.*cat$' => ",
        "proc.name regex '.' => ",
        // a value that is a field name (spaces ignored when recognising it)
        "proc.name = proc.pname => 'proc.pname" + FIELD,
        "proc.name != evt.arg.flags => 'evt.arg.flags" + FIELD,
        "proc.name in (bash, proc.pname) => 'proc.pname" + FIELD,
        "proc.name startswith 'proc. pname' => 'proc. pname" + FIELD,
        "proc.name = java.lang => ",
        "proc.name = proc.nosuchfield => ",
        "proc.name = val(proc.pname) => ",
        "proc.name = cat => ",
        // a value that looks like a transformer call
        "proc.name = 'tolower(proc.pname)' => 'tolower(proc.pname)" + TRANSFORMER,
        "proc.name = 'val(proc.pname)' => 'val(proc.pname)" + TRANSFORMER,
        "proc.name in ('basename (x)') => 'basename (x)" + TRANSFORMER,
        "proc.name = 'tolower(' => ",
        "proc.name = 'lower(x)' => ",
        // with regex, a field name gets only the field hint (its dot is a regex character)
        "proc.name regex proc.pname => 'proc.pname" + FIELD,
        "fd.name regex etc => regex check with 'etc" + SIMPLER,
    })
    void hintsAboutLiterals(String check, String expected) {
        var r = loadOk(ruleYaml("r", "evt.type = open and " + check));
        List<String> want = expected == null ? List.of() : List.of(expected);
        assertThat(hints(r)).as(check).containsExactlyElementsOf(want);
        assertThat(r.errors()).isEmpty();
        assertThat(r.rules()).hasSize(1);
    }

    @Test
    void aHintNamesTheRuleAndPointsAtTheValue() {
        var r = loadOk(ruleYaml("r", "evt.type = open and proc.name = proc.pname"));
        assertThat(problems(r, ProblemCode.LOAD_COMPILE_CONDITION)).singleElement().satisfies(p -> {
            assertThat(p.code().isError()).isFalse();
            assertThat(p.code().description()).isEqualTo("Condition has possible issues");
            assertThat(p.itemType()).isEqualTo("rule");
            assertThat(p.itemName()).isEqualTo("r");
            assertThat(p.context()).anySatisfy(l -> {
                assertThat(l.itemType()).isEqualTo("condition expression");
                assertThat(l.offset()).isEqualTo("evt.type = open and proc.name = ".length());
            });
        });
    }

    @Test
    void exceptionValuesAreCheckedToo() {
        var r = loadOk(ruleYaml("r", "evt.type = open") + """
                  exceptions:
                    - name: e1
                      fields: [proc.name]
                      comps: [=]
                      values:
                        - [proc.pname]
                    - name: e2
                      fields: [proc.name]
                      comps: [=]
                      values:
                        - ["proc.exe "]
                """);
        assertThat(hints(r)).containsExactly("'proc.pname" + FIELD, "'proc.exe " + FIELD);
    }

    @Test
    void aMacroIsCheckedInEveryRuleThatUsesIt() {
        var r = loadOk("- macro: m\n  condition: proc.name regex sh\n" + ruleYaml("a", "evt.type = open and m")
                + ruleYaml("b", "evt.type = close and m"));
        assertThat(problems(r, ProblemCode.LOAD_COMPILE_CONDITION)).extracting(Problem::itemName).containsExactly("a", "b");
    }

    @Test
    void aRuleSkippedForAnUnknownFieldGivesNoHints() {
        var r = loadOk(ruleYaml("r", "proc.name = proc.pname and proc.nobody = x") + "  skip-if-unknown-filter: true\n");
        assertThat(hints(r)).isEmpty();
        assertThat(problems(r, ProblemCode.LOAD_UNKNOWN_FILTER)).hasSize(1);
    }
}
