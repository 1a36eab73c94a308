package dev.vigil.rules.load;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldDef;
import dev.vigil.event.FieldFlag;
import dev.vigil.event.FieldSlots;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.Location;
import dev.vigil.rules.Problem;
import dev.vigil.rules.ProblemCode;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.Ast.Expr;
import dev.vigil.rules.condition.AstPrinter;
import dev.vigil.rules.condition.ConditionParser;
import dev.vigil.rules.condition.ConditionSyntaxException;
import dev.vigil.rules.filter.EventTypeAnalysis;
import dev.vigil.rules.filter.FilterCompileException;
import dev.vigil.rules.filter.FilterCompiler;
import dev.vigil.rules.load.Collector.ExceptionItem;
import dev.vigil.rules.load.Collector.ListItem;
import dev.vigil.rules.load.Collector.MacroItem;
import dev.vigil.rules.load.Collector.RuleItem;
import dev.vigil.rules.output.OutputFormat;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles everything collected so far, in Falco's order: lists (list-in-list by visibility),
 * macros (textual list substitution, parse, macro-in-macro by visibility), then rules in position
 * order (exceptions woven into the condition text, output validated, lists substituted, condition
 * parsed, macros expanded on the tree, filter compiled, event types computed). The first error
 * stops the pass; warnings accumulate. Unused lists and macros are reported at the end.
 */
public final class RulesCompiler {
    private static final String BLANKS = " \t\n\r";
    private static final String DELIMS = BLANKS + "(),=";

    private final Collector collector;
    private final FieldSlots slots;
    private final Options options;
    private final List<Problem> problems;
    private final Map<String, List<String>> expandedLists = new LinkedHashMap<>();
    private final Map<String, Expr> macroAsts = new HashMap<>();
    private final Map<String, Expr> resolvedMacros = new HashMap<>();
    private final Set<String> usedLists = new HashSet<>();
    private final Set<String> usedMacros = new HashSet<>();

    /** Compile settings: whether to append Falco's suggested container fields to syscall outputs. */
    public record Options(boolean suggestedOutput) {}

    /** Thrown internally at the first error. */
    private static final class Stop extends Exception {
        Stop() {
            super(null, null, false, false);
        }
    }

    private RulesCompiler(Collector collector, FieldSlots slots, Options options, List<Problem> problems) {
        this.collector = collector;
        this.slots = slots;
        this.options = options;
        this.problems = problems;
    }

    /** Compiles; returns the rules in position order, or null after an error (in problems). */
    public static List<CompiledRule> compile(Collector collector, FieldSlots slots, Options options, List<Problem> problems) {
        RulesCompiler c = new RulesCompiler(collector, slots, options, problems);
        try {
            return c.run();
        } catch (Stop stop) {
            return null;
        }
    }

    private List<CompiledRule> run() throws Stop {
        compileLists();
        compileMacros();
        List<CompiledRule> out = new ArrayList<>();
        List<RuleItem> ordered = new ArrayList<>(collector.rules.values());
        ordered.sort((a, b) -> Integer.compare(a.index, b.index));
        for (RuleItem r : ordered) {
            if (r.unknownSource) {
                continue;
            }
            CompiledRule cr = compileRule(r);
            if (cr != null) {
                out.add(cr);
            }
        }
        for (MacroItem m : collector.macros.values()) {
            if (!usedMacros.contains(m.name)) {
                problems.add(new Problem(ProblemCode.LOAD_UNUSED_MACRO, "Macro not referred to by any other rule/macro", m.ctx, ""));
            }
        }
        for (ListItem l : collector.lists.values()) {
            if (!usedLists.contains(l.name)) {
                problems.add(new Problem(ProblemCode.LOAD_UNUSED_LIST, "List not referred to by any other rule/macro", l.ctx, ""));
            }
        }
        return out;
    }

    // --- lists -----------------------------------------------------------------------------------

