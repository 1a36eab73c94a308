package dev.vigil.rules.load;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.Priority;
import dev.vigil.rules.Location;
import dev.vigil.rules.Problem;
import dev.vigil.rules.ProblemCode;
import dev.vigil.rules.load.Collector.ExceptionItem;
import dev.vigil.rules.load.Collector.ListItem;
import dev.vigil.rules.load.Collector.MacroItem;
import dev.vigil.rules.load.Collector.RuleItem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads one rules file into the {@link Collector}, validating its structure as Falco's reader does:
 * the item kind is decided by the first of {@code required_engine_version},
 * {@code required_plugin_versions}, {@code list}, {@code macro}, {@code rule}; every problem gets a
 * Falco code and a file:line:column context; reading stops at the first error of the file.
 */
public final class RulesReader {
    private static final Pattern LIST_NAME = Pattern.compile("[^()\"'\\s=,]+");
    private static final Pattern MACRO_NAME = Pattern.compile("[a-zA-Z]+[a-zA-Z0-9_]*");
    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(?:[-+][0-9A-Za-z.+-]*)?");
    private static final Set<String> LIST_KEYS = Set.of("list", "items", "append", "override");
    private static final Set<String> MACRO_KEYS = Set.of("macro", "condition", "append", "override");
    private static final Set<String> RULE_KEYS = Set.of("rule", "condition", "output", "desc", "priority", "source",
            "enabled", "tags", "exceptions", "warn_evttypes", "skip-if-unknown-filter", "capture",
            "capture_duration", "append", "override");
    private static final Set<String> RULE_APPENDABLE = Set.of("condition", "output", "desc", "tags", "exceptions");
    private static final Set<String> RULE_REPLACEABLE = Set.of("condition", "output", "desc", "priority", "tags",
            "exceptions", "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration");
    static final Set<String> EXCEPTION_OPERATORS = Set.of("=", "==", "!=", "<", "<=", ">", ">=", "contains",
            "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "pmatch", "in",
            "intersects", "regex");
    private static final Set<String> MODIFIABLE_OPERATORS = Set.of("=", "==", "!=", "contains", "icontains",
            "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex");

    // Falco's own texts (userspace/engine/rule_loading_messages.h)
    private static final String WARNING_APPEND =
            "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
    private static final String WARNING_ENABLED = "The standalone 'enabled' key usage is deprecated. The correct approach"
            + " requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
    private static final String ERROR_OVERRIDE_APPEND = "Keys 'override' and 'append: true' cannot be used together."
            + " Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
    private static final String ERROR_NO_PREVIOUS_MACRO =
            "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
    private static final String ERROR_NO_PREVIOUS_LIST =
            "List uses 'append' or 'override.items: append' but no list by that name already exists";
    private static final String ERROR_NO_PREVIOUS_RULE_APPEND =
            "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
    private static final String ERROR_NO_PREVIOUS_RULE_REPLACE =
            "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";

    private final String file;
    private final String content;
    private final Collector collector;
    private final EngineInfo engine;
    private final List<Problem> problems;

    /** Thrown internally to stop reading the file at its first error. */
    private static final class Stop extends Exception {
        Stop() {
            super(null, null, false, false);
        }
    }

    /** What the reader needs to know about the engine. */
    public record EngineInfo(String version, Set<String> sources) {}

    private RulesReader(String file, String content, Collector collector, EngineInfo engine, List<Problem> problems) {
        this.file = file;
        this.content = content;
        this.collector = collector;
        this.engine = engine;
        this.problems = problems;
    }

    /** Reads a file; returns false when it had an error (problems then holds it). */
    public static boolean read(String file, String content, Collector collector, EngineInfo engine, List<Problem> problems) {
        RulesReader r = new RulesReader(file, content, collector, engine, problems);
        try {
            r.readAll();
            return true;
        } catch (Stop stop) {
            return false;
        }
    }

    private Location root() {
        return new Location("rules content", "", file, 0, 0, 0);
    }

    private Location loc(String type, String name, Node node) {
        Optional<Mark> m = node == null ? Optional.empty() : node.getStartMark();
        return m.map(mark -> new Location(type, name, file, mark.getLine(), mark.getColumn(), mark.getIndex()))
                .orElse(new Location(type, name, file, 0, 0, 0));
    }

    private void error(ProblemCode code, String message, List<Location> ctx) throws Stop {
        problems.add(new Problem(code, message, ctx, Snippets.yaml(content, ctx)));
        throw new Stop();
    }

    private void warn(ProblemCode code, String message, List<Location> ctx) {
        problems.add(new Problem(code, message, ctx, Snippets.yaml(content, ctx)));
    }

