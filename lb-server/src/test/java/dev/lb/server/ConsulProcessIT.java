package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.ConsulFixture;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, configured only by the environment the Consul images use (CONSUL_HTTP_ADDR,
 * HAPROXY_DOMAIN, LB_HTTP_BIND), with no haproxy.cfg: registered services are served by tag and
 * by host suffix, and SIGTERM stops it. Also proves the shaded jar carries the Consul client.
 * With CONSUL_HTTP_TOKEN it reads a Consul whose ACLs deny everything else, and shows the token nowhere.
 */
class ConsulProcessIT {

    @TempDir
    Path dir;

    @Test
    void theJarServesWhatConsulRegisters() throws Exception {
        try (ConsulFixture consul = new ConsulFixture().start(); NamedBackends backends = new NamedBackends()) {
            String a = backends.start("a");
            String b = backends.start("b");
            int port = FreePort.on("127.0.0.1");
            InetSocketAddress http = new InetSocketAddress("127.0.0.1", port);
            Path log = dir.resolve("lb.log");
            ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target", "lb.jar").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("CONSUL_HTTP_ADDR", "http://" + consul.address());
            pb.environment().put("HAPROXY_DOMAIN", "service.example");
            pb.environment().put("LB_HTTP_BIND", "127.0.0.1:" + port);
            pb.environment().put("LB_ADMIN_BIND", "127.0.0.1:" + FreePort.on("127.0.0.1"));
            pb.environment().put("LB_ADMIN_SOCKET", dir.resolve("admin.sock").toString());
            Process lb = pb.start();
            try {
                Await.until("lb serves lb.http.bind", Duration.ofSeconds(30),
                        () -> !lb.isAlive() || "503".equals(DiscoveryLb.backendAt(http, "web.example", "/")),
                        () -> read(log));
                assertTrue(lb.isAlive(), "lb exited: " + read(log));
                consul.register("node1", "127.0.0.1", "web-1", "web", a.substring(0, a.indexOf(':')),
                        Integer.parseInt(a.substring(a.indexOf(':') + 1)), "urlprefix-web.example/");
                consul.register("node1", "127.0.0.1", "plain-1", "plain", b.substring(0, b.indexOf(':')),
                        Integer.parseInt(b.substring(b.indexOf(':') + 1)));
                Await.until("web.example routed", Duration.ofSeconds(10),
                        () -> "a".equals(DiscoveryLb.backendAt(http, "web.example", "/")), () -> read(log));
                Await.until("plain.service.example routed", Duration.ofSeconds(10),
                        () -> "b".equals(DiscoveryLb.backendAt(http, "plain.service.example", "/")),
                                () -> read(log));
                consul.deregister("node1", "web-1");
                Await.until("web.example removed", Duration.ofSeconds(10),
                        () -> "503".equals(DiscoveryLb.backendAt(http, "web.example", "/")), () -> read(log));
                lb.destroy();
                assertTrue(lb.waitFor(30, TimeUnit.SECONDS), "lb did not stop on SIGTERM: " + read(log));
                assertEquals(0, lb.exitValue(), read(log));
                String out = read(log);
                assertTrue(!out.contains("SLF4J") && !out.contains("Exception"), "a quiet log: " + out);
            } finally {
                lb.destroyForcibly();
            }
        }
    }

    @Test
    void theJarReadsAnAclProtectedConsulWithConsulHttpTokenAndNeverShowsIt() throws Exception {
        String token = "b1946ac9-2d05-4b6e-a6f0-1c5d6c8a8e07";
        try (ConsulFixture consul = new ConsulFixture().requireToken(token).start();
                NamedBackends backends = new NamedBackends()) {
            String a = backends.start("a");
            String b = backends.start("b");
            int port = FreePort.on("127.0.0.1");
            InetSocketAddress http = new InetSocketAddress("127.0.0.1", port);
            InetSocketAddress admin = new InetSocketAddress("127.0.0.1", FreePort.on("127.0.0.1"));
            Path log = dir.resolve("lb.log");
            ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target", "lb.jar").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("CONSUL_HTTP_ADDR", consul.address());
            pb.environment().put("CONSUL_HTTP_TOKEN", token);
            pb.environment().put("LB_HTTP_BIND", "127.0.0.1:" + port);
            pb.environment().put("LB_ADMIN_BIND", "127.0.0.1:" + admin.getPort());
            pb.environment().put("LB_ADMIN_SOCKET", dir.resolve("admin.sock").toString());
            Process lb = pb.start();
            try {
                consul.register("node1", "127.0.0.1", "web-1", "web", host(a), port(a),
                        "urlprefix-web.example/");
                Await.until("web.example routed through an ACL-protected Consul", Duration.ofSeconds(30),
                        () -> !lb.isAlive() || "a".equals(DiscoveryLb.backendAt(http, "web.example", "/")),
                        () -> read(log) + consul.tokenRequests());
                assertTrue(lb.isAlive(), "lb exited: " + read(log));
                assertEquals(Set.of("header"), consul.tokenRequests().keySet(),
                        "X-Consul-Token on every request: " + consul.tokenRequests());

                // The token is revoked: lb keeps its table and says why on the admin plane.
                consul.requireToken("rotated-7e4d-token");
                consul.register("node1", "127.0.0.1", "api-1", "api", host(b), port(b),
                        "urlprefix-api.example/");
                Await.until("the 403 on /api/routes", Duration.ofSeconds(30),
                        () -> adminText(admin, "/api/routes").contains("HTTP 403: ACL not found (is the token "
                                + "in lb.consul.token / CONSUL_HTTP_TOKEN valid"),
                        () -> adminText(admin, "/api/routes"));
                assertEquals("a", DiscoveryLb.backendAt(http, "web.example", "/"), "the last table is kept");

                consul.requireToken(token); // put back: lb catches up at its next attempt
                Await.until("api.example routed", Duration.ofSeconds(30),
                        () -> "b".equals(DiscoveryLb.backendAt(http, "api.example", "/")), () -> read(log));
                for (String path : List.of("/api/routes", "/", "/metrics")) {
                    assertFalse(adminText(admin, path).contains("b1946ac9"), path + " shows the token");
                }
                assertTrue(consul.requestLog().stream().noneMatch(r -> r.contains("b1946ac9")), "in a URL");
                lb.destroy();
                assertTrue(lb.waitFor(30, TimeUnit.SECONDS), "lb did not stop on SIGTERM: " + read(log));
                String out = read(log);
                assertTrue(out.contains("ACL not found"), "the 403 is logged: " + out);
                assertFalse(out.contains("b1946ac9"), "the token is logged: " + out);
            } finally {
                lb.destroyForcibly();
            }
        }
    }

    private static String adminText(InetSocketAddress admin, String path) {
        try {
            return new String(DiscoveryLb.get(admin, "lb", path).body(), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.indexOf(':'));
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
