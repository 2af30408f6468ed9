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
    SSL_FC;

    /** The value this fetch extracts from a request, as a string ({@code null} when absent). */
    public String extract(RequestFacts request, String headerName) {
        return switch (this) {
            case HEADER -> "host".equals(headerName) ? request.host() : request.header(headerName);
            case PATH -> request.path();
            case URL -> request.uri();
            case SRC, SSL_FC -> throw new IllegalStateException(this + " is not a string fetch");
        };
    }
}
