package dev.vigil.logs;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What kubelet's layout {@code /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log}
 * says about a log file. The pod directory is split on its last two underscores: Kubernetes names
 * and namespaces are DNS labels and subdomains, which have no underscore, so only the uid could.
 * Rotated siblings ({@code 0.log.20240101-120000}, {@code 0.log.20240101-120000.gz}) carry the same
 * metadata as the live file.
 *
 * @param restart the container restart count from the file name
 */
record PodPath(String namespace, String pod, String uid, String container, int restart, boolean live) {
    private static final Pattern FILE = Pattern.compile("(\\d+)\\.log(\\..+)?");

    /** The metadata of {@code file}, or null when it is not laid out as a pod log. */
    static PodPath of(Path file) {
        Path containerDir = file.getParent();
        Path podDir = containerDir == null ? null : containerDir.getParent();
        if (podDir == null || podDir.getFileName() == null) {
            return null;
        }
        Matcher m = FILE.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return null;
        }
        String dir = podDir.getFileName().toString();
        int u = dir.lastIndexOf('_');
        int p = u <= 0 ? -1 : dir.lastIndexOf('_', u - 1);
        if (p <= 0 || u == dir.length() - 1) {
            return null;
        }
        int restart;
        try {
            restart = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        return new PodPath(dir.substring(0, p), dir.substring(p + 1, u), dir.substring(u + 1),
                containerDir.getFileName().toString(), restart, m.group(2) == null);
    }

    /** Whether {@code name} is a file kubelet leaves while compressing (never read). */
    static boolean transientFile(String name) {
        return name.endsWith(".tmp");
    }
}
