package dev.vigil.capture.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.event.IpAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatePartsTest {
    @TempDir
    Path tmp;

    @Test
    void pathsNormaliseLikeLibsinsp() {
        assertThat(Paths2.resolve("/home/alice/", "notes.txt")).isEqualTo("/home/alice/notes.txt");
        assertThat(Paths2.resolve("/home/alice", "../bob/./x")).isEqualTo("/home/bob/x");
        assertThat(Paths2.resolve("/", "../../etc//passwd")).isEqualTo("/etc/passwd");
        assertThat(Paths2.resolve("/x", "/etc/../etc/shadow/")).isEqualTo("/etc/shadow");
        assertThat(Paths2.resolve(null, "a/../b")).isEqualTo("b");
        assertThat(Paths2.normalize("/usr/bin/cat")).isSameAs(Paths2.normalize("/usr/bin/cat")).isEqualTo("/usr/bin/cat");
        assertThat(Paths2.dirname("/etc/passwd")).isEqualTo("/etc");
        assertThat(Paths2.dirname("/passwd")).isEqualTo("/");
        assertThat(Paths2.basename("/etc/passwd")).isEqualTo("passwd");
    }

    @Test
    void addressesFormatAsInetNtop() {
        assertThat(Ip.format(IpAddress.parse("10.0.0.1").orElseThrow())).isEqualTo("10.0.0.1");
        assertThat(Ip.format(IpAddress.parse("::1").orElseThrow())).isEqualTo("::1");
        assertThat(Ip.format(IpAddress.parse("2001:db8:0:0:1:0:0:1").orElseThrow())).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Ip.format(IpAddress.parse("fe80::1:2").orElseThrow())).isEqualTo("fe80::1:2");
        assertThat(Ip.format(new IpAddress(new byte[16]))).isEqualTo("::");
        assertThat(Ip.of(NetTables.hexAddress("0000000000000000FFFF00000100007F"))).isEqualTo(IpAddress.parse("127.0.0.1").orElseThrow());
        assertThat(Ip.of(NetTables.hexAddress("0100007F"))).isEqualTo(IpAddress.parse("127.0.0.1").orElseThrow());
        assertThat(Ip.of(NetTables.hexAddress("00000000000000000000000001000000"))).isEqualTo(IpAddress.parse("::1").orElseThrow());
    }

    @Test
    void statAndStatusParse() {
        ProcFs.Stat st = ProcFs.parseStat("4242 (my (odd) comm) S 1 4242 4242 34817 4242 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 2 3");
        assertThat(st.comm()).isEqualTo("my (odd) comm");
        assertThat(st.ppid()).isEqualTo(1);
        assertThat(st.session()).isEqualTo(4242);
        assertThat(st.ttyNr()).isEqualTo(34817);
        assertThat(st.startTicks()).isEqualTo(987654);
        ProcFs.Status s = ProcFs.parseStatus("""
                Name:\tsleep
                Tgid:\t24746
                PPid:\t24740
                Uid:\t1000\t0\t0\t0
                Gid:\t1000\t1000\t1000\t1000
                NSpid:\t24746\t1
                NSpgid:\t24746\t1
                CapInh:\t0000000000000000
                CapPrm:\t00000000800405fb
                CapEff:\t00000000800405fb
                """);
        assertThat(s.euid()).isZero();
        assertThat(s.ruid()).isEqualTo(1000);
        assertThat(s.nsPid()).isEqualTo(1);
        assertThat(Capabilities.names(s.capEff())).startsWith("CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER").contains("CAP_SETFCAP")
                .doesNotContain("CAP_SYS_ADMIN");
    }

    @Test
    void upperLayerIsAFileThatExistsInTheOverlayUpperDir() throws Exception {
        Path upper = Files.createDirectories(tmp.resolve("diff"));
        Files.createDirectories(upper.resolve("drop"));
        Files.writeString(upper.resolve("drop/sleep"), "x");
        String mountinfo = "73 48 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/l/A,upperdir=" + upper
                + ",workdir=/w\n74 73 0:43 / /proc rw - proc proc rw\n";
        MountTable t = MountTable.parse(mountinfo);
        assertThat(t.layerOf("/drop/sleep")).isEqualTo(MountTable.Layer.UPPER);
        assertThat(t.layerOf("/bin/busybox")).isEqualTo(MountTable.Layer.LOWER);
        assertThat(t.layerOf("/proc/self/exe")).isEqualTo(MountTable.Layer.NONE);
        assertThat(MountTable.parse("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n").layerOf("/usr/bin/cat")).isEqualTo(MountTable.Layer.NONE);
    }

    @Test
    void podmanInspectOutputMapsToMetadata() {
        String json = """
                [{"Id":"2c4a","Name":"web","Created":"2026-11-26T15:24:41.99Z",
                  "State":{"StartedAt":"2026-11-26T15:24:42.074730225Z"},
                  "Image":"852785d1eec1","ImageName":"registry.example:5000/team/app:1.2",
                  "HostConfig":{"Privileged":true},
                  "Mounts":[{"Type":"bind","Source":"/proc","Destination":"/host/proc","Mode":"","RW":false,"Propagation":"rprivate"}],
                  "Config":{"Labels":{"io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"shop","x":"\\u00e9"}}}]
                """;
        ContainerMetadata m = PodmanMetadataSource.parse(json).orElseThrow();
        assertThat(m.name()).isEqualTo("web");
        assertThat(m.imageRepository()).isEqualTo("registry.example:5000/team/app");
        assertThat(m.imageTag()).isEqualTo("1.2");
        assertThat(m.privileged()).isTrue();
        assertThat(m.podName()).isEqualTo("web-0");
        assertThat(m.podNamespace()).isEqualTo("shop");
        assertThat(m.labels()).containsEntry("x", "é");
        assertThat(m.startTsNanos()).isEqualTo(java.time.Instant.parse("2026-11-26T15:24:42.074730225Z").getEpochSecond()
                * 1_000_000_000L + 74_730_225L);
        assertThat(m.mounts()).singleElement().hasToString("/proc:/host/proc::false:rprivate");
        assertThat(ContainerMetadata.splitImage("nginx@sha256:abc")).containsExactly("nginx", null, "sha256:abc");
        assertThat(ContainerMetadata.splitImage("localhost:5000/nginx")).containsExactly("localhost:5000/nginx", null, null);
    }

    @Test
    void usersAndGroupsReloadWhenTheFilesChange() throws Exception {
        Files.writeString(tmp.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(tmp.resolve("group"), "root:x:0:\n");
        LiveHost host = new LiveHost(Path.of("/proc"), tmp);
        long stamp = host.usersStamp();
        UserDb db = UserDb.of(host.users("", 0));
        assertThat(db.userName(1000)).isNull();
        Files.writeString(tmp.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n");
        assertThat(host.usersStamp()).as("the stamp follows the files").isNotEqualTo(stamp);
        UserDb reloaded = UserDb.of(host.users("", 0));
        assertThat(reloaded.userName(1000)).isEqualTo("alice");
        assertThat(reloaded.version()).isNotEqualTo(db.version());
        assertThat(reloaded.groupName(0)).isEqualTo("root");
        assertThat(reloaded.passwdText()).contains("alice:x:1000");
    }

    @Test
    void intMapSurvivesChurn() {
        IntMap<String> m = new IntMap<>();
        for (int i = 0; i < 5000; i++) {
            m.put(i * 7, "v" + i);
        }
        for (int i = 0; i < 5000; i += 2) {
            assertThat(m.remove(i * 7)).isEqualTo("v" + i);
        }
        assertThat(m.size()).isEqualTo(2500);
        for (int i = 1; i < 5000; i += 2) {
            assertThat(m.get(i * 7)).isEqualTo("v" + i);
        }
        assertThat(m.get(0)).isNull();
    }

    @Test
    void miniJsonReadsNestedDocuments() {
        Object o = MiniJson.parse("{\"a\":[1,2.5,true,null,\"x\\\"y\"],\"b\":{}}");
        assertThat(o).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, 2.5, true, null, "x\"y"), "b", Map.of()));
        assertThat(List.of()).isEmpty();
    }

    @Test
    void domainNamesMapWatchedNamesBackFromAddresses() {
        try (DomainNames d = new DomainNames()) {
            d.watch("localhost");
            d.refreshNow();
            assertThat(d.nameOf(IpAddress.parse("127.0.0.1").orElseThrow())).isEqualTo("localhost");
            assertThat(d.nameOf(IpAddress.parse("10.9.9.9").orElseThrow())).isNull();
        }
    }
}
