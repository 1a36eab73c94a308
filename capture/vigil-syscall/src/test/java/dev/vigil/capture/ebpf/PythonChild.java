package dev.vigil.capture.ebpf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * A short-lived python3 child for the real-kernel tests: it runs a script given with {@code -c} and
 * reports what it saw (its pid, getsockname, ...) on standard output, one line at a time. A missing
 * python3 fails the test: it is a prerequisite like root and BTF.
 */
public final class PythonChild implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 10;

    private final Process process;
    private final BufferedReader out;

    private PythonChild(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts {@code python3 -c script}; stderr is kept for the failure message. */
    public static PythonChild start(String script) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(python(), "-c", script);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        return new PythonChild(pb.start());
    }

    /** Runs a script to its end and returns its output lines (the process is gone afterwards). */
    public static List<String> run(String script) throws IOException, InterruptedException {
        try (PythonChild c = start(script)) {
            List<String> lines = new ArrayList<>();
            for (String l; (l = c.out.readLine()) != null; ) {
                lines.add(l);
            }
            c.awaitExit();
            return lines;
        }
    }

    /** The next output line, split on spaces; fails when the child ends without one. */
    public String[] nextLine() throws IOException, InterruptedException {
        String l = out.readLine();
        if (l == null) {
            awaitExit();
            fail("the python child ended without the expected output line");
        }
        return l.split(" ");
    }

    /** Waits for the child to exit (reaped: its /proc entry is gone), failing unless it exited with 0. */
    public void awaitExit() throws InterruptedException, IOException {
        if (!process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the python child did not exit within " + DEADLINE_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            fail("the python child failed with exit code " + process.exitValue() + ":\n" + err);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** The python3 executable: /usr/bin/python3, else the first one on PATH. */
    static String python() {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/python3")));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "python3"));
                }
            }
        }
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        fail("python3 is needed for the short-lived socket clients and servers of these tests: apt-get install -y python3");
        return null;
    }
}