    private static List<Location> with(List<Location> ctx, Location l) {
        List<Location> out = new ArrayList<>(ctx);
        out.add(l);
        return out;
    }

    private void readAll() throws Stop {
        collector.contents.put(file, content);
        LoadSettings settings = LoadSettings.builder().setLabel(file).setAllowDuplicateKeys(true)
                .setMaxAliasesForCollections(1000).setCodePointLimit(64 * 1024 * 1024).build();
        List<Node> docs = new ArrayList<>();
        try {
            for (Node n : new Compose(settings).composeAllFromString(content)) {
                docs.add(n);
            }
        } catch (MarkedYamlEngineException e) {
            Location where = e.getProblemMark()
                    .map(m -> new Location("rules content", "", file, m.getLine(), m.getColumn(), m.getIndex()))
                    .orElse(root());
            String msg = "yaml-cpp: error at line " + e.getProblemMark().map(m -> m.getLine() + 1).orElse(0)
                    + ", column " + e.getProblemMark().map(m -> m.getColumn() + 1).orElse(0) + ": " + yamlCppWording(e.getProblem());
            error(ProblemCode.LOAD_ERR_YAML_PARSE, msg, List.of(where));
        } catch (YamlEngineException e) {
            error(ProblemCode.LOAD_ERR_YAML_PARSE, "YAML error: " + e.getMessage(), List.of(root()));
        }
        for (Node doc : docs) {
            if (isNull(doc)) {
                continue;
            }
            if (doc instanceof ScalarNode) {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Rules content is not yaml", List.of(root()));
            }
            if (!(doc instanceof SequenceNode seq)) {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Rules content is not yaml array of objects", List.of(root()));
                return;
            }
            for (Node item : seq.getValue()) {
                if (isNull(item)) {
                    continue;
                }
                List<Location> ctx = List.of(root(), loc("rules content item", "", item));
                if (!(item instanceof MappingNode map)) {
                    error(ProblemCode.LOAD_ERR_YAML_VALIDATE,
                            "Unexpected element type.Each element should be a yaml associative array.", ctx);
                    return;
                }
                readItem(map, ctx);
            }
        }
    }

    /**
     * Falco reports YAML syntax errors in yaml-cpp's words ({@code yaml-cpp: error at line L, column
     * C: illegal map value}); the problems both parsers describe the same way are translated, others
     * keep the parser's own text.
     */
    static String yamlCppWording(String problem) {
        if (problem == null) {
            return "";
        }
        return switch (problem) {
            case "mapping values are not allowed here" -> "illegal map value";
            default -> problem;
        };
    }

