package dev.vigil.capture.state;

import java.util.Objects;

/**
 * A container as a capture file keeps it.
 *
 * @param fullId   the full (64 hex) id
 * @param runtime  docker, containerd, cri-o or podman
 * @param metadata what the engine said, or null when it had not answered yet
 */
public record ContainerSnapshot(String fullId, String runtime, ContainerMetadata metadata) {
    public ContainerSnapshot {
        Objects.requireNonNull(fullId, "fullId");
        Objects.requireNonNull(runtime, "runtime");
    }
}
