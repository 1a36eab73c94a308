package dev.vigil.capture.file;

import dev.vigil.capture.state.FdType;

/** Constants of the capture file format (docs/capture-format.md). */
final class CaptureFormat {
    /** {@code 89 'V' 'I' 'G' 'C' 'A' 'P' 0A}: a non-ASCII first byte (never the start of a JSON line) and a newline that text-mode transfers would damage. */
    static final byte[] MAGIC = {(byte) 0x89, 'V', 'I', 'G', 'C', 'A', 'P', '\n'};
    static final int VERSION = 1;
    static final int HEADER_SIZE = 12;
    /** Entries longer than this are taken for corruption. */
    static final int MAX_ENTRY = 64 * 1024 * 1024;

    // entry types; 0x01..0x08 are the probe record kinds (RawRecord.Kind ordinal + 1)
    static final int T_EXEC = 0x01;
    static final int T_EXEC_FAIL = 0x02;
    static final int T_OPEN = 0x03;
    static final int T_CONNECT = 0x04;
    static final int T_EXIT = 0x05;
    static final int T_FORK = 0x06;
    static final int T_GENERIC = 0x07;
    static final int T_ENDPOINT = 0x08;
    static final int T_INFO = 0x10;
    static final int T_PROCESS = 0x11;
    static final int T_CONTAINER = 0x12;
    static final int T_FACT = 0x13;
    static final int T_CLOCK = 0x14;
    static final int T_STATE_END = 0x1E;
    static final int T_END = 0x1F;

    /** fd type codes, in this order (stored in files: append only). */
    static final FdType[] FD_TYPES = {
        FdType.FILE, FdType.DIRECTORY, FdType.IPV4, FdType.IPV6, FdType.UNIX, FdType.PIPE, FdType.EVENT,
        FdType.SIGNALFD, FdType.EVENTPOLL, FdType.INOTIFY, FdType.TIMERFD, FdType.NETLINK, FdType.BPF,
        FdType.USERFAULTFD, FdType.IO_URING, FdType.MEMFD, FdType.PIDFD, FdType.UNKNOWN
    };

    private CaptureFormat() {}

    static int fdTypeCode(FdType t) {
        for (int i = 0; i < FD_TYPES.length; i++) {
            if (FD_TYPES[i] == t) {
                return i;
            }
        }
        throw new IllegalArgumentException("fd type " + t + " has no code");
    }

    static String typeName(int type) {
        return switch (type) {
            case T_EXEC -> "EXEC record";
            case T_EXEC_FAIL -> "EXEC_FAIL record";
            case T_OPEN -> "OPEN record";
            case T_CONNECT -> "CONNECT record";
            case T_EXIT -> "EXIT record";
            case T_FORK -> "FORK record";
            case T_GENERIC -> "GENERIC record";
            case T_ENDPOINT -> "ENDPOINT record";
            case T_INFO -> "INFO entry";
            case T_PROCESS -> "PROCESS entry";
            case T_CONTAINER -> "CONTAINER entry";
            case T_FACT -> "FACT entry";
            case T_CLOCK -> "CLOCK entry";
            case T_STATE_END -> "STATE_END entry";
            case T_END -> "END entry";
            default -> String.format("entry of type 0x%02x", type);
        };
    }
}
