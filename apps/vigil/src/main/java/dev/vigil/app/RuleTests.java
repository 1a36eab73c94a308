package dev.vigil.app;

import dev.vigil.event.SnapshotEvent;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.replay.SnapshotFormatException;
import dev.vigil.rules.replay.SnapshotReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Rule unit tests: each case is an event (a replay line written as YAML) and the exact list of
 * rules that must match it under {@code rule_matching: all}, in any order.
 */
final class RuleTests {
    private final RuleSet rules;

    record Outcome(int passed, int failed) {}

    RuleTests(RuleSet rules) {
        this.rules = rules;
    }

    Outcome run(List<Path> files, PrintWriter out) throws IOException {
        int passed = 0;
        int failed = 0;
        SnapshotEvent ev = new SnapshotEvent(rules.slots());
        SnapshotReader reader = new SnapshotReader(rules.slots());
        for (Path file : files) {
            Object doc;
            try {
                doc = new Load(LoadSettings.builder().setLabel(file.toString()).build())
                        .loadFromString(Files.readString(file, StandardCharsets.UTF_8));
            } catch (YamlEngineException e) {
                out.println("FAIL " + file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
                failed++;
                continue;
            } catch (IOException e) {
                out.println("FAIL " + file + ": cannot read: " + e.getMessage());
                failed++;
                continue;
            }
            if (!(doc instanceof List<?> cases)) {
                out.println("FAIL " + file + ": a cases file is a YAML list of {name, event, expect}");
                failed++;
                continue;
            }
            int index = 0;
            for (Object c : cases) {
                index++;
                String label = file + " case " + index;
                if (!(c instanceof Map<?, ?> m) || !m.containsKey("event") || !m.containsKey("expect")) {
                    out.println("FAIL " + label + ": a case needs 'name', 'event' and 'expect'");
                    failed++;
                    continue;
                }
                if (m.get("name") != null) {
                    label = file + " case " + index + " '" + m.get("name") + "'";
                }
                Object expectRaw = m.get("expect");
                if (expectRaw != null && !(expectRaw instanceof List<?>)) {
                    out.println("FAIL " + label + ": 'expect' must be a list of rule names ([] for none)");
                    failed++;
                    continue;
                }
                List<String> expected = new ArrayList<>();
                if (expectRaw instanceof List<?> l) {
                    l.forEach(x -> expected.add(String.valueOf(x)));
                }
                try {
                    reader.fill(ev, m.get("event"));
                } catch (SnapshotFormatException e) {
                    out.println("FAIL " + label + ": bad event: " + e.getMessage());
                    failed++;
                    continue;
                }
                List<String> matched = new ArrayList<>();
                rules.evaluate(ev, RuleMatching.ALL, r -> matched.add(r.name()));
                if (new java.util.HashSet<>(matched).equals(new java.util.HashSet<>(expected)) && matched.size() == expected.size()) {
                    passed++;
                } else {
                    failed++;
                    out.println("FAIL " + label + ": expected " + expected + " but matched " + matched);
                }
            }
        }
        return new Outcome(passed, failed);
    }
}
