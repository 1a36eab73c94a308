package dev.vigil.k8saudit;

import java.util.Objects;

/**
 * One Kubernetes audit {@code Event} (audit.k8s.io v1 or v1beta1, or without apiVersion), parsed
 * once into a {@link Json} tree. Unknown members are kept, so {@code jevt.value[/any/pointer]} sees
 * everything the apiserver wrote. Immutable.
 */
public final class AuditEvent {
    private final Json.Obj root;
    private final long timestampNanos;
    private final long line;
    private String compact;

    /**
     * @param root the event object
     * @param timestampNanos the event time (its {@code stageTimestamp}), nanoseconds since the epoch
     * @param line the input line the event's JSON value started on, 0 when unknown
     */
    public AuditEvent(Json.Obj root, long timestampNanos, long line) {
        this.root = Objects.requireNonNull(root, "root");
        this.timestampNanos = timestampNanos;
        this.line = line;
    }

    /** The event object. */
    public Json.Obj root() {
        return root;
    }

    /** The event time, nanoseconds since the epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** The input line the event's JSON value started on (1-based), 0 when unknown. */
    public long line() {
        return line;
    }

    /** The value below the event object at the given member names / array indexes, or null. */
    public Object get(String... path) {
        return Json.path(root, path);
    }

    /** A string member below the event object, or null when missing or not a string. */
    public String string(String... path) {
        return get(path) instanceof String s ? s : null;
    }

    /** {@code auditID}, or null. */
    public String auditId() {
        return string("auditID");
    }

    /** {@code stage}, or null. */
    public String stage() {
        return string("stage");
    }

    /** {@code verb}, or null. */
    public String verb() {
        return string("verb");
    }

    /** The event as compact JSON text (what the k8saudit plugin hands on as the event payload). */
    public String json() {
        String s = compact;
        if (s == null) {
            s = Json.compact(root);
            compact = s;
        }
        return s;
    }

    @Override
    public String toString() {
        return json();
    }
}
