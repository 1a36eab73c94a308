package dev.vigil.rules.condition;

import dev.vigil.rules.condition.Ast.And;
import dev.vigil.rules.condition.Ast.Check;
import dev.vigil.rules.condition.Ast.Expr;
import dev.vigil.rules.condition.Ast.FieldOperand;
import dev.vigil.rules.condition.Ast.ListLiteral;
import dev.vigil.rules.condition.Ast.Literal;
import dev.vigil.rules.condition.Ast.MacroRef;
import dev.vigil.rules.condition.Ast.Not;
import dev.vigil.rules.condition.Ast.Operand;
import dev.vigil.rules.condition.Ast.OperandRhs;
import dev.vigil.rules.condition.Ast.Or;
import dev.vigil.rules.condition.Ast.Rhs;
import dev.vigil.rules.condition.Ast.Transformer;
import dev.vigil.rules.condition.Ast.Value;
import dev.vigil.rules.condition.Ast.ValueList;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses Falco condition text into an {@link Ast}. A hand-written recursive-descent parser with
 * no separate tokenizer, following Falco's grammar, including its lexical quirks:
 *
 * <pre>
 * Expr        := OrExpr
 * OrExpr      := AndExpr ( "or" (BLANK AndExpr | "(" Expr ")") )*
 * AndExpr     := NotExpr ( "and" (BLANK NotExpr | "(" Expr ")") )*
 * NotExpr     := ("not" BLANK+)* ( "not(" Expr ")" | Check )
 * Check       := "(" Expr ")" | Field Condition | Transformer Condition | Identifier
 * Condition   := "exists"
 *              | NumOp (NumValue | TransformerOrVal)
 *              | StrOp (StrValue | TransformerOrVal)
 *              | StrOp Modifier ListValue
 *              | ListOp (ListValue | TransformerOrVal)
 * ListValue   := "(" [ StrValue ("," StrValue)* ] ")" | Identifier
 * Field       := FieldName [ "[" (QuotedStr | ArgBareStr) "]" ]
 * Transformer := Name "(" TArg ("," TArg)* ")" [ "[" arg "]" ]
 * TArg        := Transformer | Field | QuotedStr | NumValue | "(" [ StrValue ("," StrValue)* ] ")"
 * TransformerOrVal := Transformer | "val(" Field ")"
 * NumOp       := "<=" | "<" | ">=" | ">"
 * StrOp       := "==" | "=" | "!=" | contains | icontains | bcontains | startswith | bstartswith
 *              | endswith | glob | iglob | regex
 * Modifier    := oneof | anyof | allof
 * ListOp      := intersects | in | pmatch
 * </pre>
 *
 * Word operators and modifiers need a following blank; {@code in}, {@code pmatch},
 * {@code intersects} and the symbolic operators do not. Keywords are lower case only. The whole
 * input must be consumed. Errors are {@link ConditionSyntaxException}s carrying the offset.
 */
public final class ConditionParser {
    /** Falco caps the nesting depth of conditions at this many levels. */
    public static final int MAX_DEPTH = 1000;

    public static final Set<String> TRANSFORMERS =
            Set.of("tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt");

    private static final String[] OPERATORS = {
        "==", "=", "!=", "<=", "<", ">=", ">", "contains", "icontains", "bcontains", "startswith",
        "bstartswith", "endswith", "glob", "iglob", "regex", "intersects", "in", "pmatch", "exists"
    };
    private static final Set<String> WORD_OPS_NEEDING_BLANK = Set.of(
            "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob",
            "iglob", "regex", "exists");
    private static final Set<String> NUM_OPS = Set.of("<=", "<", ">=", ">");
    private static final Set<String> LIST_OPS = Set.of("intersects", "in", "pmatch");

    private final String text;
    private int pos;
    private int depth;
    private String lastToken = "";

    private ConditionParser(String text) {
        this.text = text;
    }

