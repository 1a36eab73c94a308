package dev.vigil.app;

import java.io.PrintWriter;
import java.util.List;

/** The stop signals of Vigil's long-running commands. */
final class Signals {
    private Signals() {}

    /**
     * Runs {@code action} on SIGTERM or SIGINT instead of the JVM's default exit, so a command can
     * stop cleanly (finish requests, deliver, save positions) and exit 0.
     */
    static void onTermination(PrintWriter err, Runnable action) {
        for (String signal : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> action.run());
            } catch (IllegalArgumentException unsupported) {
                err.println("vigil: cannot handle SIG" + signal + " on this platform");
            }
        }
    }
}
