package dev.vigil.capture.state;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the container a process runs in from its {@code /proc/<pid>/cgroup} (every hierarchy, v1
 * and v2), recognising only the path forms real runtimes create:
 * <ul>
 *   <li>docker: {@code /docker/<64 hex>}, {@code docker-<64 hex>.scope}</li>
 *   <li>containerd (CRI): {@code cri-containerd-<64 hex>.scope}, {@code /kubepods/.../<64 hex>}</li>
 *   <li>CRI-O: {@code crio-<64 hex>.scope}, {@code crio-<64 hex>}</li>
 *   <li>podman: {@code libpod-<64 hex>} (with or without {@code .scope}, under {@code /libpod_parent}
 *       or {@code machine.slice}); {@code libpod-conmon-<id>} is the monitor, not the container</li>
 * </ul>
 * Anything else is the host. In particular a loose {@code /<prefix>/<hex id>} form is not accepted:
 * on the build VMs every process sits in {@code /process_api/<32 hex>}.
 */
final class CgroupContainers {
    /** A container found in a cgroup path. */
    record Match(String fullId, String runtime) {}

    private static final Pattern SCOPED = Pattern.compile("^(docker|cri-containerd|crio|libpod)-([0-9a-f]{64})(\\.scope)?$");
    private static final Pattern HEX64 = Pattern.compile("^[0-9a-f]{64}$");

    private CgroupContainers() {}

    /** The container of the first hierarchy that names one, or null for a host process. */
    static Match parse(String cgroupFile) {
        if (cgroupFile == null) {
            return null;
        }
        for (String line : cgroupFile.split("\n")) {
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            Match m = parsePath(line.substring(second + 1).trim());
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    /** The container named by one cgroup path, or null. */
    static Match parsePath(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return null;
        }
        String[] seg = path.split("/");
        boolean underKubepods = false;
        for (int i = 0; i < seg.length; i++) {
            String s = seg[i];
            if (s.isEmpty()) {
                continue;
            }
            Matcher m = SCOPED.matcher(s);
            if (m.matches()) {
                return new Match(m.group(2), runtimeOf(m.group(1)));
            }
            if (s.equals("docker") && i + 1 < seg.length && HEX64.matcher(seg[i + 1]).matches()) {
                return new Match(seg[i + 1], "docker");
            }
            if (s.startsWith("kubepods")) {
                underKubepods = true;
            } else if (underKubepods && HEX64.matcher(s).matches()) {
                return new Match(s, "containerd");
            }
        }
        return null;
    }

    private static String runtimeOf(String prefix) {
        return switch (prefix) {
            case "docker" -> "docker";
            case "cri-containerd" -> "containerd";
            case "crio" -> "cri-o";
            default -> "podman";
        };
    }
}
