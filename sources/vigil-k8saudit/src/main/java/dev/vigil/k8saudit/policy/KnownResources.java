package dev.vigil.k8saudit.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The API group of the built-in Kubernetes resources (current versions), for examples and defaults. */
public final class KnownResources {
    private static final Map<String, String> GROUP = new LinkedHashMap<>();
    private static final Map<String, List<String>> SUBRESOURCES = new LinkedHashMap<>();

    static {
        SUBRESOURCES.put("pods", List.of("status", "log", "exec", "attach", "portforward", "proxy", "binding", "eviction",
                "ephemeralcontainers", "resize"));
        SUBRESOURCES.put("services", List.of("status", "proxy"));
        SUBRESOURCES.put("nodes", List.of("status", "proxy"));
        SUBRESOURCES.put("namespaces", List.of("status", "finalize"));
        SUBRESOURCES.put("serviceaccounts", List.of("token"));
        SUBRESOURCES.put("replicationcontrollers", List.of("status", "scale"));
        for (String r : List.of("deployments", "statefulsets", "replicasets")) {
            SUBRESOURCES.put(r, List.of("status", "scale"));
        }
        for (String r : List.of("persistentvolumes", "persistentvolumeclaims", "daemonsets", "jobs", "cronjobs", "horizontalpodautoscalers",
                "poddisruptionbudgets", "ingresses", "resourcequotas", "customresourcedefinitions", "apiservices", "volumeattachments",
                "validatingadmissionpolicies")) {
            SUBRESOURCES.put(r, List.of("status"));
        }
        SUBRESOURCES.put("certificatesigningrequests", List.of("status", "approval"));
        put("", "pods", "services", "configmaps", "secrets", "namespaces", "nodes", "serviceaccounts", "endpoints", "events",
                "persistentvolumes", "persistentvolumeclaims", "replicationcontrollers", "limitranges", "resourcequotas", "podtemplates",
                "bindings", "componentstatuses");
        put("apps", "deployments", "daemonsets", "statefulsets", "replicasets", "controllerrevisions");
        put("batch", "jobs", "cronjobs");
        put("rbac.authorization.k8s.io", "roles", "rolebindings", "clusterroles", "clusterrolebindings");
        put("networking.k8s.io", "ingresses", "ingressclasses", "networkpolicies");
        put("authentication.k8s.io", "tokenreviews", "selfsubjectreviews");
        put("authorization.k8s.io", "subjectaccessreviews", "selfsubjectaccessreviews", "localsubjectaccessreviews", "selfsubjectrulesreviews");
        put("certificates.k8s.io", "certificatesigningrequests");
        put("storage.k8s.io", "storageclasses", "volumeattachments", "csidrivers", "csinodes");
        put("policy", "poddisruptionbudgets");
        put("autoscaling", "horizontalpodautoscalers");
        put("coordination.k8s.io", "leases");
        put("discovery.k8s.io", "endpointslices");
        put("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "validatingwebhookconfigurations", "validatingadmissionpolicies",
                "validatingadmissionpolicybindings");
        put("apiextensions.k8s.io", "customresourcedefinitions");
        put("apiregistration.k8s.io", "apiservices");
        put("scheduling.k8s.io", "priorityclasses");
        put("node.k8s.io", "runtimeclasses");
    }

    private static void put(String group, String... resources) {
        for (String r : resources) {
            GROUP.put(r, group);
        }
    }

    private KnownResources() {}

    /** The group of a built-in resource ({@code ""} = core), or empty when unknown. */
    public static Optional<String> group(String resource) {
        return Optional.ofNullable(GROUP.get(resource));
    }

    /** The subresources of a built-in resource (empty for one without any, or an unknown one). */
    public static List<String> subresources(String resource) {
        return SUBRESOURCES.getOrDefault(resource, List.of());
    }

    static List<String> all() {
        return List.copyOf(GROUP.keySet());
    }
}
