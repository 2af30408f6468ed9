package dev.lb.core.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Rise and fall counting on {@link ServerState}, and which statuses an {@link HttpCheck} accepts. */
class HealthStateTest {

    private static final CheckResult OK = new CheckResult(CheckStatus.L4OK, 0, "", Duration.ZERO,
            Instant.now());
    private static final CheckResult REFUSED = new CheckResult(CheckStatus.L4CON, 0, "Connection refused",
            Duration.ZERO, Instant.now());

    @Test
    void serverGoesDownAfterFallConsecutiveFailuresAndUpAfterRiseSuccesses() {
        ServerState s = new ServerState();
        Server server = Server.builder("s1", new InetSocketAddress("127.0.0.2", 80)).check(true).state(s)
                .build();
        assertTrue(server.usable(), "a checked server starts UP");
        assertFalse(s.recordCheck(REFUSED, 2, 3));
        assertFalse(s.recordCheck(OK, 2, 3), "a success in between resets the failure count");
        assertFalse(s.recordCheck(REFUSED, 2, 3));
        assertFalse(s.recordCheck(REFUSED, 2, 3));
        assertTrue(s.checkTransitioning(), "UP with failures is transitioning");
        assertTrue(s.recordCheck(REFUSED, 2, 3), "third consecutive failure marks it DOWN");
        assertTrue(server.down());
        assertFalse(server.usable(), "a DOWN server is not usable");
        assertFalse(s.checkTransitioning(), "steadily DOWN");
        assertFalse(s.recordCheck(OK, 2, 3));
        assertTrue(s.checkTransitioning());
        assertTrue(s.recordCheck(OK, 2, 3), "second consecutive success brings it UP");
        assertTrue(server.usable());
        assertEquals(Optional.of(OK), s.lastCheck());
    }

    @Test
    void checkStateOnlyMattersWhenChecksAreOn() {
        ServerState s = new ServerState();
        s.recordCheck(REFUSED, 1, 1);
        Server unchecked = Server.builder("s1", new InetSocketAddress("127.0.0.2", 80)).state(s).build();
        assertTrue(unchecked.usable(), "without 'check' a stale DOWN must not remove the server");
    }

    @Test
    void httpCheckAcceptsTwoAndThreeHundredsByDefaultElseWhatExpectSays() {
        HttpCheck any = HttpCheck.DEFAULT;
        assertTrue(any.accepts(200) && any.accepts(302) && !any.accepts(404) && !any.accepts(500));
        HttpCheck listed = new HttpCheck("GET", "/", "HTTP/1.1", "", List.of(new HttpCheck.StatusRange(204, 204),
                new HttpCheck.StatusRange(300, 301)), Optional.empty());
        assertTrue(listed.accepts(204) && listed.accepts(301));
        assertFalse(listed.accepts(200));
        HttpCheck regex = new HttpCheck("GET", "/", "HTTP/1.1", "", List.of(),
                Optional.of(Pattern.compile("^4")));
        assertTrue(regex.accepts(404));
        assertFalse(regex.accepts(200));
    }

    @Test
    void checkRequestClosesTheConnectionAndCarriesTheHost() {
        HttpCheck c = new HttpCheck("GET", "/health", "HTTP/1.1", "www", List.of(), Optional.empty());
        assertEquals("GET /health HTTP/1.1\r\nHost: www\r\nConnection: close\r\n\r\n", c.request());
    }

    @Test
    void checksGoToTheAddrAndPortOverrides() throws Exception {
        Server s = Server.builder("s", new InetSocketAddress("127.0.0.2", 80)).check(true).checkPort(9000)
                .build();
        assertEquals(new InetSocketAddress("127.0.0.2", 9000), s.checkAddress());
        assertEquals(s.inter(), s.fastinter(), "fastinter follows inter when unset");
        Server moved = s.withState(new ServerState());
        assertEquals(s.describe(), moved.describe(), "withState keeps every setting");
    }
}
