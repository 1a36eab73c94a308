package dev.vigil.event;

import java.util.Objects;

/**
 * A field as written in a rule, resolved against a catalogue: the definition plus its argument
 * ({@code null} when none). {@link #canonical()} is the spelling used to key field values:
 * {@code name} or {@code name[arg]}, so {@code evt.arg.flags} and {@code evt.arg[flags]} are one field.
 */
public record FieldRef(FieldDef def, String arg) {
    public FieldRef {
        Objects.requireNonNull(def, "def");
    }

    public String name() {
        return def.name();
    }

    public boolean hasArg() {
        return arg != null;
    }

    /** The argument as an index, or -1 when there is none or it is not a number. */
    public int index() {
        if (arg == null || arg.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < arg.length(); i++) {
            if (!Character.isDigit(arg.charAt(i))) {
                return -1;
            }
        }
        try {
            return Integer.parseInt(arg);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** True when a comparison on this field holds if it holds for any one of several values. */
    public boolean anyAncestor() {
        return arg == null && def.has(FieldFlag.ANY_ANCESTOR);
    }

    /** True when the field extracts a list (a list field, or an ancestor field without index). */
    public boolean yieldsList() {
        return (def.isList() && index() < 0) || anyAncestor() || def.has(FieldFlag.EITHER_ENDPOINT);
    }

    public String canonical() {
        return arg == null ? def.name() : def.name() + "[" + arg + "]";
    }

    @Override
    public String toString() {
        return canonical();
    }
}
