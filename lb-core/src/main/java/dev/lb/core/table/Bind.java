package dev.lb.core.table;

import java.net.InetSocketAddress;

/**
 * One {@code bind} address of a frontend.
 *
 * @param address where to listen; a wildcard address for {@code :80} or {@code *:80}
 * @param location {@code file:line} of the bind line, for error reports
 * @param acceptProxy {@code accept-proxy}: clients start with a PROXY protocol header (v1 or v2)
 */
public record Bind(InetSocketAddress address, String location, boolean acceptProxy) {

    public Bind(InetSocketAddress address, String location) {
        this(address, location, false);
    }

    /** Canonical text: {@code host:port}, {@code *:port} for the wildcard. */
    public String describe() {
        return describe(address);
    }

    /** {@code host:port} of a listen address, {@code *:port} for the wildcard. */
    public static String describe(InetSocketAddress address) {
        String host = address.getAddress() == null || address.getAddress().isAnyLocalAddress()
                ? "*" : address.getAddress().getHostAddress();
        return host + ":" + address.getPort();
    }
}
