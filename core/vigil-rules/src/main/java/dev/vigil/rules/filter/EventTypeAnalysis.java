package dev.vigil.rules.filter;

import dev.vigil.event.EventTypes;
import dev.vigil.rules.condition.Ast;
import dev.vigil.rules.condition.Ast.Check;
import dev.vigil.rules.condition.Ast.Expr;
import dev.vigil.rules.condition.Ast.FieldOperand;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * Computes the set of event types a syscall condition can match, as Falco does: {@code and}
 * intersects, {@code or} unites, {@code not} is pushed to the leaves (De Morgan); an
 * {@code evt.type} equality or {@code in} names its events, {@code !=} their complement; the
 * {@code evt.num} invariants ({@code evt.num} starts at 1, so {@code evt.num=0}, {@code <1},
 * {@code <=0}, {@code in (0)} never hold and {@code !=0}, {@code >0}, {@code >=1} always do) decide
 * a check outright; every other check is neutral (all types).
 */
public final class EventTypeAnalysis {
    private final int size;

    private EventTypeAnalysis(int size) {
        this.size = size;
    }

    /**
     * The event-type codes (see {@link EventTypes}) that the expanded condition may match.
     *
     * @throws FilterCompileException for an {@code evt.type} check this analysis cannot do, as Falco
     *     refuses it: {@code evt.type} inside a transformer or {@code val()}, or compared with a field
     */
    public static BitSet of(Expr condition) throws FilterCompileException {
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

    private BitSet types(Expr e, boolean negated) throws FilterCompileException {
        return switch (e) {
            case Ast.And a -> combine(a.children(), negated, !negated);
            case Ast.Or o -> combine(o.children(), negated, negated);
            case Ast.Not n -> types(n.child(), !negated);
            case Ast.MacroRef m -> all();
            case Check c -> leaf(c, negated);
        };
    }

    private BitSet combine(List<Expr> children, boolean negated, boolean intersect) throws FilterCompileException {
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

    private static boolean isEventType(Ast.Operand o) {
        return o instanceof FieldOperand f && f.arg() == null && (f.name().equals("evt.type") || f.name().equals("syscall.type"));
    }

    private static boolean mentionsEventType(Ast.Operand o) {
        return isEventType(o) || o instanceof Ast.Transformer t && t.args().stream().anyMatch(EventTypeAnalysis::mentionsEventType);
    }

    /** Falco's event-code search fails on these checks with {@code =}, {@code !=}, {@code in} (and on {@code exists}). */
    private static void refuseUnsupported(Check c) throws FilterCompileException {
        String op = c.op();
        if (!Set.of("=", "==", "!=", "in", "exists").contains(op)) {
            return;
        }
        if (c.lhs() instanceof Ast.Transformer && mentionsEventType(c.lhs())) {
            throw new FilterCompileException(WITH_TRANSFORMERS, c.offset(), false);
        }
        if (isEventType(c.lhs()) && c.rhs() instanceof Ast.OperandRhs rhs) {
            // val(evt.type) is a transformer to Falco
            throw new FilterCompileException(mentionsEventType(rhs.operand()) ? WITH_TRANSFORMERS : RIGHT_HAND_FIELD, rhs.offset(), false);
        }
    }

    static final String WITH_TRANSFORMERS = "event code search does not support `evt.type` checks with transformers";
    static final String RIGHT_HAND_FIELD =
            "right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search";

    private BitSet leaf(Check c, boolean negated) throws FilterCompileException {
        refuseUnsupported(c);
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
            // evt.num starts at 1: some checks can never hold, their duals always do
            List<String> values = values(c);
            if (values == null || c.modifier() != null) {
                return all();
            }
            Long n = values.size() == 1 ? unsigned(values.get(0)) : null;
            boolean never = switch (op) {
                case "in" -> values.stream().allMatch(v -> Long.valueOf(0).equals(unsigned(v)));
                case "=", "==", "<=" -> n != null && n == 0;
                case "<" -> n != null && Long.compareUnsigned(n, 1) <= 0;
                default -> false;
            };
            boolean always = switch (op) {
                case "!=", ">" -> n != null && n == 0;
                case ">=" -> n != null && Long.compareUnsigned(n, 1) <= 0;
                default -> false;
            };
            if (never && !negated || always && negated) {
                return new BitSet(size);
            }
            return all();
        }
        return all();
    }

    /** An unsigned decimal literal, or null when it is not one (then nothing is decided). */
    private static Long unsigned(String v) {
        try {
            return Long.parseUnsignedLong(v.strip());
        } catch (NumberFormatException notANumber) {
            return null;
        }
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