    private void compileLists() {
        for (ListItem l : collector.lists.values()) {
            List<String> items = new ArrayList<>();
            for (String item : l.items) {
                ListItem ref = collector.lists.get(item);
                if (ref != null && ref.index < l.visibility && ref != l) {
                    usedLists.add(ref.name);
                    List<String> sub = expandedLists.get(ref.name);
                    items.addAll(sub != null ? sub : ref.items.stream().map(RulesCompiler::quote).toList());
                } else {
                    items.add(quote(item));
                }
            }
            expandedLists.put(l.name, items);
        }
    }

    /** Falco's naive quoting: an item with a space that is not already quoted gets double quotes. */
    static String quote(String s) {
        if (s.indexOf(' ') >= 0 && !(s.startsWith("\"") || s.startsWith("'"))) {
            return "\"" + s + "\"";
        }
        return s;
    }

    /** Textual list substitution, exactly as Falco does it before parsing. */
    String substituteLists(String cond) {
        for (Map.Entry<String, List<String>> e : expandedLists.entrySet()) {
            String name = e.getKey();
            int start = cond.indexOf(name);
            while (start >= 0) {
                int end = start + name.length();
                boolean before = start == 0 || DELIMS.indexOf(cond.charAt(start - 1)) >= 0;
                boolean after = end >= cond.length() || DELIMS.indexOf(cond.charAt(end)) >= 0;
                if (before && after) {
                    while (start > 0 && BLANKS.indexOf(cond.charAt(start - 1)) >= 0) {
                        start--;
                    }
                    while (end < cond.length() && BLANKS.indexOf(cond.charAt(end)) >= 0) {
                        end++;
                    }
                    String sub = String.join(", ", e.getValue());
                    if (sub.isEmpty()) {
                        if (start > 0 && cond.charAt(start - 1) == ',') {
                            start--;
                        } else if (end < cond.length() && cond.charAt(end) == ',') {
                            end++;
                        }
                    }
                    StringBuilder nc = new StringBuilder();
                    if (start > 0) {
                        nc.append(cond, 0, start).append(' ');
                    }
                    nc.append(sub).append(' ');
                    if (end <= cond.length()) {
                        nc.append(cond.substring(end));
                    }
                    int resume = (start > 0 ? start + 1 : 0) + sub.length() + 1;
                    cond = nc.toString();
                    usedLists.add(name);
                    start = cond.indexOf(name, resume);
                } else {
                    start = cond.indexOf(name, start + 1);
                }
            }
        }
        return cond;
    }

    // --- macros ----------------------------------------------------------------------------------

    private void compileMacros() throws Stop {
        for (MacroItem m : collector.macros.values()) {
            String text = substituteLists(m.condition);
            try {
                macroAsts.put(m.name, ConditionParser.parse(text));
            } catch (ConditionSyntaxException bad) {
                fail(ProblemCode.LOAD_ERR_COMPILE_CONDITION, bad.getMessage(), m.ctx, m.conditionLoc, text, bad.offset());
            }
        }
        for (MacroItem m : collector.macros.values()) {
            resolveMacro(m, new LinkedHashSet<>());
        }
    }

    private Expr resolveMacro(MacroItem m, LinkedHashSet<String> stack) throws Stop {
        Expr done = resolvedMacros.get(m.name);
        if (done != null) {
            return done;
        }
        if (!stack.add(m.name)) {
            fail(ProblemCode.LOAD_ERR_VALIDATE, "reference loop in macro '" + m.name + "'", m.ctx, m.conditionLoc, m.condition, 0);
        }
        Expr ast = macroAsts.get(m.name);
        String text = substituteLists(m.condition);
        Expr resolved = substitute(ast, name -> {
            MacroItem ref = collector.macros.get(name);
            return ref != null && ref.index < m.visibility ? ref : null;
        }, stack, m.ctx, m.conditionLoc, text);
        stack.remove(m.name);
        resolvedMacros.put(m.name, resolved);
        return resolved;
    }

    private interface MacroLookup {
        MacroItem find(String name);
    }

