package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Bad rules files get problems with codes and positions, never an exception. */
class RobustnessTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "---",
        "[",
        "- rule: [a]",
        "- rule: x\n  condition: 1",
        "- list: x\n  items: {a: b}",
        "- list: x\n  items: [[a]]",
        "- macro: m\n  condition: (((((",
        "- macro: m\n  condition: evt.type = \"unterminated",
        "- macro: m\n  condition: proc.name = 'a\\qb'",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: trailing %\n  priority: INFO",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: LOUD",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  tags: {a: b}",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  exceptions: oops",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  exceptions: [{name: e, fields: [proc.name], values: [[{x: y}]]}]",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  exceptions: [{name: e, fields: proc.name, comps: [in], values: [a]}]",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  override: [condition]",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  override: {condition: sideways}",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  enabled: maybe",
        "- rule: r\n  desc: d\n  condition: evt.type=open and fd.sport > ssh_not_a_service\n  output: o\n  priority: INFO",
        "- rule: r\n  desc: d\n  condition: fd.sip = 999.1.1.1\n  output: o\n  priority: INFO",
        "- rule: r\n  desc: d\n  condition: fd.net = 10.0.0.1\n  output: o\n  priority: INFO",
        "- rule: r\n  desc: d\n  condition: proc.name regex '('\n  output: o\n  priority: INFO",
        "- rule: r\n  desc: d\n  condition: proc.aname[x] = a\n  output: o\n  priority: INFO",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: '%fd.ip'\n  priority: INFO",
        "- required_engine_version: [1]",
        "- required_plugin_versions: {a: b}",
        "- required_plugin_versions: [{name: x, version: banana}]",
        "a: &a [*a]",
        "- list: &l [a, *l]",
        "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n- rule: r\n  override: {priority: replace}\n  priority: ERROR\n  condition: x",
        "\u0000\u0001\u0002binary",
    })
    void neverThrows(String text) {
        RuleEngine.LoadResult r = RuleEngine.load(List.of(new RuleText("bad.yaml", text)), RuleEngine.Options.defaults());
        assertThat(r.files()).hasSize(1);
        for (Problem p : r.files().get(0).problems()) {
            assertThat(p.message()).isNotBlank();
            assertThat(p.context()).isNotEmpty();
        }
    }

    @Test
    void deepNestingIsAnErrorNotACrash() {
        String cond = "(".repeat(5000) + "proc.name=a" + ")".repeat(5000);
        String text = "- macro: m\n  condition: " + cond + "\n";
        RuleEngine.LoadResult r = RuleEngine.load(List.of(new RuleText("deep.yaml", text)), RuleEngine.Options.defaults());
        assertThat(r.errors()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(ProblemCode.LOAD_ERR_COMPILE_CONDITION);
            assertThat(p.message()).contains("depth");
        });
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(42);
        String alphabet = "- :[]{}()'\"\n\t#&*!|>%@`,=.abcdefgruleconditionmacrolistitems";
        for (int i = 0; i < 500; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(200);
            for (int j = 0; j < n; j++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            RuleEngine.LoadResult r = RuleEngine.load(List.of(new RuleText("fuzz.yaml", sb.toString())), RuleEngine.Options.defaults());
            assertThat(r.files()).hasSize(1);
        }
    }
}
