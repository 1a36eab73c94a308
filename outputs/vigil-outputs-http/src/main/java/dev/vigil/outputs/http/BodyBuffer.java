package dev.vigil.outputs.http;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A request body built in place and reused from request to request: a {@link ByteArrayOutputStream}
 * (for the JSON generator) without locking, whose array is handed to the transport as it is.
 * Confined to one thread at a time.
 */
final class BodyBuffer extends ByteArrayOutputStream {

    BodyBuffer(int size) {
        super(size);
    }

    /** The array holding the body: its first {@link #size()} bytes. */
    byte[] array() {
        return buf;
    }

    private void ensure(int more) {
        int need = count + more;
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Appends all of {@code b}. */
    void add(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void reset() {
        count = 0;
    }

    @Override
    public int size() {
        return count;
    }
}
