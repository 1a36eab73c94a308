package dev.vigil.k8saudit;

import dev.vigil.event.FieldCatalog;
import dev.vigil.event.FieldDef;
import dev.vigil.event.FieldRef;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The extractor of every field of the {@code k8s_audit} source: the k8saudit plugin's {@code ka.*},
 * the json plugin's {@code json.*} / {@code jevt.*}, and the generic {@code evt.*} fields.
 *
 * <p>Semantics follow the plugins: every {@code ka.*} field is absent on an event without
 * {@code auditID}; a JSON value that is not a string is rendered as its compact JSON text
 * ({@code true}, {@code 201}, {@code {"a":"b"}}); a list field that finds no value is absent; an
 * index argument selects one container / rule / port / volume before the values are taken.
 * A selection that yields one value gives that value (a {@code String}); one that yields several
 * (e.g. the verbs of rule 0) gives the list.
 */
final class AuditFields {
    /** Reads one field of the event a view currently shows; null when absent. */
    @FunctionalInterface
    interface Extractor {
        Object get(AuditEventView view);
    }

    static final String PLUGIN_NAME = "k8saudit";
    private static final Set<String> CONTAINER_LISTS = Set.of("containers", "initContainers", "ephemeralContainers");
    private static final ZoneId ZONE = ZoneId.systemDefault();

    private AuditFields() {}

    /** The extractor of a field reference, or null when it is not a field of the k8s_audit source. */
    static Extractor forRef(FieldRef ref, FieldCatalog catalog) {
        FieldDef def = catalog.get(ref.name()).orElse(null);
        if (def == null || (ref.arg() != null && !def.arg().takesArgument())) {
            return null;
        }
        return build(ref.name(), ref.arg(), ref.index());
    }

    static Extractor build(String name, String arg, int index) {
        if (name.startsWith("evt.")) {
            return evt(name);
        }
        if (name.startsWith("json.") || name.startsWith("jevt.")) {
            return json(name.substring(name.indexOf('.') + 1), arg);
        }
        if (name.startsWith("ka.req.pod.")) {
            String rest = name.substring("ka.req.pod.".length());
            int dot = rest.indexOf('.');
            if (dot > 0 && CONTAINER_LISTS.contains(rest.substring(0, dot))) {
                Extractor x = containerField(rest.substring(0, dot), rest.substring(dot + 1), index);
                return x == null ? null : ka(x);
            }
        }
        Extractor x = ka(name, arg, index);
        return x == null ? null : ka(x);
    }

    /** Every ka.* field is absent on JSON that is not an audit event (no auditID), as in the plugin. */
    private static Extractor ka(Extractor x) {
        return v -> v.isAuditEvent() ? x.get(v) : null;
    }

    // ================================================================= evt

    private static Extractor evt(String name) {
        return switch (name) {
            case "evt.num" -> v -> v.number();
            case "evt.time" -> v -> timeOfDay(v.timestampNanos(), true);
            case "evt.time.s" -> v -> timeOfDay(v.timestampNanos(), false);
            case "evt.time.iso8601" -> v -> iso8601(v.timestampNanos());
            case "evt.datetime" -> v -> dateTime(v.timestampNanos(), true);
            case "evt.datetime.s" -> v -> dateTime(v.timestampNanos(), false);
            case "evt.rawtime" -> v -> v.timestampNanos();
            case "evt.rawtime.s" -> v -> v.timestampNanos() / 1_000_000_000L;
            case "evt.rawtime.ns" -> v -> v.timestampNanos() % 1_000_000_000L;
            case "evt.reltime" -> v -> v.relativeNanos();
            case "evt.reltime.s" -> v -> v.relativeNanos() / 1_000_000_000L;
            case "evt.reltime.ns" -> v -> v.relativeNanos() % 1_000_000_000L;
            case "evt.pluginname" -> v -> PLUGIN_NAME;
            case "evt.plugininfo" -> v -> v.event().json();
            case "evt.source" -> v -> FieldCatalog.K8S_AUDIT;
            case "evt.is_async" -> v -> Boolean.FALSE;
            case "evt.hostname" -> v -> v.hostname();
            default -> null; // evt.asynctype: plugin events are never asynchronous
        };
    }

