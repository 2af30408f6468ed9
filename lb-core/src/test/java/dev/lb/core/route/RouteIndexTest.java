package dev.lb.core.route;

import static dev.lb.core.route.Rules.all;
import static dev.lb.core.route.Rules.any;
import static dev.lb.core.route.Rules.host;
import static dev.lb.core.route.Rules.hostDom;
import static dev.lb.core.route.Rules.hostI;
import static dev.lb.core.route.Rules.not;
import static dev.lb.core.route.Rules.path;
import static dev.lb.core.route.Rules.pathBeg;
import static dev.lb.core.route.Rules.pathBegI;
import static dev.lb.core.route.Rules.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.match.Condition;
import dev.lb.core.table.Backend;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Readable cases: rules in file order, a request, the backend HAProxy would pick. */
class RouteIndexTest {

    /** A consul-template-shaped frontend with fallbacks and negations interleaved. */
    private static final List<Rule> RULES = List.of(
            rule(all(hostI("api.example.com"), pathBeg("/v2/")), "api_v2"),
            rule(hostI("api.example.com"), "api"),
            rule(all(host("Exact.example.com"), pathBegI("/ADMIN")), "exact_admin"),
            rule(host("Exact.example.com"), "exact"),
            rule(hostDom("legacy"), "legacy_dom"),
            rule(pathBeg("/static/", "/assets/"), "static"),
            rule(path("/healthz"), "health"),
            rule(all(pathBeg("/internal/"), not(hostI("admin.example.com"))), "internal_denied"),
            rule(pathBeg("/internal/"), "internal"),
            rule(any(hostI("a.example.com", "b.example.com"),
                    all(hostI("c.example.com"), pathBeg("/c/"))), "abc"),
            rule(pathBeg(""), "catch_all"));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("api.example.com", "/v2/users", "api_v2"),
                Arguments.of("API.Example.COM", "/v2/users", "api_v2"),
                Arguments.of("api.example.com", "/V2/users", "api"),
                Arguments.of("api.example.com:80", "/v2/users", "catch_all"),
                Arguments.of("Exact.example.com", "/admin/x", "exact_admin"),
                Arguments.of("exact.example.com", "/admin/x", "catch_all"),
                Arguments.of("Exact.example.com", "/other", "exact"),
                Arguments.of("www.legacy.org", "/static/x", "legacy_dom"),
                Arguments.of("www.example.com", "/static/x", "static"),
                Arguments.of("www.example.com", "/assets/y", "static"),
                Arguments.of("www.example.com", "/healthz", "health"),
                Arguments.of("www.example.com", "/healthz/deep", "catch_all"),
                Arguments.of("www.example.com", "/internal/a", "internal_denied"),
                Arguments.of("ADMIN.example.com", "/internal/a", "internal"),
                Arguments.of("b.example.com", "/anything", "abc"),
                Arguments.of("c.example.com", "/c/x", "abc"),
                Arguments.of("c.example.com", "/d/x", "catch_all"),
                Arguments.of(null, "/static/x", "static"),
                Arguments.of(null, "/nothing", "catch_all"));
    }

    @ParameterizedTest(name = "Host {0}, path {1} -> {2}")
    @MethodSource("cases")
    void picksTheFirstMatchingRuleInFileOrder(String host, String path, String expected) {
        RouteIndex index = RouteIndex.build(RULES);
        TestRequest request = TestRequest.of(host, path);
        assertEquals(expected, name(index.route(request)), "index answer for " + request);
        assertEquals(expected, name(LinearScan.route(RULES, request)), "linear scan answer for " + request);
    }

    @Test
    void answersNullWhenNoRuleMatches() {
        RouteIndex index = RouteIndex.build(List.of(rule(host("a"), "a"), rule(hostDom("b"), "b")));
        assertEquals(null, index.route(TestRequest.of("c", "/")), "no rule should match Host c");
    }

    @Test
    void anUnconditionalRuleShadowsEverythingAfterIt() {
        RouteIndex index = RouteIndex.build(List.of(
                rule(host("a"), "a"), rule(Condition.Always.TRUE, "all"), rule(host("b"), "b")));
        assertEquals("a", name(index.route(TestRequest.of("a", "/"))));
        assertEquals("all", name(index.route(TestRequest.of("b", "/"))));
    }

    @Test
    void aMissingPathFailsPathTermsButNotHostOnlyRules() {
        RouteIndex index = RouteIndex.build(List.of(rule(pathBeg(""), "any_path"), rule(host("a"), "a")));
        assertEquals("a", name(index.route(TestRequest.of("a", null))));
    }

    @Test
    void plainHostAndPathRulesAreIndexedAndOthersScanned() {
        RouteIndex index = RouteIndex.build(RULES);
        // legacy_dom, internal_denied (negation).
        assertEquals(2, index.fallbackRuleCount(), "rules left to the fallback scan");
    }

    @Test
    void ignoreCasePathsMatchNonAsciiAsStringToLowerCaseDoes() {
        // "İ".toLowerCase(Locale.ROOT) is two chars: the walk must not compare char by char.
        RouteIndex index = RouteIndex.build(List.of(rule(pathBegI("/i\u0307x"), "dotted")));
        assertEquals("dotted", name(index.route(TestRequest.of("h", "/\u0130x/y"))));
    }

    private static String name(Backend b) {
        return b == null ? null : b.name();
    }
}
