package dev.lb.core.match;

/**
 * The sample fetches of HAProxy's ACL language that lb implements (configuration manual,
 * section 7.3). A fetch extracts a value from the request; a {@link MatchMethod} compares it.
 */
public enum Fetch {
    /** {@code hdr(name)}: a request header's value; the header name is in {@link Match#headerName()}. */
    HEADER,
    /** {@code path}: the URI path without the query. */
    PATH,
    /** {@code url}: the whole request URI. */
    URL,
    /** {@code src}: the client address. */
    SRC,
    /** {@code ssl_fc}: true on a TLS client connection. */
    SSL_FC,
    /** {@code req_ssl_sni} / {@code req.ssl_sni}: the SNI of a TLS ClientHello read in mode tcp. */
    REQ_SSL_SNI,
    /** {@code req_ssl_hello_type}: the TLS handshake type of the first buffered bytes (1 = ClientHello). */
    REQ_SSL_HELLO_TYPE,
    /** {@code http_auth(userlist)}: true when the request's Basic credentials are a user's of the list. */
    HTTP_AUTH,
    /** {@code http_auth_group(userlist) GROUP...}: as {@link #HTTP_AUTH}, and the user is in a group. */
    HTTP_AUTH_GROUP;

    /** Whether the fetch reads the HTTP request, which a mode tcp frontend does not parse. */
    public boolean isHttp() {
        return this == HEADER || this == PATH || this == URL || this == HTTP_AUTH
                || this == HTTP_AUTH_GROUP;
    }

    /** Whether the fetch reads the first bytes of a TCP connection ({@code tcp-request inspect-delay}). */
    public boolean isPayload() {
        return this == REQ_SSL_SNI || this == REQ_SSL_HELLO_TYPE;
    }

    /** The value this fetch extracts from a request, as a string ({@code null} when absent). */
    public String extract(RequestFacts request, String headerName) {
        return switch (this) {
            case HEADER -> "host".equals(headerName) ? request.host() : request.header(headerName);
            case PATH -> request.path();
            case URL -> request.uri();
            case REQ_SSL_SNI -> request.sslSni();
            case REQ_SSL_HELLO_TYPE -> request.sslHelloType() < 0 ? null
                    : Integer.toString(request.sslHelloType());
            case SRC, SSL_FC, HTTP_AUTH, HTTP_AUTH_GROUP ->
                    throw new IllegalStateException(this + " is not a string fetch");
        };
    }
}
