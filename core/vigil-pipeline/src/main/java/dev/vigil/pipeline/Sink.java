package dev.vigil.pipeline;

import java.util.List;

/**
 * A destination: knows the wire format and transport of one output type. The pipeline owns
 * queueing, batching, retries, the spool and counters; a sink only sends what it is given and says
 * how it went. Each sink instance is called by one thread at a time, so it needs no locking, unless
 * it declares {@link #concurrentSends()}.
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

    /**
     * Whether {@link #send} may run on several threads at once, each with its own batch, so that
     * more than one batch is in flight ({@code batch.inflight}): the sink is thread-safe, and a batch
     * delivered before an earlier one, or sent again after a crash, does no harm (idempotent writes,
     * no ordering promised by the destination). Default false.
     */
    default boolean concurrentSends() {
        return false;
    }

    /** Releases connections and files. */
    @Override
    default void close() {}
}
