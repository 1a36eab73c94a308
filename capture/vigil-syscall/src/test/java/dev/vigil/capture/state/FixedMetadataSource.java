package dev.vigil.capture.state;

import java.util.Optional;

/** A metadata source that describes every container with the same metadata (tests). */
public record FixedMetadataSource(ContainerMetadata metadata) implements ContainerMetadataSource {
    @Override
    public String name() {
        return "test";
    }

    @Override
    public boolean supports(String runtime) {
        return true;
    }

    @Override
    public Optional<ContainerMetadata> lookup(String fullId) {
        return Optional.of(metadata);
    }
}
