package dev.lb.discovery.consul;

import dev.lb.discovery.HttpEndpoint;
import java.net.URI;

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
        HttpEndpoint e = HttpEndpoint.parse(text.trim(), DEFAULT_PORT, "Consul address");
        return new ConsulAddress(e.https(), e.host(), e.port());
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
}
