package dev.vigil.k8saudit.policy;

import java.util.List;

/**
 * The outcome of loading a policy file: the policy when kube-apiserver would accept it, and every
 * error (why it would refuse to start) and warning (what it accepts silently or with a log line).
 */
public record PolicyLoadResult(String source, Policy policy, List<PolicyProblem> errors, List<PolicyProblem> warnings) {
    public PolicyLoadResult {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
        if ((policy == null) == errors.isEmpty()) {
            throw new IllegalArgumentException("a policy is returned exactly when there is no error");
        }
    }

    public boolean valid() {
        return policy != null;
    }

    /** Errors then warnings, each in file order. */
    public List<PolicyProblem> problems() {
        return java.util.stream.Stream.concat(errors.stream(), warnings.stream()).toList();
    }

    /**
     * The error kube-apiserver would exit with, in its words
     * ({@code loading audit policy file: ...: from file PATH}); null when it would start with this
     * file (which Vigil may still reject, e.g. a file of several YAML documents).
     * Several field errors are aggregated as {@code [a, b]}, as Go's aggregate error prints them.
     */
    public String apiserverError() {
        List<PolicyProblem> errors = this.errors.stream().filter(PolicyProblem::apiserver).toList();
        if (errors.isEmpty()) {
            return null;
        }
        PolicyProblem first = errors.getFirst();
        if (first.path().isEmpty() && first.message().startsWith("failed to read file path")) {
            return "loading audit policy file: " + first.message();
        }
        String inner;
        if (errors.stream().allMatch(e -> !e.path().isEmpty())) {
            List<String> texts = errors.stream().map(PolicyProblem::text).distinct().toList();
            inner = texts.size() == 1 ? texts.getFirst() : "[" + String.join(", ", texts) + "]";
        } else {
            inner = first.text();
        }
        return "loading audit policy file: " + inner + ": from file " + source;
    }
}
