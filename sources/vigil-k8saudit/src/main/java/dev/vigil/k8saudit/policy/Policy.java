package dev.vigil.k8saudit.policy;

import java.util.List;

/**
 * A loaded, valid {@code audit.k8s.io/v1} Policy.
 *
 * @param source the file (or name) it was read from
 */
public record Policy(String source, List<PolicyRule> rules, List<Stage> omitStages, boolean omitManagedFields) {
    public Policy {
        rules = List.copyOf(rules);
        omitStages = List.copyOf(omitStages);
    }

    /** Rule {@code n}, 1-based. */
    public PolicyRule rule(int n) {
        return rules.get(n - 1);
    }
}
