package dev.vigil.rules.filter;

import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldDef;
import dev.vigil.event.FieldFlag;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import dev.vigil.event.FieldType;
import dev.vigil.event.IpAddress;
import dev.vigil.event.IpNetwork;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.Ast.Check;
import dev.vigil.rules.condition.Ast.Expr;
import dev.vigil.rules.condition.Ast.FieldOperand;
import dev.vigil.rules.condition.Ast.ListLiteral;
import dev.vigil.rules.condition.Ast.Literal;
import dev.vigil.rules.condition.Ast.Operand;
import dev.vigil.rules.condition.Ast.OperandRhs;
import dev.vigil.rules.condition.Ast.Transformer;
import dev.vigil.rules.condition.Ast.Value;
import dev.vigil.rules.condition.Ast.ValueList;
import dev.vigil.rules.filter.CheckNodes.Mode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a condition tree (macros already expanded) into a {@link Filter}: resolves fields
 * against the source's catalogue, parses right-hand values into the field's type once, checks that
 * the operator suits the type, and picks a specialised node per check.
 */
public final class FilterCompiler {
    private static final Set<String> NUMERIC_OPS = Set.of("=", "==", "!=", "<", "<=", ">", ">=", "in", "intersects", "exists");
    private static final Set<String> EQUALITY_OPS = Set.of("=", "==", "!=", "in", "intersects", "exists");
    private static final Set<String> BYTES_OPS = Set.of("=", "==", "!=", "contains", "bcontains", "startswith", "bstartswith", "endswith", "in", "intersects", "exists");
    private static final Set<String> LIST_FIELD_OPS = Set.of("in", "intersects", "exists");

    private final FieldCatalog catalog;
    private final FieldSlots slots;
    private final boolean checkEventTypes;
    private final List<Warning> warnings = new ArrayList<>();
    private final Set<String> fieldsUsed = new LinkedHashSet<>();
    private final java.util.Map<String, Set<String>> literals = new java.util.LinkedHashMap<>();

    /** A non-fatal finding: a Falco warning code, a message and an offset in the condition. */
    public record Warning(String code, String message, int offset) {}

    /**
     * The result of compiling one condition.
     *
     * @param literals for every field compared with literal values, those values (e.g. the domain names
     *     {@code fd.sip.name} is compared with, which a capture source must resolve ahead of time)
     */
    public record Compiled(Filter filter, List<Warning> warnings, Set<String> fieldsUsed, java.util.Map<String, Set<String>> literals) {}

    public FilterCompiler(FieldCatalog catalog, FieldSlots slots) {
        this.catalog = catalog;
        this.slots = slots;
        this.checkEventTypes = catalog.source().equals(FieldCatalog.SYSCALL);
    }

    public static Compiled compile(Expr expr, FieldCatalog catalog, FieldSlots slots) throws FilterCompileException {
        FilterCompiler c = new FilterCompiler(catalog, slots);
        Filter f = c.node(expr);
        java.util.Map<String, Set<String>> lits = new java.util.LinkedHashMap<>();
        c.literals.forEach((k, v) -> lits.put(k, Set.copyOf(v)));
        return new Compiled(f, List.copyOf(c.warnings), Set.copyOf(c.fieldsUsed), java.util.Map.copyOf(lits));
    }

    /** Compiles a standalone operand (a field or a transformer) into a value source, for outputs. */
    public static ValueSource operandSource(Operand op, FieldCatalog catalog, FieldSlots slots) throws FilterCompileException {
        return new FilterCompiler(catalog, slots).operand(op, true).source();
    }

    private Filter node(Expr e) throws FilterCompileException {
        return switch (e) {
            case Ast.And a -> {
                List<Filter> children = new ArrayList<>();
                for (Expr child : a.children()) {
                    Filter f = node(child);
                    if (f instanceof Filter.AndFilter inner) {
                        children.addAll(List.of(inner.children()));
                    } else {
                        children.add(f);
                    }
                }
                yield new Filter.AndFilter(children.toArray(Filter[]::new));
            }
            case Ast.Or o -> {
                List<Filter> children = new ArrayList<>();
                for (Expr child : o.children()) {
                    Filter f = node(child);
                    if (f instanceof Filter.OrFilter inner) {
                        children.addAll(List.of(inner.children()));
                    } else {
                        children.add(f);
                    }
                }
                yield new Filter.OrFilter(children.toArray(Filter[]::new));
            }
            case Ast.Not n -> new Filter.NotFilter(node(n.child()));
            case Ast.MacroRef m -> throw new FilterCompileException("filter error: unexpected identifier '" + m.name() + "'", m.offset(), false);
            case Check c -> check(c);
        };
    }

