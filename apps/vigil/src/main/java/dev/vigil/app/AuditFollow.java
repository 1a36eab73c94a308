package dev.vigil.app;

import dev.vigil.k8saudit.ingest.AuditLogFollower;
import dev.vigil.k8saudit.protect.AuditProtector;
import dev.vigil.k8saudit.store.AuditStore;
import dev.vigil.k8saudit.store.StoreOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** {@code vigil audit ingest --follow}: an {@link AuditLogFollower} feeding an {@link AuditStore}. */
final class AuditFollow {
    private AuditFollow() {}

    static int run(PrintWriter out, PrintWriter err, Path storeDir, StoreOptions options, AuditProtector protector, Path log,
            Path checkpoint, long pollMillis, boolean untilIdle, AuditDetection.Detector detector) throws IOException {
        Path cp = checkpoint != null ? checkpoint : storeDir.resolve("follow-" + log.getFileName() + ".checkpoint");
        long[] tally = new long[3]; // stored, duplicates, protected
        CountDownLatch finished = new CountDownLatch(1);
        try (AuditStore store = AuditStore.open(storeDir, options, protector)) {
            for (String r : store.recoveries()) {
                err.println("vigil: " + storeDir + ": " + r);
            }
            AuditLogFollower.Sink sink = events -> {
                List<AuditStore.Outcome> outcomes = store.appendAll(events);
                if (detector != null) {
                    detector.detect(outcomes);
                }
                for (AuditStore.Outcome oc : outcomes) {
                    if (oc.duplicate()) {
                        tally[1]++;
                    } else {
                        tally[0]++;
                        if (oc.protection().changed()) {
                            tally[2]++;
                        }
                    }
                }
            };
            AuditLogFollower.Reporter reporter = new AuditLogFollower.Reporter() {
                @Override
                public void malformed(String file, long line, String message) {
                    out.println(file + ":" + line + ": malformed: " + message);
                    out.flush();
                }

                @Override
                public void warning(String message) {
                    err.println("vigil: warning: " + message);
                    err.flush();
                }
            };
            try (AuditLogFollower f = new AuditLogFollower(log, cp, sink, reporter)) {
                if (untilIdle) {
                    while (f.pollOnce() > 0) {
                        // until nothing more is available
                    }
                } else {
                    follow(f, err, log, pollMillis, finished);
                }
                out.println("read " + f.events() + ", stored " + tally[0] + ", duplicates " + tally[1] + ", protected " + tally[2]
                        + ", malformed " + f.malformed() + " (last seq " + store.lastSeq() + ")");
                out.flush();
                return f.malformed() > 0 ? 1 : 0;
            }
        } finally {
            finished.countDown(); // after the store is closed: a shutdown hook waiting for it may now let the JVM exit
        }
    }

    /** Polls until SIGTERM/SIGINT (a shutdown hook stops the follower, then waits for the tally to be printed). */
    private static void follow(AuditLogFollower f, PrintWriter err, Path log, long pollMillis, CountDownLatch finished) throws IOException {
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-audit-follow");
            t.setDaemon(true);
            return t;
        });
        Thread hook = new Thread(() -> {
            f.stop();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vigil-audit-follow-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("vigil: following " + log + " (every " + pollMillis + " ms; stop with SIGTERM or Ctrl-C)");
        err.flush();
        try {
            f.start(ex, Duration.ofMillis(pollMillis));
            f.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            f.stop();
            ex.shutdown();
            try {
                ex.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what stopped us
            }
        }
    }

}