    private void readItem(MappingNode map, List<Location> itemCtx) throws Stop {
        if (get(map, "required_engine_version") != null) {
            readEngineVersion(map);
        } else if (get(map, "required_plugin_versions") != null) {
            readPluginVersions(map);
        } else if (get(map, "list") != null) {
            readList(map);
        } else if (get(map, "macro") != null) {
            readMacro(map);
        } else if (get(map, "rule") != null) {
            readRule(map);
        } else {
            warn(ProblemCode.LOAD_UNKNOWN_ITEM, "Unknown top level item", itemCtx);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // engine and plugin versions

    private void readEngineVersion(MappingNode map) throws Stop {
        Node v = get(map, "required_engine_version");
        List<Location> ctx = List.of(root(), loc("required_engine_version", "", map));
        String text = scalar(map, "required_engine_version", ctx, true);
        int[] required;
        if (text.chars().allMatch(Character::isDigit)) {
            int[] ours = semver(engine.version());
            required = new int[] {ours[0], Integer.parseInt(text), 0};
        } else {
            required = semver(text);
            if (required == null) {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Unable to parse engine version '" + text
                        + "' as a semver string.Expected \"x.y.z\" semver format.", with(ctx, loc("value for", "", v)));
            }
        }
        int[] ours = semver(engine.version());
        boolean ok = ours[0] == required[0] && compare(ours, required) >= 0;
        if (!ok) {
            error(ProblemCode.LOAD_ERR_VALIDATE, "Rules require engine version " + required[0] + "." + required[1] + "."
                    + required[2] + ", but engine version is " + engine.version(), ctx);
        }
    }

    static int[] semver(String s) {
        var m = SEMVER.matcher(s.trim());
        if (!m.matches()) {
            return null;
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    static int compare(int[] a, int[] b) {
        for (int i = 0; i < 3; i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return 0;
    }

    private void readPluginVersions(MappingNode map) throws Stop {
        List<Location> ctx = List.of(root(), loc("required plugin versions", "", map));
        Node v = get(map, "required_plugin_versions");
        if (!(v instanceof SequenceNode seq)) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", ctx);
            return;
        }
        for (Node entry : seq.getValue()) {
            List<Location> ectx = with(ctx, loc("required plugin versions entry", "", entry));
            if (!(entry instanceof MappingNode em)) {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Unexpected element type. Each element should be a yaml associative array.", ectx);
                return;
            }
            List<String[]> options = new ArrayList<>();
            options.add(pluginVersion(em, ectx));
            Node alts = get(em, "alternatives");
            if (alts != null) {
                if (!(alts instanceof SequenceNode as)) {
                    error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", ectx);
                    return;
                }
                for (Node alt : as.getValue()) {
                    List<Location> actx = with(ectx, loc("required plugin versions alternative", "", alt));
                    if (!(alt instanceof MappingNode am)) {
                        error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Unexpected element type. Each element should be a yaml associative array.", actx);
                        return;
                    }
                    String[] o = pluginVersion(am, actx);
                    for (String[] existing : options) {
                        if (existing[0].equals(o[0])) {
                            error(ProblemCode.LOAD_ERR_VALIDATE, "Defined multiple alternative version requirements for plugin '" + o[0] + "'", actx);
                        }
                    }
                    options.add(o);
                }
            }
            collector.pluginRequirements.add(new Collector.PluginRequirement(file, options, ectx));
        }
    }

    private String[] pluginVersion(MappingNode m, List<Location> ctx) throws Stop {
        String name = scalar(m, "name", ctx, true);
        String version = scalar(m, "version", ctx, true);
        if (semver(version) == null) {
            error(ProblemCode.LOAD_ERR_VALIDATE, "Invalid required version '" + version + "' for plugin '" + name + "'", ctx);
        }
        return new String[] {name, version};
    }

    // ---------------------------------------------------------------------------------------------
    // lists

    private void readList(MappingNode map) throws Stop {
        List<Location> ctx0 = List.of(root(), loc("list", "", map));
        String name = scalar(map, "list", ctx0, true);
        List<Location> ctx = List.of(root(), loc("list", name, map));
        if (!LIST_NAME.matcher(name).matches()) {
            warn(ProblemCode.LOAD_INVALID_LIST_NAME, "List has an invalid name. List names should match a regular expression: ([^()\"'[:space:]=,]+)", ctx);
        }
        unknownKeys(map, LIST_KEYS, ctx);
        if (get(map, "items") == null) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Item has no mapping for key 'items'", ctx);
        }
        List<String> items = stringList(map, "items", ctx, "list item");
        boolean append = bool(map, "append", ctx, false);
        if (append) {
            warn(ProblemCode.LOAD_DEPRECATED_ITEM, WARNING_APPEND, ctx);
        }
        Override ov = override(map, ctx, Set.of("items"), Set.of("items"));
        if (append && ov != null) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, ERROR_OVERRIDE_APPEND, ctx);
        }
        ListItem prev = collector.lists.get(name);
        boolean doAppend = append || (ov != null && ov.append.contains("items"));
        if (doAppend) {
            if (prev == null) {
                error(ProblemCode.LOAD_ERR_VALIDATE, ERROR_NO_PREVIOUS_LIST, ctx);
            }
            if (items.isEmpty()) {
                warn(ProblemCode.LOAD_APPEND_NO_VALUES, "Overriding/appending list with no values", ctx);
            }
            prev.items.addAll(items);
            collector.touch(prev);
            return;
        }
        // 'items: replace' is a redefinition, also when there is nothing to replace yet
        ListItem li = new ListItem();
        li.name = name;
        li.items = new ArrayList<>(items);
        li.ctx = ctx;
        collector.define(collector.lists, li);
    }

    // ---------------------------------------------------------------------------------------------
    // macros

