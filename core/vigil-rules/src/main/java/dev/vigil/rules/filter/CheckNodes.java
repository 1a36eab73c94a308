package dev.vigil.rules.filter;

import dev.vigil.event.Event;
import java.util.List;

/** The leaf nodes of a compiled filter. */
final class CheckNodes {
    private CheckNodes() {}

    /** How an extracted value relates to the matcher. */
    enum Mode {
        /** One value: the matcher decides. */
        SINGLE,
        /** Several values: true when any matches (ancestors, either endpoint, intersects). */
        ANY,
        /** Several values: true when every one matches (list {@code in}). */
        ALL,
        /** Several values: true when none matches (either-endpoint {@code !=}). */
        NONE
    }

    /** A check on a plain field or a transformer expression. */
    static final class ValueCheck extends Filter {
        private final ValueSource source;
        private final Matcher matcher;
        private final Mode mode;

        ValueCheck(ValueSource source, Matcher matcher, Mode mode) {
            this.source = source;
            this.matcher = matcher;
            this.mode = mode;
        }

        @Override
        public boolean test(Event e) {
            Object v = source.get(e);
            if (v == null) {
                return false;
            }
            if (!(v instanceof List<?> list)) {
                return mode == Mode.NONE ? !matcher.test(v) : matcher.test(v);
            }
            int n = list.size();
            if (n == 0) {
                return false;
            }
            switch (mode) {
                case ALL -> {
                    for (int i = 0; i < n; i++) {
                        if (!matcher.test(list.get(i))) {
                            return false;
                        }
                    }
                    return true;
                }
                case NONE -> {
                    for (int i = 0; i < n; i++) {
                        if (matcher.test(list.get(i))) {
                            return false;
                        }
                    }
                    return true;
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        if (matcher.test(list.get(i))) {
                            return true;
                        }
                    }
                    return false;
                }
            }
        }
    }

    /** Fast path for a single-valued string field compared with {@code =} (the most common check). */
    static final class StringEqualsCheck extends Filter {
        private final int slot;
        private final String rhs;

        StringEqualsCheck(int slot, String rhs) {
            this.slot = slot;
            this.rhs = rhs;
        }

        @Override
        public boolean test(Event e) {
            return rhs.equals(e.value(slot));
        }
    }

    /** Fast path for a single-valued numeric field. */
    static final class NumericCheck extends Filter {
        private final int slot;
        private final String op;
        private final long rhs;
        private final boolean unsigned;

        NumericCheck(int slot, String op, long rhs, boolean unsigned) {
            this.slot = slot;
            this.op = op;
            this.rhs = rhs;
            this.unsigned = unsigned;
        }

        @Override
        public boolean test(Event e) {
            return e.has(slot) && Matcher.NumCompare.compare(op, e.longValue(slot), rhs, unsigned);
        }
    }

    /**
     * {@code evt.type} compared with event names: a bit test on the event's type code; events
     * without a type code fall back to the field's value.
     */
    static final class EventTypeCheck extends Filter {
        private final int slot;
        private final java.util.BitSet codes;
        private final java.util.Set<String> names;
        private final boolean negate;

        EventTypeCheck(int slot, java.util.BitSet codes, java.util.Set<String> names, boolean negate) {
            this.slot = slot;
            this.codes = codes;
            this.names = names;
            this.negate = negate;
        }

        @Override
        public boolean test(Event e) {
            int code = e.typeCode();
            if (code >= 0) {
                return codes.get(code) != negate;
            }
            Object v = e.value(slot);
            return v != null && names.contains(v) != negate;
        }
    }

    static final class ExistsCheck extends Filter {
        private final ValueSource source;

        ExistsCheck(ValueSource source) {
            this.source = source;
        }

        @Override
        public boolean test(Event e) {
            Object v = source.get(e);
            return v != null && !(v instanceof List<?> l && l.isEmpty());
        }
    }

    /** A comparison whose right-hand side is another field or a transformer ({@code val()}). */
    static final class FieldToFieldCheck extends Filter {
        private final ValueSource lhs;
        private final ValueSource rhs;
        private final String op;

        FieldToFieldCheck(ValueSource lhs, String op, ValueSource rhs) {
            this.lhs = lhs;
            this.op = op;
            this.rhs = rhs;
        }

        @Override
        public boolean test(Event e) {
            Object a = lhs.get(e);
            Object b = rhs.get(e);
            if (a == null || b == null) {
                return false;
            }
            if (b instanceof List<?> lb) {
                if (a instanceof List<?> la) {
                    return op.equals("intersects") ? la.stream().anyMatch(lb::contains) : lb.containsAll(la);
                }
                return lb.contains(a);
            }
            if (a instanceof List<?> la) {
                return la.stream().anyMatch(x -> compare(x, b));
            }
            return compare(a, b);
        }

        private boolean compare(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) {
                return Matcher.NumCompare.compare(op.equals("in") || op.equals("intersects") ? "=" : op,
                        x.longValue(), y.longValue(), false);
            }
            if (a instanceof String x && b instanceof String y) {
                return switch (op) {
                    case "=", "==", "in", "intersects" -> x.equals(y);
                    case "!=" -> !x.equals(y);
                    case "contains" -> x.contains(y);
                    case "icontains" -> new Matcher.StrIContains(y).test(x);
                    case "startswith" -> x.startsWith(y);
                    case "endswith" -> x.endsWith(y);
                    case "glob" -> Glob.matches(y, x, false);
                    case "iglob" -> Glob.matches(y, x, true);
                    case "<" -> x.compareTo(y) < 0;
                    case "<=" -> x.compareTo(y) <= 0;
                    case ">" -> x.compareTo(y) > 0;
                    case ">=" -> x.compareTo(y) >= 0;
                    default -> false;
                };
            }
            boolean eq = a.equals(b);
            return op.equals("!=") ? !eq : eq;
        }
    }
}
