package dev.vigil.rules.condition;

import java.util.List;
import java.util.Objects;

/**
 * The syntax tree of a condition. Every node records the offset in the condition text where it
 * starts, so errors can name line and column.
 */
public final class Ast {
    private Ast() {}

    /** A boolean expression. */
    public sealed interface Expr permits And, Or, Not, Check, MacroRef {
        int offset();
    }

    /** n-ary conjunction, evaluated left to right with short-circuit. */
    public record And(List<Expr> children, int offset) implements Expr {
        public And {
            children = List.copyOf(children);
        }
    }

    /** n-ary disjunction, evaluated left to right with short-circuit. */
    public record Or(List<Expr> children, int offset) implements Expr {
        public Or {
            children = List.copyOf(children);
        }
    }

    public record Not(Expr child, int offset) implements Expr {
        public Not {
            Objects.requireNonNull(child, "child");
        }
    }

    /** A bare identifier in check position: a reference to a macro. */
    public record MacroRef(String name, int offset) implements Expr {}

    /**
     * A comparison: {@code lhs op [modifier] rhs}; for {@code exists} the right-hand side is
     * {@code null}.
     */
    public record Check(Operand lhs, String op, String modifier, Rhs rhs, int offset) implements Expr {
        public Check {
            Objects.requireNonNull(lhs, "lhs");
            Objects.requireNonNull(op, "op");
        }
    }

    /** Something that yields a value: a field or a transformer applied to operands. */
    public sealed interface Operand permits FieldOperand, Transformer, Literal, ListLiteral {
        int offset();
    }

    /** A field as written: name and optional bracket argument (the argument may also be in the name). */
    public record FieldOperand(String name, String arg, int offset) implements Operand {
        /** The field as written, e.g. {@code proc.aname[2]}. */
        public String text() {
            return arg == null ? name : name + "[" + arg + "]";
        }
    }

    /** {@code tolower(x)}, {@code concat(a, b)}, ... with an optional index after the call. */
    public record Transformer(String function, List<Operand> args, String arg, int offset) implements Operand {
        public Transformer {
            args = List.copyOf(args);
        }
    }

    /** A literal argument of a multi-value transformer. */
    public record Literal(String value, int offset) implements Operand {}

    /** A parenthesised literal list argument of a multi-value transformer. */
    public record ListLiteral(List<String> values, int offset) implements Operand {
        public ListLiteral {
            values = List.copyOf(values);
        }
    }

    /** The right-hand side of a comparison. */
    public sealed interface Rhs permits Value, ValueList, OperandRhs {
        int offset();
    }

    /** One literal value (quoted or bare, already unescaped). */
    public record Value(String text, int offset) implements Rhs {}

    /** A parenthesised list of literal values. */
    public record ValueList(List<String> values, int offset) implements Rhs {
        public ValueList {
            values = List.copyOf(values);
        }
    }

    /** Another field ({@code val(proc.name)}) or a transformer expression. */
    public record OperandRhs(Operand operand, int offset) implements Rhs {}
}
