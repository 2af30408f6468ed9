package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.Dnsmasq;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A haproxy.cfg with a {@code resolvers} section pointing at a real dnsmasq: {@code server ...
 * resolvers} follows its name's A records and {@code server-template} fills its slots from SRV
 * records with their ports (Consul's DNS interface answers so), without a reload.
 */
class DnsServersTest {

    private static final Duration LIVE = Duration.ofSeconds(10);

    @Test
    void resolvedServersAndTemplateSlotsFollowTheRecords(@TempDir Path dir) throws Exception {
        int port = FreePort.on("127.0.0.51");
        int srvPort = FreePort.on("127.0.0.53");
        try (NamedBackends backends = new NamedBackends();
                Dnsmasq dns = Dnsmasq.create(dir, Map.of("api.internal", List.of("127.0.0.51"),
                        "node-a.node.consul", List.of("127.0.0.53"),
                        "node-b.node.consul", List.of("127.0.0.54")))
                        .srv("_web._tcp.service.consul", "node-a.node.consul", srvPort, 1, 10)
                        .srv("_web._tcp.service.consul", "node-b.node.consul", srvPort, 1, 10)
                        .start()) {
            backends.startAt("api-51", "127.0.0.51", port);
            backends.startAt("api-52", "127.0.0.52", port);
            backends.startAt("web-a", "127.0.0.53", srvPort);
            backends.startAt("web-b", "127.0.0.54", srvPort);
            int front = FreePort.on("127.0.0.1");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, """
                    resolvers dns
                        nameserver ns1 %s:%d
                        hold valid 200ms
                        timeout resolve 500ms
                    defaults
                        mode http
                        default-server init-addr none
                    frontend fe
                        bind 127.0.0.1:%d
                        use_backend web if { path_beg /web }
                        default_backend api
                    backend api
                        server api api.internal:%d resolvers dns check inter 200ms
                    backend web
                        server-template web 4 _web._tcp.service.consul resolvers dns
                    """.formatted(dns.address().getAddress().getHostAddress(), dns.address().getPort(), front,
                    port));
            try (DiscoveryLb lb = DiscoveryLb.start("dnsfile", null, null, List.of(cfg), "")) {
                InetSocketAddress fe = new InetSocketAddress("127.0.0.1", front);
                Await.until("api.internal's server answers", LIVE,
                        () -> "api-51".equals(DiscoveryLb.backendAt(fe, "x", "/")));
                Set<String> web = new HashSet<>();
                Await.until("both SRV targets serve", LIVE, () -> {
                    web.add(DiscoveryLb.backendAt(fe, "x", "/web"));
                    return web.containsAll(Set.of("web-a", "web-b"));
                }, web::toString);
                assertEquals(List.of("web1", "web2"), lb.server().table().backends().get("web").servers()
                        .stream().map(s -> s.name()).toList(), "two of four slots filled");
                dns.hosts(Map.of("api.internal", List.of("127.0.0.52"),
                        "node-a.node.consul", List.of("127.0.0.53"),
                        "node-b.node.consul", List.of("127.0.0.54")));
                Await.until("the server follows its new address", LIVE,
                        () -> "api-52".equals(DiscoveryLb.backendAt(fe, "x", "/")));
                Await.until("the health check runs against the new address", LIVE, () -> lb.server().table()
                        .backends().get("api").servers().get(0).address().getAddress().getHostAddress()
                        .equals("127.0.0.52"));
                // DNS down: the last known addresses keep serving, and the failure is reported.
                dns.stop();
                Await.until("the DNS source reports the failure", LIVE, () -> lb.server().sourceStates()
                        .stream().anyMatch(st -> st.name().startsWith("dns") && st.lastError() != null),
                        () -> lb.server().sourceStates().toString());
                for (int i = 0; i < 10; i++) {
                    assertEquals("api-52", DiscoveryLb.backendAt(fe, "x", "/"));
                }
                assertEquals(2, lb.server().table().backends().get("web").servers().size());
            }
        }
    }
}
