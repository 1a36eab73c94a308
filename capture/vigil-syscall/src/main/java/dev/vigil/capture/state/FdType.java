package dev.vigil.capture.state;

/** The kind of a file descriptor, with Falco's {@code fd.type} name and {@code fd.typechar} letter. */
public enum FdType {
    FILE("file", "f"),
    DIRECTORY("directory", "d"),
    IPV4("ipv4", "4"),
    IPV6("ipv6", "6"),
    UNIX("unix", "u"),
    PIPE("pipe", "p"),
    EVENT("event", "e"),
    SIGNALFD("signalfd", "s"),
    EVENTPOLL("eventpoll", "l"),
    INOTIFY("inotify", "i"),
    TIMERFD("timerfd", "t"),
    NETLINK("netlink", "n"),
    BPF("bpf", "b"),
    USERFAULTFD("userfaultfd", "u"),
    IO_URING("io_uring", "r"),
    MEMFD("memfd", "m"),
    PIDFD("pidfd", "P"),
    /** A socket of another family (packet, vsock...) or an unrecognised anonymous inode. */
    UNKNOWN("<NA>", "o");

    private final String label;
    private final String typechar;

    FdType(String label, String typechar) {
        this.label = label;
        this.typechar = typechar;
    }

    /** The {@code fd.type} value. */
    public String label() {
        return label;
    }

    /** The {@code fd.typechar} value (a one-character string, so extraction never allocates). */
    public String typechar() {
        return typechar;
    }

    public boolean isIp() {
        return this == IPV4 || this == IPV6;
    }

    public boolean isSocket() {
        return this == IPV4 || this == IPV6 || this == UNIX || this == NETLINK;
    }

    public boolean isFileLike() {
        return this == FILE || this == DIRECTORY;
    }
}
