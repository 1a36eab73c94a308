package dev.vigil.capture.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.capture.state.ContainerMetadata;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The protobuf wire format, and CRI ContainerStatus responses mapped to container metadata. */
class ProtoTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void encodingExamplesOfTheProtobufDocumentation() {
        // field 1 = 150 -> 08 96 01; field 2 = "testing" -> 12 07 74 65 73 74 69 6e 67
        assertThat(new Proto.Writer().int64(1, 150).toByteArray()).isEqualTo(hex("089601"));
        assertThat(new Proto.Writer().string(2, "testing").toByteArray()).isEqualTo(hex("120774657374696e67"));
        // field 3 = embedded {1: 150} -> 1a 03 08 96 01
        assertThat(new Proto.Writer().message(3, new Proto.Writer().int64(1, 150)).toByteArray()).isEqualTo(hex("1a03089601"));
        // defaults are left out
        assertThat(new Proto.Writer().int64(1, 0).bool(2, false).string(3, "").toByteArray()).isEmpty();
        // negative int64: ten bytes
        assertThat(new Proto.Writer().int64(1, -1).toByteArray()).isEqualTo(hex("08ffffffffffffffffff01"));
    }

    @Test
    void readerSkipsUnknownAndFixedFields() {
        byte[] msg = hex("0d01020304" + "1101020304050607 08" + "1a03089601" + "2002" + "2a0161");
        Proto.Reader r = new Proto.Reader(msg);
        StringBuilder seen = new StringBuilder();
        while (r.next()) {
            switch (r.field()) {
                case 3 -> {
                    Proto.Reader m = r.message();
                    assertThat(m.next()).isTrue();
                    seen.append("3:").append(m.int64()).append(' ');
                }
                case 4 -> seen.append("4:").append(r.int64()).append(' ');
                case 5 -> seen.append("5:").append(r.string());
                default -> seen.append(r.field()).append("? ");
            }
        }
        assertThat(seen.toString()).isEqualTo("1? 2? 3:150 4:2 5:a");
    }

    @Test
    void malformedMessagesAreErrors() {
        assertThatThrownBy(() -> new Proto.Reader(hex("0a05616263")).next()).isInstanceOf(Proto.ProtoException.class)
                .hasMessageContaining("beyond the message");
        assertThatThrownBy(() -> new Proto.Reader(hex("0896")).next()).hasMessageContaining("truncated varint");
        assertThatThrownBy(() -> new Proto.Reader(hex("0b")).next()).hasMessageContaining("wire type 3");
        assertThatThrownBy(() -> new Proto.Reader(hex("0d0102")).next()).hasMessageContaining("truncated");
        Proto.Reader r = new Proto.Reader(hex("0801"));
        r.next();
        assertThatThrownBy(r::string).hasMessageContaining("wire type 0");
    }

    @Test
    void mapsRoundTrip() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("io.kubernetes.pod.name", "web");
        m.put("empty", "");
        Proto.Reader r = new Proto.Reader(new Proto.Writer().map(12, m).toByteArray());
        Map<String, String> back = new LinkedHashMap<>();
        while (r.next()) {
            r.mapEntry(back);
        }
        assertThat(back).isEqualTo(m);
    }

    /** A ContainerStatusResponse as a runtime would send it. */
    private static byte[] status(String image, String imageRef, String infoJson, boolean readonly, int propagation) {
        Proto.Writer s = new Proto.Writer()
                .string(1, "a".repeat(64))
                .message(2, new Proto.Writer().string(1, "app").int64(2, 3))
                .int64(3, 1)
                .int64(4, 1_700_000_000_000_000_000L)
                .int64(5, 1_700_000_001_000_000_000L)
                .int64(7, 0)
                .message(8, new Proto.Writer().string(1, image))
                .string(9, imageRef)
                .map(12, Map.of("io.kubernetes.pod.name", "web-1", "io.kubernetes.pod.namespace", "prod",
                        "io.kubernetes.pod.uid", "u-1"))
                .message(14, new Proto.Writer().string(1, "/var/run/secrets").string(2, "/var/lib/kubelet/x")
                        .bool(3, readonly).int64(5, propagation))
                .string(15, "/var/log/pods/x/app/3.log")
                .int64(99, 7);
        Proto.Writer resp = new Proto.Writer().message(1, s);
        if (infoJson != null) {
            resp.map(2, Map.of("info", infoJson));
        }
        return resp.toByteArray();
    }

    @Test
    void containerdStatusMapsToFalcoFields() {
        String info = "{\"pid\":42,\"config\":{\"metadata\":{\"name\":\"app\"},\"image\":{\"image\":\"docker.io/library/nginx:1.25\"},"
                + "\"linux\":{\"security_context\":{\"privileged\":true}}},\"runtimeSpec\":{}}";
        CriClient.ContainerStatus s = CriClient.parseContainerStatus(
                status("docker.io/library/nginx:1.25", "docker.io/library/nginx@sha256:" + "b".repeat(64), info, true, 1));
        assertThat(s.name()).isEqualTo("app");
        assertThat(s.attempt()).isEqualTo(3);
        assertThat(s.logPath()).isEqualTo("/var/log/pods/x/app/3.log");
        ContainerMetadata m = CriMetadataSource.toMetadata(s);
        assertThat(m.name()).isEqualTo("app");
        assertThat(m.image()).isEqualTo("docker.io/library/nginx:1.25");
        assertThat(m.imageRepository()).isEqualTo("docker.io/library/nginx");
        assertThat(m.imageTag()).isEqualTo("1.25");
        assertThat(m.imageDigest()).isEqualTo("sha256:" + "b".repeat(64));
        assertThat(m.privileged()).isTrue();
        assertThat(m.mounts()).extracting(Object::toString)
                .containsExactly("/var/lib/kubelet/x:/var/run/secrets::false:rslave");
        assertThat(m.startTsNanos()).isEqualTo(1_700_000_001_000_000_000L);
        assertThat(m.podName()).isEqualTo("web-1");
        assertThat(m.podNamespace()).isEqualTo("prod");
        assertThat(m.podUid()).isEqualTo("u-1");
    }

    @Test
    void imageIdOnlyFallsBackToTheImageTheContainerWasCreatedWith() {
        String info = "{\"config\":{\"image\":{\"image\":\"registry:5000/team/api:v2\"}}}";
        ContainerMetadata m = CriMetadataSource.toMetadata(CriClient.parseContainerStatus(
                status("sha256:" + "c".repeat(64), "sha256:" + "c".repeat(64), info, false, 2)));
        assertThat(m.image()).isEqualTo("registry:5000/team/api:v2");
        assertThat(m.imageRepository()).isEqualTo("registry:5000/team/api");
        assertThat(m.imageTag()).isEqualTo("v2");
        assertThat(m.imageId()).isEqualTo("c".repeat(64));
        assertThat(m.imageDigest()).isNull();
        assertThat(m.privileged()).isFalse();
        assertThat(m.mounts().getFirst().propagation()).isEqualTo("rshared");
        assertThat(m.mounts().getFirst().readWrite()).isTrue();
    }

    @Test
    void crioPrivilegedFlagAndNoInfo() {
        ContainerMetadata crio = CriMetadataSource.toMetadata(CriClient.parseContainerStatus(
                status("quay.io/x/y:1", "quay.io/x/y@sha256:" + "d".repeat(64), "{\"privileged\":true,\"pid\":1}", false, 0)));
        assertThat(crio.privileged()).isTrue();
        assertThat(crio.mounts().getFirst().propagation()).isEqualTo("private");
        ContainerMetadata bare = CriMetadataSource.toMetadata(CriClient.parseContainerStatus(
                status("quay.io/x/y:1", "", null, false, 0)));
        assertThat(bare.privileged()).isNull();
        assertThat(bare.imageDigest()).isNull();
        ContainerMetadata badJson = CriMetadataSource.toMetadata(CriClient.parseContainerStatus(
                status("quay.io/x/y:1", "", "{not json", false, 0)));
        assertThat(badJson.privileged()).isNull();
    }

    @Test
    void sandboxWithoutKubeletLabelsTakesThePodFromItsMetadata() {
        byte[] resp = new Proto.Writer().message(1, new Proto.Writer()
                        .string(1, "e".repeat(64))
                        .message(2, new Proto.Writer().string(1, "db-0").string(2, "uid-9").string(3, "data").int64(4, 1))
                        .int64(4, 1_700_000_000_000_000_000L)
                        .message(5, new Proto.Writer().string(1, "10.244.1.7").message(2, new Proto.Writer().string(1, "fd00::7")))
                        .map(7, Map.of("tier", "db")))
                .map(2, Map.of("info", "{\"image\":\"registry.k8s.io/pause:3.9\"}"))
                .toByteArray();
        ContainerMetadata m = CriMetadataSource.toMetadata(CriClient.parseSandboxStatus(resp));
        assertThat(m.name()).isEqualTo("db-0");
        assertThat(m.podName()).isEqualTo("db-0");
        assertThat(m.podNamespace()).isEqualTo("data");
        assertThat(m.podUid()).isEqualTo("uid-9");
        assertThat(m.labels()).containsEntry("tier", "db");
        assertThat(m.imageRepository()).isEqualTo("registry.k8s.io/pause");
        assertThat(m.imageTag()).isEqualTo("3.9");
        assertThat(m.startTsNanos()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(m.sandboxId()).isEqualTo("e".repeat(64));
        assertThat(m.podIp()).as("the primary address, not the additional ones").isEqualTo("10.244.1.7");
        assertThat(m.podLabels()).containsExactly(Map.entry("tier", "db"));
    }

    @Test
    void aContainersSandboxIsNamedByItsVerboseInfo() {
        CriClient.ContainerStatus containerd = CriClient.parseContainerStatus(status("quay.io/x/y:1", "",
                "{\"sandboxID\":\"" + "a".repeat(64) + "\",\"config\":{}}", false, 0));
        assertThat(CriMetadataSource.sandboxId(containerd)).isEqualTo("a".repeat(64));
        assertThat(CriMetadataSource.sandboxId(CriClient.parseContainerStatus(status("quay.io/x/y:1", "", "", false, 0))))
                .as("no verbose info").isNull();
    }
}
