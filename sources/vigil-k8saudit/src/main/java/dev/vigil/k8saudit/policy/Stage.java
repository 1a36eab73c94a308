package dev.vigil.k8saudit.policy;

import java.util.Optional;

/** An audit stage, in the order kube-apiserver emits them for one request. */
public enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic;

    /** The stage spelled exactly as in a policy. */
    public static Optional<Stage> parse(String text) {
        for (Stage s : values()) {
            if (s.name().equals(text)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