    /** Parses a whole condition. */
    public static Expr parse(String text) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(text);
        if (text.isEmpty()) {
            throw new ConditionSyntaxException("filter input string is empty", 0);
        }
        Expr e = p.parseOr();
        p.skipBlanks();
        if (p.pos < text.length()) {
            throw new ConditionSyntaxException(
                    "unexpected token after '" + p.lastToken + "', expecting 'or', 'and'", p.pos);
        }
        return e;
    }

    /**
     * Parses a standalone operand (a field, optionally with transformers) as used in output
     * tokens, returning the operand and the length of text it used; the parse takes the longest
     * prefix of {@code text} that forms an operand.
     */
    public static OperandPrefix parseOperandPrefix(String text) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(text);
        Operand op = p.parseOperand(true);
        return new OperandPrefix(op, p.pos);
    }

    /** A parsed operand and how many characters it took. */
    public record OperandPrefix(Operand operand, int length) {}

    private Expr parseOr() throws ConditionSyntaxException {
        enter();
        int start = pos;
        List<Expr> children = new ArrayList<>();
        children.add(parseAnd());
        while (true) {
            int save = pos;
            skipBlanks();
            if (keyword("or")) {
                children.add(parseAnd());
            } else {
                pos = save;
                break;
            }
        }
        depth--;
        return children.size() == 1 ? children.get(0) : new Or(children, start);
    }

    private Expr parseAnd() throws ConditionSyntaxException {
        enter();
        skipBlanks();
        int start = pos;
        List<Expr> children = new ArrayList<>();
        children.add(parseNot());
        while (true) {
            int save = pos;
            skipBlanks();
            if (keyword("and")) {
                children.add(parseNot());
            } else {
                pos = save;
                break;
            }
        }
        depth--;
        return children.size() == 1 ? children.get(0) : new And(children, start);
    }

    /**
     * Consumes {@code and}/{@code or}; as in Falco, the keyword is recognised by its letters alone
     * and must then be followed by a blank or '(' ({@code a andb} is an error, not a trailing token).
     */
    private boolean keyword(String kw) throws ConditionSyntaxException {
        if (text.startsWith(kw, pos)) {
            int after = pos + kw.length();
            if (after < text.length() && (isBlank(text.charAt(after)) || text.charAt(after) == '(')) {
                pos = after;
                lastToken = kw;
                return true;
            }
            throw new ConditionSyntaxException("expected blank or '(' after '" + kw + "'", after);
        }
        return false;
    }

    private Expr parseNot() throws ConditionSyntaxException {
        enter();
        skipBlanks();
        int start = pos;
        int nots = 0;
        while (text.startsWith("not", pos)) {
            int after = pos + 3;
            if (after < text.length() && isBlank(text.charAt(after))) {
                pos = after;
                lastToken = "not";
                nots++;
                skipBlanks();
            } else if (after < text.length() && text.charAt(after) == '(') {
                pos = after;
                lastToken = "not";
                nots++;
                break;
            } else {
                break;
            }
        }
        Expr e = parseCheck();
        depth--;
        // "not not x" folds by parity
        return (nots % 2 == 1) ? new Not(e, start) : e;
    }

    private Expr parseCheck() throws ConditionSyntaxException {
        skipBlanks();
        int start = pos;
        if (pos >= text.length()) {
            throw new ConditionSyntaxException("expected a '(' token, a field check, or an identifier", pos);
        }
        if (text.charAt(pos) == '(') {
            pos++;
            lastToken = "(";
            Expr inner = parseOr();
            skipBlanks();
            expect(')', "expected a ')' token");
            return inner;
        }
        String transformer = transformerAt(pos);
        if (transformer != null) {
            Operand lhs = parseTransformer(transformer);
            return parseCondition(lhs, start);
        }
        String field = match(FIELD_NAME);
        if (field != null) {
            Operand lhs = finishField(field, start);
            return parseCondition(lhs, start);
        }
        String ident = match(IDENTIFIER);
        if (ident != null) {
            lastToken = ident;
            return new MacroRef(ident, start);
        }
        throw new ConditionSyntaxException("expected a '(' token, a field check, or an identifier", pos);
    }

    private Operand finishField(String name, int start) throws ConditionSyntaxException {
        lastToken = name;
        String arg = null;
        if (pos < text.length() && text.charAt(pos) == '[') {
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\'')) {
                arg = parseQuoted();
            } else {
                int s = pos;
                while (pos < text.length() && isArgBareChar(text.charAt(pos))) {
                    pos++;
                }
                if (s == pos) {
                    throw new ConditionSyntaxException("expected a field argument after '" + name + "['", pos);
                }
                arg = text.substring(s, pos);
            }
            expect(']', "expected a ']' token after the argument of '" + name + "'");
            lastToken = name + "[" + arg + "]";
        }
        return new FieldOperand(name, arg, start);
    }

    private Check parseCondition(Operand lhs, int start) throws ConditionSyntaxException {
        skipBlanks();
        String op = null;
        for (String candidate : OPERATORS) {
            if (text.startsWith(candidate, pos)) {
                int after = pos + candidate.length();
                if (WORD_OPS_NEEDING_BLANK.contains(candidate)) {
                    boolean endOk = candidate.equals("exists")
                            ? after >= text.length() || !isIdentChar(text.charAt(after))
                            : after < text.length() && isBlank(text.charAt(after));
                    if (!endOk) {
                        continue;
                    }
                } else if (LIST_OPS.contains(candidate) && after < text.length() && isIdentChar(text.charAt(after))
                        && !candidate.equals("in")) {
                    continue;
                }
                op = candidate;
                pos = after;
                break;
            }
        }
        if (op == null) {
            throw new ConditionSyntaxException("expected a valid operator after '" + lastToken + "'", pos);
        }
        lastToken = op;
        if (op.equals("exists")) {
            return new Check(lhs, op, null, null, start);
        }
        skipBlanks();
        int rhsStart = pos;
        if (NUM_OPS.contains(op)) {
            Rhs rhs = transformerOrVal();
            if (rhs == null) {
                String num = match(NUMBER);
                if (num == null) {
                    num = match(HEX);
                }
                if (num == null) {
                    throw new ConditionSyntaxException("expected a number value after '" + op + "'", pos);
                }
                lastToken = num;
                rhs = new Value(num, rhsStart);
            }
            return new Check(lhs, op, null, rhs, start);
        }
        if (LIST_OPS.contains(op)) {
            Rhs rhs = transformerOrVal();
            if (rhs == null) {
                rhs = parseListValue(op);
            }
            return new Check(lhs, op, null, rhs, start);
        }
        // string operator, possibly with a modifier
        for (String mod : new String[] {"oneof", "anyof", "allof"}) {
            if (text.startsWith(mod, pos)) {
                int after = pos + mod.length();
                int look = after;
                while (look < text.length() && isBlank(text.charAt(look))) {
                    look++;
                }
                boolean blankAfter = after < text.length() && isBlank(text.charAt(after));
                if (look < text.length() && (text.charAt(look) == '(' && (blankAfter || look == after)
                        || blankAfter && identifierIsNotKeyword(look))) {
                    pos = look;
                    lastToken = mod;
                    Rhs list = parseListValue(op);
                    return new Check(lhs, op, mod, list, start);
                }
            }
        }
        Rhs rhs = transformerOrVal();
        if (rhs == null) {
            rhs = new Value(parseStrValue("expected a value after '" + op + "'"), rhsStart);
        }
        return new Check(lhs, op, null, rhs, start);
    }

    private boolean identifierIsNotKeyword(int at) {
        int save = pos;
        pos = at;
        String id = match(IDENTIFIER);
        pos = save;
        return id != null && !id.equals("and") && !id.equals("or") && !id.equals("not");
    }

    /** {@code val(field)} or a transformer on the right-hand side, or null. */
    private Rhs transformerOrVal() throws ConditionSyntaxException {
        int start = pos;
        if (text.startsWith("val(", pos)) {
            pos += 4;
            skipBlanks();
            String field = match(FIELD_NAME);
            if (field == null) {
                throw new ConditionSyntaxException("expected a field inside val()", pos);
            }
            Operand f = finishField(field, start + 4);
            skipBlanks();
            expect(')', "expected a ')' token after val(" + field);
            return new OperandRhs(f, start);
        }
        String t = transformerAt(pos);
        if (t != null) {
            return new OperandRhs(parseTransformer(t), start);
        }
        return null;
    }

    private Rhs parseListValue(String op) throws ConditionSyntaxException {
        int start = pos;
        if (pos < text.length() && text.charAt(pos) == '(') {
            pos++;
            lastToken = "(";
            List<String> values = new ArrayList<>();
            skipBlanks();
            if (pos < text.length() && text.charAt(pos) == ')') {
                pos++;
                lastToken = ")";
                return new ValueList(values, start);
            }
            while (true) {
                skipBlanks();
                values.add(parseStrValue("expected a value in the list after '" + lastToken + "'"));
                skipBlanks();
                if (pos < text.length() && text.charAt(pos) == ',') {
                    pos++;
                    lastToken = ",";
                    continue;
                }
                expect(')', "expected ',' or ')' in the list of values");
                return new ValueList(values, start);
            }
        }
        String ident = match(IDENTIFIER);
        if (ident != null) {
            // Falco accepts a bare identifier here and takes it as one literal value
            lastToken = ident;
            return new ValueList(List.of(ident), start);
        }
        throw new ConditionSyntaxException("expected a list of values after '" + op + "'", pos);
    }

    private String parseStrValue(String error) throws ConditionSyntaxException {
        if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\'')) {
            String v = parseQuoted();
            lastToken = v;
            return v;
        }
        int s = pos;
        while (pos < text.length() && isBareChar(text.charAt(pos))) {
            pos++;
        }
        if (s == pos) {
            throw new ConditionSyntaxException(error, pos);
        }
        lastToken = text.substring(s, pos);
        return lastToken;
    }

    private Operand parseTransformer(String name) throws ConditionSyntaxException {
        int start = pos;
        pos += name.length() + 1; // name and '('
        lastToken = name + "(";
        List<Operand> args = new ArrayList<>();
        enter();
        while (true) {
            skipBlanks();
            args.add(parseTransformerArg());
            skipBlanks();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect(')', "expected ',' or ')' in the arguments of " + name + "()");
            break;
        }
        depth--;
        String arg = null;
        if (pos < text.length() && text.charAt(pos) == '[') {
            pos++;
            int s = pos;
            while (pos < text.length() && isArgBareChar(text.charAt(pos))) {
                pos++;
            }
            arg = text.substring(s, pos);
            expect(']', "expected a ']' token");
        }
        lastToken = text.substring(start, pos);
        return new Transformer(name, args, arg, start);
    }

    private Operand parseTransformerArg() throws ConditionSyntaxException {
        return parseOperand(false);
    }

    private Operand parseOperand(boolean topLevel) throws ConditionSyntaxException {
        int start = pos;
        String t = transformerAt(pos);
        if (t != null) {
            return parseTransformer(t);
        }
        String field = match(FIELD_NAME);
        if (field != null) {
            return finishField(field, start);
        }
        if (topLevel) {
            throw new ConditionSyntaxException("expected a field or a transformer", pos);
        }
        if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\'')) {
            return new Literal(parseQuoted(), start);
        }
        String num = match(NUMBER);
        if (num != null) {
            return new Literal(num, start);
        }
        if (pos < text.length() && text.charAt(pos) == '(') {
            pos++;
            List<String> values = new ArrayList<>();
            skipBlanks();
            if (pos < text.length() && text.charAt(pos) == ')') {
                pos++;
                return new ListLiteral(values, start);
            }
            while (true) {
                skipBlanks();
                values.add(parseStrValue("expected a value in the list"));
                skipBlanks();
                if (pos < text.length() && text.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(')', "expected ',' or ')' in the list");
                return new ListLiteral(values, start);
            }
        }
        throw new ConditionSyntaxException("expected a field, a transformer or a literal argument", pos);
    }

    private String transformerAt(int at) {
        for (String t : TRANSFORMERS) {
            if (text.startsWith(t, at) && at + t.length() < text.length() && text.charAt(at + t.length()) == '(') {
                return t;
            }
        }
        return null;
    }

    /** Parses a quoted string at {@code pos}, applying Falco's escapes. */
    private String parseQuoted() throws ConditionSyntaxException {
        char delim = text.charAt(pos);
        int start = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == delim) {
                pos++;
                return sb.toString();
            }
            if (c == '\\') {
                if (pos + 1 >= text.length()) {
                    break;
                }
                char n = text.charAt(pos + 1);
                switch (n) {
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case ' ' -> {
                        // Falco quirk: backslash-space yields a backslash (the space stays)
                        sb.append('\\');
                        pos += 1;
                        continue;
                    }
                    case 'x' -> {
                        if (pos + 3 < text.length() + 0 && isHex(text.charAt(pos + 2)) && isHex(text.charAt(pos + 3))) {
                            sb.append((char) Integer.parseInt(text.substring(pos + 2, pos + 4), 16));
                            pos += 4;
                            continue;
                        }
                        throw new ConditionSyntaxException("invalid \\x escape sequence in quoted string", pos);
                    }
                    default -> {
                        if (n == delim) {
                            sb.append(n);
                        } else {
                            throw new ConditionSyntaxException("invalid escape sequence '\\" + n + "' in quoted string", pos);
                        }
                    }
                }
                pos += 2;
                continue;
            }
            sb.append(c);
            pos++;
        }
        throw new ConditionSyntaxException("unterminated quoted string", start);
    }

    private void expect(char c, String message) throws ConditionSyntaxException {
        skipBlanks();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            lastToken = String.valueOf(c);
            return;
        }
        throw new ConditionSyntaxException(message, pos);
    }

    private void enter() throws ConditionSyntaxException {
        if (++depth > MAX_DEPTH) {
            throw new ConditionSyntaxException("exceeded max depth limit of " + MAX_DEPTH, pos);
        }
    }

    private void skipBlanks() {
        while (pos < text.length() && isBlank(text.charAt(pos))) {
            pos++;
        }
    }

    // --- lexical classes -------------------------------------------------------------------

    private static final int IDENTIFIER = 0;
    private static final int FIELD_NAME = 1;
    private static final int NUMBER = 2;
    private static final int HEX = 3;

    /** Matches a token class at {@code pos}; on success advances and returns the text. */
    private String match(int kind) {
        int p = pos;
        int n = text.length();
        switch (kind) {
            case IDENTIFIER -> {
                p = identAt(p);
                if (p < 0) {
                    return null;
                }
            }
            case FIELD_NAME -> {
                p = identAt(p);
                if (p < 0) {
                    return null;
                }
                int parts = 0;
                while (p < n && text.charAt(p) == '.') {
                    int q = identAt(p + 1);
                    if (q < 0) {
                        break;
                    }
                    p = q;
                    parts++;
                }
                if (parts == 0) {
                    return null;
                }
            }
            case NUMBER -> {
                if (p < n && (text.charAt(p) == '+' || text.charAt(p) == '-')) {
                    p++;
                }
                int digits = p;
                while (p < n && Character.isDigit(text.charAt(p))) {
                    p++;
                }
                if (p == digits) {
                    return null;
                }
                if (p < n && text.charAt(p) == 'x' && p == digits + 1 && text.charAt(digits) == '0') {
                    return null;
                }
                if (p < n && text.charAt(p) == '.') {
                    p++;
                    while (p < n && Character.isDigit(text.charAt(p))) {
                        p++;
                    }
                }
                if (p + 1 < n && (text.charAt(p) == 'e' || text.charAt(p) == 'E')
                        && (text.charAt(p + 1) == '+' || text.charAt(p + 1) == '-')
                        && p + 2 < n && Character.isDigit(text.charAt(p + 2))) {
                    p += 2;
                    while (p < n && Character.isDigit(text.charAt(p))) {
                        p++;
                    }
                }
            }
            case HEX -> {
                if (!(p + 2 < n && text.charAt(p) == '0' && (text.charAt(p + 1) == 'x' || text.charAt(p + 1) == 'X')
                        && isHex(text.charAt(p + 2)))) {
                    return null;
                }
                p += 2;
                while (p < n && isHex(text.charAt(p))) {
                    p++;
                }
            }
            default -> throw new IllegalStateException();
        }
        String s = text.substring(pos, p);
        pos = p;
        return s;
    }

    /** End of an identifier {@code [a-zA-Z]+[a-zA-Z0-9_]*} starting at p, or -1. */
    private int identAt(int p) {
        int n = text.length();
        int s = p;
        while (p < n && isAlpha(text.charAt(p))) {
            p++;
        }
        if (p == s) {
            return -1;
        }
        while (p < n && (isAlpha(text.charAt(p)) || Character.isDigit(text.charAt(p)) || text.charAt(p) == '_')) {
            p++;
        }
        return p;
    }

    static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isIdentChar(char c) {
        return isAlpha(c) || (c >= '0' && c <= '9') || c == '_';
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    /** BareStr: {@code [^()"'[:space:]=,]}. */
    static boolean isBareChar(char c) {
        return !(c == '(' || c == ')' || c == '"' || c == '\'' || c == '=' || c == ',' || Character.isWhitespace(c) || c == '\b');
    }

    /** ArgBareStr: {@code [^][\"'[:space:]]}. */
    private static boolean isArgBareChar(char c) {
        return !(c == '[' || c == ']' || c == '"' || c == '\'' || Character.isWhitespace(c));
    }
}