    static String timeOfDay(long nanos, boolean withNanos) {
        LocalDateTime t = local(nanos);
        String hms = String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        return withNanos ? hms + String.format(".%09d", t.getNano()) : hms;
    }

    static String dateTime(long nanos, boolean withNanos) {
        LocalDateTime t = local(nanos);
        return String.format("%04d-%02d-%02d ", t.getYear(), t.getMonthValue(), t.getDayOfMonth()) + timeOfDay(nanos, withNanos);
    }

    static String iso8601(long nanos) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                (int) Math.floorMod(nanos, 1_000_000_000L), ZoneOffset.UTC);
        return String.format("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond(), t.getNano());
    }

    private static LocalDateTime local(long nanos) {
        long secs = Math.floorDiv(nanos, 1_000_000_000L);
        return LocalDateTime.ofEpochSecond(secs, (int) Math.floorMod(nanos, 1_000_000_000L),
                ZONE.getRules().getOffset(Instant.ofEpochSecond(secs)));
    }

    // ================================================================= json / jevt

    private static Extractor json(String field, String arg) {
        return switch (field) {
            case "value" -> arg == null || arg.isEmpty() ? null : v -> {
                Object x = Json.pointer(v.event().root(), arg);
                return x == null ? null : Json.text(x);
            };
            case "obj" -> v -> Json.indented(v.event().root());
            case "rawtime" -> v -> Long.toString(v.timestampNanos());
            default -> null;
        };
    }

    // ================================================================= ka.*

    private static Extractor ka(String name, String arg, int index) {
        return switch (name) {
            case "ka.auditid" -> key("auditID");
            case "ka.stage" -> key("stage");
            case "ka.auth.decision" -> key("annotations", "authorization.k8s.io/decision");
            case "ka.auth.reason" -> key("annotations", "authorization.k8s.io/reason");
            case "ka.auth.openshift.decision" -> key("annotations", "authentication.openshift.io/decision");
            case "ka.auth.openshift.username" -> key("annotations", "authentication.openshift.io/username");
            case "ka.validations.admission.policy.failure" -> key("annotations", "validation.policy.admission.k8s.io/validation_failure");
            case "ka.security.pod.violations" -> key("annotations", "pod-security.kubernetes.io/audit-violations");
            case "ka.cluster.name" -> key("annotations", "cluster_name");
            case "ka.user.name" -> key("user", "username");
            case "ka.user.groups" -> list(-1, "user", "groups");
            case "ka.impuser.name" -> key("impersonatedUser", "username");
            case "ka.verb" -> key("verb");
            case "ka.uri" -> key("requestURI");
            case "ka.useragent" -> key("userAgent");
            case "ka.sourceips" -> list(index, "sourceIPs");
            case "ka.uri.param" -> arg == null ? null : v -> {
                Object uri = v.event().get("requestURI");
                return uri == null ? null : queryParam(Json.text(uri), arg);
            };
            case "ka.target.name", "ka.req.configmap.name" -> key("objectRef", "name");
            case "ka.target.namespace" -> key("objectRef", "namespace");
            case "ka.target.resource" -> key("objectRef", "resource");
            case "ka.target.subresource" -> key("objectRef", "subresource");
            case "ka.target.pod.name" -> v -> "pods".equals(v.event().get("objectRef", "resource"))
                    && v.event().get("objectRef", "subresource") == null
                    ? text(v.event().get("responseObject", "metadata", "name")) : null;
            case "ka.resp.name" -> key("responseObject", "metadata", "name");
            case "ka.response.code" -> key("responseStatus", "code");
            case "ka.response.reason" -> key("responseStatus", "reason");
            case "ka.req.binding.subjects" -> list(-1, "requestObject", "subjects");
            case "ka.req.binding.subjects.user_names" -> subjects("User", false);
            case "ka.req.binding.subjects.group_names" -> subjects("Group", false);
            case "ka.req.binding.subjects.serviceaccount_names" -> subjects("ServiceAccount", false);
            case "ka.req.binding.subjects.serviceaccount_ns_names" -> subjects("ServiceAccount", true);
            case "ka.req.binding.role" -> key("requestObject", "roleRef", "name");
            case "ka.req.binding.subject.has_name" -> v -> "true"; // the plugin answers "true" whatever the argument
            case "ka.req.configmap.obj" -> key("requestObject", "data");
            case "ka.req.container.image" -> firstContainer(c -> Json.child(c, "image"), false);
            case "ka.req.container.image.repository" -> firstContainer(c -> Json.child(c, "image"), true);
            case "ka.req.container.privileged" -> v -> {
                if (!(v.event().get("requestObject", "spec", "containers") instanceof List<?> cs)) {
                    return null;
                }
                for (Object c : cs) {
                    if (Boolean.TRUE.equals(Json.path(c, "securityContext", "privileged"))) {
                        return "true";
                    }
                }
                return "false";
            };
            case "ka.req.pod.host_ipc" -> key("requestObject", "spec", "hostIPC");
            case "ka.req.pod.host_network", "ka.req.container.host_network" -> key("requestObject", "spec", "hostNetwork");
            case "ka.req.pod.host_pid" -> key("requestObject", "spec", "hostPID");
            case "ka.req.pod.run_as_user" -> key("requestObject", "spec", "securityContext", "runAsUser");
            case "ka.req.pod.run_as_group" -> key("requestObject", "spec", "securityContext", "runAsGroup");
            case "ka.req.pod.fs_group" -> key("requestObject", "spec", "securityContext", "fsGroup");
            case "ka.req.pod.supplemental_groups" -> list(-1, "requestObject", "spec", "securityContext", "supplementalGroups");
            case "ka.req.role.rules" -> list(-1, "requestObject", "rules");
            case "ka.req.role.rules.apiGroups" -> ruleMembers("apiGroups", index);
            case "ka.req.role.rules.nonResourceURLs" -> ruleMembers("nonResourceURLs", index);
            case "ka.req.role.rules.verbs" -> ruleMembers("verbs", index);
            case "ka.req.role.rules.resources" -> ruleMembers("resources", index);
            case "ka.req.service.type" -> key("requestObject", "spec", "type");
            case "ka.req.service.ports" -> list(index, "requestObject", "spec", "ports");
            case "ka.req.pod.volumes.hostpath" -> volumes(index, (vol, out) -> add(out, Json.path(vol, "hostPath", "path")));
            case "ka.req.pod.volumes.flexvolume_driver" -> volumes(index, (vol, out) -> add(out, Json.path(vol, "flexVolume", "driver")));
            case "ka.req.pod.volumes.volume_type" -> volumes(index, (vol, out) -> {
                if (vol instanceof Json.Obj o) {
                    for (int i = 0; i < o.size(); i++) {
                        if (!o.key(i).equals("name")) {
                            out.add(o.key(i));
                        }
                    }
                }
            });
            case "ka.req.volume.hostpath" -> arg == null || arg.isEmpty() ? null : hostPathUsed(arg);
            default -> null;
        };
    }

    private static String text(Object v) {
        return v == null ? null : Json.text(v);
    }

    private static void add(List<String> out, Object v) {
        if (v != null) {
            out.add(Json.text(v));
        }
    }

    /** The value below the event at a path, rendered as text. */
    private static Extractor key(String... path) {
        return v -> text(v.event().get(path));
    }

    /** A JSON array below the event, each element rendered as text; {@code index} picks one element. */
    private static Extractor list(int index, String... path) {
        return v -> {
            if (!(v.event().get(path) instanceof List<?> l)) {
                return null;
            }
            if (index >= 0) {
                return index < l.size() ? Json.text(l.get(index)) : null;
            }
            List<String> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(Json.text(x));
            }
            return result(out, false);
        };
    }

    /** No value is absent; an index selection with one value is that value; otherwise the list. */
    private static Object result(List<String> values, boolean indexed) {
        if (values.isEmpty()) {
            return null;
        }
        if (indexed && values.size() == 1) {
            return values.getFirst();
        }
        return List.copyOf(values);
    }

    private static Extractor subjects(String kind, boolean withNamespace) {
        return v -> {
            if (!(v.event().get("requestObject", "subjects") instanceof List<?> l)) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (Object s : l) {
                Object name = Json.child(s, "name");
                if (kind.equals(Json.child(s, "kind")) && name != null) {
                    String n = Json.text(name);
                    if (withNamespace) {
                        Object ns = Json.child(s, "namespace");
                        n = (ns == null ? "" : Json.text(ns)) + ":" + n;
                    }
                    out.add(n);
                }
            }
            return result(out, false);
        };
    }

    /** Every element of member {@code member} of every rule (or of rule {@code index}) of a role request. */
    private static Extractor ruleMembers(String member, int index) {
        return v -> {
            if (!(v.event().get("requestObject", "rules") instanceof List<?> rules)) {
                return null;
            }
            List<?> picked = select(rules, index);
            if (picked == null) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (Object rule : picked) {
                if (Json.child(rule, member) instanceof List<?> items) {
                    for (Object x : items) {
                        out.add(Json.text(x));
                    }
                }
            }
            return result(out, index >= 0);
        };
    }

    private static List<?> select(List<?> all, int index) {
        if (index < 0) {
            return all;
        }
        return index < all.size() ? List.of(all.get(index)) : null;
    }

    private static Extractor volumes(int index, java.util.function.BiConsumer<Object, List<String>> each) {
        return v -> {
            if (!(v.event().get("requestObject", "spec", "volumes") instanceof List<?> vols)) {
                return null;
            }
            List<?> picked = select(vols, index);
            if (picked == null) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (Object vol : picked) {
                each.accept(vol, out);
            }
            return result(out, index >= 0);
        };
    }

    /** {@code ka.req.volume.hostpath[p]}: "true" when a hostPath volume is p, or starts with p minus a trailing '*'. */
    private static Extractor hostPathUsed(String arg) {
        boolean prefix = arg.endsWith("*");
        String p = prefix ? arg.substring(0, arg.length() - 1) : arg;
        return v -> {
            if (!(v.event().get("requestObject", "spec", "volumes") instanceof List<?> vols)) {
                return null;
            }
            for (Object vol : vols) {
                Object path = Json.path(vol, "hostPath", "path");
                if (path != null) {
                    String s = Json.text(path);
                    if (prefix ? s.startsWith(p) : s.equals(p)) {
                        return "true";
                    }
                }
            }
            return "false";
        };
    }

    private static Extractor firstContainer(Function<Object, Object> value, boolean repository) {
        return v -> {
            if (!(v.event().get("requestObject", "spec", "containers") instanceof List<?> cs) || cs.isEmpty()) {
                return null;
            }
            Object x = value.apply(cs.getFirst());
            if (x == null) {
                return null;
            }
            String s = Json.text(x);
            return repository ? repository(s) : s;
        };
    }

    /** The image without its tag and digest: cut at the first ':' then at the first '@' (as the plugin does). */
    static String repository(String image) {
        int colon = image.indexOf(':');
        String s = colon < 0 ? image : image.substring(0, colon);
        int at = s.indexOf('@');
        return at < 0 ? s : s.substring(0, at);
    }

    // ================================================================= containers

    /**
     * {@code ka.req.pod.<list>.<attribute>}: the values of every container of one list of the pod
     * spec (or of container {@code index}); containers without the value are skipped, except for the
     * effective uid/gid, which fall back to the pod's value or 0.
     */
    private static Extractor containerField(String list, String attribute, int index) {
        BiFunction<Object, Object, List<String>> each = switch (attribute) {
            case "name" -> one(c -> Json.child(c, "name"));
            case "image" -> one(c -> Json.child(c, "image"));
            case "image.repository" -> (root, c) -> {
                Object img = Json.child(c, "image");
                return img == null ? List.of() : List.of(repository(Json.text(img)));
            };
            case "command" -> one(c -> joined(Json.child(c, "command")));
            case "args" -> one(c -> joined(Json.child(c, "args")));
            case "privileged" -> security("privileged");
            case "allow_privilege_escalation" -> security("allowPrivilegeEscalation");
            case "read_only_fs" -> security("readOnlyRootFilesystem");
            case "run_as_user" -> security("runAsUser");
            case "run_as_group" -> security("runAsGroup");
            case "proc_mount" -> security("procMount");
            case "eff_run_as_user" -> effective("runAsUser");
            case "eff_run_as_group" -> effective("runAsGroup");
            case "add_capabilities" -> (root, c) -> {
                Object add = Json.path(c, "securityContext", "capabilities", "add");
                if (add instanceof List<?> l) {
                    List<String> out = new ArrayList<>(l.size());
                    l.forEach(x -> out.add(Json.text(x)));
                    return out;
                }
                return add == null ? List.of() : List.of(Json.text(add));
            };
            case "host_port" -> (root, c) -> {
                if (!(Json.child(c, "ports") instanceof List<?> ports)) {
                    return List.of();
                }
                List<String> out = new ArrayList<>(ports.size());
                for (Object port : ports) {
                    Object p = Json.child(port, "hostPort");
                    add(out, p != null ? p : Json.child(port, "containerPort"));
                }
                return out;
            };
            default -> null;
        };
        if (each == null) {
            return null;
        }
        return v -> {
            Object root = v.event().root();
            if (!(Json.path(root, "requestObject", "spec", list) instanceof List<?> containers)) {
                return null;
            }
            List<?> picked = select(containers, index);
            if (picked == null) {
                return null;
            }
            List<String> out = new ArrayList<>(picked.size());
            for (Object c : picked) {
                out.addAll(each.apply(root, c));
            }
            return result(out, index >= 0);
        };
    }

    private static BiFunction<Object, Object, List<String>> one(Function<Object, Object> value) {
        return (root, c) -> {
            Object x = value.apply(c);
            return x == null ? List.of() : List.of(Json.text(x));
        };
    }

    private static BiFunction<Object, Object, List<String>> security(String member) {
        return one(c -> Json.path(c, "securityContext", member));
    }

    /**
     * The container's own value, else the pod's, else "0". Like the plugin, the pod's value is read
     * from {@code spec.<member>}, not from {@code spec.securityContext.<member>}.
     */
    private static BiFunction<Object, Object, List<String>> effective(String member) {
        return (root, c) -> {
            Object own = Json.path(c, "securityContext", member);
            if (own == null) {
                own = Json.path(root, "requestObject", "spec", member);
            }
            return List.of(own == null ? "0" : Json.text(own));
        };
    }

    /** An array (command, args) as its elements joined by spaces; any other value as its text. */
    private static Object joined(Object v) {
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder();
            for (Object x : l) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(Json.text(x));
            }
            return sb.toString();
        }
        return v;
    }

    // ================================================================= query parameters

    /**
     * The first value of query parameter {@code key} of a request URI, decoded; null when the URI has
     * no such parameter or its query cannot be decoded (a bad %-escape, or a ';' — Go's url.ParseQuery
     * rejects both, and so does the plugin).
     */
    static String queryParam(String uri, String key) {
        int hash = uri.indexOf('#');
        String u = hash < 0 ? uri : uri.substring(0, hash);
        int q = u.indexOf('?');
        if (q < 0) {
            return null;
        }
        String query = u.substring(q + 1);
        if (query.indexOf(';') >= 0) {
            return null;
        }
        String found = null;
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k;
            String val;
            try {
                k = decode(eq < 0 ? pair : pair.substring(0, eq));
                val = eq < 0 ? "" : decode(pair.substring(eq + 1));
            } catch (IllegalArgumentException bad) {
                return null;
            }
            if (found == null && k.equals(key)) {
                found = val;
            }
        }
        return found;
    }

    private static String decode(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '%' && (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2)))) {
                throw new IllegalArgumentException("bad escape");
            }
        }
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
