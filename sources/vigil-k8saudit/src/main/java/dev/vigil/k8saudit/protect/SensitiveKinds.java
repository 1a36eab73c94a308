package dev.vigil.k8saudit.protect;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The kinds whose request and response bodies never reach storage. Each entry is
 * {@code group/resource[/subresource]}; the core group is written as an empty group ({@code /secrets})
 * or, when the first part has no dot, left out ({@code secrets}, {@code serviceaccounts/token}).
 * An entry without a subresource covers the resource and all its subresources.
 */
public final class SensitiveKinds {
    /** One sensitive kind; {@code subresource} is null for "the resource and every subresource". */
    public record Kind(String group, String resource, String subresource) {
        @Override
        public String toString() {
            return group + "/" + resource + (subresource == null ? "" : "/" + subresource);
        }
    }

    /** secrets, tokenreviews (authentication.k8s.io) and serviceaccounts/token. */
    public static final List<String> DEFAULTS = List.of("/secrets", "authentication.k8s.io/tokenreviews", "/serviceaccounts/token");

    private final List<Kind> kinds;

    private SensitiveKinds(List<Kind> kinds) {
        this.kinds = List.copyOf(kinds);
    }

    /** The default list. */
    public static SensitiveKinds defaults() {
        return of(DEFAULTS);
    }

    /** Parses entries; throws IllegalArgumentException naming a malformed one. */
    public static SensitiveKinds of(List<String> entries) {
        List<Kind> out = new ArrayList<>();
        for (String e : entries) {
            out.add(parse(e));
        }
        return new SensitiveKinds(out);
    }

    /** Defaults plus more entries. */
    public static SensitiveKinds defaultsPlus(List<String> more) {
        List<String> all = new ArrayList<>(DEFAULTS);
        all.addAll(more);
        return of(all);
    }

    static Kind parse(String entry) {
        String s = entry.trim().toLowerCase(Locale.ROOT);
        String[] p = s.split("/", -1);
        String group;
        String resource;
        String sub = null;
        boolean firstIsGroup = p.length == 3 || (p.length == 2 && (p[0].isEmpty() || p[0].contains(".")));
        if (p.length == 1) {
            group = "";
            resource = p[0];
        } else if (p.length == 2 && firstIsGroup) {
            group = p[0];
            resource = p[1];
        } else if (p.length == 2) {
            group = "";
            resource = p[0];
            sub = p[1];
        } else if (p.length == 3) {
            group = p[0];
            resource = p[1];
            sub = p[2];
        } else {
            throw new IllegalArgumentException("sensitive kind '" + entry + "': expected group/resource[/subresource]");
        }
        if (resource.isEmpty() || (sub != null && sub.isEmpty())) {
            throw new IllegalArgumentException("sensitive kind '" + entry + "': empty resource or subresource");
        }
        return new Kind(group, resource, sub);
    }

    public List<Kind> kinds() {
        return kinds;
    }

    /** The kind matching a request on {@code group/resource/subresource} (subresource "" or null for none), or null. */
    public Kind match(String group, String resource, String subresource) {
        if (resource == null) {
            return null;
        }
        String g = group == null ? "" : group;
        String sub = subresource == null ? "" : subresource;
        for (Kind k : kinds) {
            if (k.group().equals(g) && k.resource().equals(resource) && (k.subresource() == null || k.subresource().equals(sub))) {
                return k;
            }
        }
        return null;
    }
}
