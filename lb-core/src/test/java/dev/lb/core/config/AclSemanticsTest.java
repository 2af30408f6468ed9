package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.match.Condition;
import dev.lb.core.match.RequestFacts;
import dev.lb.core.testing.FakeRequest;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an {@code acl} line, compiled by the parser, matches: the cases where HAProxy's
 * semantics surprise (the Host header includes its port, {@code -i}, {@code dom} words,
 * {@code src} networks). Each case is a line as written in a config and a request.
 */
class AclSemanticsTest {

    private static Arguments row(String acl, UnaryOperator<FakeRequest.Builder> request, boolean expected) {
        return Arguments.of(acl, request.apply(FakeRequest.builder()).build(), expected);
    }

    static List<Arguments> cases() {
        return List.of(
                // hdr(host) is the header as sent: an exact match must include the port (manual 7.3.6).
                row("hdr(host) -i x.example.com", r -> r.host("x.example.com"), true),
                row("hdr(host) -i x.example.com", r -> r.host("x.example.com:8080"), false),
                row("hdr(host) -i x.example.com x.example.com:8080", r -> r.host("x.example.com:8080"), true),
                row("hdr(host) -i x.example.com", r -> r.host("X.Example.COM"), true),
                row("hdr(host) x.example.com", r -> r.host("X.Example.COM"), false),
                row("hdr(host) -i X.EXAMPLE.com", r -> r.host("x.example.com"), true),
                row("hdr(host) x.example.com", r -> r.host(null), false),
                // dom: whole words delimited by . : / ? or the ends.
                row("hdr_dom(host) -i example.com", r -> r.host("api.example.com:443"), true),
                row("hdr_dom(host) -i example.com", r -> r.host("badexample.com"), false),
                row("hdr_dom(host) -i api", r -> r.host("api.example.com"), true),
                row("hdr_beg(host) -i api.", r -> r.host("API.example.com"), true),
                row("hdr_end(host) -i .example.com", r -> r.host("a.example.com"), true),
                row("hdr_end(host) -i .example.com", r -> r.host("a.example.com:80"), false),
                row("hdr_sub(user-agent) -i bot", r -> r.header("User-Agent", "GoogleBot/2.1"), true),
                row("hdr_reg(host) ^[a-z]+\\.example\\.com$", r -> r.host("abc.example.com"), true),
                row("hdr(x-tenant) -m found", r -> r.header("X-Tenant", ""), true),
                row("hdr(x-tenant) -m found", r -> r, false),
                row("req.hdr(X-Tenant) -m beg t1", r -> r.header("x-tenant", "t12"), true),
                // path excludes the query string; path_beg is a plain prefix, not a directory.
                row("path_beg /api", r -> r.path("/api/v1"), true),
                row("path_beg /api", r -> r.path("/apiary"), true),
                row("path_beg /api/", r -> r.path("/api"), false),
                row("path_beg -i /API", r -> r.path("/api/x"), true),
                row("path_beg /API", r -> r.path("/api/x"), false),
                row("path /exact", r -> r.path("/exact").query("q=1"), true),
                row("path_end .json", r -> r.path("/a.json").query("x=.html"), true),
                row("path_sub cart", r -> r.path("/shop/cart/1"), true),
                row("path_reg ^/v[0-9]+/", r -> r.path("/v2/users"), true),
                row("path -m beg /a", r -> r.path("/abc"), true),
                row("url_beg /s?", r -> r.path("/s").query("q"), true),
                row("url_sub token=", r -> r.path("/x").query("token=1"), true),
                row("url /x?q=1", r -> r.path("/x").query("q=1"), true),
                // src takes addresses and networks; an IPv4-mapped client matches IPv4 networks.
                row("src 10.0.0.0/8 192.168.1.1", r -> r.source("10.200.3.4"), true),
                row("src 10.0.0.0/8 192.168.1.1", r -> r.source("192.168.1.1"), true),
                row("src 10.0.0.0/8 192.168.1.1", r -> r.source("192.168.1.2"), false),
                row("src 10.0.0.0/255.0.0.0", r -> r.source("10.1.1.1"), true),
                row("src 10.0.0.0/8", r -> r.source("::ffff:10.1.2.3"), true),
                row("src ::1", r -> r.source("::1"), true),
                row("src 10.0.0.0/8", r -> r, false),
                row("ssl_fc", r -> r.ssl(true), true),
                row("ssl_fc", r -> r.ssl(false), false));
    }

    @ParameterizedTest(name = "acl x {0} on {1} -> {2}")
    @MethodSource("cases")
    void aclMatchesLikeHaproxy(String acl, RequestFacts request, boolean expected) throws ConfigException {
        String cfg = "defaults\n mode http\nfrontend fe\n bind :80\n acl x " + acl.replace("\\", "\\\\")
                + "\n use_backend be if x\nbackend be\n server s 127.0.0.2:80\n";
        Condition c = TestCompiler.compile("acl.cfg", cfg).table().frontends().get(0).routes().rules().get(0)
                .condition();
        assertEquals(expected, c.test(request), "acl x " + acl + " (" + c.describe() + ") on " + request);
    }
}
