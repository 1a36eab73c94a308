package dev.vigil.pipeline;

import dev.vigil.event.Priority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The common settings an {@link Output} reads itself ({@link OutputSettings#COMMON_KEYS} except
 * {@code timeout}, which sinks read), parsed and checked once at start.
 *
 * @param minimumPriority null means every priority
 * @param spoolDir        this output's spool directory (also when the spool is off), or null without a spool root
 * @param deadLetter      the dead-letter file, or null (stderr only)
 * @param maxInFlight     how many batches may be sent at once ({@code batch.inflight})
 * @param spoolStall      how long a destination may resolve nothing before the records of a waiting
 *                        source (logs), held in memory first, are written to the spool; zero: always written
 */
record OutputConfig(Priority minimumPriority, int queue, boolean spool, Path spoolDir, long spoolMaxBytes,
        Spool.FullPolicy spoolFull, Duration spoolStall, Duration retryInitial, Duration retryMax, Duration retryMaxElapsed,
        Batching batching, Duration dedupWindow, List<String> dedupKeys, Path deadLetter, int maxInFlight) {

    static final int DEFAULT_QUEUE = 10_000;
    static final long DEFAULT_SPOOL_MAX_BYTES = 256L << 20;
    static final long MIN_SPOOL_MAX_BYTES = 4096;
    /** Batches in flight by default for a batching sink that allows concurrent sends. */
    static final int DEFAULT_IN_FLIGHT = 2;

    static OutputConfig read(OutputSettings s, Sink sink, OutputOptions o) throws ConfigException {
        Batching sinkBatching = sink.batching();
        s.has("name"); // the application names the output with it
        if (s.name() == null || s.name().isBlank()) {
            throw s.error("name", "required");
        }
        if (s.has("filter") && o.filter() == null) {
            throw s.error("filter", "is set, but no compiled routing filter was passed to the output (OutputOptions.filter)");
        }
        String min = s.string("minimumpriority", "").trim();
        Priority minimum = null;
        if (!min.isEmpty()) {
            minimum = Priority.parse(min).orElseThrow(() -> s.error("minimumpriority", "'" + min
                    + "' is not a priority (emergency, alert, critical, error, warning, notice, informational, debug)"));
        }
        int queue = s.integer("queue", DEFAULT_QUEUE, 1, 10_000_000);
        boolean spool = s.bool("spool", o.spoolRoot() != null);
        if (spool && o.spoolRoot() == null) {
            throw s.error("spool", "is on, but Vigil runs without a spool directory");
        }
        long maxBytes = bytes(s, "spool.maxbytes", DEFAULT_SPOOL_MAX_BYTES, MIN_SPOOL_MAX_BYTES);
        Spool.FullPolicy full = switch (s.oneOf("spool.full", "drop_newest", Set.of("drop_newest", "drop_oldest", "reject"))) {
            case "drop_oldest" -> Spool.FullPolicy.DROP_OLDEST;
            case "reject" -> Spool.FullPolicy.REJECT;
            default -> Spool.FullPolicy.DROP_NEWEST;
        };
        Duration stall = s.duration("spool.stall", Duration.ofSeconds(1));
        Duration initial = s.duration("retry.initial", Duration.ofMillis(500));
        if (initial.toMillis() < 1) {
            throw s.error("retry.initial", "must be at least 1ms");
        }
        Duration max = s.duration("retry.max", Duration.ofSeconds(30));
        if (max.compareTo(initial) < 0) {
            throw s.error("retry.max", max.toMillis() + "ms is less than retry.initial (" + initial.toMillis() + "ms)");
        }
        Duration maxElapsed = s.duration("retry.maxelapsed", Duration.ZERO);
        Batching batching = new Batching(s.integer("batch.size", sinkBatching.maxItems(), 1, 1_000_000),
                bytes(s, "batch.bytes", sinkBatching.maxBytes(), 1), s.duration("batch.linger", sinkBatching.linger()));
        boolean concurrent = sink.concurrentSends();
        int inFlight = s.integer("batch.inflight", concurrent && batching.maxItems() > 1 ? DEFAULT_IN_FLIGHT : 1, 1, 64);
        if (inFlight > 1 && !concurrent) {
            throw s.error("batch.inflight", "this output type sends one batch at a time");
        }
        Duration window = s.duration("dedup.window", Duration.ZERO);
        List<String> keys = s.list("dedup.keys");
        if (!keys.isEmpty() && window.isZero()) {
            throw s.error("dedup.keys", "has no effect without dedup.window");
        }
        Path spoolDir = o.spoolRoot() == null ? null : o.spoolRoot().resolve(directoryName(s.name()));
        Path deadLetter = s.path("deadletter", false);
        if (deadLetter == null && spoolDir != null) {
            deadLetter = spoolDir.resolve("deadletter.jsonl");
        }
        return new OutputConfig(minimum, queue, spool, spoolDir, maxBytes, full, stall, initial, max, maxElapsed, batching,
                window, keys, deadLetter, inFlight);
    }

    private static long bytes(OutputSettings s, String key, long defaultValue, long min) throws ConfigException {
        long v;
        try {
            v = s.bytes(key, defaultValue);
        } catch (ArithmeticException e) {
            throw s.error(key, "is too large");
        }
        if (v < min) {
            throw s.error(key, v + " is less than the minimum of " + min + " bytes");
        }
        return v;
    }

    /** The output's name as one safe path element: characters other than {@code [A-Za-z0-9_.-]} become {@code %XX}. */
    static String directoryName(String name) {
        StringBuilder sb = new StringBuilder();
        byte[] utf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            int c = utf8[i] & 0xff;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '.' && i > 0);
            sb.append(plain ? String.valueOf((char) c) : String.format("%%%02X", c));
        }
        return sb.isEmpty() ? "%00" : sb.toString();
    }
}
