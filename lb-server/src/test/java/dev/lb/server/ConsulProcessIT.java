package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.ConsulFixture;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, configured only by the environment the Consul images use (CONSUL_HTTP_ADDR,
 * HAPROXY_DOMAIN, LB_HTTP_BIND), with no haproxy.cfg: registered services are served by tag and
 * by host suffix, and SIGTERM stops it. Also proves the shaded jar carries the Consul client.
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

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
