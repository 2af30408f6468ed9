package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.http.RawHttpClient;
import dev.lb.server.tcp.TcpTestSupport;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.TcpServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP listeners follow the table under load: while clients hold connections and open new ones,
 * a reload adds a listener, removes one and changes the servers of a third. Nothing fails on
 * the untouched listener, the removed one stops accepting while its open connection carries
 * on, and new connections on the changed one go to its new server.
 */
class TcpListenerReloadTest {

    @TempDir
    Path dir;

    @Test
    void listenersChangeUnderLoadWithoutFailingUntouchedConnections() throws Exception {
        try (TcpServers servers = new TcpServers()) {
            String a1 = servers.named("127.0.0.2", "a1");
            String b1 = servers.named("127.0.0.3", "b1");
            String c1 = servers.named("127.0.0.4", "c1");
            String c2 = servers.named("127.0.0.5", "c2");
            String d1 = servers.named("127.0.0.6", "d1");
            int pa = FreePort.on("127.0.0.1");
            int pb = FreePort.on("127.0.0.1");
            int pc = FreePort.on("127.0.0.1");
            int pd = FreePort.on("127.0.0.1");
            Path cfg = dir.resolve("haproxy.cfg");
            String before = TcpTestSupport.DEFAULTS + listen("a", pa, a1) + listen("b", pb, b1)
                    + listen("c", pc, c1);
            String after = TcpTestSupport.DEFAULTS + listen("a", pa, a1) + listen("c", pc, c2)
                    + listen("d", pd, d1);
            try (LbServer lb = TcpTestSupport.start(cfg, before, Duration.ofSeconds(30));
                    Conn heldA = new Conn(pa);
                    Conn heldB = new Conn(pb);
                    Conn heldC = new Conn(pc)) {
                assertEquals("a1", heldA.greeting);
                assertEquals("b1", heldB.greeting);
                assertEquals("c1", heldC.greeting);

                AtomicBoolean running = new AtomicBoolean(true);
                Queue<String> failures = new ConcurrentLinkedQueue<>();
                AtomicInteger newOnA = new AtomicInteger();
                AtomicLong reloadedAt = new AtomicLong(Long.MAX_VALUE);
                Queue<String> cAfterReload = new ConcurrentLinkedQueue<>();
                Thread roundTrips = new Thread(() -> {
                    for (int i = 0; running.get(); i++) {
                        try {
                            assertEcho(heldA, "held " + i);
                        } catch (IOException | AssertionError e) {
                            failures.add("held connection on a: " + e);
                            return;
                        }
                    }
                });
                Thread openingA = new Thread(() -> {
                    while (running.get()) {
                        try (Conn c = new Conn(pa)) {
                            assertEquals("a1", c.greeting);
                            assertEcho(c, "new");
                            newOnA.incrementAndGet();
                        } catch (IOException | AssertionError e) {
                            failures.add("new connection on a: " + e);
                        }
                    }
                });
                Thread openingC = new Thread(() -> {
                    while (running.get()) {
                        long start = System.nanoTime();
                        try (Conn c = new Conn(pc)) {
                            if (start - reloadedAt.get() > 0) {
                                cAfterReload.add(c.greeting);
                            }
                        } catch (IOException e) {
                            failures.add("new connection on c: " + e);
                        }
                    }
                });
                List<Thread> load = List.of(roundTrips, openingA, openingC);
                load.forEach(Thread::start);
                Await.until("load running", Duration.ofSeconds(20), () -> newOnA.get() >= 20);

                TcpTestSupport.rewrite(cfg, after);
                dev.lb.discovery.SourcePipeline.Outcome outcome = lb.reload("test");
                assertTrue(outcome.applied(), "reload applied: " + outcome);
                reloadedAt.set(System.nanoTime());

                int atReload = newOnA.get();
                Await.until("load continues after the reload", Duration.ofSeconds(30),
                        () -> newOnA.get() >= atReload + 50 && cAfterReload.size() >= 20);
                assertFalse(accepts(pb), "the removed listener stops accepting");
                try (Conn d = new Conn(pd)) {
                    assertEquals("d1", d.greeting, "the added listener serves");
                }
                assertEcho(heldB, "still here");
                assertEcho(heldC, "still here");
                running.set(false);
                for (Thread t : load) {
                    t.join(30_000);
                }
                assertTrue(failures.isEmpty(), "failures on untouched listeners: " + failures);
                assertTrue(cAfterReload.stream().allMatch("c2"::equals),
                        "new connections on the changed listener go to its new server: " + cAfterReload);
            }
        }
    }

    @Test
    void anAddressSwitchingBetweenHttpAndTcpIsReboundInItsNewMode() throws Exception {
        try (TcpServers servers = new TcpServers(); NamedBackends http = new NamedBackends()) {
            String t1 = servers.named("127.0.0.2", "t1");
            String app = http.start("app");
            int port = FreePort.on("127.0.0.1");
            Path cfg = dir.resolve("haproxy.cfg");
            String tcp = TcpTestSupport.DEFAULTS + listen("x", port, t1);
            String web = "defaults\n    mode http\n    timeout connect 2s\nlisten x\n    bind 127.0.0.1:" + port
                    + "\n    server s " + app + "\n";
            try (LbServer lb = TcpTestSupport.start(cfg, tcp, Duration.ofSeconds(1))) {
                try (Conn c = new Conn(port)) {
                    assertEquals("t1", c.greeting);
                }
                TcpTestSupport.rewrite(cfg, web);
                assertTrue(lb.reload("to http").applied());
                try (RawHttpClient c = new RawHttpClient(new InetSocketAddress("127.0.0.1", port))) {
                    assertEquals(200, c.get("/", "x").status(), "served as HTTP after the switch");
                }
                TcpTestSupport.rewrite(cfg, tcp);
                assertTrue(lb.reload("back to tcp").applied());
                try (Conn c = new Conn(port)) {
                    assertEquals("t1", c.greeting, "relayed as TCP again");
                }
            }
        }
    }

    private static String listen(String name, int port, String server) {
        return "listen " + name + "\n    bind 127.0.0.1:" + port + "\n    server s " + server + "\n";
    }

    private static void assertEcho(Conn c, String line) throws IOException {
        c.out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
        assertEquals(line, c.in.readLine(), "echoed through lb");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A client connection through lb to a named server, greeting read. */
    private static final class Conn implements AutoCloseable {
        final Socket socket = new Socket();
        final BufferedReader in;
        final OutputStream out;
        final String greeting;

        Conn(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(20_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
            greeting = in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
