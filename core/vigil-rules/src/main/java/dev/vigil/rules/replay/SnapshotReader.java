package dev.vigil.rules.replay;

import dev.vigil.event.EventTypes;
import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldFlag;
import dev.vigil.event.FieldRef;
import dev.vigil.event.FieldSlots;
import dev.vigil.event.FieldType;
import dev.vigil.event.IpAddress;
import dev.vigil.event.IpNetwork;
import dev.vigil.event.SnapshotEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a field snapshot — the replay format {@code {"source":..., "time":..., "fields":{...}}}
 * already parsed into maps, lists and scalars (from JSON or YAML) — into a {@link SnapshotEvent}.
 *
 * <p>Field keys are written as in rules ({@code proc.aname[2]}, {@code evt.arg.flags}); values map to
 * the field's type (strings, numbers, booleans, addresses as text, lists as arrays). A missing key is
 * an absent field. Convenience derivations: an ancestor field with an index ({@code proc.aname[2]})
 * falls back to the ancestor list ({@code proc.aname}, parent first) or, for index 0, the process's
 * own field; {@code fd.ip}/{@code fd.port}/{@code fd.net} fall back to the client and server sides;
 * {@code fd.snet}, {@code fd.cnet}, {@code fd.lnet}, {@code fd.rnet} to the matching address.
 */
public final class SnapshotReader {
    private final FieldSlots slots;

    public SnapshotReader(FieldSlots slots) {
        this.slots = slots;
    }

    /** Fills {@code ev} (cleared first) from a parsed snapshot; throws with a message naming the problem. */
    public void fill(SnapshotEvent ev, Object tree) throws SnapshotFormatException {
        ev.clear();
        if (!(tree instanceof Map<?, ?> root)) {
            throw new SnapshotFormatException("an event must be an object with \"fields\"");
        }
        for (Object k : root.keySet()) {
            if (!(k instanceof String key) || !(key.equals("source") || key.equals("time") || key.equals("fields"))) {
                throw new SnapshotFormatException("unknown key '" + k + "' (expected source, time, fields)");
            }
        }
        Object source = root.get("source");
        String src = source == null ? FieldCatalog.SYSCALL : String.valueOf(source);
        FieldCatalog catalog = FieldCatalog.forSource(src)
                .orElseThrow(() -> new SnapshotFormatException("unknown source '" + src + "' (known: "
                        + String.join(", ", FieldCatalog.builtInSources()) + ")"));
        ev.setSource(catalog.source());
        Object time = root.get("time");
        if (time != null) {
            ev.setTimestampNanos(parseTime(time));
        }
        Object fields = root.get("fields");
        if (fields == null) {
            throw new SnapshotFormatException("missing \"fields\"");
        }
        if (!(fields instanceof Map<?, ?> fm)) {
            throw new SnapshotFormatException("\"fields\" must be an object");
        }
        for (Map.Entry<?, ?> e : fm.entrySet()) {
            String key = String.valueOf(e.getKey());
            FieldRef ref;
            try {
                ref = catalog.resolve(key).orElseThrow(
                        () -> new SnapshotFormatException("unknown field '" + key + "' for source " + catalog.source()));
            } catch (IllegalArgumentException bad) {
                throw new SnapshotFormatException("field '" + key + "': " + bad.getMessage());
            }
            if (e.getValue() == null) {
                continue;
            }
            Object v = convert(ref, e.getValue(), key);
            ev.set(slots.slotOf(ref), v);
            if (ref.name().equals("evt.type") && v instanceof String s) {
                ev.setTypeCode(EventTypes.get().code(s));
            }
        }
        derive(ev, catalog);
    }

    static long parseTime(Object time) throws SnapshotFormatException {
        if (time instanceof Number n) {
            return n.longValue();
        }
        try {
            Instant i = Instant.parse(String.valueOf(time));
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        } catch (DateTimeParseException bad) {
            throw new SnapshotFormatException("\"time\" is not an RFC 3339 timestamp (e.g. 2026-11-26T10:00:00.123456789Z): " + time);
        }
    }