    private Expr substitute(Expr e, MacroLookup lookup, LinkedHashSet<String> stack, List<Location> ctx, Location condLoc, String text)
            throws Stop {
        return switch (e) {
            case Ast.And a -> {
                List<Expr> c = new ArrayList<>();
                for (Expr x : a.children()) {
                    c.add(substitute(x, lookup, stack, ctx, condLoc, text));
                }
                yield new Ast.And(c, a.offset());
            }
            case Ast.Or o -> {
                List<Expr> c = new ArrayList<>();
                for (Expr x : o.children()) {
                    c.add(substitute(x, lookup, stack, ctx, condLoc, text));
                }
                yield new Ast.Or(c, o.offset());
            }
            case Ast.Not n -> new Ast.Not(substitute(n.child(), lookup, stack, ctx, condLoc, text), n.offset());
            case Ast.Check c -> c;
            case Ast.MacroRef ref -> {
                MacroItem m = lookup.find(ref.name());
                if (m == null) {
                    fail(ProblemCode.LOAD_ERR_VALIDATE, "Undefined macro '" + ref.name() + "' used in filter.", ctx, condLoc, text, ref.offset());
                }
                if (stack.contains(m.name)) {
                    fail(ProblemCode.LOAD_ERR_VALIDATE, "reference loop in macro '" + m.name + "'", ctx, condLoc, text, ref.offset());
                }
                usedMacros.add(m.name);
                yield resolveMacro(m, stack);
            }
        };
    }

    // --- rules -----------------------------------------------------------------------------------

