package dev.vigil.pipeline;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The child process of {@link KillNineTest}: accepts N alerts into a spooled output whose
 * destination is down, prints {@code SPOOLED <n>} once all are in the spool, then waits to be
 * killed. Arguments: spool root, N.
 */
public final class SpoolChild {
    private SpoolChild() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        ScriptedSink down = new ScriptedSink().otherwise(SendResult.retry("connection refused"));
        Output out = Output.start(KillNineTest.settings(), down, OutputOptions.spooled(root));
        for (int i = 0; i < n; i++) {
            Offer o = out.offer(Fixtures.envelope(i));
            if (o != Offer.ACCEPTED) {
                System.out.println("FAILED " + i + " " + o);
                System.exit(2);
            }
        }
        System.out.println("SPOOLED " + out.counters().snapshot().spooled());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