    private Object convert(FieldRef ref, Object raw, String key) throws SnapshotFormatException {
        boolean many = ref.yieldsList();
        if (raw instanceof List<?> l) {
            if (!many) {
                throw new SnapshotFormatException("field '" + key + "' takes one value, not a list");
            }
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(scalar(ref.def().type(), x, key));
            }
            return List.copyOf(out);
        }
        Object one = scalar(ref.def().type(), raw, key);
        return many ? List.of(one) : one;
    }

    private static Object scalar(FieldType type, Object x, String key) throws SnapshotFormatException {
        if (x instanceof Map<?, ?> || x instanceof List<?>) {
            throw new SnapshotFormatException("field '" + key + "' takes a " + type.label() + " value");
        }
        String text = String.valueOf(x);
        if (type.isNumeric()) {
            if (x instanceof Number n) {
                if (n instanceof Double || n instanceof Float) {
                    if (n.doubleValue() != Math.rint(n.doubleValue())) {
                        throw new SnapshotFormatException("field '" + key + "' takes an integer, got " + n);
                    }
                }
                return n.longValue();
            }
            try {
                return Long.parseLong(text.strip());
            } catch (NumberFormatException bad) {
                try {
                    return Long.parseUnsignedLong(text.strip());
                } catch (NumberFormatException alsoBad) {
                    throw new SnapshotFormatException("field '" + key + "' takes a number, got '" + text + "'");
                }
            }
        }
        return switch (type) {
            case BOOL -> {
                if (x instanceof Boolean b) {
                    yield b;
                }
                if (text.equals("true") || text.equals("false")) {
                    yield Boolean.valueOf(text);
                }
                throw new SnapshotFormatException("field '" + key + "' takes true or false, got '" + text + "'");
            }
            case IPADDR, IPNET -> {
                var a = IpAddress.parse(text);
                if (a.isPresent()) {
                    yield a.get();
                }
                var n = IpNetwork.parse(text);
                if (n.isPresent() && type == FieldType.IPNET) {
                    yield n.get();
                }
                throw new SnapshotFormatException("field '" + key + "' takes an IP address, got '" + text + "'");
            }
            case BYTES -> text.getBytes(StandardCharsets.UTF_8);
            default -> text;
        };
    }

    /** Fills derived slots (ancestor indexes, either-endpoint fields) the rules use but the line omitted. */
    private void derive(SnapshotEvent ev, FieldCatalog catalog) {
        List<FieldRef> refs = slots.all();
        for (int slot = 0; slot < refs.size(); slot++) {
            if (ev.value(slot) != null) {
                continue;
            }
            FieldRef ref = refs.get(slot);
            if (!catalog.fields().containsKey(ref.name()) || catalog.fields().get(ref.name()) != ref.def()) {
                continue;
            }
            Object v = null;
            if (ref.def().has(FieldFlag.ANY_ANCESTOR) && ref.index() >= 0) {
                int n = ref.index();
                if (n == 0) {
                    v = value(ev, catalog, selfField(ref.name()));
                } else if (value(ev, catalog, ref.name()) instanceof List<?> l && n - 1 < l.size()) {
                    v = l.get(n - 1);
                }
            } else if (ref.arg() == null) {
                v = switch (ref.name()) {
                    case "fd.ip", "fd.net" -> pair(value(ev, catalog, "fd.cip"), value(ev, catalog, "fd.sip"));
                    case "fd.port" -> pair(value(ev, catalog, "fd.cport"), value(ev, catalog, "fd.sport"));
                    case "fd.proto" -> pair(value(ev, catalog, "fd.cproto"), value(ev, catalog, "fd.sproto"));
                    case "fd.snet" -> value(ev, catalog, "fd.sip");
                    case "fd.cnet" -> value(ev, catalog, "fd.cip");
                    case "fd.lnet" -> value(ev, catalog, "fd.lip");
                    case "fd.rnet" -> value(ev, catalog, "fd.rip");
                    case "proc.pname" -> value(ev, catalog, "proc.aname") instanceof List<?> l && !l.isEmpty() ? l.get(0) : null;
                    default -> null;
                };
            }
            if (v != null) {
                ev.set(slot, v);
            }
        }
    }

    private static String selfField(String ancestorField) {
        return switch (ancestorField) {
            case "proc.aname" -> "proc.name";
            case "proc.aexe" -> "proc.exe";
            case "proc.aexepath" -> "proc.exepath";
            case "proc.acmdline" -> "proc.cmdline";
            case "proc.apid" -> "proc.pid";
            case "proc.aenv" -> "proc.env";
            default -> ancestorField;
        };
    }

    private Object value(SnapshotEvent ev, FieldCatalog catalog, String name) {
        int slot = slots.find(name);
        return slot < 0 ? null : ev.value(slot);
    }

    private static Object pair(Object a, Object b) {
        if (a == null && b == null) {
            return null;
        }
        List<Object> l = new ArrayList<>(2);
        if (a != null) {
            l.add(a);
        }
        if (b != null) {
            l.add(b);
        }
        return List.copyOf(l);
    }
}
