package dev.vigil.capture.state;

import java.io.IOException;
import java.util.Optional;

/**
 * Looks up what a container engine knows about a container (name, image, labels, mounts...).
 * Lookups are blocking and slow (a process spawn, a socket round trip): {@link SyscallState} calls
 * them only from its background executor, never while applying records, and retries a few times
 * while a just-created container is not yet known. Implementations must be thread-safe.
 */
public interface ContainerMetadataSource {
    /** A short name for diagnostics ({@code podman}, {@code cri}). */
    String name();

    /** Whether this source can describe containers of {@code runtime} ({@code podman}, {@code docker}, {@code containerd}, {@code cri-o}). */
    boolean supports(String runtime);

    /**
     * The metadata of the container with the given full (64 hex) id, or empty when the engine does
     * not know it (yet).
     */
    Optional<ContainerMetadata> lookup(String fullId) throws IOException, InterruptedException;
}
