package dev.vigil.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the pod spec in a Kubernetes object (a Pod, the pod template of a Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job or CronJob, or the ephemeral containers of a pod) and applies the
 * policy's checks to each of its containers. Never throws on odd input: what cannot be read is
 * reported as a note and not checked.
 */
public final class Checker {
    /** The kinds whose pod spec is checked, with the path from the object to the pod template (empty: the object is the pod). */
    private static final Map<String, List<String>> TEMPLATE_PATHS = Map.of(
            "Pod", List.of(),
            "Deployment", List.of("spec", "template"),
            "StatefulSet", List.of("spec", "template"),
            "DaemonSet", List.of("spec", "template"),
            "ReplicaSet", List.of("spec", "template"),
            "Job", List.of("spec", "template"),
            "CronJob", List.of("spec", "jobTemplate", "spec", "template"));
    private static final List<String> CONTAINER_LISTS = List.of("initContainers", "containers", "ephemeralContainers");

    /** The kinds checked, for messages and the webhook's rules. */
    public static final Set<String> KINDS = TEMPLATE_PATHS.keySet();

    private final AdmissionPolicy policy;
    private final List<Glob> images;

    public Checker(AdmissionPolicy policy) {
        this.policy = policy;
        this.images = policy.exemptImages().stream().map(Glob::of).toList();
    }

    public AdmissionPolicy policy() {
        return policy;
    }

    /**
     * Checks {@code object} of {@code kind}. {@code namespace} overrides the object's own (the
     * admission request's namespace); {@code onlyEphemeral} checks the ephemeral containers only
     * (the pods/ephemeralcontainers subresource, where the other containers cannot change).
     */
    public Evaluation evaluate(String kind, Map<String, Object> object, String namespace, String name, boolean onlyEphemeral) {
        Map<String, Object> meta = Tree.map(object, "metadata");
        String ns = namespace != null && !namespace.isEmpty() ? namespace : Tree.string(meta, "namespace");
        String n = name != null && !name.isEmpty() ? name : Tree.string(meta, "name");
        if (n == null) {
            n = Tree.string(meta, "generateName");
        }
        List<String> notes = new ArrayList<>();
        if (kind == null || object == null) {
            notes.add("not checked: " + (object == null ? "no object" : "the object has no kind"));
            return new Evaluation(kind == null ? "?" : kind, ns, n, false, List.of(), null, notes);
        }
        if (kind.equals("EphemeralContainers")) { // the subresource's own kind before Kubernetes 1.22
            return new Evaluation(kind, ns, n, true, checkPod(object, List.of(), null, true, notes), exemption(meta, null, notes, ns), notes);
        }
        List<String> templatePath = TEMPLATE_PATHS.get(kind);
        if (templatePath == null) {
            notes.add("not checked: kind " + kind + " carries no pod spec Vigil knows of");
            return new Evaluation(kind, ns, n, false, List.of(), null, notes);
        }
        Map<String, Object> template = object;
        for (String step : templatePath) {
            template = Tree.map(template, step);
        }
        Map<String, Object> spec = Tree.map(template, "spec");
        if (spec == null) {
            notes.add("not checked: " + kind + " " + (n == null ? "" : n + " ") + "has no pod spec at "
                    + String.join(".", templatePath) + (templatePath.isEmpty() ? "spec" : ".spec"));
            return new Evaluation(kind, ns, n, true, List.of(), null, notes);
        }
        List<Object> specPath = new ArrayList<>(templatePath);
        specPath.add("spec");
        Map<String, Object> templateMeta = templatePath.isEmpty() ? null : Tree.map(template, "metadata");
        String exemption = exemption(meta, templateMeta, notes, ns);
        return new Evaluation(kind, ns, n, true, checkPod(spec, specPath, spec, onlyEphemeral, notes), exemption, notes);
    }

    /** Checks an object whose kind is in its own {@code kind} field (a manifest). */
    public Evaluation evaluate(Map<String, Object> object) {
        return evaluate(Tree.string(object, "kind"), object, null, null, false);
    }

    private String exemption(Map<String, Object> meta, Map<String, Object> templateMeta, List<String> notes, String ns) {
        if (ns != null && policy.exemptNamespaces().contains(ns)) {
            return "namespace " + ns + " is exempt";
        }
        for (Map<String, Object> m : java.util.Arrays.asList(meta, templateMeta)) {
            for (String where : List.of("labels", "annotations")) {
                Map<String, Object> kv = Tree.map(m, where);
                if (kv == null || !kv.containsKey(policy.exemptionKey())) {
                    continue;
                }
                Object v = kv.get(policy.exemptionKey());
                String reason = v == null ? "" : String.valueOf(v).trim();
                if (reason.isEmpty()) {
                    notes.add("exemption " + policy.exemptionKey() + " ignored: its value must say why the root filesystem must be writable");
                } else {
                    return where.substring(0, where.length() - 1) + " " + policy.exemptionKey() + ": " + reason;
                }
            }
        }
        return null;
    }

