package dev.vigil.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Closed-loop load: {@code connections} threads, each with one keep-alive connection sending one
 * alert per request and waiting for the reply before the next. The phases are warm-up (nothing
 * recorded but the running total), measurement (status counts and latency from the first byte
 * written to the last byte of the reply) and stop.
 */
final class LoadDriver {
    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    /** What the measured phase saw, merged over all connections. */
    record Outcome(long accepted, Map<String, Long> errors, LogHistogram latency) {
        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final InetSocketAddress target;
    private final AlertMix mix;
    private final BooleanSupplier serverAlive;
    private final List<Worker> workers = new ArrayList<>();
    private final LongAdder acceptedAll = new LongAdder();
    private volatile int phase = WARMUP;

    LoadDriver(InetSocketAddress target, AlertMix mix, int connections, BooleanSupplier serverAlive) {
        this.target = target;
        this.mix = mix;
        this.serverAlive = serverAlive;
        for (int i = 0; i < connections; i++) {
            workers.add(new Worker(i));
        }
    }

    void start() {
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    /** Ends the warm-up: from now on replies are counted and timed. */
    void measure() {
        phase = MEASURE;
    }

    /** Stops sending and waits for every connection's last reply. */
    Outcome stop() throws InterruptedException {
        phase = STOP;
        long accepted = 0;
        Map<String, Long> errors = new TreeMap<>();
        LogHistogram latency = new LogHistogram();
        for (Worker w : workers) {
            w.thread.join(TimeUnit.SECONDS.toMillis(60));
            if (w.thread.isAlive()) {
                errors.merge("connection thread did not stop", 1L, Long::sum);
                w.thread.interrupt();
                continue;
            }
            accepted += w.accepted;
            w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
            latency.addAll(w.latency);
        }
        return new Outcome(accepted, errors, latency);
    }

    /** CPU time the connection threads have used so far, in nanoseconds. */
    long cpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Worker w : workers) {
            total += Math.max(0, mx.getThreadCpuTime(w.thread.threadId()));
        }
        return total;
    }

    /** Requests answered with 200 so far, warm-up included. */
    long acceptedSoFar() {
        return acceptedAll.sum();
    }

    private final class Worker implements Runnable {
        final Thread thread;
        final int index;
        final LogHistogram latency = new LogHistogram();
        final Map<String, Long> errors = new TreeMap<>();
        long accepted;

        Worker(int index) {
            this.index = index;
            this.thread = Thread.ofPlatform().name("load-" + index).daemon().unstarted(this);
        }

        @Override
        public void run() {
            byte[] buf = new byte[mix.maxRequestBytes()];
            long seq = (index + 1) * 1_000_000_000L;
            HttpConnection conn = null;
            int p;
            while ((p = phase) != STOP) {
                try {
                    if (conn == null) {
                        conn = new HttpConnection(target);
                    }
                    int len = mix.request((int) ((seq * 7919 + index) % mix.size()), seq++, buf);
                    long t0 = System.nanoTime();
                    int status = conn.exchange(buf, len);
                    long took = System.nanoTime() - t0;
                    if (status == 200) {
                        acceptedAll.increment();
                    }
                    if (p == MEASURE) {
                        if (status == 200) {
                            accepted++;
                            latency.add(took);
                        } else {
                            errors.merge("HTTP " + status, 1L, Long::sum);
                        }
                    } else if (status != 200) {
                        errors.merge("HTTP " + status + " (warm-up)", 1L, Long::sum);
                    }
                    if (conn.closing()) {
                        conn.close();
                        conn = null;
                    }
                } catch (IOException | RuntimeException e) {
                    errors.merge(e.getClass().getSimpleName() + (p == MEASURE ? "" : " (warm-up)"), 1L, Long::sum);
                    closeQuietly(conn);
                    conn = null;
                    if (!serverAlive.getAsBoolean()) {
                        errors.merge("forwarder exited", 1L, Long::sum);
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // back off before reconnecting
                }
            }
            closeQuietly(conn);
        }
    }

    private static void closeQuietly(HttpConnection c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing after a failure
            }
        }
    }
}
