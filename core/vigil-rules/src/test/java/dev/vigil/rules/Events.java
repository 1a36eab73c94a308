package dev.vigil.rules;

import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import dev.vigil.event.SnapshotEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds synthetic events for tests. Values follow {@link dev.vigil.event.Event}'s representation:
 * strings as String, numbers as Long, booleans as Boolean, addresses as IpAddress, lists as List.
 */
final class Events {
    private Events() {}

    /** A syscall event of the given type with {@code field, value} pairs. */
    static SnapshotEvent syscall(FieldSlots slots, String type, Object... fieldValues) {
        SnapshotEvent ev = of(slots, FieldCatalog.SYSCALL, fieldValues);
        int code = EventTypes.get().code(type);
        if (code < 0) {
            throw new IllegalArgumentException("unknown event type " + type);
        }
        ev.setTypeCode(code);
        return ev;
    }

    /** A k8s_audit event with {@code field, value} pairs. */
    static SnapshotEvent k8sAudit(FieldSlots slots, Object... fieldValues) {
        return of(slots, FieldCatalog.K8S_AUDIT, fieldValues);
    }

    static SnapshotEvent of(FieldSlots slots, String source, Object... fieldValues) {
        if (fieldValues.length % 2 != 0) {
            throw new IllegalArgumentException("field/value pairs expected");
        }
        SnapshotEvent ev = new SnapshotEvent(slots);
        ev.setSource(source);
        FieldCatalog catalog = FieldCatalog.forSource(source).orElseThrow();
        for (int i = 0; i < fieldValues.length; i += 2) {
            String name = (String) fieldValues[i];
            FieldRef ref = catalog.resolve(name).orElseThrow(() -> new IllegalArgumentException("no field " + name));
            ev.set(ref, fieldValues[i + 1]);
        }
        return ev;
    }

    /** Evaluates events against a rule set and returns every reported rule, in order. */
    static List<CompiledRule> run(RuleSet rules, RuleMatching matching, List<SnapshotEvent> events) {
        List<CompiledRule> hits = new ArrayList<>();
        for (SnapshotEvent e : events) {
            rules.evaluate(e, matching, hits::add);
        }
        return hits;
    }
}