    /** Resolves a field as written, or fails with Falco's "nonexistent field" message. */
    public FieldRef resolve(FieldOperand f) throws FilterCompileException {
        try {
            var ref = catalog.resolve(f.text());
            if (ref.isEmpty()) {
                throw new FilterCompileException("filter_check called with nonexistent field " + f.text(), f.offset(), true);
            }
            fieldsUsed.add(ref.get().canonical());
            if (ref.get().def().has(FieldFlag.DEPRECATED)) {
                warnings.add(new Warning("LOAD_DEPRECATED_ITEM", "field '" + ref.get().name() + "' is deprecated", f.offset()));
            }
            return ref.get();
        } catch (IllegalArgumentException bad) {
            throw new FilterCompileException(bad.getMessage(), f.offset(), false);
        }
    }

    /** Type and list-ness of an operand. */
    private record Typed(ValueSource source, FieldType type, boolean list, FieldRef ref) {}

    private Typed operand(Operand op, boolean lhs) throws FilterCompileException {
        switch (op) {
            case FieldOperand f -> {
                FieldRef ref = resolve(f);
                return new Typed(ValueSource.forField(ref, catalog.source(), slots), ref.def().type(), ref.yieldsList(), ref);
            }
            case Transformer t -> {
                if (t.function().equals("getopt")) {
                    throw new FilterCompileException("transformer getopt() is not supported", t.offset(), false);
                }
                List<Typed> args = new ArrayList<>();
                for (Operand a : t.args()) {
                    args.add(operand(a, lhs));
                }
                boolean multi = t.function().equals("join") || t.function().equals("concat");
                if (!multi && args.size() != 1) {
                    throw new FilterCompileException(t.function() + "() takes exactly one argument", t.offset(), false);
                }
                if (t.function().equals("join") && args.size() != 2) {
                    throw new FilterCompileException("join() takes a separator and a list", t.offset(), false);
                }
                for (Typed a : args) {
                    if (a.ref() != null && a.ref().def().has(FieldFlag.NO_TRANSFORMER)) {
                        throw new FilterCompileException("field '" + a.ref().canonical() + "' does not support transformers", t.offset(), false);
                    }
                }
                Typed first = args.get(0);
                FieldType type;
                boolean list;
                switch (t.function()) {
                    case "len" -> {
                        type = FieldType.UINT64;
                        list = false;
                    }
                    case "join", "concat" -> {
                        type = FieldType.STRING;
                        list = false;
                    }
                    default -> {
                        if (first.type() != FieldType.STRING && first.type() != FieldType.BYTES) {
                            throw new FilterCompileException(t.function() + "() needs a string or bytes argument, got " + first.type().label(), t.offset(), false);
                        }
                        type = first.type();
                        list = first.list();
                    }
                }
                ValueSource[] sources = args.stream().map(Typed::source).toArray(ValueSource[]::new);
                int index = -1;
                if (t.arg() != null) {
                    try {
                        index = Integer.parseInt(t.arg());
                    } catch (NumberFormatException bad) {
                        throw new FilterCompileException("transformer index '" + t.arg() + "' is not a number", t.offset(), false);
                    }
                    list = false;
                }
                return new Typed(new ValueSource.TransformSource(t.function(), sources, index), type, list, null);
            }
            case Literal l -> {
                return new Typed(new ValueSource.ConstSource(l.value()), FieldType.STRING, false, null);
            }
            case ListLiteral l -> {
                return new Typed(new ValueSource.ConstSource(List.copyOf(l.values())), FieldType.STRING, true, null);
            }
        }
    }

