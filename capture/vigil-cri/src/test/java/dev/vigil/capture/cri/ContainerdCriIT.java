package dev.vigil.capture.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.capture.state.ContainerMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link CriMetadataSource} against a real containerd 1.6 driven through CRI like kubelet would. */
class ContainerdCriIT {
    private static ContainerdFixture containerd;
    private static ContainerdFixture.Pod pod;

    @BeforeAll
    static void start() throws Exception {
        containerd = ContainerdFixture.start();
        pod = containerd.runPod("web-7d4b9", "shop", "nginx", List.of("/bin/sleep", "600"));
    }

    @AfterAll
    static void stop() {
        if (containerd != null) {
            containerd.close();
        }
    }

    @Test
    void metadataOfAKubeletStyleContainer() throws Exception {
        CriMetadataSource source = new CriMetadataSource(containerd.socket(), Duration.ofSeconds(5));
        assertThat(source.supports("containerd")).isTrue();
        assertThat(source.supports("cri-o")).isTrue();
        assertThat(source.supports("podman")).isFalse();

        Optional<ContainerMetadata> found = source.lookup(pod.containerId());
        assertThat(found).as(containerd.log()).isPresent();
        ContainerMetadata m = found.get();
        assertThat(m.name()).isEqualTo("nginx");
        assertThat(m.image()).isEqualTo(ContainerdFixture.IMAGE);
        assertThat(m.imageRepository()).isEqualTo("localhost/vigil-cri-test");
        assertThat(m.imageTag()).isEqualTo("1");
        assertThat(m.imageId()).matches("[0-9a-f]{64}");
        assertThat(m.podName()).isEqualTo("web-7d4b9");
        assertThat(m.podNamespace()).isEqualTo("shop");
        assertThat(m.podUid()).isEqualTo(pod.uid());
        assertThat(m.labels()).containsEntry("io.kubernetes.container.name", "nginx");
        assertThat(m.privileged()).isFalse();
        String host = pod.hostDir().toString();
        assertThat(m.mounts()).extracting(Object::toString)
                .containsExactly(host + ":/data::true:private", host + ":/config::false:private");
        assertThat(m.startTsNanos()).isNotNull();
        assertThat(m.startTsNanos()).isBetween(pod.startedAfterNanos() - 1_000_000_000L,
                System.currentTimeMillis() * 1_000_000L + 1_000_000_000L);
        // the pod sandbox, from the verbose info's sandboxID and PodSandboxStatus
        assertThat(m.sandboxId()).isEqualTo(pod.sandboxId());
        assertThat(m.podLabels()).containsEntry("app", "web-7d4b9");
        assertThat(m.podIp()).as("a host-network pod has no address of its own").isNull();
    }

    @Test
    void podSandboxIsDescribedAsAContainerOfItsPod() throws Exception {
        CriMetadataSource source = new CriMetadataSource(containerd.socket(), Duration.ofSeconds(5));
        ContainerMetadata m = source.lookup(pod.sandboxId()).orElseThrow();
        assertThat(m.name()).isEqualTo("web-7d4b9");
        assertThat(m.podName()).isEqualTo("web-7d4b9");
        assertThat(m.podNamespace()).isEqualTo("shop");
        assertThat(m.podUid()).isEqualTo(pod.uid());
        assertThat(m.labels()).containsEntry("app", "web-7d4b9");
        assertThat(m.image()).as("sandbox image from the verbose info").isEqualTo(ContainerdFixture.IMAGE);
        assertThat(m.startTsNanos()).isPositive();
        assertThat(m.sandboxId()).isEqualTo(pod.sandboxId());
        assertThat(m.podLabels()).containsEntry("app", "web-7d4b9");
    }

    @Test
    void rawStatusCarriesTheVerboseInfo() throws Exception {
        CriClient.ContainerStatus s = containerd.cri().containerStatus(pod.containerId(), true);
        assertThat(s.id()).isEqualTo(pod.containerId());
        assertThat(s.state()).isEqualTo(1); // CONTAINER_RUNNING
        assertThat(s.info()).containsKey("info");
        assertThat(s.info().get("info")).contains("\"pid\"");
        assertThat(s.logPath()).endsWith("nginx/0.log");
    }

    @Test
    void privilegedContainerIsPrivileged() throws Exception {
        ContainerdFixture.Pod priv = containerd.runPod("agent-x", "kube-system", "probe", List.of("/bin/sleep", "600"), true);
        try {
            CriMetadataSource source = new CriMetadataSource(containerd.socket(), Duration.ofSeconds(5));
            ContainerMetadata m = source.lookup(priv.containerId()).orElseThrow();
            assertThat(m.privileged()).isTrue();
            assertThat(m.name()).isEqualTo("probe");
        } finally {
            containerd.removePod(priv.sandboxId());
        }
    }

    @Test
    void unknownContainerIsEmptyNotAnError() throws Exception {
        CriMetadataSource source = new CriMetadataSource(containerd.socket(), Duration.ofSeconds(5));
        assertThat(source.lookup("0".repeat(64))).isEmpty();
    }

    @Test
    void missingSocketFailsFast() {
        CriMetadataSource source = new CriMetadataSource(containerd.dir().resolve("nope.sock"), Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> source.lookup(pod.containerId())).isInstanceOf(IOException.class)
                .hasMessageContaining("nope.sock");
        assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
    }

    @Test
    void anotherServiceOnTheSocketIsAGrpcError() {
        CriClient cri = new CriClient(containerd.socket(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> cri.call("NoSuchMethod", new byte[0])).isInstanceOfSatisfying(GrpcException.class,
                e -> assertThat(e.status()).isEqualTo(GrpcException.UNIMPLEMENTED));
    }

    @Test
    void wellKnownListsOnlyExistingSockets() {
        for (CriMetadataSource s : CriMetadataSource.wellKnown(Duration.ofSeconds(1))) {
            assertThat(s.socket()).exists();
        }
        assertThat(Path.of("/run/crio/crio.sock").toFile().exists()
                || CriMetadataSource.wellKnown(Duration.ofSeconds(1)).stream().noneMatch(s -> s.socket().toString().contains("crio")))
                .isTrue();
    }
}
