package dev.vigil.event;

import java.util.Locale;
import java.util.Optional;

/**
 * Alert priorities, most severe first, exactly as Falco orders and names them. Parsing is
 * case-insensitive and accepts {@code info} for {@link #INFORMATIONAL}; printing always uses the
 * full name ({@code Informational}).
 */
public enum Priority {
    EMERGENCY("Emergency"),
    ALERT("Alert"),
    CRITICAL("Critical"),
    ERROR("Error"),
    WARNING("Warning"),
    NOTICE("Notice"),
    INFORMATIONAL("Informational"),
    DEBUG("Debug");

    private final String displayName;

    Priority(String displayName) {
        this.displayName = displayName;
    }

    /** The name printed in alerts, e.g. {@code Warning}. */
    public String displayName() {
        return displayName;
    }

    /** True when this priority is at least as severe as {@code minimum}. */
    public boolean atLeast(Priority minimum) {
        return ordinal() <= minimum.ordinal();
    }

    /** Parses a priority name case-insensitively; {@code info} means informational. */
    public static Optional<Priority> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("info")) {
            return Optional.of(INFORMATIONAL);
        }
        for (Priority p : values()) {
            if (p.displayName.toLowerCase(Locale.ROOT).equals(t)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return displayName;
    }
}
