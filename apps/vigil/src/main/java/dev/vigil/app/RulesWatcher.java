package dev.vigil.app;

import dev.vigil.rules.RuleText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Notices when rules files change — edited, replaced (editors and config-map updates rename files
 * into place), added to or removed from a rules directory — by comparing a signature of the files
 * at a fixed interval, and then calls {@code onChange} (on its own daemon thread). Stops with {@link #close()}.
 */
final class RulesWatcher implements AutoCloseable {
    private final List<Path> paths;
    private final Runnable onChange;
    private final Duration interval;
    private final java.util.concurrent.ScheduledExecutorService timer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name("vigil-rules-watcher").unstarted(r));
    private List<String> last;

    RulesWatcher(List<Path> paths, Duration interval, Runnable onChange) {
        this.paths = List.copyOf(paths);
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.interval = Objects.requireNonNull(interval, "interval");
    }

    void start() {
        last = signature();
        timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The current signature: every file with its size, modification time and inode. */
    List<String> signature() {
        List<String> sig = new ArrayList<>();
        try {
            for (Path p : RuleText.expand(paths)) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    sig.add(p + "|" + a.size() + "|" + a.lastModifiedTime().toMillis() + "|" + a.fileKey());
                } catch (IOException gone) {
                    sig.add(p + "|missing");
                }
            }
        } catch (IOException e) {
            sig.add("unreadable|" + e.getMessage());
        }
        return sig;
    }

    private void check() {
        List<String> now = signature();
        if (!now.equals(last)) {
            last = now;
            onChange.run();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
