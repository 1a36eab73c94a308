package dev.vigil.app;

import dev.vigil.capture.cri.CriMetadataSource;
import dev.vigil.capture.ebpf.ProbeConfig;
import dev.vigil.capture.state.ContainerMetadataSource;
import dev.vigil.capture.state.PodmanMetadataSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options of the eBPF probe shared by {@code vigil run} and {@code vigil capture}. */
final class ProbeOptions {
    private static final Pattern SIZE = Pattern.compile("(\\d+)(KiB|MiB|GiB)");

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--ring-buffer", paramLabel = "SIZE", defaultValue = "16MiB",
            description = "Size of the kernel ring buffer (a power of two from 4KiB to 1GiB, e.g. 64MiB). Larger absorbs longer "
                    + "bursts without drops. Default: ${DEFAULT-VALUE}.")
    String ringBuffer;

    @Option(names = "--cri-socket", paramLabel = "PATH",
            description = "Ask this CRI runtime socket (containerd, CRI-O) for container and pod metadata; repeatable. "
                    + "Default: those of /run/containerd/containerd.sock, /run/crio/crio.sock and their /var/run twins that exist. "
                    + "Podman containers are always described by podman.")
    List<Path> criSockets = new ArrayList<>();

    /** How long one CRI lookup (connect, request, response) may take. */
    static final Duration CRI_TIMEOUT = Duration.ofSeconds(5);

    /** Where container metadata comes from: podman, then the CRI sockets given or found; the choice is reported on {@code err}. */
    List<ContainerMetadataSource> metadataSources(PrintWriter err) {
        List<ContainerMetadataSource> sources = new ArrayList<>();
        sources.add(new PodmanMetadataSource());
        if (criSockets.isEmpty()) {
            sources.addAll(CriMetadataSource.wellKnown(CRI_TIMEOUT));
        } else {
            for (Path p : criSockets) {
                if (!Files.exists(p)) {
                    err.println("vigil: warning: CRI socket " + p + " does not exist (yet); lookups will fail until it does");
                }
                sources.add(new CriMetadataSource(p, CRI_TIMEOUT));
            }
        }
        err.println("vigil: container metadata from " + String.join(", ", sources.stream().map(ContainerMetadataSource::name).toList()));
        return sources;
    }

    ProbeConfig config() {
        Matcher m = SIZE.matcher(ringBuffer.strip());
        if (!m.matches()) {
            throw new CommandLine.ParameterException(mixee.commandLine(),
                    "Invalid value for option '--ring-buffer': '" + ringBuffer + "' is not a size (e.g. 512KiB, 16MiB, 1GiB)");
        }
        long bytes = Long.parseLong(m.group(1)) << switch (m.group(2)) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        try {
            return ProbeConfig.defaults().withRingBufferBytes(bytes);
        } catch (IllegalArgumentException bad) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "Invalid value for option '--ring-buffer': " + bad.getMessage());
        }
    }
}
