package dev.vigil.app;

import java.net.InetSocketAddress;

/** {@code HOST:PORT} as written on the command line or in the config file, IPv6 hosts in brackets. */
final class ListenAddress {
    private ListenAddress() {}

    /** The address, or an IllegalArgumentException naming {@code option} and what is wrong. */
    static InetSocketAddress parse(String text, String option) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + " is HOST:PORT, e.g. 127.0.0.1:8443 or [::1]:8443, got '" + text + "'");
        }
        String host = host(text);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": '" + text.substring(colon + 1) + "' is not a port number");
        }
        return new InetSocketAddress(host, port);
    }

    /** The host part, without IPv6 brackets. */
    static String host(String text) {
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? text : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host;
    }
}
