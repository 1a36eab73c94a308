package dev.vigil.capture.state;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a container engine says about a container. Values the engine did not report are null
 * (lists and maps are empty instead).
 *
 * @param name the container name
 * @param image the image reference as the container was created from ({@code repo:tag} or {@code repo@digest})
 * @param imageId the image id
 * @param imageRepository the repository part of {@code image}
 * @param imageTag the tag part of {@code image}
 * @param imageDigest the digest of the image, when known
 * @param privileged whether the container runs privileged
 * @param mounts the container's mounts
 * @param startTsNanos when the container started, nanoseconds since the epoch
 * @param labels the container's labels
 * @param sandboxId the full id of the container's pod sandbox (CRI runtimes), or null
 * @param podIp the pod's primary IP address (CRI runtimes, pods with their own network), or null
 * @param podLabels the pod's labels (CRI runtimes), empty when unknown
 */
public record ContainerMetadata(String name, String image, String imageId, String imageRepository, String imageTag,
                                String imageDigest, Boolean privileged, List<Mount> mounts, Long startTsNanos,
                                Map<String, String> labels, String sandboxId, String podIp, Map<String, String> podLabels) {
    public static final String POD_NAME_LABEL = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
    public static final String POD_UID_LABEL = "io.kubernetes.pod.uid";

    public ContainerMetadata {
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        podLabels = podLabels == null ? Map.of() : Map.copyOf(podLabels);
    }

    /** Metadata of a container outside a pod (no sandbox, pod IP or pod labels). */
    public ContainerMetadata(String name, String image, String imageId, String imageRepository, String imageTag,
                             String imageDigest, Boolean privileged, List<Mount> mounts, Long startTsNanos,
                             Map<String, String> labels) {
        this(name, image, imageId, imageRepository, imageTag, imageDigest, privileged, mounts, startTsNanos, labels, null, null,
                Map.of());
    }

    /** The same metadata with the pod sandbox's id, IP address and labels. */
    public ContainerMetadata withPod(String sandboxId, String podIp, Map<String, String> podLabels) {
        return new ContainerMetadata(name, image, imageId, imageRepository, imageTag, imageDigest, privileged, mounts,
                startTsNanos, labels, sandboxId, podIp, podLabels);
    }

    /** One mount, rendered by {@link #toString()} as Falco does: {@code source:dest:mode:rdwr:propagation}. */
    public record Mount(String source, String destination, String mode, boolean readWrite, String propagation) {
        public Mount {
            Objects.requireNonNull(destination, "destination");
            source = source == null ? "" : source;
            mode = mode == null ? "" : mode;
            propagation = propagation == null ? "" : propagation;
        }

        @Override
        public String toString() {
            return source + ":" + destination + ":" + mode + ":" + readWrite + ":" + propagation;
        }
    }

    public String podName() {
        return labels.get(POD_NAME_LABEL);
    }

    public String podNamespace() {
        return labels.get(POD_NAMESPACE_LABEL);
    }

    public String podUid() {
        return labels.get(POD_UID_LABEL);
    }

    /**
     * Splits an image reference into repository, tag and digest: {@code registry:5000/a/b:1.2@sha256:..}
     * gives {@code registry:5000/a/b}, {@code 1.2}, {@code sha256:..}. Missing parts are null.
     */
    public static String[] splitImage(String image) {
        if (image == null || image.isEmpty()) {
            return new String[] {null, null, null};
        }
        String rest = image;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        return new String[] {rest, tag, digest};
    }
}
