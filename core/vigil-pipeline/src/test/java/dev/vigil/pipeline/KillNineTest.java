package dev.vigil.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real crash: a child JVM spools alerts and is killed with SIGKILL; a new output delivers them all. */
class KillNineTest {
    private static final int N = 500;

    @TempDir
    Path root;

    static OutputSettings settings() {
        return Fixtures.settings("kill9", "retry.initial", "1ms", "retry.max", "5ms");
    }

    @Test
    void everythingSpooledBeforeKillMinusNineIsDeliveredAfterRestart() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                SpoolChild.class.getName(), root.toString(), Integer.toString(N))
                .redirectErrorStream(true)
                .start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> spooled = CompletableFuture.supplyAsync(() -> {
                try {
                    StringBuilder seen = new StringBuilder();
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("SPOOLED ")) {
                            return line;
                        }
                        seen.append(line).append('\n');
                    }
                    return "child ended: " + seen;
                } catch (java.io.IOException e) {
                    return "cannot read the child: " + e;
                }
            });
            assertThat(spooled.get(60, TimeUnit.SECONDS)).isEqualTo("SPOOLED " + N);
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL

        CountDownLatch gate = new CountDownLatch(1);
        ScriptedSink sink = new ScriptedSink().thenWaitFor(gate);
        try (Output out = Output.start(settings(), sink, OutputOptions.spooled(root))) {
            assertThat(out.counters().queued()).isEqualTo(N);
            assertThat(out.counters().dropped(OutputCounters.SPOOL_TORN)).isZero();
            gate.countDown();
            assertThat(out.flush(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(sink.deliveredUuids()).containsExactlyElementsOf(Fixtures.uuids(0, N));
    }
}
