package dev.vigil.admission;

import java.util.List;

/**
 * The outcome of checking one object: its kind, namespace and name, the violations found, the
 * exemption that let it through (null when none), and notes on what could not be checked (an
 * unsupported kind, an odd object, an exemption label without a reason).
 */
public record Evaluation(String kind, String namespace, String name, boolean supported, List<Finding> findings, String exemption,
        List<String> notes) {
    public Evaluation {
        findings = List.copyOf(findings);
        notes = List.copyOf(notes);
    }

    /** Whether the object breaks the policy (found violations and no exemption). */
    public boolean violates() {
        return exemption == null && !findings.isEmpty();
    }

    /** "Deployment team-a/web", "Pod web" without a namespace. */
    public String describe() {
        String n = name == null || name.isEmpty() ? "(unnamed)" : name;
        return kind + " " + (namespace == null || namespace.isEmpty() ? n : namespace + "/" + n);
    }
}
