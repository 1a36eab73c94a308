package dev.vigil.rules;

import java.util.Objects;

/**
 * One frame of a problem's context: what kind of item ({@code rule}, {@code rule condition},
 * {@code condition expression}...), its name, and where it is. For YAML positions line and column
 * are 0-based as in Falco's messages; positions inside a condition are 1-based and named after the
 * first characters of the condition.
 */
public record Location(String itemType, String itemName, String positionName, int line, int column, int offset) {
    public Location {
        Objects.requireNonNull(itemType, "itemType");
        itemName = itemName == null ? "" : itemName;
        Objects.requireNonNull(positionName, "positionName");
    }
}
