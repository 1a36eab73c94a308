package dev.vigil.capture.state;

/** String path helpers with libsinsp semantics (no file system access). */
public final class Paths2 {
    private Paths2() {}

    /**
     * Joins {@code base} (a directory) and {@code path} and normalises the result: {@code .} and
     * empty components are dropped, {@code ..} removes the previous component (never above the
     * root). An absolute {@code path} ignores {@code base}.
     */
    public static String resolve(String base, String path) {
        if (path == null) {
            return null;
        }
        String joined;
        if (path.startsWith("/")) {
            joined = path;
        } else if (base == null || base.isEmpty()) {
            return normalizeRelative(path);
        } else {
            joined = base.endsWith("/") ? base + path : base + "/" + path;
        }
        return normalize(joined);
    }

    /** Normalises an absolute path. */
    public static String normalize(String abs) {
        if (abs.indexOf("/.") < 0 && abs.indexOf("//") < 0 && (abs.length() == 1 || !abs.endsWith("/"))) {
            return abs;
        }
        String[] parts = abs.split("/");
        String[] stack = new String[parts.length];
        int n = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (n > 0) {
                    n--;
                }
                continue;
            }
            stack[n++] = p;
        }
        if (n == 0) {
            return "/";
        }
        StringBuilder sb = new StringBuilder(abs.length());
        for (int i = 0; i < n; i++) {
            sb.append('/').append(stack[i]);
        }
        return sb.toString();
    }

    private static String normalizeRelative(String rel) {
        String abs = normalize("/" + rel);
        return abs.substring(1);
    }

    /** Everything before the last {@code /} ({@code /} for a file in the root). */
    public static String dirname(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return path;
        }
        if (slash == 0) {
            return "/";
        }
        return path.substring(0, slash);
    }

    /** Everything after the last {@code /}. */
    public static String basename(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