    private Filter check(Check c) throws FilterCompileException {
        Typed lhs = operand(c.lhs(), true);
        String op = c.op().equals("==") ? "=" : c.op();
        FieldType type = lhs.type();
        FieldRef ref = lhs.ref();
        boolean listField = ref != null && ref.def().isList() && ref.index() < 0 && !(c.lhs() instanceof Transformer)
                || ref == null && lhs.list();

        // operator allowed for the type?
        if (listField && !LIST_FIELD_OPS.contains(op)) {
            throw new FilterCompileException("'" + c.op() + "' operator not supported for list filters", c.offset(), false);
        }
        Set<String> allowed = type.isNumeric() ? NUMERIC_OPS
                : switch (type) {
                    case BOOL, IPADDR, IPNET -> EQUALITY_OPS;
                    case BYTES -> BYTES_OPS;
                    default -> null;
                };
        if (allowed != null && !allowed.contains(op)) {
            throw new FilterCompileException("'" + c.op() + "' operator not supported for " + type.label() + " filters", c.offset(), false);
        }
        if (type == FieldType.STRING && (op.equals("bcontains") || op.equals("bstartswith"))) {
            throw new FilterCompileException("'" + c.op() + "' operator not supported for string filters", c.offset(), false);
        }
        if (op.equals("exists")) {
            return new CheckNodes.ExistsCheck(lhs.source());
        }

        if (c.rhs() instanceof OperandRhs orhs) {
            if (op.equals("pmatch") || op.equals("regex")) {
                throw new FilterCompileException("'" + op + "' does not accept a field as its right-hand side", c.offset(), false);
            }
            if (type == FieldType.IPNET || (ref != null && ref.def().has(FieldFlag.NO_RHS))) {
                throw new FilterCompileException("field '" + (ref == null ? "?" : ref.canonical()) + "' cannot be compared with another field", c.offset(), false);
            }
            Typed rhs = operand(orhs.operand(), false);
            if (rhs.ref() != null && (rhs.ref().def().has(FieldFlag.NO_RHS) || rhs.type() == FieldType.IPNET)) {
                throw new FilterCompileException("field '" + rhs.ref().canonical() + "' cannot be used as a right-hand side", orhs.offset(), false);
            }
            if (rhs.type() != type && !(rhs.type().isNumeric() && type.isNumeric())) {
                throw new FilterCompileException("field types do not match: " + type.label() + " and " + rhs.type().label(), c.offset(), false);
            }
            return new CheckNodes.FieldToFieldCheck(lhs.source(), op, rhs.source());
        }

        // literal values
        List<String> values;
        int valueOffset;
        if (c.rhs() instanceof Value v) {
            values = List.of(v.text());
            valueOffset = v.offset();
        } else if (c.rhs() instanceof ValueList vl) {
            values = vl.values();
            valueOffset = vl.offset();
        } else {
            throw new FilterCompileException("missing right-hand side for '" + op + "'", c.offset(), false);
        }

        if (ref != null) {
            literals.computeIfAbsent(ref.canonical(), k -> new LinkedHashSet<>()).addAll(values);
        }
        for (String value : values) {
            hints(op, value, valueOffset);
        }
        if (checkEventTypes && ref != null && (ref.name().equals("evt.type") || ref.name().equals("syscall.type"))
                && Set.of("=", "!=", "in", "intersects").contains(op)) {
            for (String name : values) {
                if (EventTypes.get().code(name) < 0) {
                    throw new FilterCompileException("unknown event type " + name, valueOffset, true);
                }
            }
        }

        Matcher matcher;
        if (c.modifier() != null) {
            // the operator is applied to each value as written (also '!='); the modifier counts the hits
            Matcher[] each = new Matcher[values.size()];
            for (int i = 0; i < each.length; i++) {
                each[i] = single(op, type, values.get(i), valueOffset);
            }
            matcher = switch (c.modifier()) {
                case "anyof" -> new Matcher.AnyOf(each);
                case "allof" -> new Matcher.AllOf(each);
                default -> new Matcher.OneOf(each);
            };
        } else if (op.equals("in") || op.equals("intersects")) {
            matcher = setMatcher(type, values, valueOffset);
        } else if (op.equals("pmatch")) {
            if (type != FieldType.STRING) {
                throw new FilterCompileException("'pmatch' operator not supported for " + type.label() + " filters", c.offset(), false);
            }
            matcher = new Matcher.Pmatch(values.stream().map(Matcher.Pmatch::components).toArray(String[][]::new));
        } else {
            if (values.size() != 1) {
                throw new FilterCompileException("'" + op + "' takes one value", valueOffset, false);
            }
            boolean eitherEndpointNe = op.equals("!=") && ref != null && ref.arg() == null && ref.def().has(FieldFlag.EITHER_ENDPOINT);
            matcher = single(eitherEndpointNe ? "=" : op, type, values.get(0), valueOffset);
            if (eitherEndpointNe) {
                return new CheckNodes.ValueCheck(lhs.source(), matcher, Mode.NONE);
            }
        }

        Mode mode;
        if (listField) {
            // a list field, also through a transformer: 'in' is a subset test, 'intersects' any overlap
            mode = op.equals("in") ? Mode.ALL : Mode.ANY;
        } else if (lhs.list()) {
            mode = Mode.ANY;
        } else {
            mode = Mode.SINGLE;
        }

        if (mode == Mode.SINGLE && lhs.source() instanceof ValueSource.EventTypeSource ts && c.modifier() == null
                && Set.of("=", "!=", "in", "intersects").contains(op)) {
            java.util.BitSet codes = new java.util.BitSet(EventTypes.get().size());
            for (String v : values) {
                int code = EventTypes.get().code(v);
                if (code >= 0) {
                    codes.set(code);
                }
            }
            return new CheckNodes.EventTypeCheck(ts.slot, codes, new HashSet<>(values), op.equals("!="));
        }
        if (mode == Mode.SINGLE && lhs.source() instanceof ValueSource.FieldSource fs && c.modifier() == null) {
            if (op.equals("=") && type == FieldType.STRING) {
                return new CheckNodes.StringEqualsCheck(fs.slot, values.get(0));
            }
            if (type.isNumeric() && !op.equals("in") && !op.equals("intersects")) {
                return new CheckNodes.NumericCheck(fs.slot, op, parseNumber(type, values.get(0), valueOffset), unsigned(type));
            }
        }
        return new CheckNodes.ValueCheck(lhs.source(), matcher, mode);
    }

