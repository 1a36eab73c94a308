package dev.vigil.app;

import dev.vigil.capture.ebpf.Probe;
import dev.vigil.capture.ebpf.ProbeConfig;
import dev.vigil.capture.ebpf.ProbeException;
import dev.vigil.capture.ebpf.RecordSink;
import dev.vigil.capture.ebpf.Syscalls;
import dev.vigil.capture.file.CaptureWriter;
import dev.vigil.capture.state.SyscallState;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.output.AlertFormatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code vigil capture}: the live agent's capture loop (same probe, same kernel-side selection, same
 * state tracking) writing every record to a capture file instead of evaluating rules. Stops on
 * {@link #stop()} (SIGTERM/SIGINT or the duration), closes the file cleanly and prints statistics.
 */
final class CaptureAgent {
    private ProbeConfig probeConfig = ProbeConfig.defaults();

    /** Probe settings (ring buffer size); defaults otherwise. */
    private java.util.List<dev.vigil.capture.state.ContainerMetadataSource> metadataSources;

    /** Where container metadata comes from (default: {@link SyscallState}'s, podman only). */
    void metadataSources(java.util.List<dev.vigil.capture.state.ContainerMetadataSource> sources) {
        this.metadataSources = java.util.List.copyOf(sources);
    }

    void probeConfig(ProbeConfig config) {
        this.probeConfig = java.util.Objects.requireNonNull(config, "config");
    }

    private static final long FLUSH_NANOS = 1_000_000_000L;

    private final RuleSet rules;
    private final String rulesDescription;
    private final Path file;
    private final boolean gzip;
    private final PrintWriter err;
    private final Duration statsInterval;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile long lastRecordMono = Long.MIN_VALUE;

    CaptureAgent(RuleSet rules, String rulesDescription, Path file, boolean gzip, PrintWriter err, Duration statsInterval) {
        this.rules = rules;
        this.rulesDescription = rulesDescription;
        this.file = file;
        this.gzip = gzip;
        this.err = err;
        this.statsInterval = statsInterval;
    }

    /** The kernel time of the last record written (a progress mark), Long.MIN_VALUE before the first. */
    long lastRecordMono() {
        return lastRecordMono;
    }

    void stop() {
        running.set(false);
    }

    /** Waits until the probe is attached and the state written (or the run failed), at most {@code timeout}. */
    boolean awaitCapturing(Duration timeout) throws InterruptedException {
        return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean awaitStopped(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs until stopped; returns the exit code. */
    int run(Duration duration) {
        try {
            return capture(duration);
        } finally {
            ready.countDown();
            finished.countDown();
        }
    }

    private int capture(Duration duration) {
        Probe.Preflight pre = Probe.preflight();
        if (!pre.ok()) {
            err.println("vigil: cannot capture system calls on this host:");
            pre.failures().forEach(f -> err.println("  - " + f));
            return 3;
        }
        long started = System.nanoTime();
        Set<Integer> nrs = LiveAgent.selection(rules);
        try (Probe probe = Probe.open(probeConfig); SyscallState state = LiveAgent.bootstrapState(metadataSources)) {
            probe.select(nrs, true, true, true);
            long records;
            long bytes;
            try (CaptureWriter writer = CaptureWriter.create(file, state, properties(nrs), gzip)) {
                err.printf("vigil: capturing %d syscalls (%d running rules and state tracking) and %d processes to %s (started in %d ms)%n",
                        nrs.size(), rules.runningRules().size(), state.processCount(), file, (System.nanoTime() - started) / 1_000_000);
                err.flush();
                ready.countDown();
                long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
                long nextStats = System.nanoTime() + statsInterval.toNanos();
                long nextFlush = System.nanoTime() + FLUSH_NANOS;
                RecordSink sink = r -> {
                    lastRecordMono = r.monotonicNanos();
                    state.apply(r);
                    try {
                        writer.append(r);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
                while (running.get() && System.nanoTime() < deadline) {
                    probe.poll(sink, LiveAgent.POLL_MILLIS);
                    long now = System.nanoTime();
                    if (now >= nextFlush) {
                        writer.flush();
                        nextFlush = now + FLUSH_NANOS;
                    }
                    if (now >= nextStats) {
                        err.printf("vigil: %d records written, %d bytes, %d dropped in kernel%n", writer.records(),
                                writer.bytes(), probe.stats().drops());
                        err.flush();
                        nextStats = now + statsInterval.toNanos();
                    }
                }
                // what is already in the ring when the stop comes is written too
                for (int round = 0; round < 64 && probe.poll(sink, 0) > 0; round++) {
                    // drain
                }
                records = writer.records();
                writer.close();
                bytes = writer.bytes();
            }
            var s = probe.stats();
            err.printf("vigil: stopped after %.1f s: %d records written to %s, %d bytes, %d dropped in kernel%n",
                    (System.nanoTime() - started) / 1e9, records, file, bytes, s.drops());
            err.flush();
            return 0;
        } catch (ProbeException e) {
            err.println("vigil: the eBPF probe could not be loaded: " + e.getMessage());
            return 3;
        } catch (IOException | UncheckedIOException e) {
            err.println("vigil: cannot write " + file + ": " + (e instanceof UncheckedIOException u ? u.getCause() : e).getMessage());
            return 1;
        }
    }

    private Map<String, String> properties(Set<Integer> nrs) {
        Map<String, String> p = new LinkedHashMap<>();
        String v = CaptureAgent.class.getPackage().getImplementationVersion();
        p.put("vigil.version", v == null ? "development build" : v);
        p.put("started", Instant.now().toString());
        p.put("alert.hostname", AlertFormatter.defaultHostname());
        p.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        p.put("rules", rulesDescription);
        TreeSet<String> names = new TreeSet<>();
        for (int nr : nrs) {
            String n = Syscalls.name(nr);
            names.add(n == null ? Integer.toString(nr) : n);
        }
        p.put("syscalls", String.join(",", names));
        return p;
    }
}
