package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.testing.FakeRequest;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which backend a compiled frontend picks: first matching {@code use_backend} in file order,
 * else {@code default_backend}, else none (503). Conditions combine as in manual 7.2.
 */
class RoutingTest {

    private static final String CONFIG = """
            defaults
                mode http
            frontend fe
                bind :80
                acl host_a hdr(host) -i a.example.com
                acl is_api path_beg /api
                acl internal src 10.0.0.0/8
                use_backend api if host_a is_api
                use_backend admin if { path_beg /admin } internal || { hdr(x-admin) -m found }
                use_backend b unless host_a || is_api
                acl host_a hdr(host) -i a2.example.com
                use_backend a if host_a
                use_backend never if FALSE
                use_backend never if !TRUE
            backend a
                server s 127.0.0.2:80
            backend b
                server s 127.0.0.2:81
            backend api
                server s 127.0.0.2:82
            backend admin
                server s 127.0.0.2:83
            backend never
                server s 127.0.0.2:84
            """;

    private static Arguments route(FakeRequest request, String backend) {
        return Arguments.of(request, backend);
    }

    static List<Arguments> requests() {
        return List.of(
                route(FakeRequest.of("a.example.com", "/api/x"), "api"),
                route(FakeRequest.of("a.example.com", "/web"), "a"),
                // A repeated acl line joins the ACL even below the rules that use it, as in HAProxy.
                route(FakeRequest.of("a2.example.com", "/api/x"), "api"),
                route(FakeRequest.of("a2.example.com", "/"), "a"),
                route(FakeRequest.builder().host("c.example.com").path("/admin").source("10.1.1.1").build(),
                        "admin"),
                route(FakeRequest.builder().host("a.example.com").path("/admin").source("11.1.1.1").build(),
                        "a"),
                route(FakeRequest.builder().host("a.example.com").path("/x").header("X-Admin", "1").build(),
                        "admin"),
                route(FakeRequest.of("c.example.com", "/web"), "b"),
                // Neither host_a nor is_api holds, but "unless host_a || is_api" is false for /api.
                route(FakeRequest.of("c.example.com", "/api"), null),
                route(FakeRequest.of("a.example.com:80", "/web"), "b"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("requests")
    void firstMatchingRuleWins(FakeRequest request, String expected) throws ConfigException {
        Frontend fe = TestCompiler.compile("routing.cfg", CONFIG).table().frontends().get(0);
        Backend chosen = fe.select(request);
        assertEquals(expected, chosen == null ? null : chosen.name(), "backend for " + request);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("requests")
    void defaultBackendCatchesTheRest(FakeRequest request, String expected) throws ConfigException {
        String cfg = CONFIG.replace("    bind :80\n", "    bind :80\n    default_backend b\n");
        Backend chosen = TestCompiler.compile("routing.cfg", cfg).table().frontends().get(0).select(request);
        assertEquals(expected == null ? "b" : expected, chosen.name(), "backend for " + request);
    }
}
