package dev.vigil.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real podman containers for the application tests, as MACHINE-NOTES describes them: runc,
 * cgroupfs, no network, lowered rlimits, and an image built locally {@code FROM scratch} out of
 * busybox-static (images cannot be pulled here). The same approach as vigil-syscall's
 * PodmanContainerIT, copied so the app tests do not depend on another module's test classes.
 */
final class Podman {
    /** The runtime options every podman command needs on these VMs (hybrid cgroups: crun refuses them). */
    static final List<String> BASE = List.of("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs");

    record Result(int exit, String out) {}

    /** A running container: the full id, the 12-hex short id Falco prints, its name. */
    record Container(String fullId, String name) {
        String shortId() {
            return fullId.substring(0, 12);
        }
    }

    private Podman() {}

    /**
     * Builds {@code localhost/NAME:TAG}: /bin/busybox with the given applet links, plus {@code extra}
     * files (path inside the image, content) and empty directories {@code dirs}.
     */
    static String buildBusyboxImage(Path work, String name, String tag, List<String> applets, Map<String, String> extra,
            List<String> dirs, List<String[]> symlinks) throws IOException, InterruptedException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new AssertionError("busybox-static must be installed (apt-get install -y podman runc busybox-static)");
        }
        Path ctx = Files.createDirectories(work.resolve("image-" + name));
        Path root = ctx.resolve("rootfs");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(busybox, bin.resolve("busybox"));
        for (String applet : applets) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String d : dirs) {
            Files.createDirectories(root.resolve(d));
        }
        for (String[] link : symlinks) {
            Files.createSymbolicLink(root.resolve(link[0]), Path.of(link[1]));
        }
        for (Map.Entry<String, String> e : extra.entrySet()) {
            Path f = root.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
        }
        // /tmp world-writable with the sticky bit, like every image's (COPY keeps the mode)
        Path tmp = Files.createDirectories(root.resolve("tmp"));
        if (run(20, List.of("chmod", "1777", tmp.toString())).exit != 0) {
            throw new AssertionError("chmod 1777 " + tmp);
        }
        Files.writeString(ctx.resolve("Containerfile"), "FROM scratch\nCOPY rootfs/ /\nCMD [\"/bin/sh\"]\n");
        String image = "localhost/" + name + ":" + tag;
        Result build = podman(120, "build", "-q", "-t", image, ctx.toString());
        if (build.exit != 0) {
            throw new AssertionError("podman build failed: " + build.out);
        }
        return image;
    }

    /** Starts a detached container that sleeps; {@code options} go before the image (no network unless they give {@code --network}). */
    static Container start(String name, String image, List<String> options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--rm", "--name", name,
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"));
        if (!options.contains("--network")) {
            args.addAll(List.of("--network", "none"));
        }
        args.addAll(options);
        args.addAll(List.of(image, "/bin/sleep", "600"));
        Result r = podman(60, args.toArray(String[]::new));
        if (r.exit != 0) {
            throw new AssertionError("podman run failed: " + r.out);
        }
        String[] lines = r.out.strip().split("\n");
        String id = lines[lines.length - 1].strip();
        if (!id.matches("[0-9a-f]{64}")) {
            throw new AssertionError("podman run printed no container id: " + r.out);
        }
        return new Container(id, name);
    }

    /** Runs {@code /bin/sh -c script} in the container (as {@code user} when not null). */
    static Result exec(Container c, String user, String script) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("exec"));
        if (user != null) {
            args.addAll(List.of("--user", user));
        }
        args.addAll(List.of(c.fullId(), "/bin/sh", "-c", script));
        return podman(60, args.toArray(String[]::new));
    }

    static void remove(Container c) throws IOException, InterruptedException {
        podman(60, "rm", "-f", "-t", "0", c.fullId());
    }

    static void removeImage(String image) throws IOException, InterruptedException {
        podman(60, "rmi", "-f", image);
    }

    static Result podman(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(BASE);
        cmd.addAll(List.of(args));
        return run(timeoutSeconds, cmd);
    }

    static Result run(int timeoutSeconds, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timeout: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
