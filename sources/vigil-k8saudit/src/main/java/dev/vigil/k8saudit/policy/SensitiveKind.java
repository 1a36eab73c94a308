package dev.vigil.k8saudit.policy;

import java.util.List;

/**
 * A kind whose bodies carry credentials, so no request on it may be logged above Metadata.
 *
 * @param group API group ({@code ""} = core)
 * @param subresource {@code ""} for the resource itself
 */
public record SensitiveKind(String group, String resource, String subresource) {
    /** Secrets, TokenReviews (the request is the bearer token), TokenRequests (the response is a token). */
    public static final List<SensitiveKind> DEFAULTS = List.of(
            new SensitiveKind("", "secrets", ""),
            new SensitiveKind("authentication.k8s.io", "tokenreviews", ""),
            new SensitiveKind("", "serviceaccounts", "token"));

    /**
     * Parses {@code resource[.group][/subresource]} (kubectl/RBAC style): {@code secrets},
     * {@code serviceaccounts/token}, {@code tokenreviews.authentication.k8s.io},
     * {@code certificatesigningrequests.certificates.k8s.io}. Without a group, a built-in
     * resource gets its own group and anything else the core group.
     */
    public static SensitiveKind parse(String text) {
        String t = text.strip();
        String sub = "";
        int slash = t.indexOf('/');
        if (slash >= 0) {
            sub = t.substring(slash + 1);
            t = t.substring(0, slash);
        }
        String group;
        int dot = t.indexOf('.');
        if (dot >= 0) {
            group = t.substring(dot + 1);
            t = t.substring(0, dot);
        } else {
            group = KnownResources.group(t).orElse("");
        }
        if (t.isEmpty() || sub.contains("/")) {
            throw new IllegalArgumentException("expected RESOURCE[.GROUP][/SUBRESOURCE], e.g. secrets, serviceaccounts/token, "
                    + "tokenreviews.authentication.k8s.io: " + text);
        }
        return new SensitiveKind(group, t, sub);
    }

    /** {@code serviceaccounts/token}, {@code tokenreviews.authentication.k8s.io}. */
    @Override
    public String toString() {
        return resource + (group.isEmpty() ? "" : "." + group) + (subresource.isEmpty() ? "" : "/" + subresource);
    }
}
