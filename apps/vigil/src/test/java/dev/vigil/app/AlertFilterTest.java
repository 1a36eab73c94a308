package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.FalcoAlert;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertFilterTest {
    static FalcoAlert alert(String rule, Priority p, List<String> tags, Map<String, Object> fields) {
        return new FalcoAlert("u-1", 1_795_000_000_000_000_000L, p, rule, "syscall", tags, "node-1", "text", fields);
    }

    private static final FalcoAlert SHELL;

    static {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("k8s.ns.name", "payments");
        f.put("proc.cmdline", "sh -c \"rule = x\"");
        f.put("evt.num", 42L);
        f.put("fd.rport", new BigDecimal("3.5"));
        f.put("container.id", null);
        SHELL = alert("Terminal shell in container", Priority.WARNING, List.of("container", "shell", "mitre_execution"), f);
    }

    private static boolean test(String filter, FalcoAlert a) throws Exception {
        return AlertFilter.compile(filter).test(a);
    }

    @Test
    void bareAndPrefixedNamesReadTheAlert() throws Exception {
        assertThat(test("rule = \"Terminal shell in container\"", SHELL)).isTrue();
        assertThat(test("alert.rule startswith Terminal", SHELL)).isTrue();
        assertThat(test("priority in (Warning, Error)", SHELL)).isTrue();
        assertThat(test("priority = Error", SHELL)).isFalse();
        assertThat(test("source = syscall and hostname = node-1", SHELL)).isTrue();
        assertThat(test("tags intersects (shell, network)", SHELL)).isTrue();
        assertThat(test("tags in (shell)", SHELL)).isFalse();
        assertThat(test("uuid = u-1 and output contains tex", SHELL)).isTrue();
    }

    @Test
    void outputFieldsByNameAsText() throws Exception {
        assertThat(test("output_fields[k8s.ns.name] in (payments, billing)", SHELL)).isTrue();
        assertThat(test("not output_fields[k8s.ns.name] = payments", SHELL)).isFalse();
        assertThat(test("output_fields[evt.num] = 42", SHELL)).isTrue();
        assertThat(test("output_fields[fd.rport] = 3.5", SHELL)).isTrue();
        // absent fields compare false, even with !=, as in Falco
        assertThat(test("output_fields[container.id] != abc", SHELL)).isFalse();
        assertThat(test("output_fields[no.such] exists", SHELL)).isFalse();
        assertThat(test("output_fields[k8s.ns.name] exists", SHELL)).isTrue();
    }

    @Test
    void quotedTextAndListItemsAreNotTakenForFields() throws Exception {
        assertThat(test("output_fields[proc.cmdline] contains \"rule = x\"", SHELL)).isTrue();
        assertThat(test("tags intersects (rule, shell)", SHELL)).isTrue();
    }

    @Test
    void mistakesNameTheColumnInTheTextAsWritten() {
        assertThatThrownBy(() -> AlertFilter.compile("rule = = x")).hasMessageContaining("filter 'rule = = x' at column");
        assertThatThrownBy(() -> AlertFilter.compile("proc.name = sh")).hasMessageContaining("proc.name");
        assertThatThrownBy(() -> AlertFilter.compile(" ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> AlertFilter.compile("rule = x and")).hasMessageContaining("column");
    }
}
