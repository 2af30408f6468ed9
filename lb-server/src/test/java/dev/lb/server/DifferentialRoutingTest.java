package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.server.testing.ProxyPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same haproxy.cfg served by Debian's haproxy 2.6 and by lb; the same raw requests to both;
 * both must pick the same backend (or both answer the same error status) for every request.
 */
class DifferentialRoutingTest {

    private static final String DEFAULTS = """
            defaults
                mode http
                timeout connect 5s
                timeout client 30s
                timeout server 30s
            """;
    private static int comparisons;

    @TempDir
    Path dir;

    @AfterAll
    static void enoughCombinations() {
        assertTrue(comparisons >= 50, "expected at least 50 request/config combinations, ran " + comparisons);
    }

    /** A request: Host header value (null for none) and path. */
    private record Req(String host, String path) {
        @Override
        public String toString() {
            return "Host=" + host + " " + path;
        }
    }

    private static Req req(String host, String path) {
        return new Req(host, path);
    }

    @Test
    void hostPerServiceTemplate() throws Exception {
        compare(DEFAULTS + """
                frontend http-in
                    bind 127.0.0.1:@PORT@
                    acl host_web hdr(host) -i web.example.com
                    acl host_api hdr(host) -i api.example.com
                    acl host_case hdr(host) Case.Example.com
                    acl host_ported hdr(host) -i ported.example.com:8080
                    use_backend web if host_web
                    use_backend api if host_api
                    use_backend cases if host_case
                    use_backend ported if host_ported
                    default_backend fallback
                backend web
                    server web1 @web@ check
                backend api
                    server api1 @api@
                backend cases
                    server c1 @cases@
                backend ported
                    server p1 @ported@
                backend fallback
                    server f1 @fallback@
                """, List.of(
                req("web.example.com", "/"), req("WEB.Example.COM", "/x"), req("web.example.com:80", "/"),
                req("api.example.com", "/v1/users?id=3"), req("Case.Example.com", "/"),
                req("case.example.com", "/"), req("ported.example.com:8080", "/"),
                req("ported.example.com", "/"),
                req("unknown.example.com", "/"), req("web.example.com.", "/"), req("xweb.example.com", "/"),
                req("", "/"), req(null, "/")));
    }

    @Test
    void pathPerServiceTemplate() throws Exception {
        compare(DEFAULTS + """
                frontend http-in
                    bind 127.0.0.1:@PORT@
                    acl is_svc1 path_beg -i /svc1
                    acl is_svc2 path_beg /svc2/
                    acl is_svc12 path_beg /svc12
                    acl is_exact path /exact
                    acl is_image path_end .jpg .png
                    acl is_url url_beg /q?
                    use_backend svc1 if is_svc1
                    use_backend svc2 if is_svc2
                    use_backend svc12 if is_svc12
                    use_backend exact if is_exact
                    use_backend images if is_image
                    use_backend query if is_url
                backend svc1
                    server s1 @svc1@
                backend svc2
                    server s1 @svc2@
                backend svc12
                    server s1 @svc12@
                backend exact
                    server s1 @exact@
                backend images
                    server s1 @images@
                backend query
                    server s1 @query@
                """, List.of(
                req("any", "/svc1"), req("any", "/SVC1/x"), req("any", "/svc12/x"), req("any", "/svc2"),
                req("any", "/svc2/"), req("any", "/svc2/a?b=c"), req("any", "/Svc2/a"), req("any", "/exact"),
                req("any", "/exact/"), req("any", "/exact?x=1"), req("any", "/a/b.jpg"), req("any", "/a.JPG"),
                req("any", "/a.png?x"), req("any", "/other"), req("any", "/q?x=1"), req("any", "/q"),
                req("any", "/svc1?x"), req("any", "/")));
    }

