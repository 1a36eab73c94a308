package dev.vigil.k8saudit.policy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Derives the policy's request attributes from an HTTP method and URL as kube-apiserver's
 * {@code requestinfo.go} does: {@code /api/v1/...} and {@code /apis/GROUP/VERSION/...} are resource
 * requests (verb from the method: POST create, GET/HEAD get, or list/watch without a name, PUT update,
 * PATCH patch, DELETE delete, or deletecollection without a name; legacy {@code /watch/} and
 * {@code /proxy/} path segments), everything else is a non-resource request whose verb is the
 * lowercased method. A list or watch with {@code fieldSelector=metadata.name=X} gets the name X.
 */
public final class RequestInfo {
    private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    private RequestInfo() {}

    /** The attributes of {@code method url} made by {@code user} (null = failed authentication) in {@code groups}. */
    public static RequestAttributes parse(String method, String url, String user, List<String> groups) {
        String path = url;
        String query = "";
        int q = url.indexOf('?');
        if (q >= 0) {
            path = url.substring(0, q);
            query = url.substring(q + 1);
        }
        String lower = method.toLowerCase(Locale.ROOT);
        RequestAttributes nonResource = RequestAttributes.nonResource(user, groups, lower, path);
        List<String> parts = split(path);
        if (parts.size() < 3 || !(parts.get(0).equals("api") || parts.get(0).equals("apis"))) {
            return nonResource;
        }
        List<String> cur = parts.subList(1, parts.size());
        String group = "";
        if (parts.get(0).equals("apis")) {
            if (cur.size() < 3) {
                return nonResource;
            }
            group = cur.get(0);
            cur = cur.subList(1, cur.size());
        }
        cur = cur.subList(1, cur.size()); // the version
        String verb;
        if (!cur.isEmpty() && SPECIAL_VERBS.contains(cur.get(0))) {
            if (cur.size() < 2) {
                return nonResource; // kube-apiserver: "unable to determine kind and namespace from url"
            }
            verb = cur.get(0);
            cur = cur.subList(1, cur.size());
        } else {
            verb = switch (method.toUpperCase(Locale.ROOT)) {
                case "POST" -> "create";
                case "GET", "HEAD" -> "get";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> "delete";
                default -> "";
            };
        }
        if (cur.isEmpty()) {
            return nonResource;
        }
        String namespace = "";
        if (cur.get(0).equals("namespaces")) {
            if (cur.size() > 1) {
                namespace = cur.get(1);
                if (cur.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(cur.get(2))) {
                    cur = cur.subList(2, cur.size());
                }
            }
        }
        String resource = cur.get(0);
        String name = cur.size() >= 2 ? cur.get(1) : "";
        String subresource = cur.size() >= 3 && !verb.equals("proxy") ? cur.get(2) : "";
        if (name.isEmpty() && verb.equals("get")) {
            verb = watchRequested(query) ? "watch" : "list";
            String selected = fieldSelectorName(query);
            if (selected != null && !selected.isEmpty() && !selected.equals(".") && !selected.equals("..") && !selected.contains("/")
                    && !selected.contains("%")) {
                name = selected;
            }
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        return RequestAttributes.resource(user, groups, verb, group, resource, subresource, namespace, name);
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return out;
        }
        for (String s : p.split("/", -1)) {
            out.add(s);
        }
        return out;
    }

    private static List<String> values(String query, String key) {
        List<String> out = new ArrayList<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            String k = decode(eq < 0 ? kv : kv.substring(0, eq));
            if (k.equals(key)) {
                out.add(decode(eq < 0 ? "" : kv.substring(eq + 1)));
            }
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /** {@code watch=true|1|t|...}; a value Go cannot parse as a bool also means watch (kube-apiserver's fallback). */
    private static boolean watchRequested(String query) {
        List<String> v = values(query, "watch");
        if (v.isEmpty()) {
            return false;
        }
        return switch (v.getFirst()) {
            case "false", "0", "f", "F", "FALSE", "False" -> false;
            default -> true;
        };
    }

    /** X of a {@code metadata.name=X} (or {@code ==X}) term of the field selector (fields.Selector.RequiresExactMatch). */
    private static String fieldSelectorName(String query) {
        List<String> v = values(query, "fieldSelector");
        if (v.isEmpty()) {
            return null;
        }
        for (String term : v.getFirst().split(",")) {
            String t = term.strip();
            for (String prefix : List.of("metadata.name==", "metadata.name=")) {
                if (t.startsWith(prefix)) {
                    return t.substring(prefix.length());
                }
            }
        }
        return null;
    }
}
