package dev.vigil.capture.state;

import dev.vigil.event.IpAddress;
import java.util.Objects;

/**
 * One open file descriptor as a capture file keeps it: everything {@link FdInfo} holds.
 *
 * @param num        the descriptor number
 * @param type       its kind
 * @param name       {@code fd.name}
 * @param nameRaw    the path as the process passed it, or null when it is the name
 * @param openFlags  open flags (O_*) of files, O_CLOEXEC of others, else 0
 * @param inode      socket or pipe inode, 0 when unknown
 * @param l4proto    tcp, udp, icmp, raw or null
 * @param clientIp   client endpoint address, or null
 * @param serverIp   server endpoint address, or null
 * @param clientPort client port, -1 when unknown
 * @param serverPort server port, -1 when unknown
 * @param server     the process is the server side
 * @param listening  a bound or listening socket without a peer
 * @param connected  a connected socket
 * @param unresolved some endpoint must still be read from the socket tables
 */
public record FdSnapshot(int num, FdType type, String name, String nameRaw, int openFlags, long inode, String l4proto,
                         IpAddress clientIp, IpAddress serverIp, int clientPort, int serverPort, boolean server,
                         boolean listening, boolean connected, boolean unresolved) {
    public FdSnapshot {
        Objects.requireNonNull(type, "type");
        name = name == null ? "" : name;
    }

    static FdSnapshot of(FdInfo f) {
        return new FdSnapshot(f.num, f.type, f.name, f.nameRaw, f.openFlags, f.inode, f.l4proto, f.clientIp, f.serverIp,
                f.clientPort, f.serverPort, f.server, f.listening, f.connected, f.unresolved);
    }

    FdInfo toFdInfo() {
        FdInfo f = new FdInfo(num, type);
        f.setName(name);
        f.nameRaw = nameRaw;
        f.openFlags = openFlags;
        f.inode = inode;
        f.l4proto = l4proto;
        f.clientIp = clientIp;
        f.serverIp = serverIp;
        f.clientPort = clientPort;
        f.serverPort = serverPort;
        f.server = server;
        f.listening = listening;
        f.connected = connected;
        f.unresolved = unresolved;
        return f;
    }
}