    private List<Finding> checkPod(Map<String, Object> spec, List<Object> specPath, Map<String, Object> podSpec, boolean onlyEphemeral,
            List<String> notes) {
        List<Finding> out = new ArrayList<>();
        Map<String, Object> os = Tree.map(podSpec, "os");
        boolean windows = "windows".equals(Tree.string(os, "name")); // the API forbids both fields for Windows pods
        Map<String, Map<String, Object>> hostPaths = hostPathVolumes(podSpec);
        for (String listName : onlyEphemeral ? List.of("ephemeralContainers") : CONTAINER_LISTS) {
            Object raw = spec.get(listName);
            if (raw == null) {
                continue;
            }
            if (!(raw instanceof List<?> list)) {
                notes.add("not checked: " + listName + " is not a list");
                continue;
            }
            for (int i = 0; i < list.size(); i++) {
                Map<String, Object> c = Tree.map(list.get(i));
                if (c == null) {
                    notes.add("not checked: " + listName + "[" + i + "] is not an object");
                    continue;
                }
                List<Object> cPath = new ArrayList<>(specPath);
                cPath.add(listName);
                cPath.add(i);
                checkContainer(listName, c, cPath, windows, hostPaths, out);
            }
        }
        return out;
    }

    private void checkContainer(String listName, Map<String, Object> c, List<Object> cPath, boolean windows,
            Map<String, Map<String, Object>> hostPaths, List<Finding> out) {
        String name = Tree.string(c, "name");
        String image = Tree.string(c, "image");
        for (Glob g : images) {
            if (g.matches(image)) {
                return;
            }
        }
        String who = kindOf(listName) + " \"" + (name == null ? "?" : name) + "\"" + (image == null ? "" : " (image " + image + ")");
        Map<String, Object> sc = Tree.map(c, "securityContext");
        Set<Check> checks = policy.checks();
        if (checks.contains(Check.READONLY_ROOT) && !windows && !Boolean.TRUE.equals(Tree.bool(sc, "readOnlyRootFilesystem"))) {
            out.add(new Finding(Check.READONLY_ROOT, listName, name, image,
                    who + " does not set securityContext.readOnlyRootFilesystem: true", path(cPath, "securityContext", "readOnlyRootFilesystem")));
        }
        if (checks.contains(Check.PRIVILEGED) && Boolean.TRUE.equals(Tree.bool(sc, "privileged"))) {
            out.add(new Finding(Check.PRIVILEGED, listName, name, image, who + " is privileged (securityContext.privileged: true)",
                    path(cPath, "securityContext", "privileged")));
        }
        if (checks.contains(Check.PRIVILEGE_ESCALATION) && !windows && !Boolean.FALSE.equals(Tree.bool(sc, "allowPrivilegeEscalation"))) {
            out.add(new Finding(Check.PRIVILEGE_ESCALATION, listName, name, image,
                    who + " does not set securityContext.allowPrivilegeEscalation: false", path(cPath, "securityContext", "allowPrivilegeEscalation")));
        }
        if (checks.contains(Check.HOSTPATH_WRITABLE) && !hostPaths.isEmpty() && c.get("volumeMounts") instanceof List<?> mounts) {
            for (int j = 0; j < mounts.size(); j++) {
                Map<String, Object> m = Tree.map(mounts.get(j));
                Map<String, Object> hp = m == null ? null : hostPaths.get(Tree.string(m, "name"));
                if (hp == null || Boolean.TRUE.equals(Tree.bool(m, "readOnly"))) {
                    continue;
                }
                out.add(new Finding(Check.HOSTPATH_WRITABLE, listName, name, image, who + " mounts hostPath " + Tree.string(hp, "path")
                        + " (volume \"" + Tree.string(m, "name") + "\") writable at " + Tree.string(m, "mountPath"),
                        path(cPath, "volumeMounts", j)));
            }
        }
    }

    private static String kindOf(String listName) {
        return switch (listName) {
            case "initContainers" -> "init container";
            case "ephemeralContainers" -> "ephemeral container";
            default -> "container";
        };
    }

    private static List<Object> path(List<Object> base, Object... more) {
        List<Object> p = new ArrayList<>(base.size() + more.length);
        p.addAll(base);
        p.addAll(List.of(more));
        return p;
    }

    /** hostPath volumes of the pod by name. */
    private static Map<String, Map<String, Object>> hostPathVolumes(Map<String, Object> podSpec) {
        List<?> vols = Tree.list(podSpec, "volumes");
        if (vols == null) {
            return Map.of();
        }
        Map<String, Map<String, Object>> out = new java.util.HashMap<>();
        for (Object o : vols) {
            Map<String, Object> v = Tree.map(o);
            Map<String, Object> hp = Tree.map(v, "hostPath");
            String name = Tree.string(v, "name");
            if (hp != null && name != null) {
                out.put(name, hp);
            }
        }
        return out;
    }
}
