package dev.vigil.pipeline;

/** What {@link Output#offer} did with an envelope. */
public enum Offer {
    /** Queued (memory mode) or written to the spool (spool mode); the output now owns its delivery. */
    ACCEPTED,
    /** Below the output's {@code minimumpriority}, or its routing filter said no. Not an error. */
    FILTERED,
    /** Held back by deduplication: a summary alert will report it when the key's window ends. */
    DEDUPLICATED,
    /** Lost because the queue or the spool was full under a drop policy; counted with the reason. */
    DROPPED,
    /**
     * Not taken, and the sender should retry later: the spool is full under policy {@code reject},
     * or the output is closing. The HTTP input answers 503.
     */
    REJECTED
}
