package dev.vigil.admission;

import java.util.List;
import java.util.Map;

/** Lenient reads of a parsed JSON/YAML tree: a value of the wrong type reads as absent. */
final class Tree {
    private Tree() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    static Map<String, Object> map(Map<String, Object> m, String key) {
        return m == null ? null : map(m.get(key));
    }

    static List<?> list(Map<String, Object> m, String key) {
        return m != null && m.get(key) instanceof List<?> l ? l : null;
    }

    static String string(Map<String, Object> m, String key) {
        return m != null && m.get(key) instanceof String s ? s : null;
    }

    /** TRUE, FALSE, or null when absent or not a boolean. */
    static Boolean bool(Map<String, Object> m, String key) {
        return m != null && m.get(key) instanceof Boolean b ? b : null;
    }
}
