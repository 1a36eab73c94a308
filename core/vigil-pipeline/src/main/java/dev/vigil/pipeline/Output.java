package dev.vigil.pipeline;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One named output: a sink, its own bounded backlog (memory queue or durable disk spool) and one
 * worker thread that batches, sends, retries with backoff and dead-letters.
 *
 * <h2>Threads</h2>
 * {@link #offer} is thread-safe and never blocks on the destination: it routes (minimum priority,
 * filter, dedup) on the caller's thread and appends to the backlog (in spool mode that is a write to
 * the page cache). The platform worker thread {@code vigil-output-<name>} (a daemon) is the only
 * caller of the sink. It takes a batch, sends it until every item is delivered or dead-lettered
 * (retrying only the items that failed retryably), then commits the batch and takes the next, so
 * items go out in order and one stuck item holds back the rest (at-least-once, no loss). Between
 * waits it closes ended dedup windows and syncs the spool (at most once a second).
 *
 * <p>With {@code batch.inflight} N &gt; 1 (default 2 for a batching sink that declares
 * {@link Sink#concurrentSends()}, such as OpenSearch with idempotent {@code create}), the worker
 * hands each batch to one of N sender threads {@code vigil-output-<name>-send-<i>} and takes the next
 * while up to N are in flight; it still commits batches in the order taken, each once it and all
 * earlier ones are resolved, so a stuck batch holds back the commits (and, once N are waiting, the
 * sends) of later ones. Batches may then reach the destination out of order.
 *
 * <h2>Life cycle</h2>
 * {@link #start} checks the settings, opens (and resumes) the spool and starts the worker;
 * {@link #close} stops intake, delivers until the shutdown deadline, then aborts the worker and
 * leaves the rest in the spool (memory mode: counts it as dropped, reason {@code shutdown}).
 *
 * <p>Aborting interrupts the worker only while it is inside {@link Sink#send} (a handshake on
 * {@code sendGate}): an interrupt that reached the worker during spool I/O would close the spool's
 * {@code FileChannel}s ({@link java.nio.channels.ClosedByInterruptException}). Everywhere else the
 * worker waits on the {@code abort} latch or for at most one tick.
 */
public final class Output implements AutoCloseable {
    /** Falcosidekick's {@code /test} alert: it bypasses minimumpriority, the filter and dedup. */
    static final String TEST_RULE = "Test rule";
    /** The longest the worker waits without looking at dedup windows and the spool sync. */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long SYNC_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long STUCK_SINK_GRACE_MILLIS = 2_000;

    private final String name;
    private final String type;
    private final Sink sink;
    private final OutputOptions options;
    private final OutputConfig config;
    private final OutputCounters counters;
    private final Backlog backlog;
    private final Dedup dedup;
    private final DeadLetters deadLetters;
    private final InternalAlerts internal;
    private final Backoff backoff;
    private final Thread worker;
    private final CountDownLatch abort = new CountDownLatch(1);
    private final Object sendGate = new Object();
    /** The threads inside sink.send; guarded by sendGate. */
    private final java.util.Set<Thread> inSink = new java.util.HashSet<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean intakeOpen = true;
    /** Worker only. */
    private long lastSync;

    private Output(OutputSettings settings, Sink sink, OutputOptions options, OutputConfig config, long segmentBytes)
            throws ConfigException {
        this.name = settings.name();
        this.type = settings.type();
        this.sink = sink;
        this.options = options;
        this.config = config;
        this.counters = new OutputCounters(name, type);
        this.internal = new InternalAlerts(name, type, options.internalAlerts(), options.clock());
        if (config.spool()) {
            try {
                Spool spool = Spool.open(config.spoolDir(), config.spoolMaxBytes(), segmentBytes, config.spoolFull(),
                        config.queue(), counters, this::pipelineError);
                if (!config.spoolStall().isZero()) {
                    spool.overflow(config.spoolStall());
                }
                this.backlog = spool;
            } catch (IOException e) {
                throw new ConfigException("output '" + name + "' (" + type + ", " + settings.origin()
                        + "): cannot open the spool " + config.spoolDir() + ": " + e.getMessage(), e);
            }
        } else {
            this.backlog = new MemoryBacklog(config.queue(), counters);
        }
        counters.gauges(backlog::size, backlog::bytes);
        this.dedup = config.dedupWindow().isZero() ? null
                : new Dedup(config.dedupWindow(), config.dedupKeys(), Dedup.DEFAULT_MAX_KEYS, options.clock());
        this.deadLetters = new DeadLetters(config.deadLetter(), name, type, options.clock());
        this.backoff = new Backoff(config.retryInitial(), config.retryMax(), new SplittableRandom());
        this.worker = Thread.ofPlatform().name("vigil-output-" + name).daemon(true).unstarted(this::work);
    }

    /**
     * Starts an output. Reads the common settings, then checks that every given key was read by the
     * sink factory or here (typos are errors), opens or resumes the spool and starts the worker. On
     * failure nothing runs and the sink is left to the caller to close; on success the output owns it.
     *
     * @throws ConfigException for a bad or unknown setting, or a spool directory that cannot be used
     */
    public static Output start(OutputSettings settings, Sink sink, OutputOptions options) throws ConfigException {
        return start(settings, sink, options, 0);
    }

    /** As {@link #start(OutputSettings, Sink, OutputOptions)} with spool segments of {@code segmentBytes} (0: by size). */
    static Output start(OutputSettings settings, Sink sink, OutputOptions options, long segmentBytes) throws ConfigException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(options, "options");
        OutputConfig config = OutputConfig.read(settings, sink, options);
        settings.requireKnownKeys();
        long segment = segmentBytes > 0 ? segmentBytes
                : Math.min(Spool.DEFAULT_SEGMENT_BYTES, Math.max(1L << 20, config.spoolMaxBytes() / 4));
        Output out = new Output(settings, sink, options, config, segment);
        out.worker.start();
        return out;
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    public OutputCounters counters() {
        return counters;
    }

    /**
     * Routes and queues one envelope; never blocks on the destination. Thread-safe.
     *
     * <p>An alert below {@code minimumpriority} or refused by the filter is {@link Offer#FILTERED};
     * with dedup on, a repeat inside its window is {@link Offer#DEDUPLICATED}; the rule
     * {@code Test rule} skips all three. An envelope whose body is not an alert (log shipping) is not
     * routed. Then the backlog takes it ({@link Offer#ACCEPTED}; in spool mode it is written before
     * this returns) or is full ({@link Offer#DROPPED}, or {@link Offer#REJECTED} under
     * {@code spool.full=reject}). After {@link #close()} every offer is {@link Offer#REJECTED}.
     */
    public Offer offer(Envelope e) {
        Objects.requireNonNull(e, "envelope");
        if (!intakeOpen) {
            counters.rejected.increment();
            return Offer.REJECTED;
        }
        if (config.minimumPriority() != null || options.filter() != null || dedup != null) {
            FalcoAlert a = alertOf(e);
            if (a != null && !TEST_RULE.equals(a.rule())) {
                if (!routed(a)) {
                    counters.filtered.increment();
                    return Offer.FILTERED;
                }
                if (dedup != null) {
                    Dedup.Admission d = dedup.admit(a);
                    d.summaries().forEach(this::enqueueSummary);
                    if (!d.pass()) {
                        counters.deduplicated.increment();
                        return Offer.DEDUPLICATED;
                    }
                }
            }
        }
        return enqueue(e);
    }

    /** What {@link #offerWaiting} took: the first {@code count} items, ending at backlog position {@code mark}. */
    public record Taken(int count, long mark) {}

    /**
     * For sources that must lose nothing (log shipping): queues {@code items} in order without
     * routing, and while the backlog is full waits for room (backpressure) up to {@code wait}
     * instead of dropping; a spool under {@code drop_oldest} does not evict for these items either.
     * Thread-safe, but positions are only meaningful to a caller that is the output's sole producer.
     *
     * @return how many leading items were taken (fewer when the wait ended or the output closed)
     *         and the position after them, to compare with {@link #acknowledged()}
     */
    public Taken offerWaiting(List<Envelope> items, Duration wait) throws InterruptedException {
        Objects.requireNonNull(items, "items");
        if (!intakeOpen) {
            counters.rejected.add(items.size());
            return new Taken(0, backlog.appendedMark());
        }
        Taken t = backlog.appendWaiting(items, System.nanoTime() + nanos(wait));
        counters.accepted.add(t.count());
        return t;
    }

    /**
     * The backlog position before which every accepted item no longer needs its source: delivered
     * or dead-lettered by the worker, or (spool mode) forced to disk, since the spool then delivers
     * it even after a crash. A log source moves its checkpoints up to this mark only.
     */
    public long acknowledged() {
        return backlog.acknowledgedMark();
    }

    private static FalcoAlert alertOf(Envelope e) {
        try {
            return e.alert();
        } catch (AlertFormatException notAnAlert) {
            return null;
        }
    }

    private boolean routed(FalcoAlert a) {
        if (config.minimumPriority() != null && !a.priority().atLeast(config.minimumPriority())) {
            return false;
        }
        if (options.filter() == null) {
            return true;
        }
        try {
            return options.filter().test(a);
        } catch (RuntimeException ex) {
            // a broken filter must not lose alerts: let it through and say why
            pipelineError("the routing filter failed on rule '" + a.rule() + "': " + ex);
            return true;
        }
    }

    private void enqueueSummary(FalcoAlert summary) {
        enqueue(Envelope.of(summary));
    }

    private Offer enqueue(Envelope e) {
        switch (backlog.append(e)) {
            case ACCEPTED -> {
                counters.accepted.increment();
                return Offer.ACCEPTED;
            }
            case ACCEPTED_EVICTED -> {
                counters.accepted.increment();
                raiseSpoolFull();
                return Offer.ACCEPTED;
            }
            case FULL -> {
                if (!config.spool()) {
                    counters.dropped(OutputCounters.QUEUE_FULL, 1);
                    internal.raise(InternalAlerts.QUEUE_FULL,
                            () -> "queue full (" + config.queue() + " items), dropping new alerts; "
                                    + counters.dropped(OutputCounters.QUEUE_FULL) + " dropped so far",
                            () -> Map.of("vigil.queue", (long) config.queue(),
                                    "vigil.dropped", counters.dropped(OutputCounters.QUEUE_FULL)));
                    return Offer.DROPPED;
                }
                Offer o = config.spoolFull() == Spool.FullPolicy.REJECT ? Offer.REJECTED : Offer.DROPPED;
                if (o == Offer.REJECTED) {
                    counters.rejected.increment();
                } else {
                    counters.dropped(OutputCounters.SPOOL_FULL, 1);
                }
                raiseSpoolFull();
                return o;
            }
            case FAILED -> {
                boolean reject = config.spoolFull() == Spool.FullPolicy.REJECT;
                if (reject) {
                    counters.rejected.increment();
                } else {
                    counters.dropped(OutputCounters.SPOOL_ERROR, 1);
                }
                internal.raise(InternalAlerts.SPOOL_ERROR,
                        () -> "cannot write the spool (" + counters.snapshot().lastError() + "); "
                                + counters.dropped(OutputCounters.SPOOL_ERROR) + " dropped, " + counters.rejected.sum()
                                + " rejected so far",
                        () -> Map.of("vigil.dropped", counters.dropped(OutputCounters.SPOOL_ERROR),
                                "vigil.rejected", counters.rejected.sum()));
                return reject ? Offer.REJECTED : Offer.DROPPED;
            }
            default -> {
                counters.rejected.increment();
                return Offer.REJECTED;
            }
        }
    }

    private void raiseSpoolFull() {
        internal.raise(InternalAlerts.SPOOL_FULL,
                () -> "spool full (" + config.spoolMaxBytes() + " bytes), policy " + policyName() + "; "
                        + counters.dropped(OutputCounters.SPOOL_FULL) + " dropped, " + counters.rejected.sum()
                        + " rejected so far",
                () -> {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("vigil.spool.maxbytes", config.spoolMaxBytes());
                    f.put("vigil.spool.full", policyName());
                    f.put("vigil.dropped", counters.dropped(OutputCounters.SPOOL_FULL));
                    f.put("vigil.rejected", counters.rejected.sum());
                    f.put("vigil.queued", backlog.size());
                    return f;
                });
    }

    private String policyName() {
        return config.spoolFull().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Records and prints a pipeline problem (spool I/O, filter failure). Thread-safe. */
    private void pipelineError(String text) {
        counters.error(text, options.clock().instant());
        System.err.println("vigil: output '" + name + "': " + text);
    }

    /**
     * Waits until everything accepted before this call is delivered or dead-lettered, at most
     * {@code deadline}; a lingering batch is sent at once. In spool mode, what is still pending at
     * the deadline is forced to disk instead, and the answer is true when that worked.
     *
     * @return true when every item accepted so far was delivered, rejected or is durably spooled
     */
    public boolean flush(Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + nanos(deadline);
        if (backlog.awaitResolved(backlog.appendedMark(), end)) {
            return true;
        }
        return backlog.persist();
    }

    /**
     * Stops intake (later offers are {@link Offer#REJECTED}), emits the summaries of open dedup
     * windows, delivers what it can within {@link OutputOptions#shutdownDeadline()}, then aborts the
     * worker (interrupting a sink call in progress); what is left stays in the spool for the next
     * start (memory mode: dropped, counted as {@code shutdown}). Forces the spool and closes the
     * sink. Idempotent (a concurrent second call returns at once); blocks for at most the deadline
     * plus a short grace for a sink that ignores interruption.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        intakeOpen = false;
        if (dedup != null) {
            dedup.closeAll().forEach(this::enqueueSummary);
        }
        backlog.drain();
        boolean interrupted = false;
        try {
            worker.join(options.shutdownDeadline());
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (worker.isAlive()) {
            abortWorker();
            try {
                worker.join(STUCK_SINK_GRACE_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (worker.isAlive()) {
                System.err.println("vigil: output '" + name + "': the sink did not stop when interrupted; closing anyway");
            }
        }
        abort.countDown();
        backlog.close();
        deadLetters.close();
        try {
            sink.close();
        } catch (RuntimeException e) {
            System.err.println("vigil: output '" + name + "': closing the sink failed: " + e);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops as if the process died: nothing more is committed or forced; the sink stays open. Tests only. */
    void crashForTest() throws InterruptedException {
        closing.set(true);
        intakeOpen = false;
        if (backlog instanceof Spool s) {
            s.abandon();
        } else {
            backlog.close();
        }
        abortWorker();
        worker.join(STUCK_SINK_GRACE_MILLIS);
        deadLetters.close();
    }

    /** Stops the worker at its next step; interrupts it if it is inside the sink. */
    private void abortWorker() {
        synchronized (sendGate) {
            abort.countDown();
            inSink.forEach(Thread::interrupt);
        }
    }

    /** Whether the worker thread has ended (tests). */
    boolean workerStopped() {
        return !worker.isAlive();
    }

    // ---------------------------------------------------------------- worker

    /** One step of the worker loop; false ends the loop. */
    private interface Step {
        boolean run() throws InterruptedException;
    }

    /**
     * The worker: take a batch, deliver it, commit it, one at a time ({@link #workInFlight} with
     * {@code batch.inflight} above 1).
     */
    private void work() {
        lastSync = System.nanoTime();
        Batching b = config.batching();
        long linger = nanos(b.linger());
        if (config.maxInFlight() > 1) {
            workInFlight(b, linger, config.maxInFlight());
            return;
        }
        List<List<Backlog.Item>> taken = new ArrayList<>(1); // the batch being delivered, kept across a failed step
        loop(() -> {
            if (taken.isEmpty()) {
                List<Backlog.Item> batch = backlog.take(b.maxItems(), b.maxBytes(), linger, TICK_NANOS);
                if (batch == null) {
                    return false; // drained and closing
                }
                taken.add(batch);
            }
            List<Backlog.Item> batch = taken.getFirst();
            if (!batch.isEmpty()) {
                if (!deliver(batch)) {
                    return false;
                }
                backlog.commit(batch);
            }
            taken.clear();
            return true;
        });
    }

    /**
     * Runs {@code step} after housekeeping until it answers false or close() aborts. An unexpected
     * exception (a spool read error, a bug) is reported and the step run again a tick later, so the
     * worker never dies and never skips a taken batch.
     */
    private void loop(Step step) {
        try {
            while (abort.getCount() > 0) {
                try {
                    housekeeping();
                    if (!step.run()) {
                        break;
                    }
                } catch (RuntimeException e) {
                    pipelineError("unexpected failure in the worker, trying again: " + e);
                    if (!pause(TICK_NANOS)) {
                        break;
                    }
                }
            }
        } catch (InterruptedException e) {
            // aborted inside the sink: the rest stays uncommitted
        } catch (Error e) {
            System.err.println("vigil: output '" + name + "': the worker stopped: " + e);
            throw e;
        } finally {
            if (abort.getCount() > 0) {
                backlog.sync();
                deadLetters.sync();
            }
        }
    }

    /** A batch handed to a sender thread; {@code done} completes with deliver()'s answer (false: aborted). */
    private record Flight(List<Backlog.Item> batch, java.util.concurrent.CompletableFuture<Boolean> done) {}

    /**
     * The worker with up to {@code max} batches in flight (a sink with
     * {@link Sink#concurrentSends()}): it takes batches and hands each to one of {@code max} sender
     * threads, which deliver it as {@link #deliver} does (retries included), and commits the batches
     * in the order taken, each once it and all earlier ones are resolved, so the spool's position
     * never passes an unresolved item. When a batch's delivery is aborted, it and every later batch
     * stay uncommitted.
     */
    private void workInFlight(Batching b, long linger, int max) {
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(max,
                Thread.ofPlatform().name("vigil-output-" + name + "-send-", 1).daemon(true).factory());
        java.util.ArrayDeque<Flight> flying = new java.util.ArrayDeque<>();
        boolean[] taking = {true};
        try {
            loop(() -> {
                Flight head;
                while ((head = flying.peekFirst()) != null && head.done().isDone()) {
                    if (!head.done().getNow(false)) {
                        return false; // aborted: it and the rest stay uncommitted
                    }
                    backlog.commit(head.batch());
                    flying.pollFirst();
                }
                if (!taking[0] || flying.size() >= max) {
                    if (flying.isEmpty()) {
                        return false; // drained and closing
                    }
                    awaitFlight(flying.peekFirst());
                    return true;
                }
                List<Backlog.Item> batch = backlog.take(b.maxItems(), b.maxBytes(), linger, TICK_NANOS);
                if (batch == null) {
                    taking[0] = false;
                } else if (!batch.isEmpty()) {
                    Flight f = new Flight(batch, new java.util.concurrent.CompletableFuture<>());
                    flying.addLast(f);
                    senders.execute(() -> fly(f));
                }
                return true;
            });
        } finally {
            senders.shutdown();
            try {
                if (!senders.awaitTermination(STUCK_SINK_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                    System.err.println("vigil: output '" + name + "': a sender did not stop in time");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits up to a tick for {@code f} to end. Worker only. */
    private static void awaitFlight(Flight f) throws InterruptedException {
        try {
            f.done().get(TICK_NANOS, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // looked at again by the loop
        }
    }

    /**
     * Delivers one batch on a sender thread; an unexpected exception is reported and the batch
     * tried again a tick later. Wakes the worker when done.
     */
    private void fly(Flight f) {
        boolean ok = false;
        try {
            do {
                try {
                    ok = deliver(f.batch());
                    break;
                } catch (RuntimeException e) {
                    pipelineError("unexpected failure in a sender, trying again: " + e);
                }
            } while (pause(TICK_NANOS));
        } catch (InterruptedException e) {
            // aborted inside the sink: stays uncommitted
        } catch (Error e) {
            System.err.println("vigil: output '" + name + "': a sender stopped: " + e);
        } finally {
            Thread.interrupted();
            f.done().complete(ok);
            backlog.wake();
        }
    }

    /** Ends dedup windows that are due and syncs the spool once a second. Worker only. */
    private void housekeeping() {
        if (dedup != null) {
            dedup.expire().forEach(this::enqueueSummary);
        }
        long now = System.nanoTime();
        if (now - lastSync >= SYNC_INTERVAL_NANOS) {
            lastSync = now;
            backlog.sync();
            deadLetters.sync();
        }
    }

    /**
     * Sends {@code batch} until every item is delivered, dead-lettered, or given up after
     * {@code retry.maxelapsed}. Only the items that failed retryably are sent again, after a backoff.
     *
     * @return false when close() aborted the wait (the batch must stay uncommitted)
     */
    private boolean deliver(List<Backlog.Item> batch) throws InterruptedException {
        long started = System.nanoTime();
        long maxElapsed = nanos(config.retryMaxElapsed());
        List<Backlog.Item> pending = batch;
        for (int attempt = 0; ; attempt++) {
            pending = backlog.live(pending);
            if (pending.isEmpty()) {
                return true;
            }
            SendResult result = send(pending);
            List<Backlog.Item> owed = backlog.live(pending);
            List<Backlog.Item> again = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            for (int i = 0, j = 0; i < pending.size(); i++) {
                Backlog.Item item = pending.get(i);
                if (j >= owed.size() || owed.get(j) != item) {
                    continue; // dropped by drop_oldest while in flight: no longer ours to count
                }
                j++;
                SendResult.Status status = status(result, i);
                String reason = status == SendResult.Status.RETRY && result.isPerItem() && i >= result.itemCount()
                        ? "the sink answered for " + result.itemCount() + " of " + pending.size() + " items"
                        : result.reason(i);
                switch (status) {
                    case DELIVERED -> counters.delivered.increment();
                    case REJECT -> deadLetter(item, reason == null ? "rejected by the destination" : reason);
                    case RETRY -> {
                        again.add(item);
                        reasons.add(reason == null ? "retry" : reason);
                    }
                }
            }
            if (again.isEmpty()) {
                return true;
            }
            counters.retried.add(again.size());
            counters.error(reasons.getFirst(), options.clock().instant());
            long elapsed = System.nanoTime() - started;
            if (maxElapsed > 0 && elapsed >= maxElapsed) {
                for (int i = 0; i < again.size(); i++) {
                    deadLetter(again.get(i), "gave up after " + config.retryMaxElapsed().toMillis() + "ms: " + reasons.get(i));
                }
                return true;
            }
            long wait;
            synchronized (backoff) {
                wait = backoff.delay(attempt, result.retryAfter()).toNanos();
            }
            if (maxElapsed > 0) {
                wait = Math.min(wait, maxElapsed - elapsed);
            }
            if (!pause(wait)) {
                return false;
            }
            pending = again;
        }
    }

    private static SendResult.Status status(SendResult r, int i) {
        if (r.isPerItem() && i >= r.itemCount()) {
            return SendResult.Status.RETRY;
        }
        SendResult.Status s = r.status(i);
        return s == null ? SendResult.Status.RETRY : s;
    }

    /**
     * One call of the sink; an exception or a null answer is a retryable failure, never the worker's
     * end. The interrupt status is cleared on the way out, so it cannot reach the spool's channels.
     *
     * @throws InterruptedException when the output was aborted before or during the call
     */
    private SendResult send(List<Backlog.Item> items) throws InterruptedException {
        List<Envelope> envelopes = new ArrayList<>(items.size());
        items.forEach(i -> envelopes.add(i.envelope()));
        synchronized (sendGate) {
            if (abort.getCount() == 0) {
                throw new InterruptedException("output aborted");
            }
            inSink.add(Thread.currentThread());
        }
        SendResult r;
        try {
            r = sink.send(envelopes);
        } catch (RuntimeException e) {
            r = SendResult.retry("the sink failed: " + e);
        } finally {
            synchronized (sendGate) {
                inSink.remove(Thread.currentThread());
                Thread.interrupted();
            }
        }
        return r != null ? r : SendResult.retry("the sink returned no result");
    }

    private void deadLetter(Backlog.Item item, String reason) {
        deadLetters.write(item.envelope(), reason);
        counters.deadLettered.increment();
        internal.raise(InternalAlerts.DEAD_LETTER,
                () -> "the destination refused an item (" + reason + "); " + counters.deadLettered.sum()
                        + " dead-lettered so far" + (deadLetters.file() == null ? "" : ", see " + deadLetters.file()),
                () -> {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("vigil.reason", reason);
                    f.put("vigil.deadlettered", counters.deadLettered.sum());
                    f.put("vigil.deadletter.file", deadLetters.file() == null ? "" : deadLetters.file().toString());
                    return f;
                });
    }

    /**
     * Waits {@code nanos} unless close() aborts, doing housekeeping every tick on the worker (a
     * sender thread only waits: the worker keeps doing it meanwhile).
     *
     * @return false when aborted
     */
    private boolean pause(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        boolean onWorker = Thread.currentThread() == worker;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            if (abort.await(Math.min(left, TICK_NANOS), TimeUnit.NANOSECONDS)) {
                return false;
            }
            if (onWorker) {
                housekeeping();
            }
        }
        return abort.getCount() > 0;
    }

    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