    private CompiledRule compileRule(RuleItem r) throws Stop {
        FieldCatalog catalog = FieldCatalog.forSource(r.source).orElseThrow();
        Location condLoc = r.conditionLoc;
        String condition = r.condition;
        Set<String> exceptionFields = new LinkedHashSet<>();
        if (!r.exceptions.isEmpty()) {
            condition = weaveExceptions(condition, r.exceptions, exceptionFields);
        }

        // output
        String output = r.output;
        if (output.contains("%container.info")) {
            problems.add(new Problem(ProblemCode.LOAD_DEPRECATED_ITEM,
                    "%container.info is deprecated and no longer does anything; it was removed from the output",
                    with(r.ctx, r.outputLoc), ""));
            output = output.replace("%container.info", "").strip();
        }
        if (options.suggestedOutput()) {
            output = output + suggestedSuffix(catalog, output);
        }
        OutputFormat format;
        try {
            format = OutputFormat.compile(output, catalog, slots);
        } catch (FilterCompileException bad) {
            if (bad.unknown() && r.skipIfUnknownFilter) {
                problems.add(new Problem(ProblemCode.LOAD_UNKNOWN_FILTER, bad.getMessage(), with(r.ctx, r.outputLoc), ""));
                return null;
            }
            fail(ProblemCode.LOAD_ERR_COMPILE_OUTPUT, bad.getMessage(), r.ctx, r.outputLoc, output, bad.offset(), "rule output expression");
            return null;
        }
        for (String key : format.keys()) {
            catalog.resolve(key.replaceAll("^[a-z0-9]+\\((.*)\\)$", "$1")).ifPresent(ref -> {
                if (ref.def().has(FieldFlag.DEPRECATED)) {
                    problems.add(new Problem(ProblemCode.LOAD_DEPRECATED_ITEM, "field '" + ref.name() + "' is deprecated",
                            with(r.ctx, r.outputLoc), ""));
                }
            });
        }

        // condition
        String text = substituteLists(condition);
        Expr ast;
        try {
            ast = ConditionParser.parse(text);
        } catch (ConditionSyntaxException bad) {
            fail(ProblemCode.LOAD_ERR_COMPILE_CONDITION, bad.getMessage(), r.ctx, condLoc, text, bad.offset());
            return null;
        }
        Expr resolved = substitute(ast, collector.macros::get, new LinkedHashSet<>(), r.ctx, condLoc, text);
        if (FilterCompiler.hasUnsafeNaCheck(resolved)) {
            problems.add(new Problem(ProblemCode.LOAD_UNSAFE_NA_CHECK, "a ka.*/jevt.* field compared with the literal <NA>: "
                    + "this compares the text <NA> and does not test that the field is absent; use 'exists' for that", with(r.ctx, condLoc), ""));
        }
        FilterCompiler.Compiled compiled;
        try {
            compiled = FilterCompiler.compile(resolved, catalog, slots);
        } catch (FilterCompileException bad) {
            if (bad.unknown() && r.skipIfUnknownFilter) {
                problems.add(new Problem(ProblemCode.LOAD_UNKNOWN_FILTER, bad.getMessage(), with(r.ctx, condLoc), ""));
                return null;
            }
            // offsets inside expanded macros do not map to this text; point at the start then
            fail(ProblemCode.LOAD_ERR_COMPILE_CONDITION, bad.getMessage(), r.ctx, condLoc, text, inText(text, bad.offset()));
            return null;
        }
        for (FilterCompiler.Warning w : compiled.warnings()) {
            ProblemCode code = ProblemCode.valueOf(w.code());
            if (code == ProblemCode.LOAD_COMPILE_CONDITION) {
                // like an error, the hint points into the condition (offsets inside expanded macros: its start)
                problems.add(problemAt(code, w.message(), r.ctx, condLoc, text, inText(text, w.offset()), "condition expression"));
            } else {
                problems.add(new Problem(code, w.message(), with(r.ctx, condLoc), ""));
            }
        }
        BitSet types = null;
        if (r.source.equals(FieldCatalog.SYSCALL)) {
            try {
                types = EventTypeAnalysis.of(resolved);
            } catch (FilterCompileException bad) {
                fail(ProblemCode.LOAD_ERR_COMPILE_CONDITION, bad.getMessage(), r.ctx, condLoc, text, inText(text, bad.offset()));
                return null;
            }
            if (r.warnEvttypes && EventTypeAnalysis.weight(types) > 100) {
                problems.add(new Problem(ProblemCode.LOAD_NO_EVTTYPE,
                        "Rule matches too many evt.type values. This has a significant performance penalty.", with(r.ctx, condLoc), ""));
            }
        }
        return new CompiledRule(r.index, r.name, r.desc, r.priority, r.source, new ArrayList<>(r.tags), r.enabled, output,
                compiled.filter(), format, types, AstPrinter.print(resolved), exceptionFields, r.capture, r.captureDuration,
                compiled.literals());
    }

    private static String suggestedSuffix(FieldCatalog catalog, String output) {
        StringBuilder sb = new StringBuilder();
        for (FieldDef d : catalog.fields().values()) {
            if (d.has(FieldFlag.SUGGESTED_OUTPUT) && !mentions(output, d.name())) {
                sb.append(' ').append(d.name().replace('.', '_')).append('=').append('%').append(d.name());
            }
        }
        return sb.toString();
    }

