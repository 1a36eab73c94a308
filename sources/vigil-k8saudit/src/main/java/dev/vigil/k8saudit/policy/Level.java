package dev.vigil.k8saudit.policy;

import java.util.Optional;

/** An audit level, in kube-apiserver's order: each level records everything the previous one does. */
public enum Level {
    /** Not audited at all. */
    None,
    /** Everything but the request and response bodies. */
    Metadata,
    /** Metadata plus the request body (resource requests only). */
    Request,
    /** Request plus the response body (resource requests only). */
    RequestResponse;

    /** The level spelled exactly as in a policy (case-sensitive, as kube-apiserver compares it). */
    public static Optional<Level> parse(String text) {
        for (Level l : values()) {
            if (l.name().equals(text)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** True when this level is strictly higher than {@code other}. */
    public boolean above(Level other) {
        return compareTo(other) > 0;
    }
}
