package dev.vigil.pipeline;

import dev.vigil.event.Priority;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-output deduplication. The key of an alert is its rule, its priority and the values of the
 * configured output fields. The first alert of a key passes and opens a window of fixed length
 * (wall time of the injected clock); identical alerts inside it are held. When the window ends and
 * N alerts were held, one summary goes out: a copy of the last held alert with {@code output}
 * suffixed {@code " (N more in M s)"}, fields {@code vigil.dedup.count} = N and
 * {@code vigil.dedup.window_s} = M, and a new uuid. The next alert of the key passes again.
 *
 * <p>At most {@code maxKeys} keys are tracked; the oldest window is closed early (with its summary)
 * to make room. Windows all have the same length, so insertion order is end order.
 *
 * <p>Thread-safe: every method synchronises on this object. Callers enqueue the returned summaries.
 */
final class Dedup {
    static final int DEFAULT_MAX_KEYS = 10_000;

    private final long windowMillis;
    private final Object windowSeconds;
    private final List<String> fields;
    private final int maxKeys;
    private final InstantSource clock;
    private final LinkedHashMap<Key, Window> windows = new LinkedHashMap<>();

    private record Key(String rule, Priority priority, List<Object> values) {}

    private static final class Window {
        final long endMillis;
        long held;
        FalcoAlert last;

        Window(long endMillis) {
            this.endMillis = endMillis;
        }
    }

    /** Whether an alert passes, and the summaries of windows that ended or were evicted meanwhile. */
    record Admission(boolean pass, List<FalcoAlert> summaries) {}

    Dedup(Duration window, List<String> fields, int maxKeys, InstantSource clock) {
        this.windowMillis = window.toMillis();
        this.windowSeconds = windowMillis % 1000 == 0 ? (Object) (windowMillis / 1000)
                : BigDecimal.valueOf(windowMillis, 3).stripTrailingZeros();
        this.fields = List.copyOf(fields);
        this.maxKeys = maxKeys;
        this.clock = clock;
    }

    synchronized Admission admit(FalcoAlert a) {
        long now = clock.millis();
        List<FalcoAlert> summaries = expire(now);
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = a.field(fields.get(i));
        }
        Key key = new Key(a.rule(), a.priority(), Arrays.asList(values));
        Window w = windows.get(key);
        if (w != null) {
            w.held++;
            w.last = a;
            return new Admission(false, summaries);
        }
        windows.put(key, new Window(now + windowMillis));
        if (windows.size() > maxKeys) {
            Iterator<Window> eldest = windows.values().iterator();
            summarise(eldest.next(), summaries);
            eldest.remove();
        }
        return new Admission(true, summaries);
    }

    /** Closes the windows that ended by now; returns their summaries. */
    synchronized List<FalcoAlert> expire() {
        return expire(clock.millis());
    }

    /** Closes every window now (shutdown); returns their summaries. */
    synchronized List<FalcoAlert> closeAll() {
        return expire(Long.MAX_VALUE);
    }

    /** Keys tracked now. */
    synchronized int size() {
        return windows.size();
    }

    private List<FalcoAlert> expire(long now) {
        List<FalcoAlert> out = new ArrayList<>();
        Iterator<Window> it = windows.values().iterator();
        while (it.hasNext()) {
            Window w = it.next();
            if (w.endMillis > now) {
                break;
            }
            summarise(w, out);
            it.remove();
        }
        return out;
    }

    private void summarise(Window w, List<FalcoAlert> out) {
        if (w.held == 0) {
            return;
        }
        FalcoAlert last = w.last;
        Map<String, Object> f = new LinkedHashMap<>(last.outputFields());
        f.put("vigil.dedup.count", w.held);
        f.put("vigil.dedup.window_s", windowSeconds);
        String text = last.output() + " (" + w.held + " more in " + windowSeconds + " s)";
        out.add(new FalcoAlert(AlertIds.next(), last.timeNanos(), last.priority(), last.rule(),
                last.source(), last.tags(), last.hostname(), text, f));
    }
}
