package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.testing.Await;
import dev.lb.discovery.SourceState;
import dev.lb.discovery.testing.ConsulFixture;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Consul going away, or coming back with a lower index, never takes routing with it; lb catches
 * up with what changed meanwhile (SPEC sections 6 and 9).
 */
class ConsulOutageTest {

    private static final Duration LIVE = Duration.ofSeconds(20);

    private static boolean consulConnected(DiscoveryLb lb) {
        return lb.server().sourceStates().stream().filter(s -> s.name().startsWith("consul"))
                .allMatch(SourceState::connected);
    }

    private static String conf(ConsulFixture consul) {
        return "lb.consul.address = \"" + consul.address() + "\"\n";
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.indexOf(':'));
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
    }

    @Test
    void routingSurvivesAnOutageAndARestartWithALowerIndex() {
        try (ConsulFixture consul = new ConsulFixture().start(); NamedBackends backends = new NamedBackends()) {
            String a = backends.start("a");
            String b = backends.start("b");
            consul.register("node1", "127.0.0.1", "web-1", "web", host(a), port(a), "urlprefix-web.example/");
            try (DiscoveryLb lb = DiscoveryLb.start("consul-outage", null, null, List.of(), conf(consul))) {
                lb.awaitBackend("web.example", "/", LIVE, "a");
                for (int i = 0; i < 50; i++) {
                    // Moves the indexes lb watches (the catalog's and web's) well above what the restart
                    // resets them to; the fixture, unlike Consul, counts an unchanged registration.
                    consul.register("node1", "127.0.0.1", "web-1", "web", host(a), port(a),
                            "urlprefix-web.example/");
                }
                consul.stop();
                Await.until("lb reports Consul as disconnected", LIVE, () -> !consulConnected(lb),
                        () -> lb.server().sourceStates().toString());
                for (int i = 0; i < 20; i++) {
                    assertEquals("a", lb.backendFor("web.example", "/"), "the last table keeps serving");
                }
                // Back from an older snapshot: the index went down; what changed meanwhile must arrive.
                consul.restart(true, 3);
                consul.register("node1", "127.0.0.1", "web-1", "web", host(b), port(b),
                        "urlprefix-web.example/");
                consul.register("node1", "127.0.0.1", "new-1", "new", host(a), port(a),
                        "urlprefix-new.example/");
                lb.awaitBackend("web.example", "/", LIVE, "b");
                lb.awaitBackend("new.example", "/", LIVE, "a");
                Await.until("lb reports Consul as connected", LIVE, () -> consulConnected(lb),
                        () -> lb.server().sourceStates().toString());
                // An empty Consul (a new cluster) is data too: its services leave.
                consul.restart(false, 2);
                lb.awaitBackend("web.example", "/", LIVE, "503");
            }
        }
    }

    @Test
    void lbStartedWhileConsulIsDownConnectsLater() {
        try (ConsulFixture consul = new ConsulFixture().start(); NamedBackends backends = new NamedBackends()) {
            String a = backends.start("a");
            consul.stop();
            try (DiscoveryLb lb = DiscoveryLb.start("consul-late", null, null, List.of(), conf(consul))) {
                assertEquals("503", lb.backendFor("web.example", "/"), "lb serves lb.http.bind without Consul");
                consul.start();
                consul.register("node1", "127.0.0.1", "web-1", "web", host(a), port(a),
                        "urlprefix-web.example/");
                lb.awaitBackend("web.example", "/", LIVE, "a");
            }
        }
    }
}
