package dev.vigil.capture.state;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Interns containers by full id and fills their metadata asynchronously. The first sighting of a
 * container schedules a lookup on a single daemon thread; a lookup that finds nothing is retried
 * after 0.2, 1, 3 and 10 seconds (a container's first process can run before its engine records
 * it), then given up. The record-applying thread never waits for a lookup.
 */
final class ContainerRegistry implements AutoCloseable {
    private static final long[] RETRY_MILLIS = {0, 200, 1_000, 3_000, 10_000};
    private static final int MAX_ENTRIES = 4096;

    private final List<ContainerMetadataSource> sources;
    private final ScheduledExecutorService executor;
    private final Map<String, ContainerInfo> byId = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ContainerInfo> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    final AtomicLong lookups = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    /** Told of every metadata publication (on the lookup thread), or null. */
    private volatile java.util.function.Consumer<ContainerInfo> onPublish;

    ContainerRegistry(List<ContainerMetadataSource> sources) {
        this.sources = List.copyOf(sources);
        this.executor = sources.isEmpty() ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-container-metadata");
            t.setDaemon(true);
            return t;
        });
    }

    /** The container with this id, created (and its lookup scheduled) on first sight. */
    synchronized ContainerInfo get(String fullId, String runtime) {
        ContainerInfo c = byId.get(fullId);
        if (c == null) {
            c = ContainerInfo.of(fullId, runtime);
            byId.put(fullId, c);
            String rt = runtime;
            if (sources.stream().anyMatch(s -> s.supports(rt))) {
                schedule(c, 0);
            }
        }
        return c;
    }

    private void schedule(ContainerInfo c, int attempt) {
        if (executor == null || attempt >= RETRY_MILLIS.length || executor.isShutdown()) {
            return;
        }
        executor.schedule(() -> lookup(c, attempt), RETRY_MILLIS[attempt], TimeUnit.MILLISECONDS);
    }

    private void lookup(ContainerInfo c, int attempt) {
        for (ContainerMetadataSource s : sources) {
            if (!s.supports(c.runtime())) {
                continue;
            }
            lookups.incrementAndGet();
            try {
                Optional<ContainerMetadata> m = s.lookup(c.fullId());
                if (m.isPresent()) {
                    c.publish(m.get());
                    var listener = onPublish;
                    if (listener != null) {
                        listener.accept(c);
                    }
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failures.incrementAndGet();
            }
        }
        schedule(c, attempt + 1);
    }

    void onPublish(java.util.function.Consumer<ContainerInfo> listener) {
        this.onPublish = listener;
    }

    /** Publishes metadata that came from elsewhere (a capture file) for the container with this id. */
    synchronized void publish(String fullId, String runtime, ContainerMetadata m) {
        ContainerInfo c = get(fullId, runtime);
        if (m != null && c.metadata() == null) {
            c.publish(m);
        }
    }

    /** Every container known, oldest use first. */
    synchronized List<ContainerInfo> all() {
        return List.copyOf(byId.values());
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
