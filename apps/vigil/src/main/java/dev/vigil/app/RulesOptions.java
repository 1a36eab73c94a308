package dev.vigil.app;

import dev.vigil.rules.FileResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RuleEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --rules FILE} option shared by commands, and loading with a readable report. */
final class RulesOptions {
    /** The default rules Vigil ships, bundled in the application. */
    static final String DEFAULT_RULES_RESOURCE = "/dev/vigil/app/rules/vigil_rules.yaml";

    @Option(names = {"-r", "--rules"}, paramLabel = "FILE",
            description = "Rules file or directory (its .yaml/.yml files in sorted order); repeat to layer files in order. "
                    + "Default: Vigil's bundled default rules.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--no-suggested-output",
            description = "Do not append the container fields Falco suggests (container_id=... k8s_ns_name=...) to syscall rule outputs.")
    boolean noSuggestedOutput;

    RuleEngine.Options engineOptions() {
        return RuleEngine.Options.defaults().withSuggestedOutput(!noSuggestedOutput);
    }

    /** Loads the rules and selects the running ones; null (after saying why on {@code err}) when they do not load. */
    dev.vigil.rules.RuleSet ruleSet(dev.vigil.rules.RuleSelection selection, PrintWriter err) {
        RuleEngine.LoadResult loaded = load(err);
        if (!loaded.successful()) {
            err.println("vigil: the rules did not load; fix the errors above");
            return null;
        }
        return loaded.ruleSet(selection);
    }

    /** Loads the given rules (or the bundled defaults); prints problems to {@code err}. */
    RuleEngine.LoadResult load(PrintWriter err) {
        RuleEngine.LoadResult r;
        if (rules.isEmpty()) {
            try (InputStream in = RulesOptions.class.getResourceAsStream(DEFAULT_RULES_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the bundled default rules are missing from this build");
                }
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                r = RuleEngine.load(List.of(new dev.vigil.rules.RuleText("vigil_rules.yaml (bundled)", text)), engineOptions());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            r = RuleEngine.loadPaths(rules, engineOptions());
        }
        for (FileResult f : r.files()) {
            for (Problem p : f.errors()) {
                err.println(Reports.line(f, p));
            }
        }
        return r;
    }
}
