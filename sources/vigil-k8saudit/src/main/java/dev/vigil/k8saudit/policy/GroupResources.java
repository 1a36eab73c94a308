package dev.vigil.k8saudit.policy;

import java.util.List;

/**
 * One entry of a rule's {@code resources}: an API group ({@code ""} = core, {@code "*"} = any group,
 * new in Kubernetes 1.36), its resources (empty = every resource and subresource of the group) and
 * object names (empty = every name).
 */
public record GroupResources(String group, List<String> resources, List<String> resourceNames, Position position) {
    public GroupResources {
        resources = List.copyOf(resources);
        resourceNames = List.copyOf(resourceNames);
    }
}
