package dev.vigil.rules.replay;

/** A field snapshot that does not follow the replay format; the message says what is wrong. */
public final class SnapshotFormatException extends Exception {
    public SnapshotFormatException(String message) {
        super(message, null, false, false);
    }
}
