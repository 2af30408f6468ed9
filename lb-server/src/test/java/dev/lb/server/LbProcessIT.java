package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.http.RawHttpClient;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.NamedBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, started as a process the way a user starts it: serves a file, applies SIGHUP
 * and file rewrites, keeps serving on a broken rewrite, and stops cleanly on SIGTERM.
 */
class LbProcessIT {

    @TempDir
    Path dir;

    @Test
    void servesReloadsAndStopsLikeAUserExpects() throws Exception {
        try (NamedBackends backends = new NamedBackends()) {
            String one = backends.start("one");
            String two = backends.start("two");
            int port = FreePort.on("127.0.0.1");
            InetSocketAddress lbAddr = new InetSocketAddress("127.0.0.1", port);
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config(port, one));
            Path log = dir.resolve("lb.log");
            Process lb = start(cfg, log);
            try {
                Await.until("lb listening", Duration.ofSeconds(30), () -> !lb.isAlive() || accepts(lbAddr),
                        () -> read(log));
                assertTrue(lb.isAlive(), "lb exited: " + read(log));
                assertEquals("one", get(lbAddr, "/").header("X-Backend"));

                Files.writeString(cfg, config(port, two));
                Await.until("file rewrite applied", Duration.ofSeconds(10),
                        () -> "two".equals(get(lbAddr, "/").header("X-Backend")), () -> read(log));

                Files.writeString(cfg, "frontend broken\n    bind 127.0.0.1:" + port + "\n    frobnicate\n");
                Await.until("rejection logged", Duration.ofSeconds(10),
                        () -> read(log).contains(cfg + ":3:"), () -> read(log));
                assertEquals("two", get(lbAddr, "/").header("X-Backend"),
                        "a broken file must leave the last good table serving");

                // SIGHUP re-reads: write a good file in a way the watcher also sees, then ask.
                Files.writeString(cfg, config(port, one));
                new ProcessBuilder("kill", "-HUP", Long.toString(lb.pid())).start().waitFor();
                Await.until("SIGHUP reload applied", Duration.ofSeconds(10),
                        () -> "one".equals(get(lbAddr, "/").header("X-Backend")), () -> read(log));

                // A request in flight when SIGTERM arrives still completes.
                long before = backends.hits("one");
                java.util.concurrent.CompletableFuture<RawHttpClient.Response> inFlight =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> get(lbAddr, "/slow"));
                Await.until("slow request reached the backend", Duration.ofSeconds(10),
                        () -> backends.hits("one") > before);
                lb.destroy(); // SIGTERM
                RawHttpClient.Response slow = inFlight.get(30, TimeUnit.SECONDS);
                assertEquals(200, slow.status(), "request in flight at SIGTERM: " + slow);
                assertEquals("one", slow.header("X-Backend"));
                assertTrue(lb.waitFor(30, TimeUnit.SECONDS), "lb did not stop on SIGTERM: " + read(log));
                assertEquals(0, lb.exitValue(), "exit status after SIGTERM; log:\n" + read(log));
                assertTrue(!accepts(lbAddr), "port still open after stop");
            } finally {
                lb.destroyForcibly();
            }
        }
    }

    @Test
    void sigusr1IsASoftStop() throws Exception {
        try (NamedBackends backends = new NamedBackends()) {
            int port = FreePort.on("127.0.0.1");
            InetSocketAddress lbAddr = new InetSocketAddress("127.0.0.1", port);
            Path cfg = dir.resolve("soft.cfg");
            Files.writeString(cfg, config(port, backends.start("one")));
            Path log = dir.resolve("soft.log");
            Process lb = start(cfg, log);
            try {
                Await.until("lb listening", Duration.ofSeconds(30), () -> !lb.isAlive() || accepts(lbAddr),
                        () -> read(log));
                long before = backends.hits("one");
                java.util.concurrent.CompletableFuture<RawHttpClient.Response> inFlight =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> get(lbAddr, "/slow"));
                Await.until("slow request reached the backend", Duration.ofSeconds(10),
                        () -> backends.hits("one") > before);
                new ProcessBuilder("kill", "-USR1", Long.toString(lb.pid())).start().waitFor();
                assertEquals(200, inFlight.get(30, TimeUnit.SECONDS).status(), "in flight at SIGUSR1");
                assertTrue(lb.waitFor(30, TimeUnit.SECONDS), "lb did not stop on SIGUSR1: " + read(log));
                assertEquals(0, lb.exitValue(), read(log));
            } finally {
                lb.destroyForcibly();
            }
        }
    }

    /** The jar on {@code cfg}, with its admin plane on a free port and its socket in the test's directory. */
    private Process start(Path cfg, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target", "lb.jar").toString(),
                "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LB_ADMIN_BIND", "127.0.0.1:" + FreePort.on("127.0.0.1"));
        pb.environment().put("LB_ADMIN_SOCKET", dir.resolve("admin-" + log.getFileName() + ".sock").toString());
        return pb.start();
    }

    private static String config(int port, String server) {
        return List.of(
                "defaults",
                "    mode http",
                "    timeout connect 2s",
                "frontend web",
                "    bind 127.0.0.1:" + port,
                "    default_backend app",
                "backend app",
                "    server s " + server,
                "").stream().reduce((a, b) -> a + "\n" + b).orElseThrow();
    }

    private static RawHttpClient.Response get(InetSocketAddress to, String path) {
        try (RawHttpClient c = new RawHttpClient(to)) {
            return c.get(path, "x", "Connection: close");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean accepts(InetSocketAddress a) {
        try (Socket s = new Socket()) {
            s.connect(a, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }
}