    /** Regular-expression characters; a pattern without them (past its ends) needs no regex. */
    private static final String REGEX_SPECIALS = ".+*?^$()[]{}|\\";

    /**
     * Falco's {@code LOAD_COMPILE_CONDITION} hints about a literal compared with: a regex that a
     * simpler operator could do, a value that is a field name or looks like a transformer call
     * (likely a forgotten {@code val()}). Spaces are ignored when recognising fields and transformers.
     */
    private void hints(String op, String value, int offset) {
        String compact = value.replaceAll("[ \\t\\n\\r\\f\\u000B]", "");
        if (op.equals("regex") && regexCouldBeSimpler(value)) {
            warnings.add(new Warning("LOAD_COMPILE_CONDITION", "regex check with '" + value
                    + "' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'", offset));
        }
        boolean field;
        try {
            field = !compact.isEmpty() && catalog.resolve(compact).isPresent();
        } catch (IllegalArgumentException notAField) {
            field = false;
        }
        if (field) {
            warnings.add(new Warning("LOAD_COMPILE_CONDITION", "'" + value + "' may be a valid field misused as a const string value", offset));
        }
        for (String t : TRANSFORMER_NAMES) {
            if (compact.length() >= t.length() + 2 && compact.startsWith(t + "(") && compact.endsWith(")")) {
                warnings.add(new Warning("LOAD_COMPILE_CONDITION",
                        "'" + value + "' may be a valid field transformer misused as a const string value", offset));
            }
        }
    }

    private static final List<String> TRANSFORMER_NAMES =
            List.of("tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt", "val");

