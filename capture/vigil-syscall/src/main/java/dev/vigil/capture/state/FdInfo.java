package dev.vigil.capture.state;

import dev.vigil.event.IpAddress;

/**
 * One open file descriptor of a process, as Falco's fd table keeps it: kind, rendered name and, for
 * sockets, both endpoints oriented client/server.
 *
 * <p>Owned by {@link SyscallState} and mutated only by it, on the thread that applies records.
 * Socket endpoints come from the kernel socket facts of connect, accept, bind and send records;
 * those a record does not carry (a GENERIC record of an older capture file, a socket the probe
 * could not read) are filled lazily from {@code /proc/<pid>/net} the first time a field needs
 * them ({@link SyscallState#resolveSocket}).
 */
public final class FdInfo {
    int num;
    FdType type;
    String name = "";
    String nameRaw;
    /** Kernel open flags for files (O_*), 0 otherwise. */
    int openFlags;
    /** Socket or pipe inode, 0 when unknown. */
    long inode;

    String l4proto;
    IpAddress clientIp;
    IpAddress serverIp;
    int clientPort = -1;
    int serverPort = -1;
    /** The owning process is the server side (accepted or listening socket). */
    boolean server;
    /** A bound or listening socket without a peer: only the server endpoint is set. */
    boolean listening;
    boolean connected;
    /** Some endpoint must still be read from /proc. */
    boolean unresolved;

    // fd.directory and fd.filename, computed once for the name they were computed from (compared by
    // identity: paths arrive as cached strings, so a recycled entry reopening a path keeps them)
    private String directory;
    private String filename;
    private String derivedFrom;

    FdInfo(int num, FdType type) {
        this.num = num;
        this.type = type;
    }

    /** Makes a recycled entry a fresh one (as {@code new FdInfo(num, type)}), keeping the derived-name cache. */
    FdInfo reset(int num, FdType type) {
        this.num = num;
        this.type = type;
        name = "";
        nameRaw = null;
        openFlags = 0;
        inode = 0;
        l4proto = null;
        clientIp = null;
        serverIp = null;
        clientPort = -1;
        serverPort = -1;
        server = false;
        listening = false;
        connected = false;
        unresolved = false;
        return this;
    }

    FdInfo copy(int newNum) {
        FdInfo c = new FdInfo(newNum, type);
        c.name = name;
        c.nameRaw = nameRaw;
        c.openFlags = openFlags;
        c.inode = inode;
        c.l4proto = l4proto;
        c.clientIp = clientIp;
        c.serverIp = serverIp;
        c.clientPort = clientPort;
        c.serverPort = serverPort;
        c.server = server;
        c.listening = listening;
        c.connected = connected;
        c.unresolved = unresolved;
        return c;
    }

    public int num() {
        return num;
    }

    public FdType type() {
        return type;
    }

    /** {@code fd.name}: absolute path, {@code cip:cport->sip:sport}, unix path, {@code pipe:[ino]}... */
    public String name() {
        return name;
    }

    /** {@code fd.nameraw}: the path as the process passed it (the name for non-files). */
    public String nameRaw() {
        return nameRaw != null ? nameRaw : name;
    }

    public int openFlags() {
        return openFlags;
    }

    public long inode() {
        return inode;
    }

    /** tcp, udp, icmp, raw, or null when not an IP socket or not known. */
    public String l4proto() {
        return l4proto;
    }

    public IpAddress clientIp() {
        return clientIp;
    }

    public IpAddress serverIp() {
        return serverIp;
    }

    /** -1 when unknown. */
    public int clientPort() {
        return clientPort;
    }

    /** -1 when unknown. */
    public int serverPort() {
        return serverPort;
    }

    public boolean isServer() {
        return server;
    }

    public boolean isListening() {
        return listening;
    }

    public boolean isConnected() {
        return connected;
    }

    public boolean isUnresolved() {
        return unresolved;
    }

    /** {@code fd.directory}: the directory part of a file path, the path of a directory; null otherwise. */
    public String directory() {
        if (type == FdType.DIRECTORY) {
            return name;
        }
        if (type != FdType.FILE) {
            return null;
        }
        derive();
        return directory;
    }

    /** {@code fd.filename}: the last component of a file path; null for other kinds. */
    public String filename() {
        if (type != FdType.FILE) {
            return null;
        }
        derive();
        return filename;
    }

    void setName(String n) {
        name = n == null ? "" : n;
    }

    /** Recomputes fd.directory and fd.filename when the name is not the one they came from. */
    private void derive() {
        if (derivedFrom != name) {
            directory = Paths2.dirname(name);
            filename = Paths2.basename(name);
            derivedFrom = name;
        }
    }

    /** Recomputes the name of an IP socket from its endpoints, as Falco renders it. */
    void renderSocketName() {
        if (!type.isIp()) {
            return;
        }
        if (listening || clientIp == null) {
            setName(serverIp == null ? "" : Ip.format(serverIp) + ":" + Math.max(serverPort, 0));
            return;
        }
        setName(Ip.format(clientIp) + ":" + Math.max(clientPort, 0) + "->"
                + (serverIp == null ? "" : Ip.format(serverIp)) + ":" + Math.max(serverPort, 0));
    }

    @Override
    public String toString() {
        return num + "(<" + type.typechar() + ">" + name + ")";
    }
}
