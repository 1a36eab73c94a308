package dev.vigil.capture.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CgroupContainersTest {
    static final String ID = "2c4ab4b160998c13285b572c5ff0f202847745c931ca79ec43a9ffe72acbdb0e";
    static final String POD = "pod6b1f7c52_0f0a_4a6e_9d3b_1b2c3d4e5f60";

    static Stream<Arguments> paths() {
        return Stream.of(
                // real runtime forms
                Arguments.of("/docker/" + ID, ID, "docker"),
                Arguments.of("/system.slice/docker-" + ID + ".scope", ID, "docker"),
                Arguments.of("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-" + POD
                        + ".slice/cri-containerd-" + ID + ".scope", ID, "containerd"),
                Arguments.of("/kubepods/besteffort/pod6b1f7c52-0f0a-4a6e-9d3b-1b2c3d4e5f60/" + ID, ID, "containerd"),
                Arguments.of("/kubepods/burstable/pod1/" + ID, ID, "containerd"),
                Arguments.of("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" + POD
                        + ".slice/crio-" + ID + ".scope", ID, "cri-o"),
                Arguments.of("/kubepods/pod1/crio-" + ID, ID, "cri-o"),
                Arguments.of("/kubepods.slice/kubepods-" + POD + ".slice/docker-" + ID + ".scope", ID, "docker"),
                Arguments.of("/libpod_parent/libpod-" + ID, ID, "podman"),
                Arguments.of("/machine.slice/libpod-" + ID + ".scope", ID, "podman"),
                Arguments.of("/machine.slice/libpod-" + ID + ".scope/container", ID, "podman"),
                Arguments.of("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope", ID, "podman"),
                // not containers
                Arguments.of("/", null, null),
                Arguments.of("", null, null),
                Arguments.of("/process_api/3653fd9441448f2c3bbbd9b8a01d2ef0", null, null),
                Arguments.of("/process_api/" + ID, null, null),
                Arguments.of("/default/" + ID, null, null),
                Arguments.of("/system.slice/docker.service", null, null),
                Arguments.of("/user.slice/user-1000.slice/session-3.scope", null, null),
                Arguments.of("/libpod_parent/conmon", null, null),
                Arguments.of("/machine.slice/libpod-conmon-" + ID + ".scope", null, null),
                Arguments.of("/kubepods.slice/crio-conmon-" + ID + ".scope", null, null),
                Arguments.of("/docker/" + ID.substring(1), null, null),
                Arguments.of("/docker/" + ID.toUpperCase(), null, null),
                Arguments.of("/system.slice/docker-" + ID + ".scope.bak", null, null),
                Arguments.of("/kubepods/besteffort/pod1", null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void recognisesOnlyRealRuntimeForms(String path, String id, String runtime) {
        CgroupContainers.Match m = CgroupContainers.parsePath(path);
        if (id == null) {
            assertThat(m).isNull();
        } else {
            assertThat(m).isEqualTo(new CgroupContainers.Match(id, runtime));
        }
    }

    @Test
    void hostProcessOfTheBuildVmIsHostDespiteItsHexCgroup() {
        String file = """
                9:name=systemd:/
                8:pids:/
                4:memory:/process_api/3653fd9441448f2c3bbbd9b8a01d2ef0
                1:cpu:/
                0::/
                """;
        assertThat(CgroupContainers.parse(file)).isNull();
    }

    @Test
    void containerIsFoundInAnyHierarchyV1OrV2() {
        String v1 = "4:memory:/process_api/3653fd9441448f2c3bbbd9b8a01d2ef0\n3:cpuset:/libpod_parent/libpod-" + ID + "\n0::/\n";
        String v2Only = "4:memory:/process_api/3653fd9441448f2c3bbbd9b8a01d2ef0\n1:cpu:/\n0::/libpod_parent/libpod-" + ID + "\n";
        assertThat(CgroupContainers.parse(v1)).isEqualTo(new CgroupContainers.Match(ID, "podman"));
        assertThat(CgroupContainers.parse(v2Only)).isEqualTo(new CgroupContainers.Match(ID, "podman"));
    }

    @Test
    void containerIdIsTheFirstTwelveHexCharacters() {
        ContainerInfo c = ContainerInfo.of(ID, "podman");
        assertThat(c.id()).isEqualTo("2c4ab4b16099").hasSize(12);
        assertThat(c.fullId()).isEqualTo(ID);
        assertThat(ContainerInfo.HOST.id()).isEqualTo("host");
    }

    @Test
    void thisTestJvmIsAHostProcess() throws Exception {
        String self = Files.readString(Path.of("/proc/self/cgroup"));
        assertThat(CgroupContainers.parse(self)).as("this JVM's cgroups:\n%s", self).isNull();
    }
}
