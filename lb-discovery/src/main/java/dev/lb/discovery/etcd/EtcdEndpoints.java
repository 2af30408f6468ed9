package dev.lb.discovery.etcd;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses {@code lb.etcd.endpoints}: comma-separated, each {@code host}, {@code host:port} or
 * {@code http(s)://host:port}; port 2379 by default; IPv6 addresses in brackets.
 */
public final class EtcdEndpoints {

    /** etcd's IANA-assigned client port, what etcdctl and confd assume too. */
    public static final int DEFAULT_PORT = 2379;

    private EtcdEndpoints() {
    }

    /**
     * The endpoints as {@code http://host:port} or {@code https://host:port} URIs, in the order
     * written (jetcd needs the scheme).
     *
     * @throws IllegalArgumentException naming the faulty entry and what is wrong with it
     */
    public static List<URI> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no etcd endpoint given (expected host, host:port or "
                    + "http(s)://host:port, comma-separated)");
        }
        List<URI> endpoints = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("empty etcd endpoint in '" + text + "'");
            }
            endpoints.add(parseOne(entry));
        }
        long schemes = endpoints.stream().map(URI::getScheme).distinct().count();
        if (schemes > 1) {
            // jetcd opens one gRPC channel for all endpoints: it is either TLS or plain text.
            throw new IllegalArgumentException("etcd endpoints mix http and https in '" + text + "'");
        }
        return List.copyOf(endpoints);
    }

    private static URI parseOne(String entry) {
        String scheme = "http";
        String rest = entry;
        int sep = entry.indexOf("://");
        if (sep >= 0) {
            scheme = entry.substring(0, sep).toLowerCase(Locale.ROOT);
            rest = entry.substring(sep + 3);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw bad(entry, "scheme must be http or https");
            }
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/") || rest.contains("?") || rest.contains("#") || rest.contains("@")) {
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
                throw bad(entry, "an IPv6 address must be written in brackets, e.g. [::1]:2379");
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
        int portNumber = port == null ? DEFAULT_PORT : parsePort(entry, port);
        return URI.create(scheme + "://" + host + ":" + portNumber);
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
        return new IllegalArgumentException("bad etcd endpoint '" + entry + "': " + why);
    }
}
