package dev.vigil.rules.filter;

import dev.vigil.event.EventTypes;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.Ast.Check;
import dev.vigil.rules.condition.Ast.Expr;
import dev.vigil.rules.condition.Ast.FieldOperand;
import java.util.BitSet;
import java.util.List;

/**
 * Computes the set of event types a syscall condition can match, as Falco does: {@code and}
 * intersects, {@code or} unites, {@code not} is pushed to the leaves (De Morgan); an
 * {@code evt.type} equality or {@code in} names its events, {@code !=} their complement; the
 * {@code evt.num} invariants ({@code evt.num=0} can never hold) give the empty set; every other
 * check is neutral (all types).
 */
public final class EventTypeAnalysis {
    private final int size;

    private EventTypeAnalysis(int size) {
        this.size = size;
    }

    /** The event-type codes (see {@link EventTypes}) that the expanded condition may match. */
    public static BitSet of(Expr condition) {
        return new EventTypeAnalysis(EventTypes.get().size()).types(condition, false);
    }

    /** Falco's count of event codes in a set: each name counts for its enter/exit/legacy codes. */
    public static int weight(BitSet set) {
        int n = 0;
        for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
            n += EventTypes.get().weight(i);
        }
        return n;
    }

    private BitSet all() {
        BitSet b = new BitSet(size);
        b.set(0, size);
        return b;
    }

    private BitSet types(Expr e, boolean negated) {
        return switch (e) {
            case Ast.And a -> combine(a.children(), negated, !negated);
            case Ast.Or o -> combine(o.children(), negated, negated);
            case Ast.Not n -> types(n.child(), !negated);
            case Ast.MacroRef m -> all();
            case Check c -> leaf(c, negated);
        };
    }

    private BitSet combine(List<Expr> children, boolean negated, boolean intersect) {
        BitSet acc = null;
        for (Expr child : children) {
            BitSet s = types(child, negated);
            if (acc == null) {
                acc = s;
            } else if (intersect) {
                acc.and(s);
            } else {
                acc.or(s);
            }
        }
        return acc == null ? all() : acc;
    }

    private BitSet leaf(Check c, boolean negated) {
        if (!(c.lhs() instanceof FieldOperand f) || f.arg() != null || c.rhs() instanceof Ast.OperandRhs) {
            return all();
        }
        String op = c.op();
        if (f.name().equals("evt.type") || f.name().equals("syscall.type")) {
            List<String> values = values(c);
            if (values == null || c.modifier() != null) {
                return all();
            }
            boolean positive;
            switch (op) {
                case "=", "==", "in", "intersects" -> positive = true;
                case "!=" -> positive = false;
                default -> {
                    return all();
                }
            }
            BitSet s = new BitSet(size);
            for (String v : values) {
                int code = EventTypes.get().code(v);
                if (code >= 0) {
                    s.set(code);
                }
            }
            if (positive == negated) {
                BitSet complement = all();
                complement.andNot(s);
                return complement;
            }
            return s;
        }
        if (f.name().equals("evt.num")) {
            List<String> values = values(c);
            if (values == null) {
                return all();
            }
            boolean never = switch (op) {
                case "=", "==", "in" -> values.stream().allMatch(v -> v.strip().equals("0"));
                case "<" -> values.size() == 1 && values.get(0).strip().equals("1");
                case "<=" -> values.size() == 1 && values.get(0).strip().equals("0");
                default -> false;
            };
            boolean always = switch (op) {
                case "!=" -> values.size() == 1 && values.get(0).strip().equals("0");
                case ">" -> values.size() == 1 && values.get(0).strip().equals("0");
                case ">=" -> values.size() == 1 && values.get(0).strip().equals("1");
                default -> false;
            };
            if (never && !negated || always && negated) {
                return new BitSet(size);
            }
            return all();
        }
        return all();
    }

    private static List<String> values(Check c) {
        if (c.rhs() instanceof Ast.Value v) {
            return List.of(v.text());
        }
        if (c.rhs() instanceof Ast.ValueList vl) {
            return vl.values();
        }
        return null;
    }
}
