package dev.vigil.pipeline;

/** A body that is not a valid Falco JSON alert; the message says what and where. */
public final class AlertFormatException extends Exception {
    public AlertFormatException(String message) {
        super(message);
    }
}
