package dev.vigil.rules.filter;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** Produces the left- or right-hand value of a check: a field's value, or a transformer's result. */
public abstract class ValueSource {
    /** The value, or {@code null} when absent. */
    public abstract Object get(Event e);

    /**
     * The source of a resolved field of a source's catalogue: a slot read, except the event type of
     * syscall events, which comes from the event's type code.
     */
    public static ValueSource forField(FieldRef ref, String source, FieldSlots slots) {
        int slot = slots.slotOf(ref);
        if (FieldCatalog.SYSCALL.equals(source) && !ref.hasArg()
                && (ref.name().equals("evt.type") || ref.name().equals("syscall.type"))) {
            return new EventTypeSource(slot);
        }
        return new FieldSource(slot);
    }

    /** A field read by slot. */
    public static final class FieldSource extends ValueSource {
        final int slot;

        public FieldSource(int slot) {
            this.slot = slot;
        }

        @Override
        public Object get(Event e) {
            return e.value(slot);
        }
    }

    /**
     * {@code evt.type} / {@code syscall.type} of a syscall event: the name of the event's type code
     * ({@link Event#typeCode()}), which is what Falco extracts; the field's own slot is only read when
     * the event carries no type code.
     */
    public static final class EventTypeSource extends ValueSource {
        final int slot;

        public EventTypeSource(int slot) {
            this.slot = slot;
        }

        @Override
        public Object get(Event e) {
            int code = e.typeCode();
            EventTypes types = EventTypes.get();
            if (code >= 0 && code < types.size()) {
                return types.name(code);
            }
            return e.value(slot);
        }
    }

    /** A literal argument of a multi-value transformer. */
    static final class ConstSource extends ValueSource {
        private final Object value;

        ConstSource(Object value) {
            this.value = value;
        }

        @Override
        public Object get(Event e) {
            return value;
        }
    }

    /** A transformer applied to its arguments; absent when any argument is absent. */
    static final class TransformSource extends ValueSource {
        private final String function;
        private final ValueSource[] args;
        private final int index;

        TransformSource(String function, ValueSource[] args, int index) {
            this.function = function;
            this.args = args;
            this.index = index;
        }

        @Override
        public Object get(Event e) {
            Object[] vals = new Object[args.length];
            for (int i = 0; i < args.length; i++) {
                vals[i] = args[i].get(e);
                if (vals[i] == null) {
                    return null;
                }
            }
            Object r = apply(function, vals);
            if (index >= 0 && r instanceof List<?> l) {
                return index < l.size() ? l.get(index) : null;
            }
            return r;
        }

        static Object apply(String function, Object[] vals) {
            switch (function) {
                case "join" -> {
                    String sep = String.valueOf(vals[0]);
                    Object v = vals[1];
                    if (v instanceof List<?> l) {
                        StringBuilder sb = new StringBuilder();
                        for (int i = 0; i < l.size(); i++) {
                            if (i > 0) {
                                sb.append(sep);
                            }
                            sb.append(l.get(i));
                        }
                        return sb.toString();
                    }
                    return String.valueOf(v);
                }
                case "concat" -> {
                    StringBuilder sb = new StringBuilder();
                    for (Object v : vals) {
                        sb.append(v instanceof List<?> l ? String.join("", l.stream().map(String::valueOf).toList()) : v);
                    }
                    return sb.toString();
                }
                default -> {
                    Object v = vals[0];
                    if (v instanceof List<?> l) {
                        if (function.equals("len")) {
                            return (long) l.size();
                        }
                        List<Object> out = new ArrayList<>(l.size());
                        for (Object x : l) {
                            out.add(unary(function, x));
                        }
                        return out;
                    }
                    return unary(function, v);
                }
            }
        }

        private static Object unary(String function, Object v) {
            return switch (function) {
                case "tolower" -> v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
                case "toupper" -> v instanceof String s ? s.toUpperCase(Locale.ROOT) : v;
                case "basename" -> {
                    String s = String.valueOf(v);
                    int slash = s.lastIndexOf('/');
                    yield slash < 0 ? s : s.substring(slash + 1);
                }
                case "b64" -> {
                    try {
                        byte[] in = v instanceof byte[] b ? b : String.valueOf(v).getBytes(StandardCharsets.UTF_8);
                        byte[] out = Base64.getMimeDecoder().decode(in);
                        yield v instanceof byte[] ? out : new String(out, StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException bad) {
                        yield null;
                    }
                }
                case "len" -> v instanceof byte[] b ? (long) b.length
                        : (long) (v instanceof String s ? s.getBytes(StandardCharsets.UTF_8).length : String.valueOf(v).length());
                default -> throw new IllegalStateException("unknown transformer " + function);
            };
        }
    }
}
