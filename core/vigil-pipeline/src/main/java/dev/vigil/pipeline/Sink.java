package dev.vigil.pipeline;

import java.util.List;

/**
 * A destination: knows the wire format and transport of one output type. The pipeline owns
 * queueing, batching, retries, the spool and counters; a sink only sends what it is given and says
 * how it went. Each sink instance is called by exactly one worker thread, so it needs no locking.
 */
public interface Sink extends AutoCloseable {

    /** How the worker may group envelopes for {@link #send}; single items unless the destination batches. */
    default Batching batching() {
        return Batching.SINGLE;
    }

    /**
     * Delivers {@code batch} (never empty, at most {@link #batching()} allows) and reports the outcome
     * of the whole batch or of each item. Must not throw for destination failures: a connection
     * error or timeout is {@link SendResult#retry}, a refusal that resending cannot fix is
     * {@link SendResult#reject}. Must honour interruption (shutdown).
     */
    SendResult send(List<Envelope> batch) throws InterruptedException;

    /** Releases connections and files. */
    @Override
    default void close() {}
}
