package dev.vigil.pipeline;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Memory mode: a bounded FIFO of {@code capacity} items; a full queue refuses the append. It is an
 * array queue guarded by the backlog's lock rather than an {@code ArrayBlockingQueue}, because the
 * sequence number that {@link Output#flush} waits for must be given out in queue order, under the
 * same lock as the insertion. Positions are sequence numbers: item {@code n} spans {@code [n, n+1)}.
 */
final class MemoryBacklog extends Backlog {
    private final int capacity;
    private final ArrayDeque<Item> queue;
    private final OutputCounters counters;
    private long nextSeq;
    private long resolved;
    private int inFlight;

    MemoryBacklog(int capacity, OutputCounters counters) {
        this.capacity = capacity;
        this.queue = new ArrayDeque<>(Math.min(capacity, 1024));
        this.counters = counters;
    }

    @Override
    Appended append(Envelope e, boolean mayEvict) {
        lock.lock();
        try {
            if (closed) {
                return Appended.CLOSED;
            }
            if (queue.size() >= capacity) { // the batch in flight is not counted, as with a blocking queue
                return Appended.FULL;
            }
            long seq = nextSeq++;
            queue.addLast(new Item(e, seq, seq + 1));
            changed.signalAll();
            return Appended.ACCEPTED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    Item peekLocked() {
        return queue.peekFirst();
    }

    @Override
    void consumeLocked(Item item) {
        queue.pollFirst();
        inFlight++;
    }

    @Override
    void commitLocked(List<Item> batch) {
        inFlight -= batch.size();
        resolved = Math.max(resolved, batch.getLast().end());
    }

    @Override
    long appendedMark() {
        return locked(() -> nextSeq);
    }

    @Override
    long resolvedMark() {
        return resolved;
    }

    @Override
    long size() {
        return locked(() -> queue.size() + inFlight);
    }

    /**
     * Counts what is still queued or in flight as dropped ({@code shutdown}), says so on stderr, and
     * refuses further appends.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            long lost = queue.size() + inFlight;
            if (lost > 0) {
                counters.dropped(OutputCounters.SHUTDOWN, lost);
                System.err.println("vigil: output '" + counters.name() + "': " + lost
                        + " item(s) not delivered by the shutdown deadline were dropped (memory mode, no spool)");
            }
            queue.clear();
            inFlight = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
