package dev.vigil.capture.ebpf;

/**
 * The probe could not be opened, loaded or attached. The message names the step and libbpf's error;
 * {@link #libbpfLog()} holds what libbpf printed meanwhile, including the kernel verifier's log when a
 * program was rejected.
 */
public final class ProbeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String libbpfLog;

    public ProbeException(String message, String libbpfLog) {
        super(libbpfLog == null || libbpfLog.isBlank() ? message : message + "\n--- libbpf log ---\n" + libbpfLog.strip());
        this.libbpfLog = libbpfLog == null ? "" : libbpfLog;
    }

    /** libbpf's warnings and info messages (verifier log included) captured during the failed step; may be empty. */
    public String libbpfLog() {
        return libbpfLog;
    }
}
