package dev.vigil.capture.state;

import java.util.HashMap;
import java.util.Map;

/** Service names by port and protocol from the text of {@code /etc/services} (what {@code getservbyport} reads). */
final class Services {
    private Services() {}

    /** {@code "port/proto"} to service name; the first entry of a port wins. */
    static Map<String, String> parse(String text) {
        Map<String, String> m = new HashMap<>();
        if (text == null) {
            return m;
        }
        for (String line : text.split("\n")) {
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
        return m;
    }
}
