package dev.vigil.app;

import dev.vigil.rules.FileResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RuleText;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The {@code --rules FILE} and {@code --rules-dir DIR} options shared by commands, and loading with
 * a readable report. The rules are layered in this order: the base ({@code --rules} files, or
 * Vigil's bundled defaults when none is given), then the {@code .yaml}/{@code .yml} files of every
 * {@code --rules-dir} in sorted order. Without {@code --rules} and {@code --rules-dir},
 * {@link #DEFAULT_RULES_DIR} is layered over the defaults when it exists, so local tuning needs
 * no option at all.
 */
final class RulesOptions {
    /** The default rules Vigil ships, bundled in the application. */
    static final String DEFAULT_RULES_RESOURCE = "/dev/vigil/app/rules/vigil_rules.yaml";
    /** Local rules layered over the bundled defaults when no rules option is given. */
    static final Path DEFAULT_RULES_DIR = Path.of("/etc/vigil/rules.d");

    @Option(names = {"-r", "--rules"}, paramLabel = "FILE",
            description = "Rules file or directory (its .yaml/.yml files in sorted order); repeat to layer files in order. "
                    + "Default: Vigil's bundled default rules.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--rules-dir", paramLabel = "DIR",
            description = "A directory whose .yaml/.yml files (sorted by name) are layered after the rules: after Vigil's bundled "
                    + "defaults when --rules is not given. Repeatable. Default: " + "/etc/vigil/rules.d" + " when it exists "
                    + "and neither --rules nor --rules-dir is given.")
    List<Path> rulesDirs = new ArrayList<>();

    @Option(names = "--no-suggested-output",
            description = "Do not append the container fields Falco suggests (container_id=... k8s_ns_name=...) to syscall rule outputs.")
    boolean noSuggestedOutput;

    /** The implicit local rules directory; a field so that tests can point it elsewhere. */
    Path defaultRulesDir = DEFAULT_RULES_DIR;

    RuleEngine.Options engineOptions() {
        return RuleEngine.Options.defaults().withSuggestedOutput(!noSuggestedOutput);
    }

    /** The rules directories layered over the base: the given ones, or the default one when nothing was given. */
    List<Path> layerDirs() {
        if (!rulesDirs.isEmpty() || !rules.isEmpty()) {
            return List.copyOf(rulesDirs);
        }
        return List.of(defaultRulesDir);
    }

    /**
     * The files and directories whose changes should reload the rules: the {@code --rules} paths and
     * the layered directories (the default one even while it does not exist, so that creating it
     * is noticed).
     */
    List<Path> watchedPaths() {
        List<Path> all = new ArrayList<>(rules);
        all.addAll(layerDirs());
        return all;
    }

    /** Whether reloading can change anything: some rules come from files (always true without --rules: the default directory). */
    boolean reloadable() {
        return !watchedPaths().isEmpty();
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

    /** Loads the given rules (or the bundled defaults) and the layered directories; prints problems to {@code err}. */
    RuleEngine.LoadResult load(PrintWriter err) {
        List<RuleText> base = rules.isEmpty() ? List.of(bundledDefaults()) : List.of();
        List<Path> paths = new ArrayList<>(rules);
        for (Path dir : layerDirs()) {
            // the implicit directory is optional; a directory the user named must be there
            if (rulesDirs.contains(dir) || Files.isDirectory(dir)) {
                paths.add(dir);
            }
        }
        RuleEngine.LoadResult r = RuleEngine.loadPaths(base, paths, engineOptions());
        for (FileResult f : r.files()) {
            for (Problem p : f.errors()) {
                err.println(Reports.line(f, p));
            }
        }
        return r;
    }

    private static RuleText bundledDefaults() {
        try (InputStream in = RulesOptions.class.getResourceAsStream(DEFAULT_RULES_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled default rules are missing from this build");
            }
            return new RuleText("vigil_rules.yaml (bundled)", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
