package dev.vigil.admission;

import java.util.Locale;
import java.util.Optional;

/** What the webhook does with a violation. */
public enum Mode {
    /** Deny the request, naming each offending container. */
    ENFORCE,
    /** Allow it with admission warnings, which kubectl prints. */
    WARN,
    /** Allow it silently and send an alert through Vigil's outputs. */
    AUDIT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Mode> parse(String text) {
        for (Mode m : values()) {
            if (m.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
