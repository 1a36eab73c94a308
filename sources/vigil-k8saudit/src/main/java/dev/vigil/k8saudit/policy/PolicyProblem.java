package dev.vigil.k8saudit.policy;

/**
 * An error or warning found while loading a policy.
 *
 * @param path the field path as kube-apiserver prints it ({@code rules[2].level}), or empty for the file
 * @param message the text after the path: kube-apiserver's own wording where it reports the problem
 * @param hint Vigil's explanation (what it means, what to write instead); empty when none
 * @param apiserver true when kube-apiserver itself reports it (an error stops it; a warning is
 *     logged as "Audit policy contains errors, falling back to lenient decoding"); false for what
 *     only Vigil reports
 */
public record PolicyProblem(Severity severity, String path, String message, String hint, boolean apiserver, Position position) {
    public enum Severity {
        ERROR,
        WARNING
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code path: message}, as kube-apiserver prints a field error (just the message when there is no path). */
    public String text() {
        return path.isEmpty() ? message : path + ": " + message;
    }

    /** {@code FILE:LINE:COLUMN: error|warning: text (hint)}. */
    public String format(String file) {
        String where = position.known() ? file + ":" + position : file;
        return where + ": " + (isError() ? "error" : "warning") + ": " + text() + (hint.isEmpty() ? "" : " (" + hint + ")");
    }
}
