package dev.lb.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.testing.FakeRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code http-request auth} with the userlist ACLs as the parser compiles them: the realm, the
 * rule's place in the frontend or the backend, which credentials make {@code http_auth} and
 * {@code http_auth_group} true, and the errors for unknown lists, groups and users.
 */
class HttpAuthConfigTest {

    private static final String CONFIG = """
            defaults
                mode http
            frontend fe
                bind 127.0.0.1:8080
                http-request auth if { path_beg /any } !{ http_auth(people) }
                http-request auth realm Admins if { path_beg /admin } !{ http_auth_group(people) admins }
                http-request auth realm "two words" unless { http_auth_group(people) ops admins }
                default_backend be
            backend be
                http-request auth unless { http_auth(people) }
                server s 127.0.0.1:9000
            userlist people
                group admins users alice
                group ops
                user alice insecure-password wonderland
                user bob insecure-password p:w,x groups ops
                user eve insecure-password ''
            """;

    private static List<HttpRequestAction> frontendRules() throws ConfigException {
        return TestCompiler.compile("auth.cfg", CONFIG).table().frontends().get(0).actions();
    }

    private static FakeRequest request(String path, String authorization) {
        FakeRequest.Builder b = FakeRequest.builder().path(path);
        return (authorization == null ? b : b.header("Authorization", authorization)).build();
    }

    private static String basic(String userColonPassword) {
        byte[] credentials = userColonPassword.getBytes(StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(credentials);
    }

    @Test
    void realmIsTheProxyNameUnlessGiven() throws ConfigException {
        RoutingTable t = TestCompiler.compile("auth.cfg", CONFIG).table();
        String realms = t.frontends().get(0).actions().stream()
                .map(a -> assertInstanceOf(HttpRequestAction.Auth.class, a).realm())
                .collect(Collectors.joining("|"));
        assertEquals("fe|Admins|two words", realms, "frontend realms");
        HttpRequestAction backendRule = t.backends().get("be").actions().get(0);
        assertEquals("be", assertInstanceOf(HttpRequestAction.Auth.class, backendRule).realm(),
                "a backend rule's default realm is the backend's name");
    }

    @Test
    void httpAuthIsTrueOnlyForAUserAndItsPassword() throws ConfigException {
        HttpRequestAction any = frontendRules().get(0); // auth if /any and not authenticated
        assertEquals(true, any.condition().test(request("/any", null)), "no credentials: challenged");
        assertEquals(false, any.condition().test(request("/any", basic("alice:wonderland"))), "right password");
        assertEquals(false, any.condition().test(request("/any", "bAsIc " + basic("alice:wonderland")
                .substring(6))), "the scheme is case-insensitive");
        assertEquals(true, any.condition().test(request("/any", basic("alice:Wonderland"))), "wrong case");
        assertEquals(true, any.condition().test(request("/any", basic("mallory:wonderland"))), "unknown user");
        assertEquals(false, any.condition().test(request("/any", basic("bob:p:w,x"))),
                "the password is everything after the first colon");
        assertEquals(true, any.condition().test(request("/any", basic("alice"))), "no colon");
        assertEquals(true, any.condition().test(request("/any", "Basic !!notbase64")), "bad base64");
        assertEquals(true, any.condition().test(request("/any", "Bearer " + basic("alice:wonderland")
                .substring(6))), "another scheme");
        assertEquals(false, any.condition().test(request("/other", null)), "the path term still counts");
    }

    @Test
    void httpAuthGroupNeedsValidCredentialsAndAListedGroup() throws ConfigException {
        HttpRequestAction admin = frontendRules().get(1);
        HttpRequestAction opsOrAdmins = frontendRules().get(2);
        assertEquals(false, admin.condition().test(request("/admin", basic("alice:wonderland"))),
                "alice is in admins through 'group admins users alice'");
        assertEquals(true, admin.condition().test(request("/admin", basic("bob:p:w,x"))), "bob is not");
        assertEquals(false, opsOrAdmins.condition().test(request("/", basic("bob:p:w,x"))),
                "bob is in ops through 'user bob ... groups ops'");
        assertEquals(true, opsOrAdmins.condition().test(request("/", basic("bob:wrong"))),
                "a member with a wrong password is not in any group");
        assertEquals(true, opsOrAdmins.condition().test(request("/", basic("eve:"))), "eve has no group");
    }

    @Test
    void describeShowsTheListAndGroups() throws ConfigException {
        assertEquals("auth realm \"Admins\" if all(path -m beg /admin, not(http_auth_group(people) admins))",
                frontendRules().get(1).describe());
    }

    private static String errors(String cfg) {
        ConfigException e = assertThrows(ConfigException.class, () -> TestCompiler.compile("e.cfg", cfg));
        return e.problems().stream().map(ConfigProblem::format).collect(Collectors.joining("\n"));
    }

    @Test
    void anUnknownUserlistIsAnErrorAtTheLineThatNamesIt() {
        assertEquals("e.cfg:5: no userlist named 'nope' (in http_auth(nope))", errors("""
                defaults
                    mode http
                frontend fe
                    bind 127.0.0.1:8080
                    http-request auth unless { http_auth(nope) }
                    default_backend be
                backend be
                    server s 127.0.0.1:9000
                """));
    }

    @Test
    void unknownGroupsAndMembersAreErrors() {
        assertEquals("""
                e.cfg:2: userlist 'l': no such user 'zed' in group 'g'
                e.cfg:3: userlist 'l': no such group 'h' for user 'a'
                e.cfg:9: userlist 'l' has no group 'nogroup'""", errors("""
                userlist l
                    group g users a,zed
                    user a insecure-password x groups h
                defaults
                    mode http
                frontend fe
                    bind 127.0.0.1:8080
                    acl a http_auth_group(l) g
                    acl b http_auth_group(l) nogroup
                    http-request auth unless a
                    default_backend be
                backend be
                    server s 127.0.0.1:9000
                """));
    }

    @Test
    void authInAStatsOnlySectionIsRefusedRatherThanDropped() {
        assertEquals("e.cfg:8: the stats page of listen 'stats' does not apply 'http-request auth'; use "
                + "'stats http-request auth unless { http_auth(LIST) }' or 'stats auth USER:PASS'", errors("""
                userlist l
                    user a insecure-password x
                defaults
                    mode http
                listen stats
                    bind 127.0.0.1:1936
                    stats enable
                    http-request auth unless { http_auth(l) }
                """));
    }
}
