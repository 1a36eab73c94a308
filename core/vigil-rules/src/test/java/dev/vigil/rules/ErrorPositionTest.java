package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Condition errors point at the exact line and column of the rules file, with a snippet. */
class ErrorPositionTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "plain|`- rule: r\n  desc: d\n  condition: evt.type=open and fd.sip = 999.1.1.1\n  output: o\n  priority: INFO\n`|f.yaml:3:41",
        "double quoted|`- rule: r\n  desc: d\n  condition: \"evt.type=open and proc.nme=a\"\n  output: o\n  priority: INFO\n`|f.yaml:3:33",
        "folded block|`- rule: r\n  desc: d\n  condition: >\n    evt.type=open and\n    proc.nme in (a, b)\n  output: o\n  priority: INFO\n`|f.yaml:5:5",
        "literal block, end of text|`- macro: m\n  condition: |\n    evt.type=open and\n    proc.name in (a, b\n- rule: r\n  desc: d\n  condition: m\n  output: o\n  priority: INFO\n`|f.yaml:4:23",
        "macro trailing token|`- macro: m\n  condition: evt.type=execve foo\n`|f.yaml:2:30",
    })
    void pointsAtTheCharacter(String label, String yaml, String position) {
        RuleEngine.LoadResult r = RuleEngine.load(List.of(new RuleText("f.yaml", yaml)), RuleEngine.Options.defaults());
        assertThat(r.errors()).hasSize(1);
        Problem p = r.errors().get(0);
        assertThat(p.position()).isEqualTo(position);
        String[] snippet = p.snippet().split("\n");
        int col = Integer.parseInt(position.substring(position.lastIndexOf(':') + 1));
        assertThat(snippet).hasSize(2);
        assertThat(snippet[1]).isEqualTo(" ".repeat(col - 1) + "^");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "redefined with another source|`- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n- rule: r\n  desc: d\n  condition: ka.verb=get\n  output: o\n  priority: INFO\n  source: k8s_audit\n`|Rule has been re-defined with a different source",
    })
    void validationErrors(String label, String yaml, String message) {
        RuleEngine.LoadResult r = RuleEngine.load(List.of(new RuleText("f.yaml", yaml)), RuleEngine.Options.defaults());
        assertThat(r.errors()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_VALIDATE);
            assertThat(p.message()).isEqualTo(message);
            assertThat(p.position()).isEqualTo("f.yaml:6:3");
        });
    }
}
