package dev.vigil.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compiled form of the shipped upstream rules is a compatibility contract: every rule of
 * upstream/falco_rules.yaml, in order, with its condition after lists, macros and exceptions are
 * resolved, must stay exactly as recorded in {@code src/test/resources/golden/falco_rules.expanded.txt}.
 *
 * <p>When the golden file is missing, or the build runs with {@code -Dvigil.golden.update=true},
 * the test rewrites it in the source tree and fails, so a freshly written golden is reviewed and
 * committed before it can pass.
 */
class GoldenExpandedConditionsTest {
    private static final String GOLDEN = "golden/falco_rules.expanded.txt";

    @Test
    void expandedConditionsOfTheStableUpstreamRules() throws IOException {
        RuleEngine.LoadResult r = Fixtures.load("upstream/falco_rules.yaml");
        assertThat(r.errors()).as(Fixtures.describe(r)).isEmpty();
        assertThat(r.rules()).isNotEmpty();
        String actual = render(r.rules());

        Path golden = goldenPath();
        boolean update = Boolean.getBoolean("vigil.golden.update");
        if (update || !Files.exists(golden)) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            fail("golden file " + golden + " was written (" + (update ? "-Dvigil.golden.update=true" : "it was missing")
                    + "); review it, commit it, and run the tests again without -Dvigil.golden.update");
        }

        String expected = Files.readString(golden, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            fail(firstDifference(expected, actual) + "\n(rerun with -Dvigil.golden.update=true to rewrite " + golden
                    + " if the change is intended)");
        }
    }

    static String render(List<CompiledRule> rules) {
        StringBuilder sb = new StringBuilder();
        for (CompiledRule rule : rules) {
            sb.append("rule: ").append(rule.name()).append('\n').append(rule.expandedCondition()).append("\n\n");
        }
        return sb.toString();
    }

    /** The golden file in the source tree (not the copy on the test class path). */
    static Path goldenPath() {
        String repo = System.getProperty("vigil.repo.dir");
        Path resources = repo != null
                ? Path.of(repo, "core", "vigil-rules", "src", "test", "resources")
                : Path.of("src", "test", "resources");
        return resources.resolve(GOLDEN).toAbsolutePath().normalize();
    }

    private static String firstDifference(String expected, String actual) {
        String[] e = expected.split("\n", -1);
        String[] a = actual.split("\n", -1);
        String rule = "(start)";
        for (int i = 0; i < Math.max(e.length, a.length); i++) {
            String el = i < e.length ? e[i] : "<end of golden file>";
            String al = i < a.length ? a[i] : "<end of output>";
            if (el.startsWith("rule: ")) {
                rule = el.substring(6);
            }
            if (!el.equals(al)) {
                return "expanded conditions differ from the golden file at line " + (i + 1) + " (in or after rule '" + rule
                        + "'):\n  golden: " + el + "\n  actual: " + al;
            }
        }
        return "expanded conditions differ from the golden file";
    }
}
