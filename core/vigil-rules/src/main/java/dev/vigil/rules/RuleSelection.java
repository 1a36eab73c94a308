package dev.vigil.rules;

import dev.vigil.event.Priority;
import dev.vigil.rules.filter.Glob;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which loaded rules run: a minimum priority (less severe rules are loaded but never run), and
 * enable/disable lists by rule name (glob patterns, {@code *} and {@code ?}) and by tag. Applied in
 * order: a rule's own {@code enabled} flag, then disables, then enables (explicit enables win).
 */
public record RuleSelection(Priority minimumPriority, List<String> disabledNames, Set<String> disabledTags,
        List<String> enabledNames, Set<String> enabledTags) {
    public RuleSelection {
        Objects.requireNonNull(minimumPriority, "minimumPriority");
        disabledNames = List.copyOf(disabledNames);
        disabledTags = Set.copyOf(disabledTags);
        enabledNames = List.copyOf(enabledNames);
        enabledTags = Set.copyOf(enabledTags);
    }

    public static RuleSelection all() {
        return new RuleSelection(Priority.DEBUG, List.of(), Set.of(), List.of(), Set.of());
    }

    public RuleSelection withMinimumPriority(Priority p) {
        return new RuleSelection(p, disabledNames, disabledTags, enabledNames, enabledTags);
    }

    /** Whether the rule runs under this selection. */
    public boolean runs(CompiledRule r) {
        if (!r.priority().atLeast(minimumPriority)) {
            return false;
        }
        boolean on = r.enabled();
        if (disabledNames.stream().anyMatch(p -> Glob.matches(p, r.name(), false))
                || r.tags().stream().anyMatch(disabledTags::contains)) {
            on = false;
        }
        if (enabledNames.stream().anyMatch(p -> Glob.matches(p, r.name(), false))
                || r.tags().stream().anyMatch(enabledTags::contains)) {
            on = true;
        }
        return on;
    }
}
