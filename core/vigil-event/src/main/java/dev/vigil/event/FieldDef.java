package dev.vigil.event;

import java.util.Objects;
import java.util.Set;

/**
 * One field of an event source: its name ({@code proc.aname}), value type, argument kind, flags and
 * meaning.
 */
public record FieldDef(String name, FieldType type, ArgKind arg, Set<FieldFlag> flags, String description) {
    public FieldDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(arg, "arg");
        flags = Set.copyOf(flags);
        Objects.requireNonNull(description, "description");
    }

    public boolean has(FieldFlag flag) {
        return flags.contains(flag);
    }

    public boolean isList() {
        return flags.contains(FieldFlag.LIST);
    }
}
