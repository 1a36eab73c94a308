package dev.vigil.event;

/**
 * The value type of a field, following Falco's parameter types. A field whose definition has the
 * {@link FieldFlag#LIST} flag carries a list of values of this type.
 */
public enum FieldType {
    /** Text (Falco CHARBUF, FSPATH, FSRELPATH). */
    STRING,
    /** Raw bytes (Falco BYTEBUF). */
    BYTES,
    /** Signed 64-bit integer (INT64, INT32, PID, FD, ERRNO...). */
    INT64,
    /** Unsigned 64-bit integer (UINT64, flags...). */
    UINT64,
    /** Unsigned 32-bit integer (UINT32, UID, GID, MODE). */
    UINT32,
    /** A port number (0..65535); literals may be service names. */
    PORT,
    /** Absolute time, nanoseconds since the epoch. */
    ABSTIME,
    /** Relative time, nanoseconds. */
    RELTIME,
    /** A floating-point number (only integer literals are accepted in conditions, as in Falco). */
    DOUBLE,
    /** {@code true} or {@code false}. */
    BOOL,
    /** An IPv4 or IPv6 address. */
    IPADDR,
    /** An IPv4 or IPv6 network; comparisons test containment. */
    IPNET;

    /** Numeric types compare numerically and accept {@code < <= > >=}. */
    public boolean isNumeric() {
        return switch (this) {
            case INT64, UINT64, UINT32, PORT, ABSTIME, RELTIME, DOUBLE -> true;
            default -> false;
        };
    }

    /** The lower-case name used in catalogues ({@code string}, {@code uint64}...). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
