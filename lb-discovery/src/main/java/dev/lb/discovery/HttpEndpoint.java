package dev.lb.discovery;

import java.net.URI;
import java.util.Locale;

/**
 * One discovery endpoint as operators write it for etcd and Consul: {@code host},
 * {@code host:port} or {@code http(s)://host:port}, IPv6 addresses in brackets.
 *
 * @param https whether it is spoken over TLS
 * @param host the host name or address (IPv6 in brackets)
 * @param port the port
 */
public record HttpEndpoint(boolean https, String host, int port) {

    /**
     * Reads {@code entry} (trimmed, not empty).
     *
     * @param what what the entry is, for errors: "bad {@code what} 'entry': why"
     * @throws IllegalArgumentException naming the entry and what is wrong with it
     */
    public static HttpEndpoint parse(String entry, int defaultPort, String what) {
        boolean https = false;
        String rest = entry;
        int sep = entry.indexOf("://");
        if (sep >= 0) {
            String scheme = entry.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw bad(what, entry, "scheme must be http or https");
            }
            https = scheme.equals("https");
            rest = entry.substring(sep + 3);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/") || rest.contains("?") || rest.contains("#") || rest.contains("@")
                || rest.contains(" ") || rest.contains(",")) {
            throw bad(what, entry, "expected host, host:port or http(s)://host:port, nothing else");
        }
        String host;
        String port = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw bad(what, entry, "missing ']' after the IPv6 address");
            }
            host = rest.substring(0, close + 1);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw bad(what, entry, "expected ':port' after the IPv6 address");
                }
                port = after.substring(1);
            }
            if (!host.substring(1, close).matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                throw bad(what, entry, "'" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0 && rest.indexOf(':', colon + 1) >= 0) {
                throw bad(what, entry,
                        "an IPv6 address must be written in brackets, e.g. [::1]:" + defaultPort);
            }
            host = colon >= 0 ? rest.substring(0, colon) : rest;
            port = colon >= 0 ? rest.substring(colon + 1) : null;
            if (host.isEmpty()) {
                throw bad(what, entry, "missing host");
            }
            if (!host.matches("[A-Za-z0-9._-]+")) {
                throw bad(what, entry, "'" + host + "' is not a host name or address");
            }
        }
        return new HttpEndpoint(https, host, port == null ? defaultPort : parsePort(what, entry, port));
    }

    /** {@code http://host:port} or {@code https://host:port}. */
    public URI uri() {
        return URI.create((https ? "https" : "http") + "://" + host + ":" + port);
    }

    private static int parsePort(String what, String entry, String port) {
        if (!port.matches("[0-9]{1,5}")) {
            throw bad(what, entry, "port '" + port + "' is not a number");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw bad(what, entry, "port " + p + " is out of range 1-65535");
        }
        return p;
    }

    private static IllegalArgumentException bad(String what, String entry, String why) {
        return new IllegalArgumentException("bad " + what + " '" + entry + "': " + why);
    }
}
