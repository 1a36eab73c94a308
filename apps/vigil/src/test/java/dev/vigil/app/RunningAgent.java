package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rules.RuleMatching;
import dev.vigil.rules.RuleSet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A live agent running on its own thread for a test class: every matching rule, JSON alerts parsed as they arrive. */
final class RunningAgent {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final EvtgenScenariosTest.Alerts alerts = new EvtgenScenariosTest.Alerts(out);
    private final LiveAgent agent;
    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final Future<Integer> exit;

    /** Starts the agent and waits until it captures. */
    RunningAgent(RuleSet rules, Duration atMost) throws InterruptedException {
        agent = new LiveAgent(rules, RuleMatching.ALL, true, new PrintWriter(out, true), new PrintWriter(err, true), Duration.ofSeconds(30));
        exit = pool.submit(() -> agent.run(atMost));
        LiveAgentTest.waitFor(() -> err.toString().contains("capturing") || exit.isDone(), Duration.ofSeconds(30), () -> "agent start: " + err);
        assertThat(exit.isDone()).as("agent stopped early: %s", err).isFalse();
    }

    /** Stops the agent, waits for its final statistics and returns its exit code. */
    int stop() throws Exception {
        agent.stop();
        try {
            return exit.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
