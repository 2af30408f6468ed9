package dev.lb.discovery.consul;

import java.net.URI;
import java.util.Locale;

/**
 * Parses {@code lb.consul.address} as Consul's own CLI takes {@code CONSUL_HTTP_ADDR}:
 * {@code host}, {@code host:port} or {@code http(s)://host:port}; port 8500 by default; IPv6
 * addresses in brackets.
 *
 * @param https whether the API is spoken over TLS
 * @param host the host name or address (IPv6 in brackets)
 * @param port the HTTP API port
 */
public record ConsulAddress(boolean https, String host, int port) {

    /** The port of Consul's HTTP API unless configured otherwise. */
    public static final int DEFAULT_PORT = 8500;

    /**
     * Reads one address.
     *
     * @throws IllegalArgumentException saying what is wrong with it (the caller adds the key name)
     */
    public static ConsulAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no Consul address given (expected host, host:port or "
                    + "http(s)://host:port)");
        }
        String entry = text.trim();
        boolean https = false;
        String rest = entry;
        int sep = entry.indexOf("://");
        if (sep >= 0) {
            String scheme = entry.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw bad(entry, "scheme must be http or https");
            }
            https = scheme.equals("https");
            rest = entry.substring(sep + 3);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/") || rest.contains("?") || rest.contains("#") || rest.contains("@")
                || rest.contains(" ") || rest.contains(",")) {
            throw bad(entry, "expected host, host:port or http(s)://host:port, nothing else");
        }
        String host;
        String port = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw bad(entry, "missing ']' after the IPv6 address");
            }
            host = rest.substring(0, close + 1);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw bad(entry, "expected ':port' after the IPv6 address");
                }
                port = after.substring(1);
            }
            if (!host.substring(1, close).matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                throw bad(entry, "'" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0 && rest.indexOf(':', colon + 1) >= 0) {
                throw bad(entry, "an IPv6 address must be written in brackets, e.g. [::1]:8500");
            }
            host = colon >= 0 ? rest.substring(0, colon) : rest;
            port = colon >= 0 ? rest.substring(colon + 1) : null;
            if (host.isEmpty()) {
                throw bad(entry, "missing host");
            }
            if (!host.matches("[A-Za-z0-9._-]+")) {
                throw bad(entry, "'" + host + "' is not a host name or address");
            }
        }
        return new ConsulAddress(https, host, port == null ? DEFAULT_PORT : parsePort(entry, port));
    }

    /** {@code http://host:port} or {@code https://host:port}. */
    public URI uri() {
        return URI.create((https ? "https" : "http") + "://" + host + ":" + port);
    }

    /** {@code host:port}, or {@code https://host:port} for TLS. */
    @Override
    public String toString() {
        return (https ? "https://" : "") + host + ":" + port;
    }

    private static int parsePort(String entry, String port) {
        if (!port.matches("[0-9]{1,5}")) {
            throw bad(entry, "port '" + port + "' is not a number");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw bad(entry, "port " + p + " is out of range 1-65535");
        }
        return p;
    }

    private static IllegalArgumentException bad(String entry, String why) {
        return new IllegalArgumentException("bad Consul address '" + entry + "': " + why);
    }
}
