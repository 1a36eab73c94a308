package dev.vigil.capture.state;

import dev.vigil.event.IpAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Falco's DNS cache for {@code fd.cip.name}, {@code fd.sip.name}, {@code fd.lip.name} and
 * {@code fd.rip.name}: the domain names rules compare against are watched (resolved forward, in the
 * background, every {@link #REFRESH_SECONDS}), and an address maps back to the watched name that
 * resolved to it. Addresses no watched name resolves to have no name (no reverse DNS, as in
 * libsinsp). Whoever compiles rules registers the names ({@link #watch}); lookups never block.
 * When several watched names share an address, the alphabetically first one is returned.
 */
public final class DomainNames implements AutoCloseable {
    static final long REFRESH_SECONDS = 30;

    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private volatile Map<IpAddress, String> byAddress = Map.of();
    private ScheduledExecutorService executor;

    /** Starts resolving {@code name} (now, then periodically). */
    public synchronized void watch(String name) {
        if (!watched.add(name)) {
            return;
        }
        if (executor == null) {
            executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-dns");
                t.setDaemon(true);
                return t;
            });
            executor.scheduleWithFixedDelay(this::refreshNow, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
        }
        executor.execute(this::refreshNow);
    }

    /** The watched name that resolves to {@code a}, or null. */
    public String nameOf(IpAddress a) {
        return a == null ? null : byAddress.get(a);
    }

    /** Resolves every watched name now, on the calling thread. */
    public void refreshNow() {
        Map<IpAddress, String> m = new HashMap<>();
        for (String name : new TreeSet<>(watched)) {
            try {
                for (InetAddress ia : InetAddress.getAllByName(name)) {
                    IpAddress ip = Ip.of(ia.getAddress());
                    if (ip != null) {
                        m.putIfAbsent(ip, name);
                    }
                }
            } catch (UnknownHostException | SecurityException e) {
                // not resolvable now: keep trying on the next refresh
            }
        }
        byAddress = Map.copyOf(m);
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
