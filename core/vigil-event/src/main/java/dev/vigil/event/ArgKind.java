package dev.vigil.event;

/** What argument a field takes ({@code proc.aname[2]}, {@code evt.arg.flags}, {@code proc.env[HOME]}). */
public enum ArgKind {
    /** No argument. */
    NONE,
    /** An optional non-negative integer index. */
    INDEX_OPTIONAL,
    /** A required non-negative integer index. */
    INDEX_REQUIRED,
    /** An optional free-form key. */
    KEY_OPTIONAL,
    /** A required free-form key. */
    KEY_REQUIRED,
    /** A required argument that is either an index or a key ({@code evt.arg[0]}, {@code evt.arg[fd]}). */
    INDEX_OR_KEY_REQUIRED;

    public boolean takesArgument() {
        return this != NONE;
    }

    public boolean required() {
        return this == INDEX_REQUIRED || this == KEY_REQUIRED || this == INDEX_OR_KEY_REQUIRED;
    }

    public boolean numericOnly() {
        return this == INDEX_OPTIONAL || this == INDEX_REQUIRED;
    }

    /** The spelling used in the catalogue resource files. */
    public String label() {
        return switch (this) {
            case NONE -> "-";
            case INDEX_OPTIONAL -> "index?";
            case INDEX_REQUIRED -> "index";
            case KEY_OPTIONAL -> "key?";
            case KEY_REQUIRED -> "key";
            case INDEX_OR_KEY_REQUIRED -> "index|key";
        };
    }

    public static ArgKind fromLabel(String label) {
        for (ArgKind k : values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown argument kind '" + label + "'");
    }
}
