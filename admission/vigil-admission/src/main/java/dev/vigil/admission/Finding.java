package dev.vigil.admission;

import java.util.List;

/**
 * One violation: the check, the container (its list: containers, initContainers or
 * ephemeralContainers), its image, a sentence saying what is wrong, and the path in the object to
 * the offending field (map keys and list indexes; the field itself may be missing).
 */
public record Finding(Check check, String containerList, String container, String image, String message, List<Object> path) {
    public Finding {
        path = List.copyOf(path);
    }

    /** The path as text, e.g. {@code spec.template.spec.containers[0].securityContext}. */
    public String pathText() {
        StringBuilder b = new StringBuilder();
        for (Object p : path) {
            if (p instanceof Integer i) {
                b.append('[').append(i).append(']');
            } else {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(p);
            }
        }
        return b.toString();
    }
}
