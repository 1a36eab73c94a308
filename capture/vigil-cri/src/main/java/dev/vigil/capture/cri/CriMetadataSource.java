package dev.vigil.capture.cri;

import dev.vigil.capture.state.ContainerMetadata;
import dev.vigil.capture.state.ContainerMetadataSource;
import dev.vigil.capture.state.MiniJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Container metadata from a CRI runtime (containerd, CRI-O) through its gRPC socket:
 * {@code RuntimeService/ContainerStatus} with {@code verbose} set, mapped the way Falco's CRI engine
 * fills its fields:
 * <ul>
 *   <li>name: the CRI container name ({@code metadata.name}, the name in the pod spec);</li>
 *   <li>image: {@code image.image} (containerd reports the image's first tag there); when that is
 *       a bare {@code sha256:} id, the image the container was created with
 *       ({@code info.config.image.image});</li>
 *   <li>digest: the part after {@code @} of {@code image_ref} (or of the image); image id:
 *       {@code image_id}, else an {@code image_ref} that is an id, without {@code sha256:};</li>
 *   <li>privileged: from the verbose {@code info} JSON, {@code privileged} (CRI-O) or
 *       {@code config.linux.security_context.privileged} (containerd);</li>
 *   <li>mounts: host path, container path, no mode, read-write unless {@code readonly}, propagation
 *       {@code private}, {@code rslave} or {@code rshared};</li>
 *   <li>start time: {@code started_at} (nanoseconds), else {@code created_at};</li>
 *   <li>labels: the container's labels, where kubelet puts {@code io.kubernetes.pod.name},
 *       {@code .namespace} and {@code .uid}.</li>
 * </ul>
 * An id the runtime knows as a pod sandbox (the "pause" container, whose cgroup looks like any
 * other) is described from {@code PodSandboxStatus}: name and labels of the pod (the
 * {@code io.kubernetes.pod.*} labels filled from the sandbox metadata when missing), the sandbox
 * image when the runtime's verbose info names it, start time {@code created_at}.
 * {@code NOT_FOUND} from both means the runtime does not know the id (yet): the lookup is empty and
 * retried by the caller. Other failures (socket missing, timeout, protocol error) are thrown, and
 * logged as a warning when they differ from the previous failure (a recovery is logged once).
 */
public final class CriMetadataSource implements ContainerMetadataSource {
    /** Sockets looked for when none is given, in this order. */
    public static final List<Path> WELL_KNOWN = List.of(
            Path.of("/run/containerd/containerd.sock"),
            Path.of("/run/crio/crio.sock"),
            Path.of("/var/run/containerd/containerd.sock"),
            Path.of("/var/run/crio/crio.sock"));

    private static final System.Logger LOG = System.getLogger(CriMetadataSource.class.getName());

    private final CriClient client;
    /** The last failure logged: a failure is logged when it differs from the previous one, recovery once. */
    private final AtomicReference<String> lastProblem = new AtomicReference<>();

    /** A source on {@code socket} whose every call (connect, send, receive) ends within {@code timeout}. */
    public CriMetadataSource(Path socket, Duration timeout) {
        this.client = new CriClient(socket, timeout);
    }

    /**
     * Sources for the well-known sockets that exist (a socket reached through two paths, such as
     * {@code /var/run -> /run}, counts once).
     */
    public static List<CriMetadataSource> wellKnown(Duration timeout) {
        List<CriMetadataSource> out = new ArrayList<>();
        List<Path> seen = new ArrayList<>();
        for (Path p : WELL_KNOWN) {
            if (!Files.exists(p)) {
                continue;
            }
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                continue;
            }
            if (!seen.contains(real)) {
                seen.add(real);
                out.add(new CriMetadataSource(p, timeout));
            }
        }
        return out;
    }

    public Path socket() {
        return client.socket();
    }

    @Override
    public String name() {
        return "cri:" + client.socket();
    }

    @Override
    public boolean supports(String runtime) {
        return "containerd".equals(runtime) || "cri-o".equals(runtime);
    }

    @Override
    public Optional<ContainerMetadata> lookup(String fullId) throws IOException {
        try {
            Optional<ContainerMetadata> m = ask(fullId);
            if (lastProblem.getAndSet(null) != null) {
                LOG.log(System.Logger.Level.INFO, "{0}: container metadata lookups work again", name());
            }
            return m;
        } catch (IOException e) {
            String problem = String.valueOf(e.getMessage());
            if (!problem.equals(lastProblem.getAndSet(problem))) {
                LOG.log(System.Logger.Level.WARNING, "{0}: container metadata lookup failed: {1}", name(), problem);
            }
            throw e;
        }
    }

    private Optional<ContainerMetadata> ask(String fullId) throws IOException {
        CriClient.ContainerStatus status = null;
        try {
            status = client.containerStatus(fullId, true);
        } catch (GrpcException e) {
            if (e.status() != GrpcException.NOT_FOUND) {
                throw e;
            }
        }
        if (status != null) {
            ContainerMetadata m = toMetadata(status);
            String sandbox = sandboxId(status);
            if (sandbox == null) {
                return Optional.of(m);
            }
            try {
                CriClient.SandboxStatus pod = client.podSandboxStatus(sandbox, false);
                return Optional.of(m.withPod(sandbox, blank(pod.ip()), pod.labels()));
            } catch (IOException e) {
                // the pod is gone already (NOT_FOUND), or the runtime failed this second call: the
                // container's own metadata stands, without the pod's address and labels
                if (!(e instanceof GrpcException g && g.status() == GrpcException.NOT_FOUND)) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: pod sandbox {1} of container {2}: {3}", name(), sandbox, fullId,
                            e.getMessage());
                }
                return Optional.of(m.withPod(sandbox, null, Map.of()));
            }
        }
        try {
            return Optional.of(toMetadata(client.podSandboxStatus(fullId, true)));
        } catch (GrpcException e) {
            if (e.status() == GrpcException.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The id of the container's pod sandbox, from the verbose info (containerd and CRI-O both say {@code sandboxID}). */
    static String sandboxId(CriClient.ContainerStatus s) {
        return blank(str(infoJson(s.info()).get("sandboxID")));
    }

    /** Describes a pod sandbox ("pause" container) as a container of its pod. */
    static ContainerMetadata toMetadata(CriClient.SandboxStatus s) {
        Map<String, String> labels = new java.util.LinkedHashMap<>(s.labels());
        labels.putIfAbsent(ContainerMetadata.POD_NAME_LABEL, s.podName());
        labels.putIfAbsent(ContainerMetadata.POD_NAMESPACE_LABEL, s.podNamespace());
        labels.putIfAbsent(ContainerMetadata.POD_UID_LABEL, s.podUid());
        labels.values().removeIf(String::isEmpty);
        String image = str(infoJson(s.info()).get("image"));
        String[] parts = ContainerMetadata.splitImage(image);
        return new ContainerMetadata(blank(s.podName()), image, null, parts[0], parts[1], parts[2], null, List.of(),
                s.createdAt() > 0 ? s.createdAt() : null, labels, blank(s.id()), blank(s.ip()), s.labels());
    }

    /** Maps a CRI container status to Vigil's (and Falco's) container fields. */
    static ContainerMetadata toMetadata(CriClient.ContainerStatus s) {
        Map<String, Object> info = infoJson(s.info());
        String image = blank(s.image());
        if (image == null || image.startsWith("sha256:")) {
            String created = str(path(info, "config", "image", "image"));
            if (created != null && !created.isEmpty()) {
                image = created;
            }
        }
        String[] parts = ContainerMetadata.splitImage(image);
        String imageRef = blank(s.imageRef());
        String digest = parts[2];
        if (imageRef != null && imageRef.contains("@")) {
            digest = imageRef.substring(imageRef.indexOf('@') + 1);
        }
        String imageId = blank(s.imageId());
        if (imageId == null && imageRef != null && !imageRef.contains("@")) {
            imageId = imageRef;
        }
        if (imageId != null && imageId.startsWith("sha256:")) {
            imageId = imageId.substring("sha256:".length());
        }
        Boolean privileged = null;
        if (info.get("privileged") instanceof Boolean b) {
            privileged = b;
        } else if (path(info, "config", "linux", "security_context", "privileged") instanceof Boolean b) {
            privileged = b;
        } else if (!info.isEmpty() && path(info, "config") instanceof Map<?, ?>) {
            // containerd leaves privileged out of its JSON when false
            privileged = false;
        }
        List<ContainerMetadata.Mount> mounts = new ArrayList<>();
        for (CriClient.Mount m : s.mounts()) {
            if (m.containerPath().isEmpty()) {
                continue;
            }
            mounts.add(new ContainerMetadata.Mount(m.hostPath(), m.containerPath(), "", !m.readonly(),
                    propagation(m.propagation())));
        }
        Long start = s.startedAt() > 0 ? Long.valueOf(s.startedAt()) : s.createdAt() > 0 ? Long.valueOf(s.createdAt()) : null;
        return new ContainerMetadata(blank(s.name()), image, imageId, parts[0], parts[1], digest, privileged, mounts,
                start, s.labels());
    }

    /** The CRI {@code MountPropagation} enum as Linux names it. */
    static String propagation(int p) {
        return switch (p) {
            case 0 -> "private";
            case 1 -> "rslave";
            case 2 -> "rshared";
            default -> "unknown";
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> infoJson(Map<String, String> info) {
        String json = info.get("info");
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return MiniJson.parse(json) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static Object path(Map<String, Object> m, String... keys) {
        Object cur = m;
        for (String k : keys) {
            if (!(cur instanceof Map<?, ?> map)) {
                return null;
            }
            cur = map.get(k);
        }
        return cur;
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static String blank(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
