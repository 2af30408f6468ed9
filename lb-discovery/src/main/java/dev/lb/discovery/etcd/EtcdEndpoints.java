package dev.lb.discovery.etcd;

import dev.lb.discovery.HttpEndpoint;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

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
        return HttpEndpoint.parse(entry, DEFAULT_PORT, "etcd endpoint").uri();
    }
}
