package dev.vigil.pipeline;

import java.util.Set;

/**
 * Creates the sinks of one output type (e.g. {@code slack}). Output modules register their
 * factories with {@link java.util.ServiceLoader} ({@code META-INF/services/dev.vigil.pipeline.OutputFactory}).
 */
public interface OutputFactory {
    /** The type name used in {@code --output TYPE:...} and in the config file, lower case. */
    String type();

    /** One line for {@code vigil forward --list-outputs}. */
    String description();

    /** The type's own keys (besides the common ones of {@link OutputSettings#COMMON_KEYS}), for help and typo errors. */
    Set<String> keys();

    /**
     * Builds a sink from the output's settings. Reads only its own keys through {@code settings};
     * any problem is a {@link ConfigException} naming the output and key.
     */
    Sink create(OutputSettings settings) throws ConfigException;
}
