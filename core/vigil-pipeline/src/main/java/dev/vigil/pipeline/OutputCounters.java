package dev.vigil.pipeline;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The counters and gauges of one {@link Output}. Thread-safe: counters are {@link LongAdder}s
 * written by offering threads and the worker; {@link #snapshot()} reads them without locking, so a
 * snapshot taken while alerts flow is not one instant but each value is exact for its own moment.
 *
 * <p>Within one process, every accepted item ends in exactly one of delivered, dead-lettered or
 * dropped (reasons {@code spool_full} for drop_oldest, {@code shutdown} in memory mode,
 * {@code spool_torn}/{@code spool_corrupt} for damaged spool records), or is still queued.
 * {@code queue_full}, {@code spool_error} and drop_newest's {@code spool_full} count items that
 * were never accepted. Items resumed from the spool at start are queued without being counted as
 * accepted again.
 */
public final class OutputCounters {
    /** Memory queue full: the offered item was not accepted. */
    public static final String QUEUE_FULL = "queue_full";
    /** Spool at {@code spool.maxbytes}: the newest (drop_newest) or oldest (drop_oldest) item was dropped. */
    public static final String SPOOL_FULL = "spool_full";
    /** Memory mode: still queued or in flight when the shutdown deadline passed. */
    public static final String SHUTDOWN = "shutdown";
    /** The spool could not write the item (I/O error, disk full). */
    public static final String SPOOL_ERROR = "spool_error";
    /** A record cut short at the end of the spool by a crash, found and truncated at start. */
    public static final String SPOOL_TORN = "spool_torn";
    /** A record whose checksum does not match, found when reading the spool; the rest of its segment is skipped. */
    public static final String SPOOL_CORRUPT = "spool_corrupt";

    private final String name;
    private final String type;
    final LongAdder accepted = new LongAdder();
    final LongAdder filtered = new LongAdder();
    final LongAdder deduplicated = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder retried = new LongAdder();
    final LongAdder spooled = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    private final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();
    private volatile LongSupplier queued = () -> 0;
    private volatile LongSupplier spoolBytes = () -> 0;
    private volatile LastError lastError;

    private record LastError(String text, Instant time) {}

    OutputCounters(String name, String type) {
        this.name = name;
        this.type = type;
        for (String r : new String[] {QUEUE_FULL, SPOOL_FULL, SHUTDOWN}) {
            dropped.put(r, new LongAdder());
        }
    }

    void gauges(LongSupplier queuedItems, LongSupplier spoolBytesUsed) {
        this.queued = queuedItems;
        this.spoolBytes = spoolBytesUsed;
    }

    void dropped(String reason, long n) {
        dropped.computeIfAbsent(reason, r -> new LongAdder()).add(n);
    }

    void error(String text, Instant time) {
        lastError = new LastError(text, time);
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    public long accepted() {
        return accepted.sum();
    }

    public long delivered() {
        return delivered.sum();
    }

    public long dropped(String reason) {
        LongAdder a = dropped.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long queued() {
        return queued.getAsLong();
    }

    /** A copy of every value now. */
    public Snapshot snapshot() {
        Map<String, Long> d = new TreeMap<>();
        dropped.forEach((r, a) -> d.put(r, a.sum()));
        LastError e = lastError;
        return new Snapshot(name, type, accepted.sum(), filtered.sum(), deduplicated.sum(), rejected.sum(),
                delivered.sum(), retried.sum(), spooled.sum(), deadLettered.sum(), Map.copyOf(d),
                queued.getAsLong(), spoolBytes.getAsLong(), e == null ? null : e.text, e == null ? null : e.time);
    }

    /**
     * The values of one output at one moment.
     *
     * @param rejected   offers answered {@link Offer#REJECTED} (spool full under {@code reject}, or closing)
     * @param retried    item send attempts that failed retryably (an item retried three times counts three)
     * @param spooled    items written to the disk spool
     * @param dropped    reason to count; always has {@code queue_full}, {@code spool_full} and {@code shutdown}
     * @param queued     accepted items not yet delivered, dead-lettered or dropped (including in flight)
     * @param spoolBytes bytes of unacknowledged spool records (0 in memory mode)
     * @param lastError  the latest send failure or pipeline error, or null; {@code lastErrorTime} its time
     */
    public record Snapshot(String name, String type, long accepted, long filtered, long deduplicated, long rejected,
            long delivered, long retried, long spooled, long deadLettered, Map<String, Long> dropped, long queued,
            long spoolBytes, String lastError, Instant lastErrorTime) {

        /**
         * Adds this output's samples to {@code out}: counters {@code vigil_output_<what>_total} and
         * gauges, each labelled {@code output="<name>",type="<type>"} (drops also {@code reason}).
         * Call it for every output on one {@link PrometheusText} so each family is printed once.
         */
        public void writeTo(PrometheusText out) {
            String[] l = {"output", name, "type", type};
            out.counter("vigil_output_accepted_total", "Items accepted into the output's queue or spool.", accepted, l);
            out.counter("vigil_output_filtered_total", "Alerts below minimumpriority or refused by the routing filter.", filtered, l);
            out.counter("vigil_output_deduplicated_total", "Alerts held back by deduplication.", deduplicated, l);
            out.counter("vigil_output_rejected_total", "Offers refused so the sender retries (spool full under reject, or closing).", rejected, l);
            out.counter("vigil_output_delivered_total", "Items the destination acknowledged.", delivered, l);
            out.counter("vigil_output_retried_total", "Item send attempts that failed retryably.", retried, l);
            out.counter("vigil_output_spooled_total", "Items written to the disk spool.", spooled, l);
            out.counter("vigil_output_deadlettered_total", "Items the destination refused, written to the dead-letter file.", deadLettered, l);
            dropped.forEach((reason, n) -> out.counter("vigil_output_dropped_total", "Items lost, by reason.", n,
                    "output", name, "type", type, "reason", reason));
            out.gauge("vigil_output_queued", "Accepted items not yet delivered, dead-lettered or dropped.", queued, l);
            out.gauge("vigil_output_spool_bytes", "Bytes of unacknowledged records in the disk spool.", spoolBytes, l);
            out.gauge("vigil_output_last_error_timestamp_seconds", "Time of the latest send failure, 0 if none.",
                    lastErrorTime == null ? 0 : lastErrorTime.toEpochMilli() / 1000.0, l);
        }
    }
}
