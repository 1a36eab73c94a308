package dev.vigil.capture.ebpf;

/**
 * How {@link Probe#open} sets the probe up.
 *
 * @param ringBufferBytes size of the kernel ring buffer: a power of two, at least one page (4 KiB) and at
 *                        most 1 GiB. 8 to 64 MiB avoids drops under bursts; the default is 16 MiB
 * @param ignoreTgid      a process (tgid) whose records the kernel drops before they reach the ring, normally
 *                        the agent itself, which would otherwise trace its own reads and writes; 0 ignores
 *                        nothing. The default is this JVM's pid
 */
public record ProbeConfig(long ringBufferBytes, int ignoreTgid) {
    public static final long DEFAULT_RING_BUFFER_BYTES = 16L << 20;
    static final long MIN_RING_BUFFER_BYTES = 4096;
    static final long MAX_RING_BUFFER_BYTES = 1L << 30;

    public ProbeConfig {
        if (ringBufferBytes < MIN_RING_BUFFER_BYTES || ringBufferBytes > MAX_RING_BUFFER_BYTES
                || Long.bitCount(ringBufferBytes) != 1) {
            throw new IllegalArgumentException("ringBufferBytes must be a power of two between 4 KiB and 1 GiB, not "
                    + ringBufferBytes);
        }
        if (ignoreTgid < 0) {
            throw new IllegalArgumentException("ignoreTgid must be a pid or 0, not " + ignoreTgid);
        }
    }

    /** 16 MiB ring, ignoring this JVM. */
    public static ProbeConfig defaults() {
        return new ProbeConfig(DEFAULT_RING_BUFFER_BYTES, (int) ProcessHandle.current().pid());
    }

    public ProbeConfig withRingBufferBytes(long bytes) {
        return new ProbeConfig(bytes, ignoreTgid);
    }

    public ProbeConfig withIgnoreTgid(int tgid) {
        return new ProbeConfig(ringBufferBytes, tgid);
    }
}
