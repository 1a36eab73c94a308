package dev.vigil.capture.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Container metadata from podman: runs {@code podman inspect --type container --format json <id>}
 * and reads name, image, privileged flag, mounts, start time and labels (Kubernetes pod labels
 * included) from it.
 */
public final class PodmanMetadataSource implements ContainerMetadataSource {
    private final List<String> command;
    private final long timeoutMillis;

    /** Runs {@code podman} from the PATH with a 15 s timeout. */
    public PodmanMetadataSource() {
        this(List.of("podman"), 15_000);
    }

    /**
     * @param command the podman command and its global options ({@code podman --root /x})
     * @param timeoutMillis how long one inspect may take before it is killed
     */
    public PodmanMetadataSource(List<String> command, long timeoutMillis) {
        this.command = List.copyOf(command);
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public String name() {
        return "podman";
    }

    @Override
    public boolean supports(String runtime) {
        return "podman".equals(runtime);
    }

    @Override
    public Optional<ContainerMetadata> lookup(String fullId) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("inspect", "--type", "container", "--format", "json", fullId));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readNBytes(4 * 1024 * 1024);
        }
        if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return Optional.empty();
        }
        if (p.exitValue() != 0) {
            return Optional.empty();
        }
        return parse(new String(out, StandardCharsets.UTF_8));
    }

    /** Reads the first container of a {@code podman inspect --format json} document. */
    @SuppressWarnings("unchecked")
    static Optional<ContainerMetadata> parse(String json) {
        Object doc = MiniJson.parse(json);
        Map<String, Object> c;
        if (doc instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?>) {
            c = (Map<String, Object>) l.get(0);
        } else if (doc instanceof Map<?, ?> m) {
            c = (Map<String, Object>) m;
        } else {
            return Optional.empty();
        }
        Map<String, Object> config = map(c.get("Config"));
        Map<String, Object> state = map(c.get("State"));
        Map<String, Object> host = map(c.get("HostConfig"));
        String image = str(c.get("ImageName"));
        if (image == null) {
            image = str(config.get("Image"));
        }
        String[] parts = ContainerMetadata.splitImage(image);
        String digest = str(c.get("ImageDigest"));
        if (digest == null || digest.isEmpty()) {
            digest = parts[2];
        }
        Map<String, String> labels = new HashMap<>();
        map(config.get("Labels")).forEach((k, v) -> {
            if (v != null) {
                labels.put(k, String.valueOf(v));
            }
        });
        List<ContainerMetadata.Mount> mounts = new ArrayList<>();
        if (c.get("Mounts") instanceof List<?> ml) {
            for (Object o : ml) {
                Map<String, Object> m = map(o);
                String dest = str(m.get("Destination"));
                if (dest == null) {
                    continue;
                }
                mounts.add(new ContainerMetadata.Mount(str(m.get("Source")), dest, str(m.get("Mode")),
                        Boolean.TRUE.equals(m.get("RW")), str(m.get("Propagation"))));
            }
        }
        Boolean privileged = host.get("Privileged") instanceof Boolean b ? b : null;
        Long started = time(str(state.get("StartedAt")));
        if (started == null) {
            started = time(str(c.get("Created")));
        }
        String name = str(c.get("Name"));
        if (name != null && name.startsWith("/")) {
            name = name.substring(1);
        }
        return Optional.of(new ContainerMetadata(name, image, str(c.get("Image")), parts[0], parts[1], digest,
                privileged, mounts, started, labels));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    /** RFC 3339 time to epoch nanoseconds; null for absent or zero ({@code 0001-01-01...}) times. */
    static Long time(String t) {
        if (t == null || t.isEmpty() || t.startsWith("0001-")) {
            return null;
        }
        try {
            Instant i = OffsetDateTime.parse(t).toInstant();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
