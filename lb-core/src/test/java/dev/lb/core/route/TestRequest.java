package dev.lb.core.route;

import dev.lb.core.match.RequestFacts;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Map;

/** Plain-value {@link RequestFacts} for route tests. */
record TestRequest(String host, String path, Map<String, String> headers, InetAddress source, boolean ssl)
        implements RequestFacts {

    static TestRequest of(String host, String path) {
        return new TestRequest(host, path, Map.of(), null, false);
    }

    @Override
    public String uri() {
        return path;
    }

    @Override
    public String header(String name) {
        if ("host".equalsIgnoreCase(name)) {
            return host;
        }
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return "Host: " + host + ", path " + path + ", headers " + headers + ", src " + source + ", ssl " + ssl;
    }
}
