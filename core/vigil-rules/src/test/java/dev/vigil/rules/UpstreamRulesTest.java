package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The upstream Falco rule files load unchanged, with zero errors. */
class UpstreamRulesTest {
    /** Capture resolves ahead of time the domain names rules compare fd.sip.name with. */
    @org.junit.jupiter.api.Test
    void exposesTheDomainNamesRulesCompareWith() {
        RuleSet rs = Fixtures.load("upstream/falco_rules.yaml").ruleSet(RuleSelection.all());
        assertThat(rs.literalsComparedWith("fd.sip.name")).isNotEmpty().allMatch(n -> n.contains("."));
        assertThat(rs.literalsComparedWith("evt.type")).contains("execve", "openat");
        assertThat(rs.literalsComparedWith("no.such.field")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "upstream/falco_rules.yaml|",
        "upstream/falco_rules.yaml|upstream/falco-incubating_rules.yaml",
        "upstream/falco_rules.yaml|upstream/falco-sandbox_rules.yaml",
        "upstream/k8s_audit_rules.yaml|",
        "upstream/k8s_audit_rules.yaml|upstream/k8s_audit_rules_gke.yaml",
    })
    void loadsWithoutErrors(String first, String second) {
        RuleEngine.LoadResult r = second == null ? Fixtures.load(first) : Fixtures.load(first, second);
        assertThat(r.errors()).as(Fixtures.describe(r)).isEmpty();
        assertThat(r.successful()).isTrue();
        assertThat(r.rules()).isNotEmpty();
        // no rule of the upstream files matches "too many event types", and none gets a compiler hint
        assertThat(r.warnings()).as(Fixtures.describe(r))
                .noneMatch(p -> p.code() == ProblemCode.LOAD_NO_EVTTYPE || p.code() == ProblemCode.LOAD_UNKNOWN_KEY
                        || p.code() == ProblemCode.LOAD_COMPILE_CONDITION || p.code() == ProblemCode.LOAD_UNSAFE_NA_CHECK);
    }
}
