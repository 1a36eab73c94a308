package dev.vigil.rules;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldSlots;
import dev.vigil.rules.load.Collector;
import dev.vigil.rules.load.RulesCompiler;
import dev.vigil.rules.load.RulesReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads Falco rules files and compiles them into a {@link RuleSet}.
 *
 * <p>Files are layered in order into one collection, as Falco does: after each file, everything
 * collected so far is compiled again, so a later file can redefine, append to or override items of
 * an earlier one, and each file's result lists the problems found while loading it. Loading never
 * throws for bad input; every problem is a {@link Problem} with a Falco code and a position.
 */
public final class RuleEngine {
    /** The Falco rules engine version Vigil implements (major 0, so upstream files load). */
    public static final String ENGINE_VERSION = "0.63.0";

    /** The plugins whose capabilities Vigil provides natively, with the versions it answers for. */
    public static final Map<String, String> PROVIDED_PLUGINS = Map.of(
            "container", "0.6.0",
            "k8saudit", "0.18.0",
            "k8saudit-aks", "0.6.0",
            "k8saudit-eks", "0.12.0",
            "k8saudit-gke", "0.9.0",
            "k8saudit-ovh", "0.6.0",
            "json", "0.7.0");

    private RuleEngine() {}

    /** Options of a load. */
    public record Options(boolean suggestedOutput, Set<String> sources) {
        public Options {
            sources = Set.copyOf(sources);
        }

        public static Options defaults() {
            return new Options(true, new LinkedHashSet<>(FieldCatalog.builtInSources()));
        }

        public Options withSuggestedOutput(boolean on) {
            return new Options(on, sources);
        }
    }

    /** The result of loading: one {@link FileResult} per file, and the rules when there was no error. */
    public record LoadResult(List<FileResult> files, List<CompiledRule> rules, FieldSlots slots, Catalog catalog) {
        public LoadResult {
            files = List.copyOf(files);
            rules = rules == null ? null : List.copyOf(rules);
        }

        public boolean successful() {
            return rules != null && files.stream().allMatch(FileResult::successful);
        }

        public List<Problem> errors() {
            return files.stream().flatMap(f -> f.errors().stream()).toList();
        }

        public List<Problem> warnings() {
            return files.stream().flatMap(f -> f.warnings().stream()).toList();
        }

        /** The runnable rule set under a selection; only valid when {@link #successful()}. */
        public RuleSet ruleSet(RuleSelection selection) {
            if (!successful()) {
                throw new IllegalStateException("rules did not load: " + errors().size() + " error(s)");
            }
            return new RuleSet(rules, selection, slots);
        }
    }

    /** Lists and macros as finally defined, for listings. */
    public record Catalog(List<NamedItem> lists, List<NamedItem> macros) {}

    /** A list (text = items joined) or macro (text = condition). */
    public record NamedItem(String name, String text) {}

    public static LoadResult loadPaths(List<Path> paths, Options options) {
        return loadPaths(List.of(), paths, options);
    }

    /** Loads {@code first} (texts already in memory, such as bundled rules), then the files of {@code paths}, in order. */
    public static LoadResult loadPaths(List<RuleText> first, List<Path> paths, Options options) {
        List<RuleText> texts = new ArrayList<>(first);
        List<FileResult> readErrors = new ArrayList<>();
        List<Path> files;
        try {
            files = RuleText.expand(paths);
        } catch (IOException e) {
            files = paths;
        }
        for (Path p : files) {
            try {
                texts.add(RuleText.read(p));
            } catch (IOException | RuntimeException e) {
                readErrors.add(new FileResult(p.toString(), List.of(new Problem(ProblemCode.LOAD_ERR_FILE_READ,
                        "Could not read file: " + describe(e), List.of(new Location("rules content", "", p.toString(), 0, 0, 0)), ""))));
            }
        }
        if (!readErrors.isEmpty()) {
            return new LoadResult(readErrors, null, new FieldSlots(), new Catalog(List.of(), List.of()));
        }
        return load(texts, options);
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.charset.MalformedInputException) {
            return "not valid UTF-8 text";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** Loads rules texts in order. */
    public static LoadResult load(List<RuleText> texts, Options options) {
        Collector collector = new Collector();
        FieldSlots slots = new FieldSlots();
        RulesReader.EngineInfo info = new RulesReader.EngineInfo(ENGINE_VERSION, options.sources());
        List<FileResult> results = new ArrayList<>();
        List<CompiledRule> rules = null;
        boolean failed = false;
        for (RuleText t : texts) {
            List<Problem> problems = new ArrayList<>();
            boolean ok = RulesReader.read(t.name(), t.content(), collector, info, problems);
            if (ok) {
                rules = RulesCompiler.compile(collector, slots, new RulesCompiler.Options(options.suggestedOutput()), problems);
                ok = rules != null;
            }
            failed |= !ok;
            results.add(new FileResult(t.name(), problems));
        }
        // plugin requirements are checked once everything is loaded, and that failure comes first
        List<FileResult> checked = new ArrayList<>();
        for (FileResult fr : results) {
            List<Problem> extra = new ArrayList<>();
            for (var req : collector.pluginRequirements()) {
                if (req.file().equals(fr.name()) && !satisfied(req.options())) {
                    StringBuilder names = new StringBuilder();
                    for (String[] o : req.options()) {
                        names.append(names.length() == 0 ? "" : ", ").append(o[0]).append(' ').append(o[1]);
                    }
                    extra.add(new Problem(ProblemCode.LOAD_ERR_VALIDATE, "Plugin requirement not satisfied, must load one of: "
                            + names + " (Vigil provides " + provided() + ")", req.ctx(), ""));
                }
            }
            if (!extra.isEmpty()) {
                failed = true;
                List<Problem> all = new ArrayList<>(extra);
                all.addAll(fr.problems());
                checked.add(new FileResult(fr.name(), all));
            } else {
                checked.add(fr);
            }
        }
        if (texts.isEmpty()) {
            rules = List.of();
        }
        return new LoadResult(checked, failed ? null : rules, slots, collector.catalog());
    }

    private static String provided() {
        return String.join(", ", new java.util.TreeMap<>(PROVIDED_PLUGINS).entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).toList());
    }

    private static boolean satisfied(List<String[]> options) {
        for (String[] o : options) {
            String have = PROVIDED_PLUGINS.get(o[0]);
            if (have == null) {
                continue;
            }
            String[] h = have.split("\\.");
            String[] w = o[1].split("[.+-]");
            int[] hv = {Integer.parseInt(h[0]), Integer.parseInt(h[1]), Integer.parseInt(h[2])};
            int[] wv = {Integer.parseInt(w[0]), Integer.parseInt(w[1]), Integer.parseInt(w[2])};
            if (hv[0] == wv[0] && java.util.Arrays.compare(hv, wv) >= 0) {
                return true;
            }
        }
        return false;
    }
}