    @Test
    void combinedConditions() throws Exception {
        compare(DEFAULTS + """
                frontend http-in
                    bind 127.0.0.1:@PORT@
                    acl host_a hdr(host) -i a.example.com
                    acl host_a hdr(host) -i a2.example.com
                    acl host_b hdr(host) -i b.example.com
                    acl api path_beg /api
                    acl admin path_beg /admin
                    acl internal src 127.0.0.0/8
                    acl dom hdr_dom(host) -i example.org
                    acl beg hdr_beg(host) -i static.
                    acl end hdr_end(host) -i .cdn.net
                    use_backend admin_ext if host_a admin !internal
                    use_backend admin_int if host_a admin internal
                    use_backend api_ab if api host_a || api host_b
                    use_backend a if host_a
                    use_backend b if { hdr(host) -i b.example.com } !api
                    use_backend dom if dom
                    use_backend static if beg or end
                    use_backend x if !host_b { path_beg /x }
                    use_backend notu unless { path_beg /u } || { hdr(host) -i u.example.com }
                    default_backend d
                backend admin_ext
                    server s @admin_ext@
                backend admin_int
                    server s @admin_int@
                backend api_ab
                    server s @api_ab@
                backend a
                    server s @a@
                backend b
                    server s @b@
                backend dom
                    server s @dom@
                backend static
                    server s @static@
                backend x
                    server s @x@
                backend notu
                    server s @notu@
                backend d
                    server s @d@
                """, List.of(
                req("a.example.com", "/admin/x"), req("A2.example.com", "/"), req("a.example.com", "/api/v1"),
                req("b.example.com", "/api"), req("b.example.com", "/"), req("B.EXAMPLE.COM", "/apix"),
                req("www.example.org", "/"), req("example.org:8080", "/"), req("notexample.org", "/u"),
                req("static.foo.com", "/u1"), req("img.cdn.net", "/u"), req("other.com", "/x/1"),
                req("b.example.com", "/x/1"), req("other.com", "/u/1"), req("u.example.com", "/u/1"),
                req("other.com", "/y"), req(null, "/u")));
    }

    @Test
    void manyServicesLastOneWins() throws Exception {
        StringBuilder cfg = new StringBuilder(DEFAULTS + """
                frontend http-in
                    bind 127.0.0.1:@PORT@
                """);
        List<Req> requests = new ArrayList<>();
        int n = 12;
        for (int i = 0; i < n; i++) {
            cfg.append("    acl host_svc").append(i).append(" hdr(host) -i svc").append(i)
                    .append(".example.com\n");
            cfg.append("    use_backend svc").append(i).append(" if host_svc").append(i).append('\n');
            requests.add(req("svc" + i + ".example.com", "/"));
        }
        // A later duplicate route for svc3 never wins: first match decides.
        cfg.append("    use_backend svc4 if host_svc3\n");
        for (int i = 0; i < n; i++) {
            cfg.append("backend svc").append(i).append("\n    server s @svc").append(i).append("@\n");
        }
        requests.add(req("svc99.example.com", "/"));
        compare(cfg.toString(), requests);
    }

    private void compare(String template, List<Req> requests) throws Exception {
        List<String> mismatches = new ArrayList<>();
        Set<String> distinct = new HashSet<>();
        try (ProxyPair pair = ProxyPair.start(dir, template)) {
            for (Req r : requests) {
                String raw = r.host() == null
                        ? "GET " + r.path() + " HTTP/1.0\r\n\r\n"
                        : "GET " + r.path() + " HTTP/1.1\r\nHost: " + r.host()
                                + "\r\nConnection: close\r\n\r\n";
                String expected = outcome(pair.viaHaproxy(raw));
                String actual = outcome(pair.viaLb(raw));
                distinct.add(expected);
                comparisons++;
                if (!expected.equals(actual)) {
                    mismatches.add(r + ": haproxy -> " + expected + ", lb -> " + actual);
                }
            }
        }
        assertEquals(List.of(), mismatches, "requests routed differently by lb than by haproxy");
        assertTrue(distinct.size() > 2, "the requests should exercise several backends, saw " + distinct);
    }

    /** The backend that answered (each recording backend answers with its name), or the status. */
    private static String outcome(ProxyPair.Outcome o) {
        ProxyPair.Answer a = o.answer();
        if (a.error() != null) {
            return "error " + a.error();
        }
        return a.status() == 200 ? "backend " + a.body() : "status " + a.status();
    }
}
