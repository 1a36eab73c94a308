package dev.vigil.app;

import dev.vigil.capture.LiveEvent;
import dev.vigil.capture.ebpf.Probe;
import dev.vigil.capture.ebpf.ProbeConfig;
import dev.vigil.capture.ebpf.ProbeException;
import dev.vigil.capture.ebpf.RawRecord;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.event.AlertJson;
import dev.vigil.event.EventTypes;
import dev.vigil.rules.CompiledRule;
import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.output.AlertFormatter;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live agent: loads the probe, selects in the kernel only the syscalls the running rules and
 * state tracking need, and evaluates every record against the rules on one reader thread. Stops on
 * {@link #stop()} (SIGTERM/SIGINT or the duration), flushing pending alerts and printing final
 * statistics.
 */
final class LiveAgent {
    private ProbeConfig probeConfig = ProbeConfig.defaults();

    /** Probe settings (ring buffer size); defaults otherwise. */
    private java.util.List<dev.vigil.capture.state.ContainerMetadataSource> metadataSources;

    /** Where container metadata comes from (default: {@link SyscallState}'s, podman only). */
    void metadataSources(java.util.List<dev.vigil.capture.state.ContainerMetadataSource> sources) {
        this.metadataSources = java.util.List.copyOf(sources);
    }

    /** This machine's state, its container metadata from {@code sources} (null: the default, podman). */
    static SyscallState bootstrapState(java.util.List<dev.vigil.capture.state.ContainerMetadataSource> sources) {
        SyscallState.Builder b = SyscallState.builder();
        if (sources != null) {
            b.metadataSources(sources);
        }
        return b.build();
    }

    void probeConfig(ProbeConfig config) {
        this.probeConfig = java.util.Objects.requireNonNull(config, "config");
    }

    /**
     * The probe does not wake the reader per record (that costs more than the record itself), so
     * the reader polls: this bounds the syscall-to-alert latency.
     */
    static final int POLL_MILLIS = 4;

    /** Fields whose values are domain names resolved in the background (Falco's DNS cache). */
    static final java.util.List<String> DOMAIN_NAME_FIELDS = java.util.List.of("fd.sip.name", "fd.cip.name", "fd.lip.name", "fd.rip.name");

    private final RuleMatching matching;
    private final boolean json;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Duration statsInterval;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Counters as of the reader's last loop, for {@link #metrics()} on other threads. */
    private volatile long publishedEvents;
    private volatile long publishedAlerts;
    private volatile long publishedDrops;
    private volatile long publishedReadErrors;
    private volatile int publishedRules;
    /** Alerts by rule, written on the reader thread, read by {@link #metrics()} and the exit summary. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> perRule =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final LatencyHistogram latency = new LatencyHistogram();
    private long events;
    private long alerts;
    /** Read and replaced on the reader thread only. */
    private RuleSet rules;
    private LiveEvent event;
    private volatile boolean reloadRequested;
    private java.util.function.Supplier<RuleSet> reloader;
    private java.util.function.Consumer<dev.vigil.event.Alert> alertSink = a -> {};

    LiveAgent(RuleSet rules, RuleMatching matching, boolean json, PrintWriter out, PrintWriter err, Duration statsInterval) {
        this.rules = rules;
        this.publishedRules = rules.runningRules().size();
        this.matching = matching;
        this.json = json;
        this.out = out;
        this.err = err;
        this.statsInterval = statsInterval;
    }

    /** The syscall numbers to select in the kernel: those the rules' event types name, plus state tracking. */
    static Set<Integer> selection(RuleSet rules) {
        Set<Integer> nrs = new LinkedHashSet<>();
        BitSet types = rules.interestingEventTypes();
        for (int i = types.nextSetBit(0); i >= 0; i = types.nextSetBit(i + 1)) {
            int nr = Syscalls.numberOfEvent(EventTypes.get().name(i));
            if (nr >= 0) {
                nrs.add(nr);
            }
        }
        for (String name : SyscallState.requiredSyscalls()) {
            int nr = Syscalls.number(name);
            if (nr >= 0) {
                nrs.add(nr);
            }
        }
        return nrs;
    }

    void stop() {
        running.set(false);
    }

    /**
     * The agent's Prometheus text: events evaluated, alerts (in all and per rule), the kernel's drops
     * and read errors, running rules. Thread-safe; the kernel's counters are at most a second old.
     */
    String metrics() {
        dev.vigil.pipeline.PrometheusText t = new dev.vigil.pipeline.PrometheusText();
        t.counter("vigil_agent_events_total", "System call events read from the probe and evaluated.", publishedEvents);
        t.counter("vigil_agent_alerts_total", "Alerts raised by the rules.", publishedAlerts);
        t.counter("vigil_agent_kernel_drops_total", "Events the probe could not write because the ring buffer was full.",
                publishedDrops);
        t.counter("vigil_agent_kernel_read_errors_total", "Fields the probe could not read from kernel or user memory.",
                publishedReadErrors);
        t.gauge("vigil_agent_rules_running", "Rules running (enabled and loaded).", publishedRules);
        new TreeMap<>(perRule).forEach((rule, n) ->
                t.counter("vigil_agent_rule_alerts_total", "Alerts raised, by rule.", n.get(), "rule", rule));
        return t.render();
    }

    /** Where alerts go besides the printed lines (the in-process outputs); called on the reader thread. */
    void alertsTo(java.util.function.Consumer<dev.vigil.event.Alert> sink) {
        this.alertSink = java.util.Objects.requireNonNull(sink, "sink");
    }

    /**
     * How to load the rules again on {@link #requestReload()}: returns the new rule set, or null when
     * the files do not load (after reporting why); the previous rules then keep running.
     */
    void reloadWith(java.util.function.Supplier<RuleSet> reloader) {
        this.reloader = reloader;
    }

    /** Asks the reader thread to reload the rules between two polls; no event is dropped. */
    void requestReload() {
        reloadRequested = true;
    }

    /**
     * Swaps in a new rule set: new event view over the same state, new kernel selection, new names to
     * resolve. Returns how many syscalls are selected.
     */
    private int install(RuleSet fresh, SyscallState state, Probe probe) {
        rules = fresh;
        publishedRules = fresh.runningRules().size();
        event = new LiveEvent(fresh.slots(), state);
        // fd.*.name fields answer from resolved domain names: resolve the names the rules use ahead of time
        for (String field : DOMAIN_NAME_FIELDS) {
            fresh.literalsComparedWith(field).forEach(state.domainNames()::watch);
        }
        Set<Integer> nrs = selection(fresh);
        probe.select(nrs, true, true, true);
        return nrs.size();
    }

    private void reload(SyscallState state, Probe probe) {
        reloadRequested = false;
        if (reloader == null) {
            err.println("vigil: reload requested, but these rules cannot be reloaded (bundled defaults)");
            return;
        }
        RuleSet fresh = reloader.get();
        if (fresh == null) {
            err.println("vigil: the new rules did not load; the previous rules keep running");
        } else {
            int selected = install(fresh, state, probe);
            err.printf("vigil: rules reloaded: %d running rules, %d syscalls selected%n", fresh.runningRules().size(), selected);
        }
        err.flush();
    }

    /** Waits until {@link #run} has returned, at most {@code timeout}. */
    boolean awaitStopped(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Runs until stopped; returns the exit code. */
    int run(Duration duration) {
        Probe.Preflight pre = Probe.preflight();
        if (!pre.ok()) {
            err.println("vigil: cannot capture system calls on this host:");
            pre.failures().forEach(f -> err.println("  - " + f));
            finished.countDown();
            return 3;
        }
        long started = System.nanoTime();
        try (Probe probe = Probe.open(probeConfig); SyscallState state = bootstrapState(metadataSources)) {
            int selected = install(rules, state, probe);
            err.printf("vigil: capturing %d syscalls for %d running rules (started in %d ms)%n", selected,
                    rules.runningRules().size(), (System.nanoTime() - started) / 1_000_000);
            err.flush();
            AlertFormatter formatter = new AlertFormatter(AlertFormatter.defaultHostname());
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            long nextStats = System.nanoTime() + statsInterval.toNanos();
            long lastEvents = 0;
            long lastStatsAt = System.nanoTime();
            java.util.function.Consumer<CompiledRule> onMatch = rule -> {
                var alert = formatter.alert(rule, event);
                out.println(json ? AlertJson.write(alert) : alert.output());
                alertSink.accept(alert);
                alerts++;
                perRule.computeIfAbsent(rule.name(), k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
            };
            long nextPublish = 0;
            while (running.get() && System.nanoTime() < deadline) {
                if (reloadRequested) {
                    reload(state, probe);
                }
                probe.poll((RawRecord r) -> {
                    state.apply(r);
                    event.load(r);
                    events++;
                    rules.evaluate(event, matching, onMatch);
                    latency.record(System.nanoTime() - r.monotonicNanos());
                }, POLL_MILLIS);
                out.flush();
                long now = System.nanoTime();
                publishedEvents = events;
                publishedAlerts = alerts;
                if (now >= nextPublish) { // the kernel's counters: a map read, once a second
                    var k = probe.stats();
                    publishedDrops = k.drops();
                    publishedReadErrors = k.readErrors();
                    nextPublish = now + 1_000_000_000L;
                }
                if (now >= nextStats) {
                    var s = probe.stats();
                    double secs = (now - lastStatsAt) / 1e9;
                    err.printf("vigil: %.0f events/s, %d events, %d alerts, %d dropped in kernel%n",
                            (events - lastEvents) / secs, events, alerts, s.drops());
                    err.flush();
                    lastEvents = events;
                    lastStatsAt = now;
                    nextStats = now + statsInterval.toNanos();
                }
            }
            var s = probe.stats();
            out.flush();
            err.printf("vigil: stopped after %.1f s: %d events, %d alerts, %d dropped in kernel%n",
                    (System.nanoTime() - started) / 1e9, events, alerts, s.drops());
            err.printf("vigil: syscall-to-verdict latency p50 %.2f ms, p99 %.2f ms, max bucket %.2f ms (%d events)%n",
                    latency.percentile(0.50) / 1e6, latency.percentile(0.99) / 1e6, latency.percentile(1.0) / 1e6, latency.count());
            new TreeMap<>(perRule).forEach((name, n) -> err.printf("vigil:   %6d  %s%n", n.get(), name));
            err.flush();
            return 0;
        } catch (ProbeException e) {
            err.println("vigil: the eBPF probe could not be loaded: " + e.getMessage());
            return 3;
        } finally {
            finished.countDown();
        }
    }
}
