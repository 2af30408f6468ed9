package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.server.testing.ProxyPair;
import dev.lb.server.testing.ProxyPair.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code http-request auth} with {@code http_auth} and {@code http_auth_group} through haproxy 2.6
 * and through lb for the same haproxy.cfg: the status, the {@code WWW-Authenticate} challenge and
 * the body the client gets, and whether (and what) the server received.
 */
class ParityHttpAuthTest {

    private static final String CONFIG = """
            userlist people
                group admins users alice
                group ops
                user alice insecure-password wonderland
                user bob insecure-password builder groups ops
                # SHA-crypt hashes of "wonderland" (mkpasswd -m sha-512, openssl passwd -5 -salt xyz).
                user erin password $6$abcdefgh$e1o..VsKRS0O4M9J1Qb9u.strxNEAfDkCXcaYc5TsDrJFctQCTMkPeis45vy3Z\
            Qtqt4dqG4vXTonFJKbQgR2Q1
                user finn password $5$xyz$UiEdZB7ceU69XIYLoZcfWgwOLPH38BAxUC5orTGLFF6 groups ops
            defaults
                mode http
                timeout connect 5s
                timeout client 30s
                timeout server 30s
            frontend fe
                bind 127.0.0.1:@PORT@
                http-request set-header X-Before-Auth yes
                http-request auth if { path_beg /any } !{ http_auth(people) }
                http-request auth realm Admins if { path_beg /admin } !{ http_auth_group(people) admins }
                http-request auth realm "Ops team" unless { http_auth_group(people) ops } || !{ path_beg /ops }
                # Runs only for requests the auth rules let through.
                http-request deny if { path_beg /any/deny }
                use_backend be_guarded if { path_beg /guarded }
                default_backend be_app
            backend be_app
                server s1 @app@
            backend be_guarded
                http-request auth unless { http_auth(people) }
                http-request set-header X-Guarded yes
                server s1 @guarded@
            """;

    @RegisterExtension
    static final ProxyPair.PerClass PAIR = new ProxyPair.PerClass(CONFIG);

    @Test
    void clientAndServerSeeTheSameThroughLbAsThroughHaproxy() {
        String alice = basic("alice:wonderland");
        String bob = basic("bob:builder");
        Map<String, String> requests = new LinkedHashMap<>();
        requests.put("http_auth, no credentials", get("/any"));
        requests.put("http_auth, wrong password", get("/any", basic("alice:Wonderland")));
        requests.put("http_auth, unknown user", get("/any", basic("mallory:wonderland")));
        requests.put("http_auth, no colon", get("/any", basic("alice")));
        requests.put("http_auth, not base64", get("/any", "Authorization: Basic %%%"));
        requests.put("http_auth, Bearer scheme", get("/any", "Authorization: Bearer abc"));
        requests.put("http_auth, right credentials", get("/any", alice));
        requests.put("http_auth, lower-case scheme", get("/any", alice.replace("Basic", "basic")));
        requests.put("http_auth, SHA-512 crypt, right password", get("/any", basic("erin:wonderland")));
        requests.put("http_auth, SHA-512 crypt, wrong password", get("/any", basic("erin:wonderlan")));
        requests.put("http_auth_group, SHA-256 crypt member", get("/ops/x", basic("finn:wonderland")));
        requests.put("http_auth_group, SHA-256 crypt wrong password", get("/ops/x", basic("finn:x")));
        requests.put("a rule after auth does not run for the challenged", get("/any/deny"));
        requests.put("a rule after auth runs for the authenticated", get("/any/deny", bob));
        requests.put("http_auth_group, member", get("/admin", alice));
        requests.put("http_auth_group, valid user not a member", get("/admin", bob));
        requests.put("http_auth_group, no credentials", get("/admin"));
        requests.put("unless, member through 'user ... groups'", get("/ops/x", bob));
        requests.put("unless, not a member", get("/ops/x", alice));
        requests.put("unless, condition true without credentials", get("/open"));
        requests.put("backend rule after selection, no credentials", get("/guarded/x"));
        requests.put("backend rule after selection, right credentials", get("/guarded/x", bob));
        requests.put("challenge for a request with a body", "POST /any HTTP/1.1\r\nHost: h\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        requests.put("HTTP/1.0", "GET /any HTTP/1.0\r\n\r\n");

        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> e : requests.entrySet()) {
            Outcome hap = PAIR.pair().viaHaproxy(e.getValue());
            Outcome lb = PAIR.pair().viaLb(e.getValue());
            compare(e.getKey(), hap, lb, mismatches);
        }
        assertEquals("", String.join("\n", mismatches), "answers differ between haproxy and lb");
    }

    @Test
    void challengesLookLikeHaproxysAndStopTheRequest() {
        // Guards the parity test itself: the cases it compares really challenge, with these realms.
        assertChallenge(get("/any"), "Basic realm=\"fe\"");
        assertChallenge(get("/admin", basic("bob:builder")), "Basic realm=\"Admins\"");
        assertChallenge(get("/ops/x"), "Basic realm=\"Ops team\"");
        assertChallenge(get("/guarded/x"), "Basic realm=\"be_guarded\"");
    }

    @Test
    void theConnectionStaysOpenAfterAChallengeAsWithHaproxy() {
        List<String> mismatches = new ArrayList<>();
        for (String raw : List.of(get("/any"), "GET /any HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                get("/any", "Connection: close"))) {
            Outcome hap = PAIR.pair().viaHaproxyWatchingClose(raw);
            Outcome lb = PAIR.pair().viaLbWatchingClose(raw);
            if (hap.answer().closed() != lb.answer().closed()) {
                mismatches.add(raw.lines().findFirst().orElse("") + ": haproxy " + hap.answer() + ", lb "
                        + lb.answer());
            }
        }
        assertEquals("", String.join("\n", mismatches), "connection kept or closed differently");
    }

    private static void assertChallenge(String raw, String expected) {
        for (Outcome o : List.of(PAIR.pair().viaHaproxy(raw), PAIR.pair().viaLb(raw))) {
            assertEquals(401, o.answer().status(), "status for " + raw);
            assertEquals(expected, o.answerHeader("www-authenticate"), "challenge for " + raw);
            assertEquals(null, o.forwarded(), "nothing reaches a server for " + raw);
        }
    }

    private static void compare(String name, Outcome hap, Outcome lb, List<String> mismatches) {
        boolean same = hap.answer().status() == lb.answer().status()
                && hap.answer().body().equals(lb.answer().body())
                && Objects.equals(hap.answerHeader("www-authenticate"), lb.answerHeader("www-authenticate"))
                && Objects.equals(hap.answerHeader("content-type"), lb.answerHeader("content-type"))
                && Objects.equals(hap.answerHeader("cache-control"), lb.answerHeader("cache-control"))
                && Objects.equals(hap.forwarded(),
                        lb.forwarded() == null ? null : lb.forwarded().without(ProxyPair.LB_ONLY_HEADERS));
        if (!same) {
            mismatches.add(name + ":\n  haproxy -> " + hap + " challenge="
                    + hap.answerHeader("www-authenticate")
                    + "\n  lb      -> " + lb + " challenge=" + lb.answerHeader("www-authenticate"));
        }
    }

    private static String basic(String userColonPassword) {
        return "Authorization: Basic "
                + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static String get(String uri, String... headers) {
        StringBuilder sb = new StringBuilder("GET ").append(uri).append(" HTTP/1.1\r\nHost: h\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }
}
