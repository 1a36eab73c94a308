package dev.vigil.k8saudit;

import dev.vigil.event.Event;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Kubernetes audit event as the rules engine sees it: source {@code k8s_audit}, no event-type code,
 * the event's {@code stageTimestamp} as its time, and the fields of the k8s_audit catalogue by slot.
 *
 * <p>Each slot of the {@link FieldSlots} table is bound once to an extractor (slots of other sources'
 * fields get none and read as absent); {@link #rebind()} binds slots interned later (it also happens
 * by itself when an unknown slot is read). A value is extracted from the parsed tree the first time a
 * rule asks for it and kept until the next {@link #set}, so the event JSON is never parsed again.
 *
 * <p>Values: strings as {@code String}, list fields as {@code List<String>} (no value at all is
 * absent), {@code evt.num}/{@code evt.rawtime}/{@code evt.reltime*} as {@code Long},
 * {@code evt.is_async} as {@code Boolean}. One view serves a whole stream; not thread-safe.
 */
public final class AuditEventView implements Event {
    private static final FieldCatalog CATALOG = FieldCatalog.forSource(FieldCatalog.K8S_AUDIT).orElseThrow();

    private final FieldSlots slots;
    private final String hostname;
    private AuditFields.Extractor[] extractors = new AuditFields.Extractor[0];
    private Object[] cache = new Object[0];
    private long[] stamp = new long[0];
    private long generation;
    private AuditEvent event;
    private boolean auditEvent;
    private long number;
    private long firstNanos;

    /** A view over {@code slots}, with the host name Falco would report. */
    public AuditEventView(FieldSlots slots) {
        this(slots, defaultHostname());
    }

    /** A view over {@code slots}, reporting {@code hostname} as {@code evt.hostname}. */
    public AuditEventView(FieldSlots slots, String hostname) {
        this.slots = Objects.requireNonNull(slots, "slots");
        this.hostname = Objects.requireNonNull(hostname, "hostname");
        rebind();
    }

    /** Binds an extractor to every slot interned since the last bind. */
    public void rebind() {
        List<FieldRef> refs = slots.all();
        int n = refs.size();
        if (n == extractors.length) {
            return;
        }
        AuditFields.Extractor[] x = Arrays.copyOf(extractors, n);
        for (int i = extractors.length; i < n; i++) {
            x[i] = AuditFields.forRef(refs.get(i), CATALOG);
        }
        extractors = x;
        cache = Arrays.copyOf(cache, n);
        stamp = Arrays.copyOf(stamp, n);
    }

    /** Shows the next event of the stream ({@code evt.num} counts from 1, {@code evt.reltime} from the first). */
    public AuditEventView set(AuditEvent e) {
        event = Objects.requireNonNull(e, "event");
        generation++;
        number++;
        if (number == 1) {
            firstNanos = e.timestampNanos();
        }
        auditEvent = e.root().get("auditID") != null;
        return this;
    }

    /** The event shown, or null before the first {@link #set}. */
    public AuditEvent event() {
        return event;
    }

    /** Whether the shown JSON is an audit event for the k8saudit fields (it has an {@code auditID}). */
    boolean isAuditEvent() {
        return auditEvent;
    }

    long number() {
        return number;
    }

    long relativeNanos() {
        return event.timestampNanos() - firstNanos;
    }

    String hostname() {
        return hostname;
    }

    @Override
    public String source() {
        return FieldCatalog.K8S_AUDIT;
    }

    @Override
    public long timestampNanos() {
        return event == null ? 0 : event.timestampNanos();
    }

    @Override
    public int typeCode() {
        return -1;
    }

    @Override
    public Object value(int slot) {
        if (slot >= extractors.length) {
            rebind();
            if (slot >= extractors.length) {
                return null;
            }
        }
        AuditFields.Extractor x = extractors[slot];
        if (x == null || event == null) {
            return null;
        }
        if (stamp[slot] == generation) {
            return cache[slot];
        }
        Object v = x.get(this);
        cache[slot] = v;
        stamp[slot] = generation;
        return v;
    }

    /** {@code VIGIL_HOSTNAME}, {@code FALCO_HOSTNAME}, or the machine's name. */
    static String defaultHostname() {
        for (String var : new String[] {"VIGIL_HOSTNAME", "FALCO_HOSTNAME"}) {
            String v = System.getenv(var);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
