package dev.vigil.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Service names by port and protocol from {@code /etc/services} (what {@code getservbyport} reads). */
final class Services {
    private static final Map<String, String> BY_PORT = load(Path.of("/etc/services"));

    private Services() {}

    /** The service name of {@code port}/{@code proto}, or null. */
    static String name(int port, String proto) {
        return BY_PORT.get(port + "/" + proto);
    }

    static Map<String, String> load(Path file) {
        Map<String, String> m = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int hash = line.indexOf('#');
                String l = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (l.isEmpty()) {
                    continue;
                }
                String[] f = l.split("\\s+");
                if (f.length >= 2 && f[1].contains("/")) {
                    m.putIfAbsent(f[1], f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no services database: ports print as numbers
        }
        return m;
    }
}
