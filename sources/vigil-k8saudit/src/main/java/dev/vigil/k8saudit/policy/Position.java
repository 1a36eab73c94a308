package dev.vigil.k8saudit.policy;

/** A place in a policy file, 1-based line and column; {@link #UNKNOWN} when there is none. */
public record Position(int line, int column) {
    public static final Position UNKNOWN = new Position(0, 0);

    public boolean known() {
        return line > 0;
    }

    /** {@code line:column}, or empty when unknown. */
    @Override
    public String toString() {
        return known() ? line + ":" + column : "";
    }
}
