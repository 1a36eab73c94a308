package dev.vigil.app;

import dev.vigil.event.Priority;
import dev.vigil.pipeline.AlertHead;
import dev.vigil.pipeline.AlertIds;
import dev.vigil.pipeline.ConfigException;
import dev.vigil.pipeline.Envelope;
import dev.vigil.pipeline.FalcoAlert;
import dev.vigil.pipeline.Output;
import dev.vigil.pipeline.OutputFactory;
import dev.vigil.pipeline.OutputOptions;
import dev.vigil.pipeline.OutputSettings;
import dev.vigil.pipeline.Sink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fans alerts out to the configured outputs, in-process for `vigil run` and behind the HTTP input
 * of `vigil forward`: gives each alert a fresh uuid (as Falcosidekick does), adds the configured
 * custom fields and tags, and offers it to every output, each of which applies its own minimum
 * priority, routing filter, deduplication, queue and spool. Thread-safe.
 */
final class Forwarder implements AutoCloseable {
    /** The output types this build knows, by name. */
    static Map<String, OutputFactory> factories() {
        Map<String, OutputFactory> byType = new TreeMap<>();
        for (OutputFactory f : ServiceLoader.load(OutputFactory.class, Forwarder.class.getClassLoader())) {
            byType.put(f.type(), f);
        }
        return byType;
    }

    /**
     * What happened to one alert across the outputs: taken (queued or spooled), refused so the
     * sender retries (spool full under policy reject), or dropped (memory queue full, spool full
     * under a drop policy, spool write error).
     */
    record Result(int accepted, int rejected, int dropped) {}

    private final List<Output> outputs;
    private final Map<String, String> customFields;
    private final List<String> customTags;
    final LongAdder received = new LongAdder();

    private Forwarder(List<Output> outputs, Map<String, String> customFields, List<String> customTags) {
        this.outputs = outputs;
        this.customFields = customFields;
        this.customTags = customTags;
    }

