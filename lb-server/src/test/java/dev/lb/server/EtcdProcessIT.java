package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.Dnsmasq;
import dev.lb.discovery.testing.EtcdProcess;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, configured only by the environment the confd images used (HAPROXY_ID,
 * ETCD_NODE, DNS_SERVERS, LB_HTTP_BIND), with no haproxy.cfg: services typed with etcdctl are
 * served, a service without servers is balanced over its DNS name, and SIGTERM stops it.
 */
class EtcdProcessIT {

    @TempDir
    Path dir;

    @Test
    void theJarServesWhatEtcdctlTypes() throws Exception {
        int dnsPort = FreePort.on("127.0.0.61");
        try (EtcdProcess etcd = new EtcdProcess().start(); NamedBackends backends = new NamedBackends();
                Dnsmasq dns = Dnsmasq.create(dir, Map.of("myapp", List.of("127.0.0.61", "127.0.0.62")))
                        .start()) {
            String a = backends.start("a");
            backends.startAt("m61", "127.0.0.61", dnsPort);
            backends.startAt("m62", "127.0.0.62", dnsPort);
            int port = FreePort.on("127.0.0.1");
            InetSocketAddress http = new InetSocketAddress("127.0.0.1", port);
            Path log = dir.resolve("lb.log");
            ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target", "lb.jar").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("HAPROXY_ID", "it-1");
            pb.environment().put("ETCD_NODE", "127.0.0.1:" + etcd.clientPort());
            pb.environment().put("DNS_SERVERS", "127.0.0.1:" + dns.address().getPort());
            pb.environment().put("LB_HTTP_BIND", "127.0.0.1:" + port);
            pb.environment().put("LB_ADMIN_BIND", "127.0.0.1:" + FreePort.on("127.0.0.1"));
            pb.environment().put("LB_ADMIN_SOCKET", dir.resolve("admin.sock").toString());
            Process lb = pb.start();
            try {
                Await.until("lb serves lb.http.bind", Duration.ofSeconds(30),
                        () -> !lb.isAlive() || "503".equals(DiscoveryLb.backendAt(http, "web.example", "/")),
                                () -> read(log));
                assertTrue(lb.isAlive(), "lb exited: " + read(log));
                etcd.etcdctl("put", "/haproxy-it-1/services/web/servers/1", a);
                etcd.etcdctl("put", "/haproxy-it-1/services/web/port", "1");
                etcd.etcdctl("put", "/haproxy-it-1/services/web/domain", "web.example");
                etcd.etcdctl("put", "/haproxy-it-1/services/myapp/port", String.valueOf(dnsPort));
                etcd.etcdctl("put", "/haproxy-it-1/services/myapp/domain", "example.org");
                Await.until("web.example routed", Duration.ofSeconds(10),
                        () -> "a".equals(DiscoveryLb.backendAt(http, "web.example", "/")), () -> read(log));
                java.util.Set<String> seen = new java.util.HashSet<>();
                Await.until("myapp balanced over its two addresses", Duration.ofSeconds(10), () -> {
                    seen.add(DiscoveryLb.backendAt(http, "example.org", "/"));
                    return seen.containsAll(List.of("m61", "m62"));
                }, () -> seen + "\n" + read(log));
                etcd.etcdctl("del", "--prefix", "/haproxy-it-1/services/web/");
                Await.until("web.example removed", Duration.ofSeconds(10),
                        () -> "503".equals(DiscoveryLb.backendAt(http, "web.example", "/")), () -> read(log));
                lb.destroy();
                assertTrue(lb.waitFor(30, TimeUnit.SECONDS), "lb did not stop on SIGTERM: " + read(log));
                assertEquals(0, lb.exitValue(), read(log));
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
