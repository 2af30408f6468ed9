package dev.lb.core.match;

import java.net.InetAddress;

/**
 * What an ACL may look at in a request. The HTTP data plane implements it over the request it
 * is handling (no copy per request); tests implement it with plain values.
 */
public interface RequestFacts {

    /** The Host header exactly as received (port included), or {@code null} when absent. */
    String host();

    /** The path of the request URI, without the query string. */
    String path();

    /** The request URI as received (path and query, or absolute form). */
    String uri();

    /** The value of the first header with this name (case-insensitive), or {@code null}. */
    String header(String name);

    /** The client's address, or {@code null} when unknown. */
    InetAddress source();

    /** Whether the client connection is TLS ({@code ssl_fc}). */
    boolean ssl();

    /** The local port the client connected to ({@code dst_port}), or 0 when unknown. */
    default int destinationPort() {
        return 0;
    }

    /** The SNI of the TLS ClientHello a mode tcp connection began with ({@code req_ssl_sni}), or null. */
    default String sslSni() {
        return null;
    }

    /** The TLS handshake message type the connection began with ({@code req_ssl_hello_type}), or -1. */
    default int sslHelloType() {
        return -1;
    }
}
