package dev.vigil.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The accepted items of one output waiting for its worker: in memory ({@link MemoryBacklog}) or on
 * disk ({@link Spool}). Many threads append; exactly one worker takes batches and commits each
 * batch once every item of it is resolved (delivered, dead-lettered or given up). Items are taken
 * in append order and batches are committed in the order they were taken (with more than one batch
 * in flight, later ones may be taken before earlier ones are committed).
 *
 * <p>Positions are monotonic longs: {@link #appendedMark()} is the position after the newest item,
 * {@link #resolvedMark()} the position before which everything is resolved; {@link #awaitResolved}
 * lets {@link Output#flush} wait for the mark it saw.
 *
 * <p>All state is guarded by {@link #lock}; {@link #changed} is signalled on append, commit and drain.
 */
abstract class Backlog implements AutoCloseable {

    /** One taken item: its envelope and its place, {@code [position, end)}. */
    record Item(Envelope envelope, long position, long end) {
        int size() {
            return envelope.size();
        }
    }

    /** The outcome of an append. */
    enum Appended { ACCEPTED, ACCEPTED_EVICTED, FULL, FAILED, CLOSED }

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    /** Set by close(): take() stops lingering and returns null once nothing is left. */
    boolean draining;
    /** Set when the backlog no longer accepts or hands out anything. */
    boolean closed;
    /** Threads waiting in awaitResolved; while any, take() does not linger. */
    private int flushers;
    /** Set by wake(): a take() waiting for its first item returns an empty batch. */
    private boolean woken;

    /** The answer of {@link #appendDeferred} that asks the source to wait. */
    static final int WAIT = -1;

    /** Appends one item; thread-safe. */
    final Appended append(Envelope e) {
        return append(e, true);
    }

    /**
     * Appends one item; thread-safe. With {@code mayEvict} false a full backlog refuses the item
     * whatever its policy, instead of dropping older items to make room.
     */
    abstract Appended append(Envelope e, boolean mayEvict);

    /**
     * Appends {@code items} in order, waiting while the backlog is full (backpressure) until
     * {@code deadlineNanos}; never evicts. Stops at the first item refused for another reason.
     *
     * @return how many items were appended, and the position after the last of them
     */
    final Output.Taken appendWaiting(List<Envelope> items, long deadlineNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            int n = 0;
            while (n < items.size()) {
                int deferred = appendDeferred(items, n);
                if (deferred > 0) {
                    n += deferred;
                    continue;
                }
                if (deferred == WAIT) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0 || draining || closed) {
                        break;
                    }
                    changed.awaitNanos(Math.min(left, deferWaitNanos()));
                    continue;
                }
                int many = appendMany(items, n);
                if (many > 0) {
                    n += many;
                    continue;
                }
                Appended a = append(items.get(n), false);
                if (a == Appended.ACCEPTED) {
                    n++;
                    continue;
                }
                long left = deadlineNanos - System.nanoTime();
                if (a != Appended.FULL || left <= 0 || draining) {
                    break;
                }
                changed.awaitNanos(left);
            }
            return new Output.Taken(n, appendedMark());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The position before which every item is safe without the source: resolved (delivered or
     * dead-lettered) and, for a spool, also durably written.
     */
    long acknowledgedMark() {
        return locked(this::resolvedMark);
    }

    /**
     * Appends as many of {@code items} from {@code from} on as fit without evicting anything, in one
     * go where the backlog can (the spool writes them with one system call); 0 when the next one
     * does not fit or the backlog appends one at a time. Lock held.
     */
    int appendMany(List<Envelope> items, int from) {
        return 0;
    }

    /**
     * Takes items of a waiting source into memory where the backlog holds them there first (a spool
     * in overflow mode): how many were taken, {@link #WAIT} to make the source wait, or 0 to
     * append them the ordinary way. Lock held.
     */
    int appendDeferred(List<Envelope> items, int from) {
        return 0;
    }

    /** The longest a source told to wait by {@link #appendDeferred} should sleep. Lock held. */
    long deferWaitNanos() {
        return Long.MAX_VALUE;
    }

    /** The next unread item without consuming it, or null when there is none. Lock held. */
    abstract Item peekLocked();

    /** Consumes {@code item}, which {@link #peekLocked()} just returned. Lock held. */
    abstract void consumeLocked(Item item);

    /** Marks {@code batch} (the last batch taken) resolved. Lock held. */
    abstract void commitLocked(List<Item> batch);

    abstract long appendedMark();

    abstract long resolvedMark();

    /** The items of {@code items} still owed delivery (drop_oldest may drop items in flight). */
    List<Item> live(List<Item> items) {
        return items;
    }

    /** Accepted items not resolved yet. */
    abstract long size();

    /** Bytes held on disk for unresolved items. */
    long bytes() {
        return 0;
    }

    /** Makes what was accepted durable; true when it is (always false in memory). */
    boolean sync() {
        return false;
    }

    /** As {@link #sync()}, also for what a spool holds in memory first (overflow). */
    boolean persist() {
        return sync();
    }

    /**
     * Takes the next batch: waits up to {@code waitNanos} for a first item, then up to
     * {@code lingerNanos} more for the batch to reach {@code maxItems} or {@code maxBytes}. A single
     * item larger than {@code maxBytes} makes a batch alone.
     *
     * @return the batch; empty when nothing came in time; null when draining or closed and empty
     */
    final List<Item> take(int maxItems, long maxBytes, long lingerNanos, long waitNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long firstDeadline = System.nanoTime() + waitNanos;
            Item next;
            while ((next = closed ? null : peekLocked()) == null) {
                if (draining || closed) {
                    return null;
                }
                if (woken) {
                    woken = false;
                    return List.of();
                }
                long left = firstDeadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                changed.awaitNanos(left);
            }
            List<Item> batch = new ArrayList<>();
            long bytes = 0;
            long lingerEnd = System.nanoTime() + lingerNanos;
            while (true) {
                if (next != null) {
                    if (!batch.isEmpty() && bytes + next.size() > maxBytes) {
                        break;
                    }
                    consumeLocked(next);
                    batch.add(next);
                    if (batch.size() == 1) {
                        changed.signalAll(); // room for appenders waiting on a full memory queue
                    }
                    bytes += next.size();
                    if (batch.size() >= maxItems || bytes >= maxBytes) {
                        break;
                    }
                } else {
                    long left = lingerEnd - System.nanoTime();
                    if (left <= 0 || draining || closed || flushers > 0) {
                        break;
                    }
                    changed.awaitNanos(left);
                }
                next = closed ? null : peekLocked();
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes a {@link #take} that waits for its first item return an empty batch now (or the next one
     * that would wait), so the worker can commit a batch whose delivery just ended.
     */
    final void wake() {
        flag(() -> woken = true);
    }

    /** Sets a flag under the lock and wakes every waiter. */
    private void flag(Runnable set) {
        lock.lock();
        try {
            set.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Marks {@code batch} resolved and wakes flushers. */
    final void commit(List<Item> batch) {
        if (batch.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            if (!closed) {
                commitLocked(batch);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until everything before {@code mark} is resolved; false at the deadline or when closed. */
    final boolean awaitResolved(long mark, long deadlineNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            flushers++;
            changed.signalAll(); // a lingering take() sends now
            while (resolvedMark() < mark) {
                long left = deadlineNanos - System.nanoTime();
                if (closed || left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            flushers--;
            lock.unlock();
        }
    }

    /** {@code value} read under the lock (for marks and gauges read by other threads). */
    final long locked(java.util.function.LongSupplier value) {
        lock.lock();
        try {
            return value.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /** Stops lingering and lets the worker finish once nothing is left. */
    final void drain() {
        flag(() -> draining = true);
    }

    /** Closes in order; what is left is kept (spool) or counted as dropped (memory). */
    @Override
    public abstract void close();
}
