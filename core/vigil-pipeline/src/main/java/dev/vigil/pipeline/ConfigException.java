package dev.vigil.pipeline;

/** A configuration problem; the message names the place (output, key, file and line when known). */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
