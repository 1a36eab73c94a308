package dev.vigil.rules.condition;

/** A condition that does not parse; {@link #offset()} is where in the text the problem is. */
public final class ConditionSyntaxException extends Exception {
    private final int offset;

    public ConditionSyntaxException(String message, int offset) {
        super(message, null, false, false);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
