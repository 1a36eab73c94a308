package dev.vigil.rules.filter;

/**
 * A condition that parses but cannot be compiled against the field catalogue. {@link #unknown()}
 * is true for an unknown field or event type, which {@code skip-if-unknown-filter} downgrades to a
 * warning.
 */
public final class FilterCompileException extends Exception {
    private final int offset;
    private final boolean unknown;

    public FilterCompileException(String message, int offset, boolean unknown) {
        super(message, null, false, false);
        this.offset = offset;
        this.unknown = unknown;
    }

    public int offset() {
        return offset;
    }

    public boolean unknown() {
        return unknown;
    }
}
