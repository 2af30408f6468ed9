package dev.lb.core.testing;

import dev.lb.core.match.RequestFacts;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A request made of plain values, for testing conditions, rules and actions without a channel.
 * Header names are case-insensitive; {@link #host()} is the {@code Host} header as given (port
 * included), like the real data plane's.
 *
 * <pre>{@code
 * RequestFacts r = FakeRequest.builder().host("app.example.com:8080").path("/api/x")
 *         .query("a=1").source("10.1.2.3").build();
 * }</pre>
 */
public final class FakeRequest implements RequestFacts {

    private final Map<String, String> headers;
    private final String path;
    private final String uri;
    private final InetAddress source;
    private final boolean ssl;
    private final int destinationPort;

    private FakeRequest(Builder b) {
        this.headers = Map.copyOf(b.headers);
        this.path = b.path;
        this.uri = b.uri != null ? b.uri : b.query != null ? b.path + "?" + b.query : b.path;
        this.source = b.source;
        this.ssl = b.ssl;
        this.destinationPort = b.destinationPort;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code GET path} with a {@code Host} header, the shape most routing tests need. */
    public static FakeRequest of(String host, String path) {
        return builder().host(host).path(path).build();
    }

    @Override
    public String host() {
        return headers.get("host");
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public InetAddress source() {
        return source;
    }

    @Override
    public boolean ssl() {
        return ssl;
    }

    @Override
    public int destinationPort() {
        return destinationPort;
    }

    @Override
    public String toString() {
        return "FakeRequest[" + uri + " headers=" + headers + " src=" + source + " ssl=" + ssl + "]";
    }

    /** Builder for {@link FakeRequest}; the path defaults to {@code /}. */
    public static final class Builder {
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String path = "/";
        private String query;
        private String uri;
        private InetAddress source;
        private boolean ssl;
        private int destinationPort;

        private Builder() {
        }

        /** The {@code Host} header; {@code null} removes it. */
        public Builder host(String host) {
            return header("Host", host);
        }

        /** Sets a header (first value only,
                as {@link RequestFacts#header} answers); {@code null} removes it. */
        public Builder header(String name, String value) {
            if (value == null) {
                headers.remove(name.toLowerCase(Locale.ROOT));
            } else {
                headers.put(name.toLowerCase(Locale.ROOT), value);
            }
            return this;
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /** The query string, without {@code ?}; it becomes part of {@link RequestFacts#uri()}. */
        public Builder query(String query) {
            this.query = query;
            return this;
        }

        /** The whole request URI as received, overriding path + query (e.g. absolute form). */
        public Builder uri(String uri) {
            this.uri = uri;
            return this;
        }

        /** The client address as an IP literal. */
        public Builder source(String ip) {
            try {
                this.source = InetAddress.getByName(ip);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP literal: " + ip, e);
            }
            return this;
        }

        public Builder ssl(boolean ssl) {
            this.ssl = ssl;
            return this;
        }

        public Builder destinationPort(int port) {
            this.destinationPort = port;
            return this;
        }

        public FakeRequest build() {
            return new FakeRequest(this);
        }
    }
}
