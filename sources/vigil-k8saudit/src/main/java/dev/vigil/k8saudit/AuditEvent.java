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
    private final byte[] source;
    private final int sourceOffset;
    private final int sourceLength;
    private String compact;

    /**
     * @param root the event object
     * @param timestampNanos the event time (its {@code stageTimestamp}), nanoseconds since the epoch
     * @param line the input line the event's JSON value started on, 0 when unknown
     */
    public AuditEvent(Json.Obj root, long timestampNanos, long line) {
        this(root, timestampNanos, line, null, 0, 0);
    }

    /** An event parsed from {@code source[offset, offset + length)}, the UTF-8 text of its JSON object (not copied). */
    AuditEvent(Json.Obj root, long timestampNanos, long line, byte[] source, int offset, int length) {
        this.root = Objects.requireNonNull(root, "root");
        this.timestampNanos = timestampNanos;
        this.line = line;
        this.source = source;
        this.sourceOffset = offset;
        this.sourceLength = length;
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

    /**
     * The UTF-8 text of the event's JSON object exactly as the parser read it (from its '{' to its '}', inner
     * whitespace and escapes as written), as a read-only buffer; null for an event built in code (e.g. one that
     * protection rewrote). It describes the same value as {@link #root()}.
     */
    public java.nio.ByteBuffer sourceText() {
        return source == null ? null : java.nio.ByteBuffer.wrap(source, sourceOffset, sourceLength).slice().asReadOnlyBuffer();
    }

    /**
     * Feeds the {@linkplain #sourceText() source text} to {@code digest} straight from its array (hashing through the
     * read-only buffer would copy it in small chunks); false, feeding nothing, when the event has none.
     */
    public boolean digestSourceText(java.security.MessageDigest digest) {
        if (source == null) {
            return false;
        }
        digest.update(source, sourceOffset, sourceLength);
        return true;
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
