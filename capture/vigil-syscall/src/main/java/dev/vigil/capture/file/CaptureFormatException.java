package dev.vigil.capture.file;

import java.io.IOException;

/**
 * A capture file that cannot be read: not a capture file, a version this Vigil does not read, or
 * damaged. The message names the byte offset (counted in the uncompressed stream for gzip files).
 */
public final class CaptureFormatException extends IOException {
    private final long offset;

    public CaptureFormatException(String file, long offset, String problem) {
        super(file + ": " + problem + " at byte offset " + offset);
        this.offset = offset;
    }

    /** Where the problem is, in bytes from the start of the (uncompressed) file. */
    public long offset() {
        return offset;
    }
}
