package dev.vigil.k8saudit.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What the policy decides for one request.
 *
 * @param rule the 1-based index of the first matching rule, or null when none matches (level None)
 * @param omitStages the stages never emitted: the union of the policy's and the matched rule's lists
 *     (the policy's alone when no rule matches), in stage order
 * @param stages the stages that will actually be emitted for this request, in order (empty at level None)
 */
public record Decision(Integer rule, Level level, List<Stage> omitStages, List<Stage> stages, boolean omitManagedFields) {
    public Decision {
        omitStages = List.copyOf(omitStages);
        stages = List.copyOf(stages);
    }

    /** Exactly {@code {"rule": 8, "level": "Request", "omitStages": ["RequestReceived"], "stages": ["ResponseComplete"]}}. */
    public String toJson() {
        return "{\"rule\": " + (rule == null ? "null" : rule.toString()) + ", \"level\": \"" + level.name() + "\", \"omitStages\": "
                + list(omitStages) + ", \"stages\": " + list(stages) + "}";
    }

    private static String list(List<Stage> stages) {
        return stages.stream().map(s -> "\"" + s.name() + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
}