    private void readMacro(MappingNode map) throws Stop {
        List<Location> ctx0 = List.of(root(), loc("macro", "", map));
        String name = scalar(map, "macro", ctx0, true);
        List<Location> ctx = List.of(root(), loc("macro", name, map));
        if (!MACRO_NAME.matcher(name).matches()) {
            warn(ProblemCode.LOAD_INVALID_MACRO_NAME, "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)", ctx);
        }
        unknownKeys(map, MACRO_KEYS, ctx);
        String cond = scalar(map, "condition", ctx, true);
        Location condLoc = loc("macro condition", "", get(map, "condition"));
        boolean append = bool(map, "append", ctx, false);
        if (append) {
            warn(ProblemCode.LOAD_DEPRECATED_ITEM, WARNING_APPEND, ctx);
        }
        Override ov = override(map, ctx, Set.of("condition"), Set.of("condition"));
        if (append && ov != null) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, ERROR_OVERRIDE_APPEND, ctx);
        }
        MacroItem prev = collector.macros.get(name);
        if (append || (ov != null && ov.append.contains("condition"))) {
            if (prev == null) {
                error(ProblemCode.LOAD_ERR_VALIDATE, ERROR_NO_PREVIOUS_MACRO, ctx);
            }
            prev.condition = prev.condition + " " + cond;
            collector.touch(prev);
            return;
        }
        // 'condition: replace' is a redefinition, also when there is nothing to replace yet
        MacroItem m = new MacroItem();
        m.name = name;
        m.condition = cond;
        m.conditionLoc = condLoc;
        m.ctx = ctx;
        collector.define(collector.macros, m);
    }

    // ---------------------------------------------------------------------------------------------
    // rules

    private void readRule(MappingNode map) throws Stop {
        List<Location> ctx0 = List.of(root(), loc("rule", "", map));
        String name = scalar(map, "rule", ctx0, true);
        List<Location> ctx = List.of(root(), loc("rule", name, map));
        unknownKeys(map, RULE_KEYS, ctx);
        boolean append = bool(map, "append", ctx, false);
        if (append) {
            warn(ProblemCode.LOAD_DEPRECATED_ITEM, WARNING_APPEND, ctx);
        }
        Override ov = override(map, ctx, RULE_APPENDABLE, RULE_REPLACEABLE);
        if (append && ov != null) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, ERROR_OVERRIDE_APPEND, ctx);
        }
        String source = get(map, "source") != null ? scalar(map, "source", ctx, false) : null;
        if (source != null && source.isEmpty()) {
            source = null;
        }
        RuleItem prev = collector.rules.get(name);

        if (ov != null) {
            // every key under override must be present, every overridable key present must be under override
            for (String k : ov.all()) {
                if (get(map, k) == null) {
                    error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "An " + (ov.append.contains(k) ? "append" : "replace")
                            + " override for '" + k + "' was specified but '" + k + "' is not defined", ctx);
                }
            }
            for (NodeTuple t : map.getValue()) {
                String k = keyOf(t);
                if ((RULE_APPENDABLE.contains(k) || RULE_REPLACEABLE.contains(k)) && !ov.all().contains(k)) {
                    error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Unexpected key '" + k + "': no corresponding entry under 'override' is defined.", ctx);
                }
            }
            if (prev == null) {
                if (!ov.append.isEmpty()) {
                    error(ProblemCode.LOAD_ERR_VALIDATE, ERROR_NO_PREVIOUS_RULE_APPEND, ctx);
                }
                error(ProblemCode.LOAD_ERR_VALIDATE, ERROR_NO_PREVIOUS_RULE_REPLACE, ctx);
            }
            checkSameSource(prev, source, ctx);
            // appends first, then replaces
            for (String k : ov.append) {
                switch (k) {
                    case "condition" -> {
                        String c = scalar(map, k, ctx, true);
                        if (!c.isEmpty()) {
                            prev.condition = prev.condition + " " + c;
                        }
                    }
                    case "output" -> {
                        String o = scalar(map, k, ctx, true).strip();
                        if (!o.isEmpty()) {
                            prev.output = prev.output + " " + o;
                        }
                    }
                    case "desc" -> {
                        String d = scalar(map, k, ctx, true);
                        if (!d.isEmpty()) {
                            prev.desc = prev.desc + " " + d;
                        }
                    }
                    case "tags" -> prev.tags.addAll(stringList(map, "tags", ctx, "tags"));
                    case "exceptions" -> appendExceptions(prev, map, ctx);
                    default -> throw new IllegalStateException(k);
                }
            }
            for (String k : ov.replace) {
                switch (k) {
                    case "condition" -> {
                        prev.condition = scalar(map, k, ctx, true);
                        prev.conditionLoc = loc("rule condition", "", get(map, k));
                    }
                    case "output" -> {
                        prev.output = scalar(map, k, ctx, true).strip();
                        prev.outputLoc = loc("rule output", "", get(map, k));
                    }
                    case "desc" -> prev.desc = scalar(map, k, ctx, true);
                    case "priority" -> prev.priority = priority(map, ctx);
                    case "tags" -> prev.tags = new java.util.TreeSet<>(stringList(map, "tags", ctx, "tags"));
                    case "exceptions" -> prev.exceptions = readExceptions(map, ctx, prev);
                    case "enabled" -> prev.enabled = bool(map, k, ctx, true);
                    case "warn_evttypes" -> prev.warnEvttypes = bool(map, k, ctx, true);
                    case "skip-if-unknown-filter" -> prev.skipIfUnknownFilter = bool(map, k, ctx, false);
                    case "capture" -> prev.capture = bool(map, k, ctx, false);
                    case "capture_duration" -> prev.captureDuration = number(map, k, ctx);
                    default -> throw new IllegalStateException(k);
                }
            }
            collector.touch(prev);
            return;
        }

        if (append) {
            boolean hasCond = get(map, "condition") != null;
            boolean hasExc = get(map, "exceptions") != null;
            if (!hasCond && !hasExc) {
                error(ProblemCode.LOAD_ERR_VALIDATE, "Appended rule must have exceptions or condition property", ctx);
            }
            if (prev == null) {
                error(ProblemCode.LOAD_ERR_VALIDATE, ERROR_NO_PREVIOUS_RULE_APPEND, ctx);
            }
            checkSameSource(prev, source, ctx);
            if (hasCond) {
                String c = scalar(map, "condition", ctx, true);
                prev.condition = prev.condition + " " + c;
            }
            if (hasExc) {
                appendExceptions(prev, map, ctx);
            }
            collector.touch(prev);
            return;
        }

        boolean hasDefinition = get(map, "condition") != null || get(map, "output") != null
                || get(map, "desc") != null || get(map, "priority") != null;
        if (!hasDefinition && get(map, "enabled") != null) {
            // deprecated enabled-only item
            if (prev == null) {
                error(ProblemCode.LOAD_ERR_VALIDATE, "Rule has 'enabled' key but no rule by that name already exists", ctx);
            }
            warn(ProblemCode.LOAD_DEPRECATED_ITEM, WARNING_ENABLED, ctx);
            prev.enabled = bool(map, "enabled", ctx, true);
            return;
        }

        RuleItem r = new RuleItem();
        r.name = name;
        r.ctx = ctx;
        r.file = file;
        r.condition = scalar(map, "condition", ctx, true);
        r.conditionLoc = loc("rule condition", "", get(map, "condition"));
        r.output = scalar(map, "output", ctx, true).strip();
        r.outputLoc = loc("rule output", "", get(map, "output"));
        r.desc = scalar(map, "desc", ctx, true);
        r.priority = priority(map, ctx);
        r.source = source == null ? FieldCatalog.SYSCALL : source;
        if (get(map, "tags") != null) {
            r.tags.addAll(stringList(map, "tags", ctx, "tags"));
        }
        r.enabled = bool(map, "enabled", ctx, true);
        r.warnEvttypes = bool(map, "warn_evttypes", ctx, true);
        r.skipIfUnknownFilter = bool(map, "skip-if-unknown-filter", ctx, false);
        r.capture = bool(map, "capture", ctx, false);
        r.captureDuration = get(map, "capture_duration") != null ? number(map, "capture_duration", ctx) : 0;
        if (get(map, "exceptions") != null) {
            r.exceptions = readExceptions(map, ctx, r);
        }
        if (prev != null && !prev.source.equals(r.source)) {
            error(ProblemCode.LOAD_ERR_VALIDATE, "Rule has been re-defined with a different source", ctx);
        }
        if (!engine.sources().contains(r.source)) {
            r.unknownSource = true;
            warn(ProblemCode.LOAD_UNKNOWN_SOURCE, "Unknown source " + r.source + ", skipping", ctx);
        }
        collector.define(collector.rules, r);
    }

    private void checkSameSource(RuleItem prev, String source, List<Location> ctx) throws Stop {
        if (source != null && !source.equals(prev.source)) {
            error(ProblemCode.LOAD_ERR_VALIDATE, "Rule has been re-defined with a different source", ctx);
        }
    }

    private Priority priority(MappingNode map, List<Location> ctx) throws Stop {
        String p = scalar(map, "priority", ctx, true);
        Optional<Priority> pr = Priority.parse(p);
        if (pr.isEmpty()) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Invalid priority", with(ctx, loc("rule priority", "", get(map, "priority"))));
        }
        return pr.get();
    }

    // ---------------------------------------------------------------------------------------------
    // exceptions

    /**
     * A rule's exceptions, validated with their default comps filled in; also when they replace a
     * rule's exceptions (Falco leaves replaced ones unchecked, and then mis-builds the condition).
     */
    private List<ExceptionItem> readExceptions(MappingNode map, List<Location> ctx, RuleItem rule) throws Stop {
        Node node = get(map, "exceptions");
        List<Location> ectx = with(ctx, loc("exceptions", "", node));
        List<ExceptionItem> out = new ArrayList<>();
        if (isNull(node)) {
            return out;
        }
        if (!(node instanceof SequenceNode seq)) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", ectx);
            return out;
        }
        Set<String> names = new HashSet<>();
        for (Node en : seq.getValue()) {
            ExceptionItem ex = readException(en, ectx, rule, true);
            if (!names.add(ex.name)) {
                warn(ProblemCode.LOAD_EXCEPTION_NAME_NOT_UNIQUE, "Multiple definitions of exception '" + ex.name + "' in the same rule", ex.ctx);
            }
            validateException(ex, rule);
            out.add(ex);
        }
        return out;
    }

    private ExceptionItem readException(Node en, List<Location> ectx, RuleItem rule, boolean requireFields) throws Stop {
        List<Location> xctx0 = with(ectx, loc("exception", "", en));
        if (!(en instanceof MappingNode m)) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Unexpected element type. Each element should be a yaml associative array.", xctx0);
            return null;
        }
        ExceptionItem ex = new ExceptionItem();
        ex.name = scalar(m, "name", xctx0, true);
        ex.ctx = with(ectx, loc("exception", ex.name, en));
        Node fields = get(m, "fields");
        if (fields != null && !isNull(fields)) {
            if (fields instanceof ScalarNode s) {
                ex.fields = s.getValue();
            } else {
                ex.fields = stringList(m, "fields", ex.ctx, "exception fields");
            }
        }
        if (requireFields && ex.fields == null) {
            // fields are optional only when appending to a rule's exceptions
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Item has no mapping for key 'fields'", ex.ctx);
        }
        Node comps = get(m, "comps");
        if (comps != null && !isNull(comps)) {
            if (comps instanceof ScalarNode s) {
                ex.comps = s.getValue().strip();
            } else {
                ex.comps = stringList(m, "comps", ex.ctx, "exception comps").stream().map(String::strip).toList();
            }
        }
        Node values = get(m, "values");
        if (values != null && !isNull(values)) {
            if (!(values instanceof SequenceNode vs)) {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", with(ex.ctx, loc("exception values", "", values)));
                return ex;
            }
            for (Node v : vs.getValue()) {
                ex.values.add(valueTree(v, ex.ctx));
            }
        }
        return ex;
    }

    private Object valueTree(Node v, List<Location> ctx) throws Stop {
        if (v instanceof ScalarNode s) {
            return s.getValue();
        }
        if (v instanceof SequenceNode seq) {
            List<Object> out = new ArrayList<>();
            for (Node c : seq.getValue()) {
                if (c instanceof ScalarNode s) {
                    out.add(s.getValue());
                } else if (c instanceof SequenceNode inner) {
                    List<String> l = new ArrayList<>();
                    for (Node x : inner.getValue()) {
                        if (!(x instanceof ScalarNode xs)) {
                            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Expected values array to contain a list of strings", with(ctx, loc("exception value", "", x)));
                            return null;
                        }
                        l.add(xs.getValue());
                    }
                    out.add(l);
                } else {
                    error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Expected values array to contain a list of strings", with(ctx, loc("exception value", "", c)));
                }
            }
            return out;
        }
        error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Expected values array to contain a list of strings", with(ctx, loc("exception value", "", v)));
        return null;
    }

    /** Falco's validate_exception_info: fills default comps and checks shapes, operators and fields. */
    private void validateException(ExceptionItem ex, RuleItem rule) throws Stop {
        if (ex.fields == null) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Item has no mapping for key 'fields'", ex.ctx);
        }
        Optional<FieldCatalog> catalog = FieldCatalog.forSource(rule.source);
        if (ex.fields instanceof List<?> fields) {
            if (ex.comps == null) {
                List<String> eq = new ArrayList<>();
                for (int i = 0; i < fields.size(); i++) {
                    eq.add("=");
                }
                ex.comps = eq;
            }
            if (!(ex.comps instanceof List<?> comps)) {
                error(ProblemCode.LOAD_ERR_VALIDATE, "Fields and comps lists must have equal length", ex.ctx);
                return;
            }
            if (comps.size() != fields.size()) {
                error(ProblemCode.LOAD_ERR_VALIDATE, "Fields and comps lists must have equal length", ex.ctx);
            }
            for (Object c : comps) {
                checkComp((String) c, ex);
            }
            for (Object f : fields) {
                checkField((String) f, ex, catalog, rule);
            }
            for (Object v : ex.values) {
                if (!(v instanceof List<?> tuple) || tuple.size() != fields.size()) {
                    error(ProblemCode.LOAD_ERR_VALIDATE, "Fields and values lists must have equal length", ex.ctx);
                }
            }
        } else {
            if (ex.comps == null) {
                ex.comps = "in";
            }
            if (!(ex.comps instanceof String comp)) {
                error(ProblemCode.LOAD_ERR_VALIDATE, "Fields and comps must both be strings", ex.ctx);
                return;
            }
            if (!comp.equals("in") && !comp.equals("pmatch") && !comp.equals("intersects") && modifierOp(comp) == null) {
                error(ProblemCode.LOAD_ERR_VALIDATE, "When fields is a single value, comps must be one of (in, pmatch, intersects)", ex.ctx);
            }
            checkField((String) ex.fields, ex, catalog, rule);
            for (Object v : ex.values) {
                if (!(v instanceof String)) {
                    error(ProblemCode.LOAD_ERR_VALIDATE, "Expected values array to contain a list of strings", ex.ctx);
                }
            }
        }
    }

    private void checkComp(String comp, ExceptionItem ex) throws Stop {
        if (!EXCEPTION_OPERATORS.contains(comp) && modifierOp(comp) == null) {
            error(ProblemCode.LOAD_ERR_VALIDATE, "'" + comp + "' is not a supported comparison operator", ex.ctx);
        }
    }

    /** For {@code "startswith oneof"} returns the string operator, else null. */
    static String modifierOp(String comp) {
        String[] parts = comp.strip().split("\\s+");
        if (parts.length == 2 && MODIFIABLE_OPERATORS.contains(parts[0])
                && (parts[1].equals("oneof") || parts[1].equals("anyof") || parts[1].equals("allof"))) {
            return parts[0];
        }
        return null;
    }

    private void checkField(String field, ExceptionItem ex, Optional<FieldCatalog> catalog, RuleItem rule) throws Stop {
        if (catalog.isEmpty()) {
            return; // unknown source: the rule is skipped anyway
        }
        boolean ok;
        try {
            ok = catalog.get().resolve(field).isPresent();
        } catch (IllegalArgumentException bad) {
            ok = false;
        }
        if (!ok) {
            error(ProblemCode.LOAD_ERR_VALIDATE, "'" + field + "' is not a supported filter field", ex.ctx);
        }
    }

    private void appendExceptions(RuleItem prev, MappingNode map, List<Location> ctx) throws Stop {
        Node node = get(map, "exceptions");
        List<Location> ectx = with(ctx, loc("exceptions", "", node));
        if (isNull(node)) {
            return;
        }
        if (!(node instanceof SequenceNode seq)) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", ectx);
            return;
        }
        for (Node en : seq.getValue()) {
            ExceptionItem ex = readException(en, ectx, prev, false);
            ExceptionItem existing = null;
            for (ExceptionItem e : prev.exceptions) {
                if (e.name.equals(ex.name)) {
                    existing = e;
                }
            }
            if (existing != null) {
                if (ex.fields != null) {
                    error(ProblemCode.LOAD_ERR_VALIDATE, "Can not append exception fields to existing exception, only values", ex.ctx);
                }
                if (ex.comps != null) {
                    error(ProblemCode.LOAD_ERR_VALIDATE, "Can not append exception comps to existing exception, only values", ex.ctx);
                }
                if (ex.values.isEmpty()) {
                    warn(ProblemCode.LOAD_APPEND_NO_VALUES, "Overriding/appending exception with no values", ex.ctx);
                }
                ExceptionItem merged = existing.copy();
                merged.values.addAll(ex.values);
                for (Object v : ex.values) {
                    if (merged.fields instanceof List<?> f && (!(v instanceof List<?> t) || t.size() != f.size())) {
                        error(ProblemCode.LOAD_ERR_VALIDATE, "Fields and values lists must have equal length", ex.ctx);
                    }
                }
                prev.exceptions.set(prev.exceptions.indexOf(existing), merged);
            } else {
                if (ex.fields == null) {
                    error(ProblemCode.LOAD_ERR_VALIDATE, "Rule exception must have fields property with a list of fields", ex.ctx);
                }
                if (ex.values.isEmpty()) {
                    warn(ProblemCode.LOAD_APPEND_NO_VALUES, "Overriding/appending exception with no values", ex.ctx);
                    error(ProblemCode.LOAD_ERR_VALIDATE, "Rule exception must have values property with a list of values", ex.ctx);
                }
                validateException(ex, prev);
                prev.exceptions.add(ex);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // override

    private record Override(Set<String> append, Set<String> replace) {
        Set<String> all() {
            Set<String> s = new java.util.LinkedHashSet<>(append);
            s.addAll(replace);
            return s;
        }
    }

    private Override override(MappingNode map, List<Location> ctx, Set<String> appendable, Set<String> replaceable) throws Stop {
        Node node = get(map, "override");
        if (node == null) {
            return null;
        }
        List<Location> octx = with(ctx, loc("overrides", "", node));
        if (!(node instanceof MappingNode om) || om.getValue().isEmpty()) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "The 'override' key must be a map with at least one entry", octx);
            return null;
        }
        Set<String> app = new java.util.LinkedHashSet<>();
        Set<String> rep = new java.util.LinkedHashSet<>();
        for (NodeTuple t : om.getValue()) {
            String key = keyOf(t);
            String op = t.getValueNode() instanceof ScalarNode s ? s.getValue() : "";
            switch (op) {
                case "append" -> {
                    if (!appendable.contains(key)) {
                        error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Key '" + key + "' cannot be appended to, use 'replace' instead", octx);
                    }
                    app.add(key);
                }
                case "replace" -> {
                    if (!replaceable.contains(key)) {
                        error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Key '" + key + "' cannot be replaced", octx);
                    }
                    rep.add(key);
                }
                default -> error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Invalid override operation for key '" + key
                        + "': '" + op + "'. Allowed values are: " + (appendable.contains(key) ? "append " : "")
                        + (replaceable.contains(key) ? "replace " : ""), octx);
            }
        }
        return new Override(app, rep);
    }

    // ---------------------------------------------------------------------------------------------
    // YAML helpers

    /** yaml-cpp's nulls: a missing node, and a plain {@code ~}, {@code null}, {@code Null}, {@code NULL} or empty scalar. */
    private static boolean isNull(Node n) {
        return n == null || n instanceof ScalarNode s && (s.getTag().equals(Tag.NULL)
                || s.getScalarStyle() == ScalarStyle.PLAIN && YAML_NULLS.contains(s.getValue()));
    }

    private static final Set<String> YAML_NULLS = Set.of("~", "null", "Null", "NULL", "");

    private static String keyOf(NodeTuple t) {
        return t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
    }

    static Node get(MappingNode map, String key) {
        Node found = null;
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                found = t.getValueNode();
            }
        }
        return found;
    }

    private void unknownKeys(MappingNode map, Set<String> known, List<Location> ctx) {
        for (NodeTuple t : map.getValue()) {
            String k = keyOf(t);
            if (!known.contains(k)) {
                warn(ProblemCode.LOAD_UNKNOWN_KEY, "Unknown key '" + k + "'. The key will be ignored.", with(ctx, loc("value for", k, t.getKeyNode())));
            }
        }
    }

    /** A required (or optional-but-present) scalar value, with Falco's messages. */
    private String scalar(MappingNode map, String key, List<Location> ctx, boolean nonEmpty) throws Stop {
        Node v = get(map, key);
        if (v == null) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Item has no mapping for key '" + key + "'", ctx);
        }
        List<Location> vctx = with(ctx, loc("value for", key, v));
        if (isNull(v)) {
            if (!nonEmpty) {
                return "";
            }
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Mapping for key '" + key + "' is empty", ctx);
        }
        if (!(v instanceof ScalarNode s)) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a scalar value", vctx);
            return null;
        }
        if (nonEmpty && s.getValue().isEmpty()) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value must be non-empty", vctx);
        }
        return s.getValue();
    }

    private boolean bool(MappingNode map, String key, List<Location> ctx, boolean dflt) throws Stop {
        Node v = get(map, key);
        if (v == null) {
            return dflt;
        }
        String s = scalar(map, key, ctx, true);
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "y" -> true;
            case "false", "no", "off", "n" -> false;
            default -> {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Can't decode YAML scalar value '" + s + "' of key '" + key + "' as a boolean", with(ctx, loc("value for", key, v)));
                yield dflt;
            }
        };
    }

    private long number(MappingNode map, String key, List<Location> ctx) throws Stop {
        String s = scalar(map, key, ctx, true);
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException bad) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Can't decode YAML scalar value '" + s + "' of key '" + key + "' as a number", ctx);
            return 0;
        }
    }

    private List<String> stringList(MappingNode map, String key, List<Location> ctx, String itemType) throws Stop {
        Node v = get(map, key);
        List<String> out = new ArrayList<>();
        if (isNull(v)) {
            return out;
        }
        if (!(v instanceof SequenceNode seq)) {
            error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", with(ctx, loc("value for", key, v)));
            return out;
        }
        for (Node n : seq.getValue()) {
            if (!(n instanceof ScalarNode s)) {
                error(ProblemCode.LOAD_ERR_YAML_VALIDATE, "Value is not a scalar value", with(ctx, loc(itemType, "", n)));
                return out;
            }
            out.add(s.getValue());
        }
        return out;
    }
}
