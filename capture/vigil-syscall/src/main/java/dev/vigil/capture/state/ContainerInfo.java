package dev.vigil.capture.state;

import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * A container as state tracking knows it: its id from the cgroup path at once, its engine metadata
 * later, when the background lookup completes. Until then the metadata fields are absent. Shared
 * by every process of the container; metadata is published once, safely, from the lookup thread.
 */
public final class ContainerInfo {
    /** The pseudo-container of host processes: {@code container.id} and {@code container.name} are {@code host}. */
    public static final ContainerInfo HOST = new ContainerInfo("host", "host", "host");

    private final String id;
    private final String fullId;
    private final String runtime;
    private final CompletableFuture<ContainerMetadata> arrived = new CompletableFuture<>();
    private volatile ContainerMetadata metadata;
    private volatile String mounts;

    ContainerInfo(String id, String fullId, String runtime) {
        this.id = id;
        this.fullId = fullId;
        this.runtime = runtime;
    }

    static ContainerInfo of(String fullId, String runtime) {
        return new ContainerInfo(fullId.substring(0, Math.min(12, fullId.length())), fullId, runtime);
    }

    public boolean isHost() {
        return this == HOST;
    }

    /** {@code container.id}: the first 12 hex characters, or {@code host}. */
    public String id() {
        return id;
    }

    /** {@code container.full_id}. */
    public String fullId() {
        return fullId;
    }

    /** docker, containerd, cri-o, podman, or host. */
    public String runtime() {
        return runtime;
    }

    /** The engine metadata, or null until the lookup succeeded. */
    public ContainerMetadata metadata() {
        return metadata;
    }

    /** Completes when the metadata arrives (never, if every lookup fails). */
    public CompletableFuture<ContainerMetadata> metadataFuture() {
        return arrived;
    }

    /** {@code container.mounts}, rendered once. */
    public String mountsString() {
        return mounts;
    }

    void publish(ContainerMetadata m) {
        mounts = m.mounts().stream().map(ContainerMetadata.Mount::toString).collect(Collectors.joining(","));
        metadata = m;
        arrived.complete(m);
    }

    @Override
    public String toString() {
        return isHost() ? "host" : runtime + ":" + id;
    }
}
