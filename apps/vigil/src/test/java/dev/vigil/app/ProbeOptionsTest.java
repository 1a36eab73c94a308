package dev.vigil.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.capture.cri.CriMetadataSource;
import dev.vigil.capture.state.ContainerMetadataSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --cri-socket}: which container metadata sources {@code vigil run} and {@code vigil capture} ask. */
class ProbeOptionsTest {
    private static List<String> sources(Object command, StringWriter err, String... args) {
        new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        ProbeOptions o = command instanceof Main.Run r ? r.probeOptions : ((Main.Capture) command).probeOptions;
        return o.metadataSources(new PrintWriter(err, true)).stream().map(ContainerMetadataSource::name).toList();
    }

    @Test
    void givenSocketsComeAfterPodmanInOrder(@TempDir Path dir) throws IOException {
        Path sock = dir.resolve("containerd.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(sock));
            StringWriter err = new StringWriter();
            List<String> names = sources(new Main.Run(), err, "--cri-socket", sock.toString(), "--cri-socket", "/nonexistent/crio.sock");
            assertThat(names).containsExactly("podman", "cri:" + sock, "cri:/nonexistent/crio.sock");
            assertThat(err.toString())
                    .contains("CRI socket /nonexistent/crio.sock does not exist")
                    .doesNotContain("CRI socket " + sock + " does not")
                    .contains("container metadata from podman, cri:" + sock + ", cri:/nonexistent/crio.sock");
            List<String> capture = sources(new Main.Capture(), new StringWriter(), "-w", dir.resolve("f").toString(),
                    "--cri-socket", sock.toString());
            assertThat(capture).containsExactly("podman", "cri:" + sock);
        }
    }

    @Test
    void withoutTheOptionTheWellKnownSocketsThatExist() {
        StringWriter err = new StringWriter();
        List<String> names = sources(new Main.Run(), err);
        List<String> expected = new java.util.ArrayList<>(List.of("podman"));
        CriMetadataSource.wellKnown(ProbeOptions.CRI_TIMEOUT).forEach(s -> expected.add(s.name()));
        assertThat(names).isEqualTo(expected);
        assertThat(err.toString()).doesNotContain("does not exist");
    }
}
