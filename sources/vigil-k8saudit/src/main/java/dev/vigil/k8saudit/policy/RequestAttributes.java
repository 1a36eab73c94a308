package dev.vigil.k8saudit.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * What the audit policy sees of a request (kube-apiserver's {@code authorizer.Attributes}, built by
 * {@code requestinfo.go}): the AUTHENTICATED user (impersonation is applied after the audit policy
 * is evaluated), the verb, and either the resource coordinates or the non-resource path.
 *
 * @param user the authenticated user name; null when authentication failed (no user at all: rules
 *     with users or userGroups cannot match, and the request produces a single ResponseStarted event)
 * @param namespace {@code ""} for cluster-scoped requests (and for a list of namespaces)
 * @param name {@code ""} when the request names no object (list, create, deletecollection)
 * @param path the URL path without query string (non-resource requests)
 */
public record RequestAttributes(
        String user,
        List<String> groups,
        boolean resourceRequest,
        String verb,
        String apiGroup,
        String resource,
        String subresource,
        String namespace,
        String name,
        String path) {
    public RequestAttributes {
        groups = List.copyOf(groups);
        verb = nz(verb);
        apiGroup = nz(apiGroup);
        resource = nz(resource);
        subresource = nz(subresource);
        namespace = nz(namespace);
        name = nz(name);
        path = nz(path);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** A resource request. */
    public static RequestAttributes resource(String user, List<String> groups, String verb, String apiGroup, String resource,
            String subresource, String namespace, String name) {
        return new RequestAttributes(user, groups, true, verb, apiGroup, resource, subresource, namespace, name, "");
    }

    /** A non-resource request ({@code /healthz}, {@code /apis}, ...); the verb is the lowercased HTTP method. */
    public static RequestAttributes nonResource(String user, List<String> groups, String verb, String path) {
        return new RequestAttributes(user, groups, false, verb, "", "", "", "", "", path);
    }

    /** True when authentication failed: there is no user. */
    public boolean unauthenticated() {
        return user == null;
    }

    /** {@code resource} or {@code resource/subresource}. */
    public String combinedResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    /** One line, e.g. {@code get pods/exec "web" in namespace "default" (group core) by user "alice" groups [dev]}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(verb.isEmpty() ? "(no verb)" : verb).append(' ');
        if (resourceRequest) {
            sb.append(combinedResource());
            sb.append(apiGroup.isEmpty() ? " (core group)" : " (group " + apiGroup + ")");
            if (!name.isEmpty()) {
                sb.append(" name ").append(PolicyLoader.goQuote(name));
            }
            sb.append(namespace.isEmpty() ? " cluster-scoped" : " in namespace " + PolicyLoader.goQuote(namespace));
        } else {
            sb.append(path);
        }
        if (user == null) {
            sb.append(" with failed authentication (no user)");
        } else {
            sb.append(" by user ").append(PolicyLoader.goQuote(user));
            sb.append(" groups ").append(new ArrayList<>(groups));
        }
        return sb.toString();
    }
}