    /**
     * Starts the outputs; on any configuration problem the outputs already started are closed and
     * the first problem is thrown (naming the output and key).
     *
     * @param spoolRoot where the outputs keep their spools and dead letters; null for memory only
     */
    static Forwarder start(List<OutputSettings> settings, Path spoolRoot, Map<String, String> customFields,
            List<String> customTags, Duration shutdownDeadline) throws ConfigException {
        Map<String, OutputFactory> known = factories();
        Set<String> names = new HashSet<>();
        List<Output> started = new ArrayList<>();
        Forwarder f = new Forwarder(Collections.unmodifiableList(started), Map.copyOf(customFields), List.copyOf(customTags));
        try {
            for (OutputSettings s : settings) {
                if (!names.add(s.name())) {
                    throw new ConfigException("output '" + s.name() + "' (" + s.origin() + "): another output has this name; give each a distinct name=");
                }
                OutputFactory factory = known.get(s.type());
                if (factory == null) {
                    throw new ConfigException("output '" + s.name() + "' (" + s.origin() + "): unknown type '" + s.type()
                            + "' (known: " + String.join(", ", known.keySet()) + ")");
                }
                String filterText = s.string("filter", null);
                AlertFilter filter = null;
                if (filterText != null) {
                    try {
                        filter = AlertFilter.compile(filterText);
                    } catch (AlertFilter.FilterException e) {
                        throw s.error("filter", e.getMessage());
                    }
                }
                Sink sink = factory.create(s);
                try {
                    started.add(Output.start(s, sink, new OutputOptions(spoolRoot, filter, f::internal, shutdownDeadline,
                            InstantSource.system())));
                } catch (ConfigException | RuntimeException e) {
                    sink.close();
                    throw e;
                }
            }
        } catch (ConfigException | RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    List<Output> outputs() {
        return outputs;
    }

    /** Offers one alert to every output (the uuid is replaced, custom fields and tags added). */
    Result accept(FalcoAlert alert) {
        received.increment();
        return offer(Envelope.of(enrich(alert)));
    }

    /**
     * Offers an alert received over HTTP: when its JSON is canonical and no custom fields or tags
     * apply, the received bytes are passed on with {@code "uuid":"…"} spliced in after the opening
     * brace instead of writing the alert again; otherwise as {@link #accept(FalcoAlert)}.
     */
    Result accept(FalcoAlert.Received r) {
        if (!r.canonical() || !customFields.isEmpty() || !customTags.isEmpty()) {
            return accept(r.alert());
        }
        Envelope e = envelope(r, AlertIds.next());
        if (e == null) {
            return accept(r.alert());
        }
        received.increment();
        return offer(e);
    }

    /**
     * The envelope of canonical received bytes: they with the uuid spliced in, and the head found when
     * they were checked (the alert is read from the bytes only if an output asks for it); null when the
     * bytes are not an object.
     */
    static Envelope envelope(FalcoAlert.Received r, String uuid) {
        byte[] json = withUuid(r.json(), uuid);
        if (json == null) {
            return null;
        }
        int shift = UUID_MEMBER_BYTES - firstBrace(r.json()); // the uuid member moved everything after '{'
        return r.timeStart() < 0 ? Envelope.ofBody(json) : Envelope.ofChecked(json,
                new AlertHead(r.timeNanos(), r.timeStart() + shift, UUID_START, UUID_START + 36));
    }

    /**
     * {@code json} (one object) with {@code "uuid":"…",} inserted after its opening brace and the
     * whitespace around the object left out; null when it is not an object.
     */
    static byte[] withUuid(byte[] json, String uuid) {
        int open = firstBrace(json);
        int close = json.length - 1;
        while (close > open && json[close] != '}') {
            close--;
        }
        if (open >= close || uuid.length() != 36) {
            return null;
        }
        byte[] out = new byte[close + 1 - open + UUID_MEMBER_BYTES];
        out[0] = '{';
        int at = put(out, 1, "\"uuid\":\"");
        at = put(out, at, uuid);
        at = put(out, at, "\",");
        System.arraycopy(json, open + 1, out, at, close - open);
        return out;
    }

    private static int firstBrace(byte[] json) {
        int open = 0;
        while (open < json.length && json[open] != '{') {
            open++;
        }
        return open;
    }

    /** Where the uuid's characters start in {@link #withUuid}'s answer: after {@code {"uuid":"}. */
    private static final int UUID_START = 9;

    /** {@code "uuid":"<36 characters>",} */
    private static final int UUID_MEMBER_BYTES = 8 + 36 + 2;

    private static int put(byte[] b, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            b[at++] = (byte) ascii.charAt(i);
        }
        return at;
    }

    private Result offer(Envelope e) {
        int accepted = 0;
        int rejected = 0;
        int dropped = 0;
        for (Output o : outputs) {
            switch (o.offer(e)) {
                case ACCEPTED -> accepted++;
                case REJECTED -> rejected++;
                case DROPPED -> dropped++;
                case FILTERED, DEDUPLICATED -> { }
            }
        }
        return new Result(accepted, rejected, dropped);
    }

    private FalcoAlert enrich(FalcoAlert a) {
        Map<String, Object> fields = a.outputFields();
        if (!customFields.isEmpty()) {
            fields = new LinkedHashMap<>(fields);
            for (Map.Entry<String, String> c : customFields.entrySet()) {
                String v = c.getValue();
                // as Falcosidekick: a value starting with % is read from that environment variable
                if (v.startsWith("%")) {
                    v = System.getenv().getOrDefault(v.substring(1), "");
                }
                fields.put(c.getKey(), v);
            }
        }
        List<String> tags = a.tags();
        if (!customTags.isEmpty()) {
            TreeSet<String> t = new TreeSet<>(tags);
            t.addAll(customTags);
            tags = List.copyOf(t);
        }
        return new FalcoAlert(AlertIds.next(), a.timeNanos(), a.priority(), a.rule(), a.source(), tags,
                a.hostname(), a.output(), fields);
    }

    /**
     * Vigil's own alerts from the outputs (a spool is full, an alert was dead-lettered...): delivered
     * like any other alert, except to the output they are about, which is the one in trouble.
     */
    private void internal(FalcoAlert a) {
        received.increment();
        Envelope e = Envelope.of(enrich(a));
        Object about = a.field("vigil.output");
        for (Output o : outputs) {
            if (!o.name().equals(about)) {
                o.offer(e);
            }
        }
    }

    /** Falcosidekick's synthetic test alert: Debug, rule "Test rule", delivered past every minimum priority. */
    static FalcoAlert testAlert(String hostname) {
        long now = System.currentTimeMillis() * 1_000_000L;
        return new FalcoAlert(null, now, Priority.DEBUG, "Test rule", "internal", List.of("example", "test"), hostname,
                dev.vigil.event.AlertJson.iso8601(now) + ": Debug This is a test from Vigil",
                Map.of("proc.name", "vigil", "user.name", "vigil"));
    }

    /** Waits until every output has delivered, dead-lettered or spooled what it accepted. */
    boolean flush(Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        boolean all = true;
        for (Output o : outputs) {
            long left = Math.max(0, end - System.nanoTime());
            all &= o.flush(Duration.ofNanos(left));
        }
        return all;
    }

    @Override
    public void close() {
        // outputs close in parallel: each has its own shutdown deadline
        List<Thread> closers = new ArrayList<>();
        for (Output o : outputs) {
            closers.add(Thread.ofPlatform().name("vigil-close-" + o.name()).start(o::close));
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
