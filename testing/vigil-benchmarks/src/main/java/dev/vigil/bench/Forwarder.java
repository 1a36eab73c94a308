package dev.vigil.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vigil forward} as a child process: started with a command line, its listen address read
 * from the stderr line {@code forwarding alerts from http://HOST:PORT/}, its stderr kept in a log
 * file (and the last lines in memory), its CPU time and peak RSS read from /proc, its Prometheus
 * counters scraped from {@code /metrics}.
 */
final class Forwarder implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("forwarding alerts from (http://[^/\\s]+)/?");

    private final Process process;
    private final CompletableFuture<URI> address = new CompletableFuture<>();
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private URI base;

    private Forwarder(Process process) {
        this.process = process;
    }

    /** Starts the command in {@code workDir} and waits up to {@code timeout} for the listen line. */
    static Forwarder start(List<String> command, Path workDir, Path log, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(log.resolveSibling(log.getFileName() + ".stdout").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        Forwarder f = new Forwarder(p);
        Thread.ofPlatform().name("forwarder-stderr").daemon().start(() -> f.pump(log));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (f.base == null) {
            try {
                f.base = f.address.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String why = p.isAlive() ? "no listen line within " + timeout.toSeconds() + " s" : "exited with " + p.exitValue();
                    f.close();
                    throw new IOException("vigil forward " + why + "; its stderr ends with:\n" + f.tail());
                }
            } catch (ExecutionException e) {
                f.close();
                throw new IOException(e.getCause());
            }
        }
        return f;
    }

    private void pump(Path log) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
                PrintWriter w = new PrintWriter(Files.newBufferedWriter(log), true)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                w.println(line);
                synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 30) {
                        lastLines.removeFirst();
                    }
                }
                Matcher m = LISTENING.matcher(line);
                if (!address.isDone() && m.find()) {
                    address.complete(URI.create(m.group(1) + "/"));
                }
            }
        } catch (IOException e) {
            address.completeExceptionally(e);
        }
    }

    /** The last lines the forwarder wrote to stderr. */
    String tail() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(base.getHost(), base.getPort());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** GET {@code path} on the forwarder: status and body. */
    BenchNode.Reply get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new BenchNode.Reply(r.statusCode(), r.body());
    }

    /**
     * The sum of the Prometheus samples whose series starts with {@code series} (a metric name,
     * or a name with the start of its labels); -1 when there is none or /metrics fails.
     */
    double metric(String series) {
        try {
            BenchNode.Reply r = get("metrics");
            if (!r.ok()) {
                return -1;
            }
            return sum(r.body(), series);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The /metrics samples of the given families whose value is not zero (empty when /metrics fails). */
    List<String> nonZero(String... prefixes) {
        try {
            BenchNode.Reply r = get("metrics");
            return !r.ok() ? List.of() : r.body().lines()
                    .filter(l -> Arrays.stream(prefixes).anyMatch(l::startsWith))
                    .filter(l -> !l.endsWith(" 0") && !l.endsWith(" 0.0"))
                    .toList();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    static double sum(String exposition, String series) {
        double total = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(series)) {
                continue;
            }
            char next = line.length() > series.length() ? line.charAt(series.length()) : ' ';
            if (!series.endsWith("{") && !series.contains("{") && next != '{' && next != ' ') {
                continue; // another metric whose name starts the same
            }
            int labelsEnd = line.lastIndexOf('}');
            String rest = (labelsEnd >= 0 ? line.substring(labelsEnd + 1) : line.substring(line.indexOf(' ') + 1)).trim();
            total += Double.parseDouble(rest.split("\\s+")[0]);
            found = true;
        }
        return found ? total : -1;
    }

    /** User plus system CPU time of the process so far, in clock ticks. */
    long cpuTicks() throws IOException {
        return ProcStat.cpuTicks(process.pid());
    }

    /** Peak resident set size (VmHWM) in KiB. */
    long peakRssKiB() throws IOException {
        return ProcStat.statusKiB(process.pid(), "VmHWM");
    }

    /** Asks the forwarder to stop (SIGTERM) and returns its exit code; kills it after {@code grace}. */
    int stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -9;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(15));
        }
        http.close();
    }
}
