package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.Server;
import dev.lb.http.HttpBackend;
import dev.lb.http.RawHttpClient;
import dev.lb.http.Transport;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.TestConfig;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks through the whole server: haproxy.cfg with {@code check} and {@code option
 * httpchk}, a reload that keeps one server and drops another. The kept server keeps its
 * check state (HAProxy would forget it on restart; lb has no restart), the dropped one is no
 * longer checked.
 */
class HealthCheckReloadTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final Transport transport = Transport.best();
    private EventLoopGroup group;

    @BeforeEach
    void startLoops() {
        group = transport.newGroup(1, "test-backends");
    }

    @AfterEach
    void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void checkStateSurvivesAReloadThatKeepsTheServerAndRemovedServersAreNoLongerChecked() throws Exception {
        HttpBackend kept = HttpBackend.start("kept", "127.0.0.31", group, transport);
        HttpBackend gone = HttpBackend.start("gone", "127.0.0.32", group, transport);
        try (kept; gone) {
            int port = FreePort.on("127.0.0.1");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config(port, kept, gone));
            ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                    .withDrainTimeout(Duration.ofSeconds(1));
            try (LbServer lb = LbServer.start(pc)) {
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
                kept.checkStatus(500);
                Await.until("kept marked DOWN by its HTTP check", WAIT, () -> server(lb, "kept").down());
                Await.until("gone checked", WAIT, () -> gone.checkRequests() > 0);
                Server before = server(lb, "kept");

                Files.writeString(cfg, config(port, kept));
                dev.lb.discovery.SourcePipeline.Outcome o = lb.reload("test");
                assertTrue(o.applied() || lb.table().backends().get("be").servers().size() == 1,
                        "the reload without 'gone' applies: " + o);
                Server after = server(lb, "kept");
                assertSame(before.state(), after.state(), "a kept server keeps its run-time state");
                assertTrue(after.down(), "and so stays DOWN across the reload");
                assertEquals(503, get(to).status(), "its only server is DOWN: 503");

                // The kept server's checks are the clock: a check of 'gone' started before the
                // reload lands within two of them; none may arrive during five more.
                long base = kept.checkRequests();
                Await.until("two more checks of kept", WAIT, () -> kept.checkRequests() >= base + 2);
                long goneChecks = gone.checkRequests();
                Await.until("five more checks of kept", WAIT, () -> kept.checkRequests() >= base + 7);
                assertEquals(goneChecks, gone.checkRequests(), "a removed server is no longer checked");

                kept.checkStatus(200);
                Await.until("kept UP after rise good checks", WAIT, () -> !server(lb, "kept").down());
                RawHttpClient.Response r = get(to);
                assertEquals(200, r.status(), r::toString);
            }
        }
    }

    private static RawHttpClient.Response get(InetSocketAddress to) throws IOException {
        try (RawHttpClient c = new RawHttpClient(to)) {
            return c.get("/", "x", "Connection: close");
        }
    }

    private static Server server(LbServer lb, String name) {
        return lb.table().backends().get("be").servers().stream().filter(s -> s.name().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no server " + name + " in " + lb.table()));
    }

    private static String config(int port, HttpBackend... servers) {
        StringBuilder sb = new StringBuilder("""
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 5s
                    timeout server 5s
                    timeout check 1s

                frontend fe
                    bind 127.0.0.1:%d
                    default_backend be

                backend be
                    option httpchk GET /check HTTP/1.1\\r\\nHost:\\ health.local
                """.formatted(port));
        for (HttpBackend b : servers) {
            sb.append("    server ").append(b.name()).append(' ').append(b.address().getHostString())
                    .append(':').append(b.address().getPort()).append(" check inter 100ms rise 2 fall 2\n");
        }
        return sb.toString();
    }
}
