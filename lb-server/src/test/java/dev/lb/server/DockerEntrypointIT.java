package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.http.RawHttpClient;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.NamedBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container's entrypoint and restart-haproxy shim, run outside Docker (no engine runs
 * here) the way the image runs them: PID 1 becomes the JVM itself, the seed images' haproxy.cfg
 * is picked up, the healthcheck follows /health, restart-haproxy applies or rejects a render,
 * and SIGTERM to that PID stops lb with exit 0.
 */
class DockerEntrypointIT {

    private static final Path BIN = Path.of("..", "bin").toAbsolutePath().normalize();
    private static final Path JAR = Path.of("target", "lb.jar").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void entrypointRunsLbAsTheProcessItself() throws Exception {
        try (NamedBackends backends = new NamedBackends()) {
            String app = backends.start("app");
            int port = FreePort.on("127.0.0.1");
            int admin = FreePort.on("127.0.0.1");
            InetSocketAddress lb = new InetSocketAddress("127.0.0.1", port);
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config(port, app));
            Map<String, String> env = Map.of("LB_JAR", JAR.toString(),
                    "LB_CONFIG", dir.resolve("missing.cfg") + " " + cfg,
                    "LB_ADMIN_BIND", "127.0.0.1:" + admin,
                    "LB_ADMIN_SOCKET", dir.resolve("admin.sock").toString());
            Path log = dir.resolve("lb.log");
            ProcessBuilder pb = new ProcessBuilder(BIN.resolve("docker-entrypoint").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process entry = pb.start();
            try {
                Await.until("lb serving the file found through LB_CONFIG", Duration.ofSeconds(30),
                        () -> !entry.isAlive() || "app".equals(backendOf(lb)), () -> read(log));
                assertTrue(entry.isAlive(), read(log));
                String comm = Files.readString(Path.of("/proc", Long.toString(entry.pid()), "comm")).trim();
                assertEquals("java", comm, "the entrypoint must exec the JVM, not wait on it as a child");

                Await.until("healthcheck passes", Duration.ofSeconds(10),
                        () -> run(env, "docker-entrypoint", "healthcheck").exit() == 0);

                Files.writeString(cfg, config(port, app) + "    frobnicate\n");
                Result broken = run(env, "restart-haproxy");
                assertEquals(1, broken.exit(), "a broken render is refused: " + broken.out());
                assertTrue(broken.out().contains(cfg + ":"),
                        "the error names the file and line: " + broken.out());
                assertEquals("app", backendOf(lb), "the old table keeps serving");

                Files.writeString(cfg, config(port, app).replace("default_backend app", "http-request deny"
                        + " deny_status 403\n    default_backend app"));
                Result good = run(env, "restart-haproxy");
                assertEquals(0, good.exit(), good.out());
                try (RawHttpClient c = new RawHttpClient(lb)) {
                    assertEquals(403, c.get("/", "x").status(), "the new render is live once the shim returns");
                }

                new ProcessBuilder("kill", "-TERM", Long.toString(entry.pid())).start().waitFor();
                assertTrue(entry.waitFor(30, TimeUnit.SECONDS), "no exit after SIGTERM: " + read(log));
                assertEquals(0, entry.exitValue(), read(log));
                assertEquals(1, run(env, "docker-entrypoint", "healthcheck").exit(),
                        "the healthcheck fails once lb is gone");
            } finally {
                entry.destroyForcibly();
            }
        }
    }

    @Test
    void otherCommandsRunAsGiven() throws Exception {
        Path cfg = dir.resolve("bad.cfg");
        Files.writeString(cfg, "frontend f\n    bind 127.0.0.1:1\n    frobnicate\n");
        Map<String, String> env = Map.of("LB_JAR", JAR.toString());
        Result check = run(env, "docker-entrypoint", "lb", "-c", "-f", cfg.toString());
        assertEquals(1, check.exit(), check.out());
        assertTrue(check.out().contains(cfg + ":3:"), check.out());
        Result shell = run(env, "docker-entrypoint", "sh", "-c", "echo from-sh");
        assertEquals("from-sh", shell.out().trim());
    }

    private record Result(int exit, String out) {
    }

    private static Result run(Map<String, String> env, String script, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>();
            cmd.add(BIN.resolve(script).toString());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException | InterruptedException e) {
            return new Result(-1, e.toString());
        }
    }

    private static String config(int port, String server) {
        return "defaults\n    mode http\n    timeout connect 2s\n"
                + "frontend web\n    bind 127.0.0.1:" + port + "\n    default_backend app\n"
                + "backend app\n    server s " + server + "\n";
    }

    private static String backendOf(InetSocketAddress lb) {
        try (RawHttpClient c = new RawHttpClient(lb)) {
            return c.get("/", "x", "Connection: close").header("X-Backend");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
