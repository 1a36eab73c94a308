package dev.vigil.rules.condition;

import dev.vigil.rules.condition.Ast.Expr;
import dev.vigil.rules.condition.Ast.Operand;
import java.util.stream.Collectors;

/**
 * Prints a condition tree back to text in a canonical, fully parenthesised form: the "expanded
 * condition" of a rule once lists and macros are resolved. Values are always double-quoted.
 */
public final class AstPrinter {
    private AstPrinter() {}

    public static String print(Expr e) {
        return switch (e) {
            case Ast.And a -> "(" + a.children().stream().map(AstPrinter::print).collect(Collectors.joining(" and ")) + ")";
            case Ast.Or o -> "(" + o.children().stream().map(AstPrinter::print).collect(Collectors.joining(" or ")) + ")";
            case Ast.Not n -> "not " + print(n.child());
            case Ast.MacroRef m -> m.name();
            case Ast.Check c -> {
                StringBuilder sb = new StringBuilder(operand(c.lhs())).append(' ').append(c.op());
                if (c.modifier() != null) {
                    sb.append(' ').append(c.modifier());
                }
                if (c.rhs() != null) {
                    sb.append(' ').append(switch (c.rhs()) {
                        case Ast.Value v -> quote(v.text());
                        case Ast.ValueList l -> "(" + l.values().stream().map(AstPrinter::quote).collect(Collectors.joining(", ")) + ")";
                        case Ast.OperandRhs r -> r.operand() instanceof Ast.FieldOperand ? "val(" + operand(r.operand()) + ")" : operand(r.operand());
                    });
                }
                yield sb.toString();
            }
        };
    }

    private static String operand(Operand o) {
        return switch (o) {
            case Ast.FieldOperand f -> f.arg() == null ? f.name() : f.name() + "[" + f.arg() + "]";
            case Ast.Transformer t -> t.function() + "(" + t.args().stream().map(AstPrinter::operand).collect(Collectors.joining(", ")) + ")"
                    + (t.arg() == null ? "" : "[" + t.arg() + "]");
            case Ast.Literal l -> quote(l.value());
            case Ast.ListLiteral l -> "(" + l.values().stream().map(AstPrinter::quote).collect(Collectors.joining(", ")) + ")";
        };
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