    /**
     * True when the pattern has no regex syntax apart from the anchors at its ends and a leading or
     * trailing {@code .*}, {@code .+} or {@code .?} (what {@code contains}/{@code startswith}/{@code
     * endswith} express).
     */
    static boolean regexCouldBeSimpler(String v) {
        int len = v.length();
        for (int i = 0; i < len; i++) {
            char ch = v.charAt(i);
            if (i == 0 && ch == '^' || i == len - 1 && ch == '$') {
                continue;
            }
            if (ch == '.' && (i == 0 && len > 1 || i == len - 2) && "+*?".indexOf(v.charAt(i + 1)) >= 0) {
                i++;
                continue;
            }
            if (ch == 0 || REGEX_SPECIALS.indexOf(ch) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the condition compares a {@code ka.*} or {@code jevt.*} field (also inside a transformer)
     * with the literal {@code <NA>} by {@code =}, {@code !=}, {@code in}, {@code intersects} or
     * {@code pmatch}: Falco's {@code LOAD_UNSAFE_NA_CHECK}, given once per rule, before compiling.
     */
    public static boolean hasUnsafeNaCheck(Expr e) {
        return switch (e) {
            case Ast.And a -> a.children().stream().anyMatch(FilterCompiler::hasUnsafeNaCheck);
            case Ast.Or o -> o.children().stream().anyMatch(FilterCompiler::hasUnsafeNaCheck);
            case Ast.Not n -> hasUnsafeNaCheck(n.child());
            case Ast.MacroRef m -> false;
            case Check c -> Set.of("=", "==", "!=", "in", "intersects", "pmatch").contains(c.op()) && unsafeForNa(c.lhs())
                    && (c.rhs() instanceof Value v && v.text().equals("<NA>") || c.rhs() instanceof ValueList vl && vl.values().contains("<NA>"));
        };
    }

    private static boolean unsafeForNa(Operand o) {
        return o instanceof FieldOperand f && (f.name().startsWith("ka.") || f.name().startsWith("jevt."))
                || o instanceof Transformer t && t.args().stream().anyMatch(FilterCompiler::unsafeForNa);
    }

    private Matcher setMatcher(FieldType type, List<String> values, int offset) throws FilterCompileException {
        if (type == FieldType.STRING) {
            return new Matcher.StrIn(new HashSet<>(values));
        }
        if (type == FieldType.IPNET) {
            List<Matcher> nets = new ArrayList<>();
            for (String v : values) {
                nets.add(single("=", type, v, offset));
            }
            return new Matcher.AnyOf(nets.toArray(Matcher[]::new));
        }
        if (type == FieldType.BYTES) {
            List<Matcher> ms = new ArrayList<>();
            for (String v : values) {
                ms.add(single("=", type, v, offset));
            }
            return new Matcher.AnyOf(ms.toArray(Matcher[]::new));
        }
        Set<Object> set = new HashSet<>();
        for (String v : values) {
            set.add(literal(type, v, offset));
        }
        return new Matcher.ObjIn(set);
    }

    /** A matcher for one operator and one literal value. */
    private Matcher single(String op, FieldType type, String value, int offset) throws FilterCompileException {
        if (type.isNumeric()) {
            return new Matcher.NumCompare(op, parseNumber(type, value, offset), unsigned(type));
        }
        switch (type) {
            case BOOL, IPADDR -> {
                Matcher eq = new Matcher.ObjEq(literal(type, value, offset));
                return op.equals("!=") ? new Matcher.Negated(eq) : eq;
            }
            case IPNET -> {
                Matcher in = new Matcher.NetContains((IpNetwork) literal(type, value, offset));
                return op.equals("!=") ? new Matcher.Negated(in) : in;
            }
            case BYTES -> {
                byte[] rhs;
                if (op.equals("bcontains") || op.equals("bstartswith")) {
                    try {
                        rhs = HexFormat.of().parseHex(value);
                    } catch (IllegalArgumentException bad) {
                        throw new FilterCompileException("'" + value + "' is not a valid hex string for " + op, offset, false);
                    }
                } else {
                    rhs = value.getBytes(StandardCharsets.UTF_8);
                }
                return new Matcher.BytesOp(op, rhs);
            }
            default -> {
                // strings
                return switch (op) {
                    case "=" -> new Matcher.StrEq(value);
                    case "!=" -> new Matcher.Negated(new Matcher.StrEq(value));
                    case "contains" -> new Matcher.StrContains(value);
                    case "icontains" -> new Matcher.StrIContains(value);
                    case "startswith" -> new Matcher.StrStartsWith(value);
                    case "endswith" -> new Matcher.StrEndsWith(value);
                    case "glob" -> new Matcher.GlobMatcher(value, false);
                    case "iglob" -> new Matcher.GlobMatcher(value, true);
                    case "regex" -> {
                        try {
                            yield new Matcher.RegexMatcher(Pattern.compile(Re2Syntax.toJava(value), Re2Syntax.FLAGS));
                        } catch (PatternSyntaxException bad) {
                            throw new FilterCompileException("invalid regular expression '" + value + "': " + bad.getDescription(), offset, false);
                        } catch (IllegalArgumentException refused) {
                            throw new FilterCompileException("invalid regular expression '" + value + "': " + refused.getMessage(), offset, false);
                        }
                    }
                    case "<", "<=", ">", ">=" -> new Matcher.StrCompare(op, value);
                    default -> throw new FilterCompileException("'" + op + "' operator not supported for string filters", offset, false);
                };
            }
        }
    }

    private static boolean unsigned(FieldType t) {
        return t == FieldType.UINT64 || t == FieldType.ABSTIME || t == FieldType.RELTIME;
    }

    /** Parses a literal into the value representation of {@code type} (see {@link dev.vigil.event.Event}). */
    public static Object literal(FieldType type, String value, int offset) throws FilterCompileException {
        if (type.isNumeric()) {
            return parseNumber(type, value, offset);
        }
        return switch (type) {
            case BOOL -> switch (value) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new FilterCompileException("unrecognized boolean value '" + value + "'", offset, false);
            };
            case IPADDR -> IpAddress.parse(value).orElseThrow(
                    () -> new FilterCompileException("unrecognized IP address '" + value + "'", offset, false));
            case IPNET -> IpNetwork.parse(value).orElseThrow(
                    () -> new FilterCompileException("unrecognized IP network '" + value + "' (expected address/prefix-length)", offset, false));
            case BYTES -> value.getBytes(StandardCharsets.UTF_8);
            default -> value;
        };
    }

    /** Decimal integer literals as Falco reads them; negative values wrap into unsigned 32-bit fields. */
    public static long parseNumber(FieldType type, String value, int offset) throws FilterCompileException {
        String v = value.strip();
        if (type == FieldType.PORT && !v.isEmpty() && !Character.isDigit(v.charAt(0))) {
            Integer port = Services.port(v);
            if (port == null) {
                throw new FilterCompileException("'" + value + "' is not a valid port number or service name", offset, false);
            }
            return port;
        }
        long n;
        try {
            n = Long.parseLong(v.startsWith("+") ? v.substring(1) : v);
        } catch (NumberFormatException bad) {
            if (type == FieldType.UINT64 || type == FieldType.ABSTIME || type == FieldType.RELTIME) {
                try {
                    n = Long.parseUnsignedLong(v);
                } catch (NumberFormatException alsoBad) {
                    throw new FilterCompileException(value + " is not a valid number", offset, false);
                }
            } else {
                throw new FilterCompileException(value + " is not a valid number", offset, false);
            }
        }
        if (type == FieldType.UINT32) {
            n &= 0xFFFFFFFFL;
        } else if (type == FieldType.PORT) {
            n &= 0xFFFFL;
        }
        return n;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** Service names for port literals, from /etc/services when present. */
    static final class Services {
        private static volatile java.util.Map<String, Integer> table;

        static Integer port(String name) {
            if (table == null) {
                java.util.Map<String, Integer> m = new java.util.HashMap<>();
                m.put("ssh", 22);
                m.put("http", 80);
                m.put("https", 443);
                m.put("domain", 53);
                m.put("ftp", 21);
                m.put("telnet", 23);
                m.put("smtp", 25);
                try {
                    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/services"))) {
                        String l = line.strip();
                        if (l.isEmpty() || l.startsWith("#")) {
                            continue;
                        }
                        String[] cols = l.split("\\s+");
                        if (cols.length >= 2 && cols[1].contains("/")) {
                            int port = Integer.parseInt(cols[1].substring(0, cols[1].indexOf('/')));
                            m.putIfAbsent(cols[0], port);
                            for (int i = 2; i < cols.length && !cols[i].startsWith("#"); i++) {
                                m.putIfAbsent(cols[i], port);
                            }
                        }
                    }
                } catch (java.io.IOException | RuntimeException ignored) {
                    // the built-in names remain
                }
                table = m;
            }
            return table.get(name);
        }
    }
}
