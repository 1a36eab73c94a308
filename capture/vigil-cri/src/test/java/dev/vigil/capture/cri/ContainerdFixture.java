package dev.vigil.capture.cri;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A private containerd (Debian's 1.6 package) with its CRI plugin, for tests: its own root, state,
 * socket and config under a temporary directory, overlayfs, runc, cgroupfs, no CNI (pods use the
 * host network). Its only image is built locally with podman ({@code FROM scratch} plus
 * busybox-static, as images cannot be pulled here), saved and imported with {@code ctr}; the same
 * image is the sandbox ("pause") image, its command sleeps.
 *
 * <p>{@link #close()} removes every pod it created, stops containerd and the shims it started (by
 * pid), unmounts what is left under its directory and removes the pods' cgroups, whatever happened.
 *
 * <p>{@code restrict_oom_score_adj}: root on these VMs lacks CAP_SYS_RESOURCE, so the -998 kubelet
 * style sandboxes ask for would make runc fail; containerd clamps it to its own score instead.
 *
 * <p>Prerequisites: root, containerd, ctr, podman, runc and busybox-static. When one is missing the
 * test fails in CI or as root, and is skipped only on a non-root machine outside CI.
 */
public final class ContainerdFixture implements AutoCloseable {
    public static final String IMAGE = "localhost/vigil-cri-test:1";
    private static final List<String> PODMAN = List.of("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs");

    private final Path dir;
    private final Path socket;
    private Process containerd;
    private final CriClient cri;
    private final List<String> sandboxes = new ArrayList<>();
    private final List<Path> cgroupParents = new ArrayList<>();

    /** A pod and one container in it, as kubelet would have made them. */
    public record Pod(String sandboxId, String containerId, String podName, String namespace, String uid,
                      String containerName, long startedAfterNanos, Path hostDir) {}

    /**
     * Checks prerequisites. A missing one fails the test in CI ({@code CI} set) and as root (where
     * {@code ./setup.sh --deps-only} installs them); only a non-root machine outside CI skips.
     */
    public static void requirePrerequisites() {
        List<String> missing = new ArrayList<>();
        boolean root;
        try {
            root = Files.readString(Path.of("/proc/self/status")).matches("(?s).*\\nUid:\\s+0\\s.*");
        } catch (IOException e) {
            root = false;
        }
        if (!root) {
            missing.add("root");
        }
        for (String tool : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2",
                "/usr/bin/podman", "/usr/sbin/runc", "/bin/busybox")) {
            if (!Files.isExecutable(Path.of(tool))) {
                missing.add(tool);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String msg = "a real containerd needs " + missing + " (run ./setup.sh --deps-only as root)";
        if (System.getenv("CI") != null || root) {
            throw new AssertionError(msg);
        }
        Assumptions.abort(msg);
    }

    /** Builds the image, starts containerd, imports the image and waits until CRI answers. */
    public static ContainerdFixture start() throws IOException, InterruptedException {
        requirePrerequisites();
        Path dir = Files.createTempDirectory("vigil-containerd");
        ContainerdFixture f = new ContainerdFixture(dir);
        try {
            f.boot();
            return f;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            f.close();
            throw e;
        }
    }

    private ContainerdFixture(Path dir) {
        this.dir = dir;
        this.socket = dir.resolve("containerd.sock");
        this.cri = new CriClient(socket, Duration.ofSeconds(20));
    }

    public Path socket() {
        return socket;
    }

    public Path dir() {
        return dir;
    }

    public CriClient cri() {
        return cri;
    }

    private void boot() throws IOException, InterruptedException {
        Path ctx = Files.createDirectories(dir.resolve("image"));
        Path bin = Files.createDirectories(ctx.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "cat", "ls", "id", "touch", "mkdir", "true")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Path tmp = Files.createDirectories(ctx.resolve("rootfs/tmp"));
        run(20, List.of("chmod", "1777", tmp.toString()));
        Files.writeString(ctx.resolve("Containerfile"),
                "FROM scratch\nCOPY rootfs/ /\nCMD [\"/bin/busybox\", \"sleep\", \"100000\"]\n");
        List<String> build = new ArrayList<>(PODMAN);
        build.addAll(List.of("build", "-q", "-t", IMAGE, ctx.toString()));
        run(120, build);
        Path tar = dir.resolve("image.tar");
        List<String> save = new ArrayList<>(PODMAN);
        save.addAll(List.of("save", "--format", "docker-archive", "-o", tar.toString(), IMAGE));
        run(60, save);

        String d = dir.toString();
        Files.writeString(dir.resolve("config.toml"), """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/opt"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%2$s"
                  # root here lacks CAP_SYS_RESOURCE: the sandbox's oom_score_adj of -998 cannot be set
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%1$s/cni/bin"
                    conf_dir = "%1$s/cni/conf"
                """.formatted(d, IMAGE));
        containerd = new ProcessBuilder("/usr/bin/containerd", "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        IOException last = null;
        while (true) {
            if (!containerd.isAlive()) {
                throw new AssertionError("containerd exited: " + log());
            }
            if (Files.exists(socket)) {
                try {
                    String v = cri.version();
                    if (v.startsWith("containerd")) {
                        break;
                    }
                } catch (IOException e) {
                    last = e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("containerd's CRI did not answer within 30 s: " + last + "\n" + log());
            }
            containerd.waitFor(50, TimeUnit.MILLISECONDS);
        }
        run(60, List.of("/usr/bin/ctr", "--address", socket.toString(), "-n", "k8s.io", "images", "import", tar.toString()));
    }

    /** containerd's log so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(dir.resolve("containerd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Runs a pod sandbox (host network, cgroup parent {@code /kubepods/besteffort/pod<uid>} as
     * kubelet's cgroupfs driver names it) and one started container sleeping in it, with the
     * labels kubelet sets, a read-write and a read-only host-path mount.
     */
    public Pod runPod(String podName, String namespace, String containerName, List<String> command)
            throws IOException {
        return runPod(podName, namespace, containerName, command, false);
    }

    /** {@link #runPod(String, String, String, List)}, the container privileged (and its sandbox allowing it) when asked. */
    public Pod runPod(String podName, String namespace, String containerName, List<String> command, boolean privileged)
            throws IOException {
        String uid = java.util.UUID.randomUUID().toString();
        String cgroupParent = "/kubepods/besteffort/pod" + uid;
        cgroupParents.add(Path.of(cgroupParent));
        Path logs = Files.createDirectories(dir.resolve("logs").resolve(namespace + "_" + podName + "_" + uid));
        Path hostDir = Files.createDirectories(dir.resolve("volumes").resolve(uid));
        Map<String, String> kube = new LinkedHashMap<>();
        kube.put("io.kubernetes.pod.name", podName);
        kube.put("io.kubernetes.pod.namespace", namespace);
        kube.put("io.kubernetes.pod.uid", uid);
        Map<String, String> podLabels = new LinkedHashMap<>(kube);
        podLabels.put("app", podName);
        Proto.Writer sandboxConfig = new Proto.Writer()
                .message(1, new Proto.Writer().string(1, podName).string(2, uid).string(3, namespace))
                .string(3, logs.toString())
                .map(6, podLabels)
                .message(8, new Proto.Writer().string(1, cgroupParent)
                        .message(2, new Proto.Writer().message(1, new Proto.Writer().int64(1, 2).int64(2, 1))
                                .bool(6, privileged)));
        String sandboxId = stringField(cri.call("RunPodSandbox", new Proto.Writer().message(1, sandboxConfig).toByteArray()));
        sandboxes.add(sandboxId);

        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("io.kubernetes.container.name", containerName);
        labels.putAll(kube);
        Proto.Writer config = new Proto.Writer()
                .message(1, new Proto.Writer().string(1, containerName))
                .message(2, new Proto.Writer().string(1, IMAGE));
        for (String c : command) {
            config.string(3, c);
        }
        config.message(7, new Proto.Writer().string(1, "/data").string(2, hostDir.toString()))
                .message(7, new Proto.Writer().string(1, "/config").string(2, hostDir.toString()).bool(3, true))
                .map(9, labels)
                .string(11, containerName + "/0.log")
                .message(15, new Proto.Writer().message(2, new Proto.Writer().bool(2, privileged)));
        byte[] create = new Proto.Writer().string(1, sandboxId).message(2, config).message(3, sandboxConfig).toByteArray();
        String containerId = stringField(cri.call("CreateContainer", create));
        long before = System.currentTimeMillis() * 1_000_000L;
        cri.call("StartContainer", new Proto.Writer().string(1, containerId).toByteArray());
        return new Pod(sandboxId, containerId, podName, namespace, uid, containerName, before, hostDir);
    }

    private static String stringField(byte[] response) {
        Proto.Reader r = new Proto.Reader(response);
        while (r.next()) {
            if (r.field() == 1) {
                return r.string();
            }
        }
        throw new AssertionError("response without field 1");
    }

    /** Stops and removes a pod (its containers with it). */
    public void removePod(String sandboxId) throws IOException {
        byte[] req = new Proto.Writer().string(1, sandboxId).toByteArray();
        cri.call("StopPodSandbox", req);
        cri.call("RemovePodSandbox", req);
        sandboxes.remove(sandboxId);
    }

    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        for (String id : List.copyOf(sandboxes)) {
            try {
                removePod(id);
            } catch (IOException | RuntimeException e) {
                problems.add("removing pod " + id + ": " + e);
            }
        }
        if (containerd != null) {
            containerd.destroy();
            try {
                if (!containerd.waitFor(15, TimeUnit.SECONDS)) {
                    containerd.destroyForcibly();
                    containerd.waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                containerd.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        killLeftovers(problems);
        unmountUnder(problems);
        for (Path parent : cgroupParents) {
            removeCgroups(parent);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            problems.add("deleting " + dir + ": " + e);
        }
        try {
            List<String> rmi = new ArrayList<>(PODMAN);
            rmi.addAll(List.of("rmi", "-f", IMAGE));
            runQuietly(rmi);
        } catch (RuntimeException e) {
            problems.add(e.toString());
        }
        if (!problems.isEmpty()) {
            System.err.println("ContainerdFixture cleanup: " + problems);
        }
    }

    /** Shims (and anything else) still running with this fixture's directory on their command line. */
    private void killLeftovers(List<String> problems) {
        String needle = dir.toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.contains(needle)) {
                        ProcessHandle.of(Long.parseLong(name)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException ignored) {
                    // gone
                }
            }
        } catch (IOException e) {
            problems.add("listing /proc: " + e);
        }
    }

    private void unmountUnder(List<String> problems) {
        try {
            List<String> targets = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].startsWith(dir.toString())) {
                    targets.add(f[4]);
                }
            }
            targets.sort(Comparator.comparingInt(String::length).reversed());
            for (String t : targets) {
                runQuietly(List.of("umount", "-l", t));
            }
        } catch (IOException e) {
            problems.add("reading mountinfo: " + e);
        }
    }

    /** Removes {@code /kubepods/besteffort/pod<uid>} (and the two parents when empty) from every v1 hierarchy and v2. */
    private static void removeCgroups(Path parent) {
        try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path root : roots.toList()) {
                Path p = root.resolve(parent.toString().substring(1));
                for (int i = 0; i < 3 && p.startsWith(root) && !p.equals(root); i++) {
                    try (Stream<Path> sub = Files.list(p)) {
                        for (Path child : sub.toList()) {
                            if (Files.isDirectory(child)) {
                                child.toFile().delete();
                            }
                        }
                    } catch (IOException ignored) {
                        // not there
                    }
                    p.toFile().delete();
                    p = p.getParent();
                }
            }
        } catch (IOException ignored) {
            // no cgroup fs
        }
    }

    static String run(int timeoutSeconds, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " timed out");
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(cmd + " failed (" + p.exitValue() + "): " + s);
        }
        return s;
    }

    private static void runQuietly(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // best effort
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
