package dev.vigil.k8saudit.policy;

import java.util.List;

/**
 * One rule of a policy. Selectors are ANDed; an empty list means "any".
 *
 * @param index the rule's 1-based position in the policy (rule {@code n} is {@code rules[n-1]})
 * @param omitStages the rule's own list as written (the checker unions it with the policy's)
 * @param omitManagedFields null when the rule does not set it (the policy's value applies)
 */
public record PolicyRule(
        int index,
        Level level,
        List<String> users,
        List<String> userGroups,
        List<String> verbs,
        List<GroupResources> resources,
        List<String> namespaces,
        List<String> nonResourceURLs,
        List<Stage> omitStages,
        Boolean omitManagedFields,
        Position position) {
    public PolicyRule {
        users = List.copyOf(users);
        userGroups = List.copyOf(userGroups);
        verbs = List.copyOf(verbs);
        resources = List.copyOf(resources);
        namespaces = List.copyOf(namespaces);
        nonResourceURLs = List.copyOf(nonResourceURLs);
        omitStages = List.copyOf(omitStages);
    }

    /** True when the rule selects resource requests only ({@code resources} or {@code namespaces} set). */
    public boolean resourceOnly() {
        return !resources.isEmpty() || !namespaces.isEmpty();
    }

    /** True when the rule selects non-resource requests only. */
    public boolean nonResourceOnly() {
        return !resourceOnly() && !nonResourceURLs.isEmpty();
    }

    /** {@code rule N (line L)}. */
    public String label() {
        return "rule " + index + (position.known() ? " (line " + position.line() + ")" : "");
    }
}
