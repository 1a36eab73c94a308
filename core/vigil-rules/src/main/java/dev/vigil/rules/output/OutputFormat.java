package dev.vigil.rules.output;

import dev.vigil.event.Event;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldFlag;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import dev.vigil.event.IpAddress;
import dev.vigil.event.Printable;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.ConditionParser;
import dev.vigil.rules.condition.ConditionSyntaxException;
import dev.vigil.rules.filter.FilterCompileException;
import dev.vigil.rules.filter.FilterCompiler;
import dev.vigil.rules.filter.ValueSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled output format string: literal text and {@code %field} tokens ({@code %20proc.name}
 * pads or cuts to 20 characters, {@code %(proc.name)} is the bracketed form, transformers such as
 * {@code %tolower(proc.name)} are allowed). Rendering is lenient as in Falco: an absent value prints
 * {@code <NA>}. Immutable and thread-safe.
 */
public final class OutputFormat {
    private final List<Object> parts; // String literal or Token
    private final List<Token> tokens;

    private record Token(String key, ValueSource source, int width, boolean ancestorList) {}

    private OutputFormat(List<Object> parts, List<Token> tokens) {
        this.parts = parts;
        this.tokens = tokens;
    }

    /** Compiles a format; an unknown field fails with Falco's "invalid formatting token" message. */
    public static OutputFormat compile(String format, FieldCatalog catalog, FieldSlots slots) throws FilterCompileException {
        List<Object> parts = new ArrayList<>();
        List<Token> tokens = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            int start = i;
            i++;
            if (i >= n) {
                throw new FilterCompileException("invalid formatting token: the format ends with '%'", start, false);
            }
            int width = 0;
            while (i < n && Character.isDigit(format.charAt(i))) {
                width = width * 10 + (format.charAt(i) - '0');
                i++;
            }
            boolean bracketed = i < n && format.charAt(i) == '(';
            String rest;
            if (bracketed) {
                int close = format.indexOf(')', i);
                if (close < 0) {
                    throw new FilterCompileException("invalid formatting token: missing ')' after '%('", start, false);
                }
                rest = format.substring(i + 1, close);
            } else {
                rest = format.substring(i);
            }
            ConditionParser.OperandPrefix op;
            try {
                op = ConditionParser.parseOperandPrefix(rest);
            } catch (ConditionSyntaxException bad) {
                throw new FilterCompileException("invalid formatting token " + tokenText(rest), start, true);
            }
            if (bracketed && op.length() != rest.strip().length()) {
                throw new FilterCompileException("invalid formatting token " + rest, start, true);
            }
            String key = rest.substring(0, op.length());
            Token t = token(key, op.operand(), width, catalog, slots, start);
            if (lit.length() > 0) {
                parts.add(lit.toString());
                lit.setLength(0);
            }
            parts.add(t);
            tokens.add(t);
            i = bracketed ? format.indexOf(')', i) + 1 : i + op.length();
        }
        if (lit.length() > 0) {
            parts.add(lit.toString());
        }
        return new OutputFormat(List.copyOf(parts), List.copyOf(tokens));
    }

    private static String tokenText(String rest) {
        int e = 0;
        while (e < rest.length() && (Character.isLetterOrDigit(rest.charAt(e)) || rest.charAt(e) == '_' || rest.charAt(e) == '.')) {
            e++;
        }
        return rest.substring(0, e);
    }

    private static Token token(String key, Ast.Operand operand, int width, FieldCatalog catalog, FieldSlots slots, int offset)
            throws FilterCompileException {
        if (operand instanceof Ast.FieldOperand f) {
            FieldRef ref;
            try {
                ref = catalog.resolve(f.text()).orElse(null);
            } catch (IllegalArgumentException bad) {
                throw new FilterCompileException(bad.getMessage(), offset, false);
            }
            if (ref == null) {
                throw new FilterCompileException("invalid formatting token " + f.text(), offset, true);
            }
            if (ref.def().has(FieldFlag.FILTER_ONLY)) {
                throw new FilterCompileException("'" + ref.canonical() + "' is filter only and cannot be used as a display field", offset, false);
            }
            return new Token(key, ValueSource.forField(ref, catalog.source(), slots), width, ref.anyAncestor());
        }
        // a transformer: compile it through a throwaway "exists" check to reuse type checks
        try {
            ValueSource src = TransformerSources.compile(operand, catalog, slots);
            return new Token(key, src, width, false);
        } catch (FilterCompileException bad) {
            throw new FilterCompileException(bad.getMessage(), offset, bad.unknown());
        }
    }

    /** The field keys of every token, in order ({@code proc.name}, {@code tolower(proc.name)}). */
    public List<String> keys() {
        return tokens.stream().map(Token::key).toList();
    }

    /** The formatted text. */
    public String format(Event e) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) {
                sb.append(s);
            } else {
                Token t = (Token) p;
                String v = render(t.source().get(e), t.ancestorList());
                if (t.width() > 0) {
                    if (v.length() > t.width()) {
                        v = v.substring(0, t.width());
                    } else {
                        v = v + " ".repeat(t.width() - v.length());
                    }
                }
                sb.append(v);
            }
        }
        return sb.toString();
    }

    /** Typed values of every token, keyed by token text; absent values are {@code null}. */
    public Map<String, Object> fields(Event e) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Token t : tokens) {
            Object v = t.source().get(e);
            out.put(t.key(), jsonValue(v));
        }
        return out;
    }

    private static Object jsonValue(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(jsonValue(x));
            }
            return out;
        }
        if (v instanceof byte[] b) {
            return Printable.of(b, b.length);
        }
        return v.toString();
    }

        /** Falco's text rendering of a value; {@code <NA>} when absent. */
    static String render(Object v, boolean ancestors) {
        if (v == null) {
            return "<NA>";
        }
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return "<NA>";
            }
            StringBuilder sb = new StringBuilder();
            if (!ancestors) {
                sb.append('(');
            }
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(ancestors ? " " : ",");
                }
                sb.append(render(l.get(i), false));
            }
            if (!ancestors) {
                sb.append(')');
            }
            return sb.toString();
        }
        if (v instanceof byte[] b) {
            return Printable.of(b, b.length);
        }
        if (v instanceof IpAddress a) {
            return a.toString();
        }
        return v.toString();
    }

    /** Compiles a transformer operand for output use. */
    static final class TransformerSources {
        private TransformerSources() {}

        static ValueSource compile(Ast.Operand operand, FieldCatalog catalog, FieldSlots slots) throws FilterCompileException {
            return FilterCompiler.operandSource(operand, catalog, slots);
        }
    }
}
