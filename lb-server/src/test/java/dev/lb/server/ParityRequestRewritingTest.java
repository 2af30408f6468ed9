package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.lb.server.testing.ProxyPair;
import dev.lb.server.testing.ProxyPair.Forwarded;
import dev.lb.server.testing.ProxyPair.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the server receives through haproxy 2.6 and through lb for the same haproxy.cfg: method,
 * URI and every header (by name, values in order), after {@code option forwardfor},
 * {@code http-request} rules in the frontend and the backend, and hop-by-hop header removal.
 * Headers lb always adds ({@link ProxyPair#LB_ONLY_HEADERS}) are left out of the comparison.
 */
class ParityRequestRewritingTest {

    private static final String CONFIG = """
            defaults
                mode http
                timeout connect 5s
                timeout client 30s
                timeout server 30s
            frontend fe
                bind 127.0.0.1:@PORT@
                option forwardfor
                http-request set-header X-Src %[src]
                http-request set-header X-Dst-Port %[dst_port]
                http-request set-header X-Host-Copy %[hdr(host)]
                http-request add-header X-Lit literal-value
                http-request add-header X-Multi one
                http-request add-header X-Multi two
                http-request del-header X-Secret
                http-request set-header X-Order fe
                http-request set-header X-Api yes if { path_beg /api }
                http-request set-header X-Not-Api yes unless { path_beg /api }
                http-request del-header X-Drop-If if { hdr(x-drop-flag) -m found }
                http-request replace-path ^/old/(.*) /new/\\1
                http-request replace-path api/(.*)$ /rewritten/\\1
                use_backend be_api if { path_beg /api }
                default_backend be_app
            backend be_app
                http-request set-header X-Order be
                http-request add-header X-Saw-Fe yes if { hdr(x-order) fe }
                http-request add-header X-Saw-New yes if { path_beg /new }
                server s1 @app@
            backend be_api
                http-request add-header X-Backend-Api yes
                server s1 @api@
            """;

    @RegisterExtension
    static final ProxyPair.PerClass PAIR = new ProxyPair.PerClass(CONFIG);

    @Test
    void serverReceivesTheSameRequestThroughLbAsThroughHaproxy() {
        Map<String, String> requests = new LinkedHashMap<>();
        requests.put("plain GET with query", get("/a/b?x=1&y=%20z", "web.example.com"));
        requests.put("Host with port is forwarded as sent", get("/", "Web.Example.com:8080"));
        requests.put("incoming X-Forwarded-For gets a second value",
                get("/", "h", "X-Forwarded-For: 10.1.2.3"));
        requests.put("two incoming X-Forwarded-For lines",
                get("/", "h", "X-Forwarded-For: 10.1.2.3, 10.4.5.6", "X-Forwarded-For: 10.7.8.9"));
        requests.put("set-header replaces client values", get("/", "h", "X-Order: client", "X-Src: 1.1.1.1"));
        requests.put("add-header keeps client values", get("/", "h", "X-Multi: zero", "X-Lit: c"));
        requests.put("del-header removes every line", get("/", "h", "X-Secret: a", "x-secret: b"));
        requests.put("if on a header", get("/", "h", "X-Drop-Flag: 1", "X-Drop-If: v"));
        requests.put("frontend rule only on /api, backend be_api", get("/api/v1?q=1", "h"));
        requests.put("replace-path with a group, backend sees the new path", get("/old/x/y?k=v", "h"));
        requests.put("replace-path unanchored replaces the whole path", get("/v2/api/z", "h"));
        requests.put("HEAD", "HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n");
        requests.put("DELETE", "DELETE /res/1 HTTP/1.1\r\nHost: h\r\n\r\n");
        requests.put("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
        requests.put("absolute-form URI", "GET http://abs.example.com/p/q?z=1 HTTP/1.1\r\n"
                + "Host: abs.example.com\r\n\r\n");
        requests.put("HTTP/1.0 without Host", "GET /ten HTTP/1.0\r\n\r\n");
        requests.put("HTTP/1.0 keep-alive", "GET /ten HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
        requests.put("Content-Length body", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 11\r\n\r\nhello world");
        requests.put("chunked body", "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        requests.put("Expect: 100-continue with its body", "POST /upload HTTP/1.1\r\nHost: h\r\n"
                + "Content-Length: 4\r\nExpect: 100-continue\r\n\r\nbody");
        requests.put("Connection: close", get("/", "h", "Connection: close"));
        requests.put("Connection: keep-alive", get("/", "h", "Connection: keep-alive"));

        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> e : requests.entrySet()) {
            Outcome hap = PAIR.pair().viaHaproxy(e.getValue());
            Outcome lb = PAIR.pair().viaLb(e.getValue());
            assertNotNull(hap.forwarded(), e.getKey() + ": expected haproxy to forward, got " + hap);
            assertNotNull(lb.forwarded(), e.getKey() + ": expected lb to forward, got " + lb);
            Forwarded expected = hap.forwarded();
            Forwarded actual = lb.forwarded().without(ProxyPair.LB_ONLY_HEADERS);
            if (!expected.equals(actual)) {
                mismatches.add(e.getKey() + ":\n  haproxy -> " + expected + "\n  lb      -> " + actual);
            }
            if (hap.answer().status() != lb.answer().status()
                    || !hap.answer().body().equals(lb.answer().body())) {
                mismatches.add(e.getKey() + ": client got haproxy -> " + hap.answer()
                        + ", lb -> " + lb.answer());
            }
        }
        assertEquals("", String.join("\n", mismatches), "server-side requests differ between haproxy and lb");
    }

    @Test
    void hopByHopHeadersAreDroppedByLbButForwardedByHaproxy() {
        // DIFFERENCE (intentional): RFC 9110 §7.6.1 says a proxy must remove the headers named
        // in Connection and the standard hop-by-hop fields; lb does (HopByHopHeaders), haproxy
        // 2.6 only consumes the close/keep-alive/upgrade tokens and forwards the rest unchanged.
        String raw = get("/", "h", "Connection: foo, keep-alive", "Foo: bar", "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive", "TE: trailers", "Trailer: X-T", "Upgrade: h2c");
        Forwarded hap = PAIR.pair().viaHaproxy(raw).forwarded();
        Forwarded lb = PAIR.pair().viaLb(raw).forwarded();
        List<String> hopByHop = List.of("connection", "foo", "keep-alive", "proxy-connection", "te", "trailer",
                "upgrade");
        Map<String, List<String>> hapKept = new java.util.TreeMap<>();
        Map<String, List<String>> lbKept = new java.util.TreeMap<>();
        for (String name : hopByHop) {
            if (!hap.values(name).isEmpty()) {
                hapKept.put(name, hap.values(name));
            }
            if (!lb.values(name).isEmpty()) {
                lbKept.put(name, lb.values(name));
            }
        }
        assertEquals(Map.of("connection", List.of("foo"), "foo", List.of("bar"),
                "keep-alive", List.of("timeout=5"),
                "proxy-connection", List.of("keep-alive"), "te", List.of("trailers"), "trailer", List.of("X-T"),
                "upgrade", List.of("h2c")), hapKept, "hop-by-hop headers haproxy forwards");
        assertEquals(Map.of(), lbKept, "hop-by-hop headers lb forwards (expected none)");
        assertEquals(hap.without(java.util.Set.copyOf(hopByHop)),
                lb.without(java.util.Set.copyOf(hopByHop)).without(ProxyPair.LB_ONLY_HEADERS),
                "the rest of the request: haproxy's (expected) vs lb's");
    }

    private static String get(String uri, String host, String... headers) {
        StringBuilder sb = new StringBuilder("GET ").append(uri).append(" HTTP/1.1\r\nHost: ").append(host)
                .append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }
}
