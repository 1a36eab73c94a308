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
 * A `vigil` server command (`forward`, `audit serve`) as its own JVM (the test classpath), so tests
 * can stop it with SIGTERM or SIGKILL. Its standard output and error go to files in the work
 * directory, read back by the test.
 */
final class ForwarderProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("forwarding alerts from (https?://[^ ]+?:\\d+)/");
    private static final Pattern AUDIT_SERVING = Pattern.compile("serving the audit webhook on (https?://[^ ]+?:\\d+)/");
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Process process;
    private final Path errFile;
    private final Path outFile;
    private final Pattern serving;
    private URI base;

    private ForwarderProcess(Process process, Path errFile, Path outFile, Pattern serving) {
        this.process = process;
        this.errFile = errFile;
        this.outFile = outFile;
        this.serving = serving;
    }

    /** Starts {@code vigil forward --listen 127.0.0.1:0 ARGS} and waits until it serves. */
    static ForwarderProcess start(Path workDir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("forward", "--listen", "127.0.0.1:0"));
        command.addAll(List.of(args));
        return start(workDir, LISTENING, command);
    }

    /** Starts {@code vigil audit serve --listen 127.0.0.1:0 ARGS} and waits until it serves. */
    static ForwarderProcess auditServe(Path workDir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("audit", "serve", "--listen", "127.0.0.1:0"));
        command.addAll(List.of(args));
        return start(workDir, AUDIT_SERVING, command);
    }

    private static ForwarderProcess start(Path workDir, Pattern serving, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.vigil.app.Main"));
        cmd.addAll(command);
        int run = RUNS.incrementAndGet();
        Path err = workDir.resolve("vigil-" + run + ".err");
        Path out = workDir.resolve("vigil-" + run + ".out");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        ForwarderProcess f = new ForwarderProcess(p, err, out, serving);
        f.awaitServing();
        return f;
    }

    private void awaitServing() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (base == null) {
            Matcher m = serving.matcher(stderr() + "\n" + stdout());
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
        return read(errFile);
    }

    String stdout() {
        return read(outFile);
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e.getMessage() + ")";
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
