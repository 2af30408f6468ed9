package dev.lb.http.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.AdminState;
import dev.lb.core.table.Backend;
import dev.lb.core.table.CheckStatus;
import dev.lb.core.table.HttpCheck;
import dev.lb.core.table.Server;
import dev.lb.http.HttpBackend;
import dev.lb.http.HttpBackendExtension;
import dev.lb.http.ProxyUnderTest;
import dev.lb.http.RawHttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Active health checks against real servers on 127.0.0.x, through a real proxy: servers leave
 * the rotation after {@code fall} failed checks and come back after {@code rise} good ones.
 */
class HealthCheckerTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration INTER = Duration.ofMillis(100);

    private HealthChecker checker;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            log.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void startChecker() {
        checker = new HealthChecker(net.transport(), net.group());
        Logger.getLogger("lb.check").addHandler(capture);
    }

    @AfterEach
    void stopChecker() {
        checker.close();
        Logger.getLogger("lb.check").removeHandler(capture);
    }

    private static Server checked(HttpBackend b) {
        return Server.builder(b.name(), b.address()).check(true).inter(INTER).rise(2).fall(3).build();
    }

    private ProxyUnderTest proxyFor(Backend backend) throws InterruptedException {
        ProxyUnderTest proxy = net.proxy();
        proxy.tables().onPublish(checker::reconcile);
        proxy.routeAllTo(backend);
        return proxy;
    }

    @Test
    void closedServerGoesDownAfterFallChecksAndTrafficGoesOnlyToTheHealthyOne() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        Server sa = checked(a);
        Server sb = checked(b);
        ProxyUnderTest proxy = proxyFor(HttpBackendExtension.backendOf("be", sa, sb).build());
        await("both servers checked once", () -> sa.state().lastCheck().isPresent()
                && sb.state().lastCheck().isPresent());
        InetSocketAddress bAddress = b.address();
        b.close();
        await("b marked DOWN", sb::down);
        assertEquals(CheckStatus.L4CON, sb.state().lastCheck().orElseThrow().status());
        assertTrue(sa.usable(), "a stays UP");
        String down = logLine("Server be/b is DOWN");
        assertTrue(down.matches("Server be/b is DOWN, reason: Layer4 connection problem, info: \"Connection "
                + "refused\", check duration: \\d+ms\\. 1 active and 0 backup servers left\\."), down);

        try (RawHttpClient client = new RawHttpClient(proxy.address())) {
            for (int i = 0; i < 20; i++) {
                RawHttpClient.Response r = client.get("/", "x");
                assertEquals(200, r.status(), "request " + i + " after b went DOWN: " + r);
                assertEquals("a", r.header("X-Backend"), "request " + i + " must not go to the DOWN server");
            }
        }

        int checksBeforeRestart = a.connections();
        HttpBackend b2 = net.backendAt("b", bAddress);
        await("b back UP after rise checks on the same port", () -> !sb.down());
        // The backend counts accepts on its own loop, a moment after the checker saw them connect.
        await("b2 accepted the two checks rise 2 needs", () -> b2.connections() >= 2);
        await("a still checked", () -> a.connections() > checksBeforeRestart);
        assertTrue(logLine("Server be/b is UP").contains("reason: Layer4 check passed"));
        await("traffic reaches b again", () -> answeredBy(proxy, "b"));
    }

    @Test
    void serverInMaintenanceIsNotCheckedUntilItIsReadyAgain() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        Server sa = checked(a);
        Server sb = checked(b);
        proxyFor(HttpBackendExtension.backendOf("be", sa, sb).build());
        await("b checked", () -> b.connections() >= 1);
        sb.state().setAdminState(AdminState.MAINT);
        // One check may already be under way when the state changes.
        int bAtMaint = b.connections() + 1;
        int aAtMaint = a.connections();
        await("a checked five more times", () -> a.connections() >= aAtMaint + 5);
        assertTrue(b.connections() <= bAtMaint, "b was checked in maintenance: " + b.connections());
        sb.state().setAdminState(AdminState.READY);
        await("b checked again once READY", () -> b.connections() > bAtMaint);
    }

    @Test
    void httpCheckMarksDownOnWrongStatusAndUpOnGoodStatus() throws Exception {
        HttpBackend a = net.backend("a");
        Server sa = checked(a);
        HttpCheck check = new HttpCheck("GET", "/check", "HTTP/1.1", "health.local", List.of(),
                Optional.empty());
        ProxyUnderTest proxy = proxyFor(HttpBackendExtension.backendOf("be", sa).httpCheck(Optional.of(check))
                .build());
        a.checkStatus(500);
        await("a DOWN on 500", sa::down);
        assertEquals(CheckStatus.L7STS, sa.state().lastCheck().orElseThrow().status());
        assertEquals(500, sa.state().lastCheck().orElseThrow().code());
        assertTrue(logLine("Server be/a is DOWN").contains("reason: Layer7 wrong status, code: 500, info: "
                + "\"Internal Server Error\""), log::toString);
        HttpBackend.Received req = a.last();
        assertEquals("GET", req.method());
        assertEquals("/check", req.uri());
        assertEquals("health.local", req.header("Host"));
        assertEquals("close", req.header("Connection"));
        logLine("backend be has no server available!");
        try (RawHttpClient client = new RawHttpClient(proxy.address())) {
            assertEquals(503, client.get("/", "x").status(), "every server DOWN: 503");
        }

        a.checkStatus(200);
        await("a UP on 200", () -> !sa.down());
        assertEquals(CheckStatus.L7OK, sa.state().lastCheck().orElseThrow().status());
    }

    @Test
    void expectStatusIsHonoured() throws Exception {
        HttpBackend a = net.backend("a");
        Server sa = checked(a);
        HttpCheck expect204 = new HttpCheck("GET", "/check", "HTTP/1.0", "",
                List.of(new HttpCheck.StatusRange(204, 204)), Optional.empty());
        proxyFor(HttpBackendExtension.backendOf("be", sa).httpCheck(Optional.of(expect204)).build());
        await("a DOWN: 200 is not the expected 204", sa::down);
        a.checkStatus(204);
        await("a UP on 204", () -> !sa.down());

        HttpBackend b = net.backend("b");
        Server sb = checked(b);
        HttpCheck regex = new HttpCheck("GET", "/check", "HTTP/1.0", "", List.of(),
                Optional.of(Pattern.compile("^30[12]$")));
        proxyFor(HttpBackendExtension.backendOf("be2", sb).httpCheck(Optional.of(regex)).build());
        await("b DOWN: 200 does not match rstatus", sb::down);
        b.checkStatus(302);
        await("b UP on 302", () -> !sb.down());
    }

    @Test
    void backupTakesOverWhenEveryActiveServerIsDown() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend spare = net.backend("spare");
        Server sa = checked(a);
        Server sSpare = Server.builder("spare", spare.address()).check(true).inter(INTER).backup(true).build();
        ProxyUnderTest proxy = proxyFor(HttpBackendExtension.backendOf("be", sa, sSpare).build());
        try (RawHttpClient client = new RawHttpClient(proxy.address())) {
            assertEquals("a", client.get("/", "x").header("X-Backend"), "the active server first");
        }
        a.close();
        await("a DOWN", sa::down);
        assertTrue(logLine("Server be/a is DOWN").endsWith("0 active and 1 backup servers left."),
                log::toString);
        try (RawHttpClient client = new RawHttpClient(proxy.address())) {
            for (int i = 0; i < 10; i++) {
                RawHttpClient.Response r = client.get("/", "x");
                assertEquals(200, r.status(), r::toString);
                assertEquals("spare", r.header("X-Backend"), "request " + i + " goes to the backup");
            }
        }
    }

    @Test
    void reconcileKeepsTheScheduleOfKeptServersAndStopsRemovedOnes() throws Exception {
        HttpBackend kept = net.backend("kept");
        HttpBackend removed = net.backend("removed");
        Server sk = checked(kept);
        Server sr = checked(removed);
        HttpCheck check = new HttpCheck("GET", "/check", "HTTP/1.0", "", List.of(), Optional.empty());
        ProxyUnderTest proxy = proxyFor(HttpBackendExtension.backendOf("be", sk, sr)
                .httpCheck(Optional.of(check)).build());
        kept.checkStatus(503);
        await("kept DOWN", sk::down);
        await("removed checked", () -> removed.checkRequests() > 0);
        assertEquals(2, checker.checking());

        // The next table keeps 'kept' (same state object, as a reload carries it) and drops 'removed'.
        Server keptAgain = sk.withState(sk.state());
        proxy.routeAllTo(HttpBackendExtension.backendOf("be", keptAgain).httpCheck(Optional.of(check)).build());
        assertEquals(1, checker.checking());
        assertTrue(keptAgain.down(), "the kept server is still DOWN after the reload");

        // Use the kept server's checks as the clock: a straggler to 'removed' started before the
        // reload lands within two of them; after that, none may arrive during five more.
        long base = kept.checkRequests();
        await("two more checks of kept", () -> kept.checkRequests() >= base + 2);
        long removedChecks = removed.checkRequests();
        await("five more checks of kept", () -> kept.checkRequests() >= base + 7);
        assertEquals(removedChecks, removed.checkRequests(), "a removed server is no longer checked");

        kept.checkStatus(200);
        await("kept UP again", () -> !keptAgain.down());
    }

    private static boolean answeredBy(ProxyUnderTest proxy, String name) {
        try (RawHttpClient client = new RawHttpClient(proxy.address())) {
            return name.equals(client.get("/", "x").header("X-Backend"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The first log line starting with {@code prefix}, waiting for it (logging follows the state change). */
    private String logLine(String prefix) {
        await("a log line starting with '" + prefix + "' in " + log, () -> find(prefix) != null);
        return find(prefix);
    }

    private String find(String prefix) {
        for (String l : new ArrayList<>(log)) {
            if (l.startsWith(prefix)) {
                return l;
            }
        }
        return null;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
            }
            try {
                Thread.sleep(5); // polling interval, not synchronisation: the condition decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
