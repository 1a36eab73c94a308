package dev.vigil.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.ebpf.RawRecord.Kind;
import dev.vigil.capture.ebpf.Records;
import dev.vigil.capture.state.ContainerInfo;
import dev.vigil.capture.state.ContainerMetadata;
import dev.vigil.capture.state.ProcessInfo;
import dev.vigil.capture.state.SyscallState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real podman container (runc, cgroupfs, as MACHINE-NOTES describes): its processes are found in
 * /proc, recognised as a container by their cgroup path, and the container's name, image and pod
 * labels arrive through the asynchronous podman metadata source. Needs {@code podman},
 * {@code runc} and {@code busybox-static}; fails (never skips) without them.
 */
class PodmanContainerIT {
    @TempDir
    Path tmp;

    @Test
    void containerProcessesGetTheirContainerAndMetadata() throws Exception {
        Path busybox = Path.of("/bin/busybox");
        assertThat(busybox).as("busybox-static must be installed (apt-get install -y podman runc busybox-static)").isExecutable();
        assertThat(run(20, "podman", "--version").exit).as("podman must be installed").isZero();

        String name = "vigil-it-" + Long.toHexString(System.nanoTime());
        String image = "localhost/" + name + ":v1";
        Path ctx = tmp.resolve("image");
        Path bin = Files.createDirectories(ctx.resolve("rootfs/bin"));
        Files.copy(busybox, bin.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "cp", "mkdir", "cat")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Files.writeString(ctx.resolve("Containerfile"), "FROM scratch\nCOPY rootfs/ /\nCMD [\"/bin/sh\"]\n");
        Result build = run(120, "podman", "build", "-q", "-t", image, ctx.toString());
        assertThat(build.exit).as("podman build: %s", build.out).isZero();
        String id = null;
        try {
            Result started = run(60, "podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "run", "-d",
                    "--name", name, "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                    "--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
                    image, "/bin/sh", "-c", "mkdir -p /drop && cp /bin/busybox /drop/sleep && exec /drop/sleep 60");
            assertThat(started.exit).as("podman run: %s", started.out).isZero();
            String[] lines = started.out.trim().split("\n");
            id = lines[lines.length - 1].trim();
            assertThat(id).matches("[0-9a-f]{64}");
            String cid = id;
            // the container's main process, dropped into the writable layer, found through /proc
            int dropped = awaitProcess(p -> inContainer(p, cid) && cmdline(p).equals("/drop/sleep 60"));
            Result exec = run(60, "podman", "exec", "-d", id, "/bin/sleep", "61");
            assertThat(exec.exit).as("podman exec: %s", exec.out).isZero();
            int fromImage = awaitProcess(p -> inContainer(p, cid) && cmdline(p).equals("/bin/sleep 61"));

            try (SyscallState state = SyscallState.bootstrap()) {
                ProcessInfo main = state.process(dropped);
                assertThat(main).isNotNull();
                ContainerInfo c = main.container();
                assertThat(c.isHost()).isFalse();
                assertThat(c.id()).isEqualTo(id.substring(0, 12)).matches("[0-9a-f]{12}");
                assertThat(c.fullId()).isEqualTo(id);
                assertThat(c.runtime()).isEqualTo("podman");
                assertThat(state.process(fromImage).container()).as("one container object per container").isSameAs(c);
                assertThat(state.process((int) ProcessHandle.current().pid()).container().isHost()).isTrue();

                assertThat(main.vpid()).as("pid 1 of the container's pid namespace").isEqualTo(1);
                assertThat(main.isExeUpperLayer()).as("/drop/sleep was written into the upper layer").isTrue();
                assertThat(state.process(fromImage).isExeUpperLayer()).as("/bin/busybox comes from the image").isFalse();
                assertThat(state.process(fromImage).isExeLowerLayer()).isTrue();

                ContainerMetadata m = c.metadataFuture().get(30, TimeUnit.SECONDS);
                assertThat(m.name()).isEqualTo(name);
                assertThat(m.image()).isEqualTo(image);
                assertThat(m.imageRepository()).isEqualTo("localhost/" + name);
                assertThat(m.imageTag()).isEqualTo("v1");
                assertThat(m.privileged()).isFalse();
                assertThat(m.podName()).isEqualTo("web-0");
                assertThat(m.podNamespace()).isEqualTo("shop");
                assertThat(m.startTsNanos()).isCloseTo(System.currentTimeMillis() * 1_000_000L,
                        org.assertj.core.data.Offset.offset(120_000_000_000L));

                FieldView v = new FieldView(state);
                v.apply(Records.of(Kind.GENERIC, System.nanoTime(), dropped).uid(0, 0)
                        .nr(state.syscallNumber("nanosleep")).ret(0).build());
                assertThat(v.get("container.id")).isEqualTo(id.substring(0, 12));
                assertThat(v.get("container.full_id")).isEqualTo(id);
                assertThat(v.get("container.name")).isEqualTo(name);
                assertThat(v.get("container.image")).isEqualTo(image);
                assertThat(v.get("container.image.repository")).isEqualTo("localhost/" + name);
                assertThat(v.get("container.image.tag")).isEqualTo("v1");
                assertThat(v.get("container.privileged")).isEqualTo(false);
                assertThat(v.get("container.type")).isEqualTo("podman");
                assertThat(v.get("container.start_ts")).isEqualTo(m.startTsNanos());
                assertThat(v.get("k8s.pod.name")).isEqualTo("web-0");
                assertThat(v.get("k8s.ns.name")).isEqualTo("shop");
                assertThat(v.get("container.label[io.kubernetes.pod.name]")).isEqualTo("web-0");
                assertThat(v.get("proc.is_exe_upper_layer")).isEqualTo(true);
                assertThat(v.get("proc.exepath")).isEqualTo("/drop/sleep");
                assertThat(v.get("proc.vpid")).isEqualTo(1L);
                assertThat(v.get("user.name")).isEqualTo("root");
                assertThat(v.get("container.mount.dest[/proc*]")).isEqualTo("N/A");
            }
        } finally {
            if (id != null) {
                run(60, "podman", "rm", "-f", "-t", "0", id);
            }
            run(60, "podman", "rmi", "-f", image);
        }
    }

    private static boolean inContainer(int pid, String id) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains("libpod-" + id);
        } catch (IOException e) {
            return false;
        }
    }

    private static String cmdline(int pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static int awaitProcess(Predicate<Integer> match) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path p : ds) {
                    int pid = Integer.parseInt(p.getFileName().toString());
                    if (match.test(pid)) {
                        return pid;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such process appeared in /proc");
    }

    private record Result(int exit, String out) {}

    private static Result run(int timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timeout: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
