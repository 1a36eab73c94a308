package dev.vigil.k8saudit;

import java.util.List;

/**
 * The small JSON tree audit events are parsed into, and the renderings the fields need.
 *
 * <p>A value is one of: {@link Obj} (members in document order), {@code List<Object>} (an array,
 * unmodifiable), {@code String}, {@link Num} (a number, kept as written), {@code Boolean}, or
 * {@link #NULL}. Java {@code null} never appears inside a tree; it means "no such value" in lookups.
 */
public final class Json {
    /** JSON {@code null}. */
    public static final Object NULL = Null.NULL;

    private Json() {}

    private enum Null {
        NULL;

        @Override
        public String toString() {
            return "null";
        }
    }

    /** A JSON number, kept exactly as it was written ({@code 201}, {@code 1.50}, {@code 1e3}). */
    public record Num(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** A JSON object: members in document order; a repeated key keeps every member, lookups see the first. */
    public static final class Obj {
        private final String[] keys;
        /** Member values; a {@link Lazy} stands for a value not parsed yet, replaced on first access. */
        private final Object[] values;

        Obj(String[] keys, Object[] values) {
            this.keys = keys;
            this.values = values;
        }

        public int size() {
            return keys.length;
        }

        public String key(int i) {
            return keys[i];
        }

        public Object value(int i) {
            Object v = SLOTS.getAcquire(values, i); // pairs with the release in materialize: the parsed tree is seen whole
            return v instanceof Lazy ? materialize(i) : v;
        }

        /** The value of the first member named {@code key}, or null. */
        public Object get(String key) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i].equals(key)) {
                    return value(i);
                }
            }
            return null;
        }

        /** Parses a member left unparsed, once, whichever thread asks first. */
        private synchronized Object materialize(int i) {
            if (values[i] instanceof Lazy z) {
                SLOTS.setRelease(values, i, z.parse());
            }
            return values[i];
        }

        private static final java.lang.invoke.VarHandle SLOTS = java.lang.invoke.MethodHandles.arrayElementVarHandle(Object[].class);

        @Override
        public String toString() {
            return compact(this);
        }
    }

    /**
     * A member value not parsed yet: the UTF-8 text of a JSON object or array, already checked by the
     * parser that skipped it, parsed into a tree when first read ({@link AuditEventParser}).
     */
    record Lazy(byte[] source, int offset, int length) {
        Object parse() {
            return AuditEventParser.parseValue(source, offset, length);
        }
    }

    /** A new object with the given members, in order (for code that rewrites events, e.g. protection). */
    public static Obj object(List<String> keys, List<Object> values) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("keys and values differ in length");
        }
        for (Object v : values) {
            if (v == null) {
                throw new IllegalArgumentException("null value (use Json.NULL)");
            }
        }
        return new Obj(keys.toArray(new String[0]), values.toArray());
    }

    /**
     * One step down the tree: a member of an object, or an element of an array when {@code key} is a
     * decimal index; null when there is no such value (also below strings, numbers and the like).
     */
    public static Object child(Object node, String key) {
        if (node instanceof Obj o) {
            return o.get(key);
        }
        if (node instanceof List<?> l) {
            int i = index(key);
            return i >= 0 && i < l.size() ? l.get(i) : null;
        }
        return null;
    }

    /** Several steps down the tree ({@link #child}); null as soon as one is missing. */
    public static Object path(Object node, String... keys) {
        Object v = node;
        for (String k : keys) {
            v = child(v, k);
            if (v == null) {
                return null;
            }
        }
        return v;
    }

    /**
     * The value at an RFC 6901 JSON pointer ({@code /requestObject/spec/containers/0/image},
     * {@code ~1} for '/', {@code ~0} for '~'), or null when the pointer is empty or leads nowhere.
     * The leading '/' may be left out, as the json plugin allows.
     */
    public static Object pointer(Object root, String pointer) {
        if (pointer == null || pointer.isEmpty()) {
            return null;
        }
        String p = pointer.charAt(0) == '/' ? pointer.substring(1) : pointer;
        Object v = root;
        int start = 0;
        while (true) {
            int slash = p.indexOf('/', start);
            String token = slash < 0 ? p.substring(start) : p.substring(start, slash);
            if (token.indexOf('~') >= 0) {
                token = token.replace("~1", "/").replace("~0", "~");
            }
            v = child(v, token);
            if (v == null) {
                return null;
            }
            if (slash < 0) {
                return v;
            }
            start = slash + 1;
        }
    }

    private static int index(String key) {
        if (key.isEmpty() || key.length() > 9) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** A value as the plugins render it: a string as it is, anything else as compact JSON text. */
    public static String text(Object v) {
        return v instanceof String s ? s : compact(v);
    }

    /** Compact JSON text, members in document order, numbers as written. */
    public static String compact(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, -1, 0);
        return sb.toString();
    }

    /**
     * JSON text indented by two spaces per level, {@code "key": value} with one space after the colon,
     * empty objects and arrays kept as {@code {}} and {@code []} (the json plugin's {@code json.obj}).
     */
    public static String indented(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 2, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int depth) {
        if (v instanceof String s) {
            quote(sb, s);
        } else if (v instanceof Obj o) {
            if (o.size() == 0) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            for (int i = 0; i < o.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                newline(sb, indent, depth + 1);
                quote(sb, o.key(i));
                sb.append(indent >= 0 ? ": " : ":");
                write(sb, o.value(i), indent, depth + 1);
            }
            newline(sb, indent, depth);
            sb.append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                newline(sb, indent, depth + 1);
                write(sb, l.get(i), indent, depth + 1);
            }
            newline(sb, indent, depth);
            sb.append(']');
        } else {
            sb.append(v == null ? "null" : v.toString());
        }
    }

    private static void newline(StringBuilder sb, int indent, int depth) {
        if (indent >= 0) {
            sb.append('\n');
            sb.append(" ".repeat(indent * depth));
        }
    }

    private static void quote(StringBuilder sb, String s) {
        dev.vigil.event.AlertJson.string(sb, s);
    }
}
