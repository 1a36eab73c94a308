package dev.vigil.capture;

import dev.vigil.capture.state.SyscallState;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;

/** Test access to a {@link LiveEvent} by field name, interning slots as the engine would. */
final class FieldView {
    final FieldSlots slots = new FieldSlots();
    final FieldCatalog catalog = FieldCatalog.forSource(FieldCatalog.SYSCALL).orElseThrow();
    final SyscallState state;
    final LiveEvent event;

    FieldView(SyscallState state) {
        this.state = state;
        this.event = new LiveEvent(slots, state);
    }

    int slot(String field) {
        FieldRef ref = catalog.resolve(field).orElseThrow(() -> new AssertionError("no field " + field));
        int s = slots.slotOf(ref);
        event.rebind();
        return s;
    }

    Object get(String field) {
        return event.value(slot(field));
    }

    boolean has(String field) {
        return event.has(slot(field));
    }

    long num(String field) {
        return event.longValue(slot(field));
    }

    void apply(dev.vigil.capture.ebpf.RawRecord r) {
        state.apply(r);
        event.load(r);
    }
}