    /** Whether the output already prints the field ({@code %name} or {@code %(name)} as a whole token). */
    private static boolean mentions(String output, String field) {
        if (output.contains("%(" + field + ")")) {
            return true;
        }
        String token = "%" + field;
        for (int i = output.indexOf(token); i >= 0; i = output.indexOf(token, i + 1)) {
            int end = i + token.length();
            if (end >= output.length()) {
                return true;
            }
            char c = output.charAt(end);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '[')) {
                return true;
            }
        }
        return false;
    }

    /** Falco's recipe for turning exceptions into condition text (before list expansion). */
    static String weaveExceptions(String condition, List<ExceptionItem> exceptions, Set<String> exceptionFields) {
        StringBuilder sb = new StringBuilder("(").append(condition).append(")");
        for (ExceptionItem ex : exceptions) {
            String frag = fragment(ex, exceptionFields);
            if (!frag.isEmpty()) {
                sb.append(" and not ").append(frag);
            }
        }
        return sb.toString();
    }

    private static String fragment(ExceptionItem ex, Set<String> exceptionFields) {
        if (ex.fields instanceof String field) {
            exceptionFields.add(field);
            String comp = ex.comps instanceof String c ? c : "in";
            if (ex.values.isEmpty()) {
                return "";
            }
            List<String> vals = new ArrayList<>();
            for (Object v : ex.values) {
                vals.add(quote(String.valueOf(v)));
            }
            return "(" + field + " " + comp + " (" + String.join(", ", vals) + "))";
        }
        if (!(ex.fields instanceof List<?> fields)) {
            return "";
        }
        for (Object f : fields) {
            exceptionFields.add((String) f);
        }
        List<?> comps = ex.comps instanceof List<?> l ? l : java.util.Collections.nCopies(fields.size(), "=");
        List<String> tuples = new ArrayList<>();
        for (Object v : ex.values) {
            if (!(v instanceof List<?> tuple)) {
                continue;
            }
            List<String> parts = new ArrayList<>();
            for (int k = 0; k < fields.size() && k < tuple.size(); k++) {
                String f = (String) fields.get(k);
                String c = (String) comps.get(k);
                Object elem = tuple.get(k);
                String value;
                if (elem instanceof List<?> lv) {
                    value = "(" + String.join(", ", lv.stream().map(x -> quote(String.valueOf(x))).toList()) + ")";
                } else {
                    String s = String.valueOf(elem);
                    if (isListOperator(c)) {
                        value = s.startsWith("(") ? s : "(" + s + ")";
                    } else {
                        value = quote(s);
                    }
                }
                parts.add(" " + f + " " + c + " " + value);
            }
            tuples.add("(" + String.join(" and ", parts) + ")");
        }
        if (tuples.isEmpty()) {
            return "";
        }
        return "(" + String.join(" or ", tuples) + ")";
    }

    private static boolean isListOperator(String comp) {
        return comp.equals("in") || comp.equals("intersects") || comp.equals("pmatch") || RulesReader.modifierOp(comp) != null;
    }

    // --- errors ----------------------------------------------------------------------------------

    private void fail(ProblemCode code, String message, List<Location> itemCtx, Location condLoc, String text, int offset) throws Stop {
        fail(code, message, itemCtx, condLoc, text, offset, "condition expression");
    }

    private void fail(ProblemCode code, String message, List<Location> itemCtx, Location condLoc, String text, int offset,
            String exprType) throws Stop {
        problems.add(problemAt(code, message, itemCtx, condLoc, text, offset, exprType));
        throw new Stop();
    }

    /** A problem positioned at {@code offset} of the expression {@code text} written at {@code condLoc}. */
    private Problem problemAt(ProblemCode code, String message, List<Location> itemCtx, Location condLoc, String text, int offset,
            String exprType) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(offset, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        String name = "\"" + (text.length() > 17 ? text.substring(0, 17) + "..." : text).replace('\n', ' ') + "\"";
        List<Location> ctx = new ArrayList<>(itemCtx);
        if (condLoc != null) {
            ctx.add(condLoc);
        }
        ctx.add(new Location(exprType, "", name, line, col, offset));
        String snippet = "";
        if (condLoc != null) {
            String content = collector.contents.get(condLoc.positionName());
            Location exact = content == null ? null : SourcePositions.locate(content, condLoc, text, offset);
            if (exact != null) {
                ctx.add(exact);
                snippet = Snippets.around(content, exact.line(), exact.column());
            }
        }
        return new Problem(code, message, ctx, snippet);
    }

    /** An offset into the rule's condition text; offsets inside expanded macros do not map to it: its start then. */
    private static int inText(String text, int offset) {
        return offset <= text.length() ? offset : 0;
    }

    private static List<Location> with(List<Location> ctx, Location l) {
        List<Location> out = new ArrayList<>(ctx);
        if (l != null) {
            out.add(l);
        }
        return out;
    }

}
