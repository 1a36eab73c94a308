package dev.vigil.k8saudit.protect;

import dev.vigil.k8saudit.AuditEvent;
import dev.vigil.k8saudit.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Applied to every event before it is stored: events about a {@link SensitiveKinds sensitive kind}
 * lose {@code requestObject} and {@code responseObject} and are lowered to {@code level: Metadata}
 * when their level was above it; token values in {@code requestURI} query strings
 * ({@code access_token=}, {@code token=}) are replaced by {@value #MASK} for every event.
 */
public final class AuditProtector {
    /** What replaces a token value in a query string. */
    public static final String MASK = "REDACTED";
    private static final Set<String> TOKEN_PARAMS = Set.of("access_token", "token");

    /**
     * What protection did to one event.
     *
     * @param event the event to store (the input itself when nothing changed)
     * @param kind the sensitive kind matched, or null
     * @param bodiesRemoved how many of requestObject/responseObject were removed
     * @param levelLowered the level was Request or RequestResponse and is now Metadata
     * @param tokensMasked how many query-string token values were masked
     */
    public record Result(AuditEvent event, SensitiveKinds.Kind kind, int bodiesRemoved, boolean levelLowered, int tokensMasked) {
        /** Something was changed. */
        public boolean changed() {
            return bodiesRemoved > 0 || levelLowered || tokensMasked > 0;
        }
    }

    private final SensitiveKinds kinds;

    public AuditProtector(SensitiveKinds kinds) {
        this.kinds = kinds;
    }

    public AuditProtector() {
        this(SensitiveKinds.defaults());
    }

    public Result protect(AuditEvent e) {
        Json.Obj root = e.root();
        SensitiveKinds.Kind kind = kinds.match(e.string("objectRef", "apiGroup"), e.string("objectRef", "resource"),
                e.string("objectRef", "subresource"));
        if (!needsChange(root, kind)) {
            return new Result(e, kind, 0, false, 0); // the common case: nothing to copy
        }
        List<String> keys = new ArrayList<>(root.size());
        List<Object> values = new ArrayList<>(root.size());
        int removed = 0;
        boolean lowered = false;
        int masked = 0;
        for (int i = 0; i < root.size(); i++) {
            String k = root.key(i);
            Object v = root.value(i);
            if (kind != null && (k.equals("requestObject") || k.equals("responseObject"))) {
                removed++;
                continue;
            }
            if (kind != null && k.equals("level") && ("Request".equals(v) || "RequestResponse".equals(v))) {
                v = "Metadata";
                lowered = true;
            }
            if (k.equals("requestURI") && v instanceof String uri) {
                int[] count = new int[1];
                String m = maskQuery(uri, count);
                if (count[0] > 0) {
                    masked += count[0];
                    v = m;
                }
            }
            keys.add(k);
            values.add(v);
        }
        if (removed == 0 && !lowered && masked == 0) {
            return new Result(e, kind, 0, false, 0);
        }
        return new Result(new AuditEvent(Json.object(keys, values), e.timestampNanos(), e.line()), kind, removed, lowered, masked);
    }

    /** Whether {@link #protect} would change anything: a body or a high level to drop, or a token in a query string. */
    private static boolean needsChange(Json.Obj root, SensitiveKinds.Kind kind) {
        for (int i = 0; i < root.size(); i++) {
            String k = root.key(i); // values are read only for the keys that matter: bodies may be left unparsed
            if (kind != null && (k.equals("requestObject") || k.equals("responseObject"))) {
                return true;
            }
            if (kind != null && k.equals("level") && root.value(i) instanceof String level
                    && (level.equals("Request") || level.equals("RequestResponse"))) {
                return true;
            }
            if (k.equals("requestURI") && root.value(i) instanceof String uri && uri.indexOf('?') >= 0) {
                int[] count = new int[1];
                maskQuery(uri, count);
                if (count[0] > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code uri} with the values of token parameters in its query replaced; count[0] += replacements. */
    static String maskQuery(String uri, int[] count) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return uri;
        }
        int hash = uri.indexOf('#', q);
        String query = hash < 0 ? uri.substring(q + 1) : uri.substring(q + 1, hash);
        StringBuilder sb = new StringBuilder(uri.length()).append(uri, 0, q + 1);
        String[] parts = query.split("[&;]", -1);
        int pos = q + 1;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i > 0) {
                sb.append(uri.charAt(pos - 1));
            }
            int eq = p.indexOf('=');
            String name = eq < 0 ? p : p.substring(0, eq);
            if (eq >= 0 && TOKEN_PARAMS.contains(name.toLowerCase(java.util.Locale.ROOT)) && eq + 1 < p.length()) {
                sb.append(name).append('=').append(MASK);
                count[0]++;
            } else {
                sb.append(p);
            }
            pos += p.length() + 1;
        }
        if (hash >= 0) {
            sb.append(uri, hash, uri.length());
        }
        return sb.toString();
    }
}
