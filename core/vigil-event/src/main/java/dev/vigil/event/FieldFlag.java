package dev.vigil.event;

/** Properties of a field that change how conditions and outputs may use it. */
public enum FieldFlag {
    /** The field extracts a list of values (Falco EPF_IS_LIST): only {@code in}, {@code intersects}, {@code exists}. */
    LIST,
    /** Usable in conditions only, never in an output string (Falco EPF_FILTER_ONLY). */
    FILTER_ONLY,
    /** Transformers such as {@code tolower()} cannot be applied to it (Falco EPF_NO_TRANSFORMER). */
    NO_TRANSFORMER,
    /** It cannot be the right-hand side of a field-to-field comparison (Falco EPF_NO_RHS). */
    NO_RHS,
    /**
     * Without an argument, the field stands for every ancestor of the process (parent upward): a
     * comparison holds when it holds for any of them ({@code proc.aname}).
     */
    ANY_ANCESTOR,
    /**
     * The field stands for both endpoints of a socket ({@code fd.ip}, {@code fd.port}): {@code =} and
     * {@code in} hold when either side matches, {@code !=} only when neither does.
     */
    EITHER_ENDPOINT,
    /** Deprecated: using it produces a {@code LOAD_DEPRECATED_ITEM} warning. */
    DEPRECATED,
    /** Appended to every rule output of its source, as Falco's suggested output fields are. */
    SUGGESTED_OUTPUT
}
