package dev.vigil.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyFileTest {
    @Test
    void readsEverySetting() throws Exception {
        AdmissionPolicy p = PolicyFile.parse("policy.yaml", """
                mode: warn
                checks: [readonly-root, hostpath-writable]
                exemptNamespaces: [kube-system, monitoring]
                exemptImages: ["registry.k8s.io/*"]
                exemptionKey: example.com/writable-root
                """);
        assertThat(p).isEqualTo(new AdmissionPolicy(Mode.WARN, java.util.Set.of(Check.READONLY_ROOT, Check.HOSTPATH_WRITABLE),
                List.of("kube-system", "monitoring"), List.of("registry.k8s.io/*"), "example.com/writable-root"));
        assertThat(PolicyFile.parse("empty.yaml", "")).isEqualTo(AdmissionPolicy.defaults());
    }

    @Test
    void mistakesAreNamedByFileLineAndColumn() {
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "mode: warn\nchecks: [readonly-root, nope]\n"))
                .hasMessage("p.yaml:2:25: unknown check 'nope' (readonly-root, privileged, privilege-escalation, hostpath-writable)");
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "mode: strict\n")).hasMessage("p.yaml:1:7: unknown mode 'strict' (enforce, warn, audit)");
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "mode: warn\n  exemptImages: x\n")).hasMessageStartingWith("p.yaml:2:")
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "\nexemptNamespace: [a]\n"))
                .hasMessageStartingWith("p.yaml:2:1: unknown setting 'exemptNamespace'");
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "exemptImages: nginx\n")).hasMessage("p.yaml:1:15: exemptImages must be a list");
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "exemptionKey: ''\n")).hasMessage("p.yaml:1:15: exemptionKey must not be empty");
        assertThatThrownBy(() -> PolicyFile.parse("p.yaml", "- mode\n")).hasMessageStartingWith("p.yaml:1:1: expected a mapping");
    }
}
