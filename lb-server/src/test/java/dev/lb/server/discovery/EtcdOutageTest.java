package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.testing.Await;
import dev.lb.discovery.SourceState;
import dev.lb.discovery.testing.EtcdProcess;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd going away never takes routing with it; lb catches up when it is back (SPEC section 9). */
class EtcdOutageTest {

    private static final Duration LIVE = Duration.ofSeconds(20);

    private static boolean etcdConnected(DiscoveryLb lb) {
        return lb.server().sourceStates().stream().filter(s -> s.name().startsWith("etcd"))
                .allMatch(SourceState::connected);
    }

    @Test
    void routingSurvivesAnOutageAndChangesMadeAfterwardsArrive() {
        try (EtcdProcess etcd = new EtcdProcess().start(); NamedBackends backends = new NamedBackends()) {
            String a = backends.start("a");
            String b = backends.start("b");
            etcd.etcdctl("put", "/haproxy-outage/services/web/servers/1", a);
            etcd.etcdctl("put", "/haproxy-outage/services/web/port", "1");
            etcd.etcdctl("put", "/haproxy-outage/services/web/domain", "web.example");
            try (DiscoveryLb lb = DiscoveryLb.start("outage", etcd.endpoint(), null, List.of(), "")) {
                lb.awaitBackend("web.example", "/", LIVE, "a");
                etcd.stop();
                Await.until("lb reports etcd as disconnected", LIVE, () -> !etcdConnected(lb),
                        () -> lb.server().sourceStates().toString());
                for (int i = 0; i < 20; i++) {
                    assertEquals("a", lb.backendFor("web.example", "/"), "the last table keeps serving");
                }
                etcd.start();
                etcd.etcdctl("put", "/haproxy-outage/services/web/servers/1", b);
                etcd.etcdctl("put", "/haproxy-outage/services/new/servers/1", a);
                etcd.etcdctl("put", "/haproxy-outage/services/new/port", "1");
                etcd.etcdctl("put", "/haproxy-outage/services/new/domain", "new.example");
                lb.awaitBackend("web.example", "/", LIVE, "b");
                lb.awaitBackend("new.example", "/", LIVE, "a");
                Await.until("lb reports etcd as connected", LIVE, () -> etcdConnected(lb),
                        () -> lb.server().sourceStates().toString());
            }
        }
    }

    @Test
    void lbStartedWhileEtcdIsDownServesItsFilesAndConnectsLater(@TempDir Path dir) throws Exception {
        try (EtcdProcess etcd = new EtcdProcess(); NamedBackends backends = new NamedBackends()) {
            String a = backends.start("a");
            String b = backends.start("b");
            int filePort = dev.lb.core.testing.FreePort.on("127.0.0.1");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, """
                    frontend files
                        mode http
                        bind 127.0.0.1:%d
                        default_backend f
                    backend f
                        mode http
                        server s1 %s
                    """.formatted(filePort, a));
            // etcd is not running: nothing listens on its port yet.
            try (DiscoveryLb lb = DiscoveryLb.start("late", etcd.endpoint(), null, List.of(cfg), "")) {
                java.net.InetSocketAddress files = new java.net.InetSocketAddress("127.0.0.1", filePort);
                assertEquals("a", DiscoveryLb.get(files, "x", "/").header("X-Backend"), "the files serve");
                assertEquals("503", lb.backendFor("web.example", "/"), "lb.http.bind serves, with no service");
                etcd.start();
                etcd.etcdctl("put", "/haproxy-late/services/web/servers/1", b);
                etcd.etcdctl("put", "/haproxy-late/services/web/port", "1");
                etcd.etcdctl("put", "/haproxy-late/services/web/domain", "web.example");
                lb.awaitBackend("web.example", "/", LIVE, "b");
                assertEquals("a", DiscoveryLb.get(files, "x", "/").header("X-Backend"),
                        "the files still serve");
            }
        }
    }
}
