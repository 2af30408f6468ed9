package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.http.RawHttpClient;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.TestConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listeners follow the table: added binds open, removed ones drain, unchanged ones are not touched. */
class ListenerReloadTest {

    @TempDir
    Path dir;

    private NamedBackends backends;
    private String app;
    private Path cfg;

    @BeforeEach
    void startBackends() {
        backends = new NamedBackends();
        app = backends.start("app");
        cfg = dir.resolve("haproxy.cfg");
    }

    @AfterEach
    void stopBackends() {
        backends.close();
    }

    @Test
    void reloadOpensNewBindsDrainsRemovedOnesAndKeepsUnchangedConnections() throws Exception {
        int kept = FreePort.on("127.0.0.1");
        int removed = FreePort.on("127.0.0.1");
        int added = FreePort.on("127.0.0.1");
        write(frontend("kept", kept) + frontend("gone", removed));
        try (LbServer lb = LbServer.start(config(Duration.ofSeconds(10)));
                RawHttpClient onKept = new RawHttpClient(addr(kept));
                RawHttpClient onRemoved = new RawHttpClient(addr(removed))) {
            assertEquals(200, onKept.get("/", "x").status());
            assertEquals(200, onRemoved.get("/", "x").status());
            // A request in flight on the listener about to be removed.
            CompletableFuture<RawHttpClient.Response> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return onRemoved.get("/slow", "x");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            long hits = backends.hits("app");
            Await.until("slow request reached the backend", Duration.ofSeconds(10),
                    () -> backends.hits("app") > hits + 0);

            write(frontend("kept", kept) + frontend("new", added));
            dev.lb.discovery.SourcePipeline.Outcome outcome = lb.reload("test");
            assertTrue(outcome.applied(), "reload applied: " + outcome);

            assertFalse(accepts(addr(removed)), "removed listener still accepts connections");
            assertEquals(200, new RawHttpClient(addr(added)).get("/", "x", "Connection: close").status(),
                    "added listener serves");
            assertEquals(200, onKept.get("/", "x").status(),
                    "a keep-alive connection on the unchanged listener survives the reload");
            RawHttpClient.Response inFlight = slow.get(20, TimeUnit.SECONDS);
            assertEquals(200, inFlight.status(), "request in flight on a removed listener completes");
            assertEquals("close", inFlight.header("connection"),
                    "the draining connection is told it will close");
            assertTrue(onRemoved.closedWithin(5000), "the drained connection closes after its exchange");
        }
    }

    @Test
    void aConnectionAcceptedJustBeforeItsListenerIsRemovedServesItsFirstRequest() throws Exception {
        int kept = FreePort.on("127.0.0.1");
        int removed = FreePort.on("127.0.0.1");
        write(frontend("kept", kept) + frontend("gone", removed));
        try (LbServer lb = LbServer.start(config(Duration.ofSeconds(10)));
                RawHttpClient fresh = new RawHttpClient(addr(removed));
                RawHttpClient used = new RawHttpClient(addr(removed))) {
            assertEquals(200, used.get("/", "x").status());
            Await.until("both connections accepted", Duration.ofSeconds(10),
                    () -> lb.connections(addr(removed)) == 2);

            write(frontend("kept", kept));
            assertTrue(lb.reload("test").applied());

            assertTrue(used.closedWithin(5000),
                    "an idle keep-alive connection closes when its listener drains");
            RawHttpClient.Response first = fresh.get("/", "x");
            assertEquals(200, first.status(), "the client that had just connected is served");
            assertEquals("close", first.header("connection"));
            assertTrue(fresh.closedWithin(5000), "and then the connection closes");
        }
    }

    @Test
    void aPortThatCannotBeBoundFailsThatListenerOnly() throws Exception {
        int kept = FreePort.on("127.0.0.1");
        int taken = FreePort.on("127.0.0.1");
        write(frontend("kept", kept));
        try (LbServer lb = LbServer.start(config(Duration.ofSeconds(1)));
                java.net.ServerSocket squatter = new java.net.ServerSocket()) {
            squatter.bind(addr(taken)); // without SO_REUSEPORT: lb cannot share it
            write(frontend("kept", kept).replace("default_backend app", "http-request deny deny_status 403\n"
                    + "    default_backend app") + frontend("blocked", taken));
            assertTrue(lb.reload("test").applied(), "the table applies although one port is taken");
            assertTrue(lb.listenerErrors().get(addr(taken)).contains("cannot bind 127.0.0.1:" + taken),
                    "the failed listener is reported: " + lb.listenerErrors());
            try (RawHttpClient c = new RawHttpClient(addr(kept))) {
                assertEquals(403, c.get("/", "x").status(), "the rest of the new table is live");
            }

            squatter.close();
            write(frontend("kept", kept) + frontend("blocked", taken));
            assertTrue(lb.reload("test").applied());
            assertTrue(lb.listenerErrors().isEmpty(), "bound at the next reload: " + lb.listenerErrors());
            try (RawHttpClient c = new RawHttpClient(addr(taken))) {
                assertEquals(200, c.get("/", "x").status());
            }
        }
    }

    @Test
    void frontendMaxconnHoldsNewConnectionsUntilOneCloses() throws Exception {
        int port = FreePort.on("127.0.0.1");
        write(frontend("limited", port).replace("    default_backend", "    maxconn 1\n    default_backend"));
        try (LbServer lb = LbServer.start(config(Duration.ofSeconds(1)))) {
            RawHttpClient first = new RawHttpClient(addr(port));
            assertEquals(200, first.get("/", "x").status());
            long before = backends.hits("app");
            RawHttpClient second = new RawHttpClient(addr(port)); // sits in the backlog
            second.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, first.get("/", "x").status(), "the admitted connection keeps working");
            assertEquals(before + 1, backends.hits("app"),
                    "the second connection's request must wait while the first holds the only slot");
            first.close();
            assertEquals(200, second.read().status(), "admitted once the first connection closed");
            second.close();
        }
    }

    private ProcessConfig config(Duration drain) throws ProcessConfig.Invalid {
        return TestConfig.isolated().withFiles(List.of(cfg)).withDrainTimeout(drain);
    }

    private void write(String frontends) throws IOException {
        Files.writeString(cfg, "defaults\n    mode http\n    timeout connect 2s\n" + frontends
                + "backend app\n    server s " + app + "\n");
    }

    private static String frontend(String name, int port) {
        return "frontend " + name + "\n    bind 127.0.0.1:" + port + "\n    default_backend app\n";
    }

    private static InetSocketAddress addr(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static boolean accepts(InetSocketAddress a) {
        try (Socket s = new Socket()) {
            s.connect(a, 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
