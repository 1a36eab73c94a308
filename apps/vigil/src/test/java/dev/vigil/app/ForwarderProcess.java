package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `vigil forward` as its own JVM (the test classpath), so tests can stop it with SIGTERM or SIGKILL.
 * Its standard error goes to a file in the work directory, read back by the test.
 */
final class ForwarderProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("forwarding alerts from (https?://[^ ]+?:\\d+)/");
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Process process;
    private final Path errFile;
    private URI base;

    private ForwarderProcess(Process process, Path errFile) {
        this.process = process;
        this.errFile = errFile;
    }

    /** Starts {@code vigil forward --listen 127.0.0.1:0 ARGS} and waits until it serves. */
    static ForwarderProcess start(Path workDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.vigil.app.Main",
                "forward", "--listen", "127.0.0.1:0"));
        cmd.addAll(List.of(args));
        Path err = workDir.resolve("forward-" + RUNS.incrementAndGet() + ".err");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        ForwarderProcess f = new ForwarderProcess(p, err);
        f.awaitServing();
        return f;
    }

    private void awaitServing() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (base == null) {
            Matcher m = LISTENING.matcher(stderr());
            if (m.find()) {
                base = URI.create(m.group(1));
                break;
            }
            assertThat(System.nanoTime() < end && process.isAlive()).as("vigil forward serving; its stderr:\n" + stderr()).isTrue();
            Thread.sleep(20); // poll interval of a deadline loop
        }
    }

    URI uri(String path) {
        return base.resolve(path);
    }

    String stderr() {
        try {
            return Files.exists(errFile) ? Files.readString(errFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + errFile + ": " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then waits for the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        return process.exitValue();
    }

    /** SIGKILL: no chance to flush or close anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
