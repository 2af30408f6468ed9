package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.Backend;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.ConsulFixture;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native Consul source end to end (SPEC section 6): services registered in the catalog, as
 * registrator does, are routed by their {@code urlprefix-} tags or by the host suffix, follow
 * their health checks, and leave when deregistered, all without a restart. Consul is the test
 * fixture that speaks its HTTP API (Consul has no Debian package); the backends are real.
 */
class ConsulRoutingTest {

    private static final Duration LIVE = Duration.ofSeconds(10);

    static ConsulFixture consul;
    static NamedBackends backends;
    static DiscoveryLb lb;
    static String a;
    static String b;

    @BeforeAll
    static void start() {
        consul = new ConsulFixture().start();
        backends = new NamedBackends();
        a = backends.start("a");
        b = backends.start("b");
        lb = DiscoveryLb.start("consul", null, null, List.of(), "lb.consul.address = \"" + consul.address()
                + "\"\nlb.consul.host-suffix = \"service.example\"\n");
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.close();
        }
        if (backends != null) {
            backends.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.indexOf(':'));
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
    }

    private static int servers(String backend) {
        Backend be = lb.server().table().backends().get(backend);
        return be == null ? -1 : be.servers().size();
    }

    @Test
    void instancesFollowRegistrationAndHealth() {
        assertEquals("503", lb.backendFor("web.example", "/"), "nothing routed before the registration");
        consul.register("node1", "127.0.0.1", "web-1", "web", host(a), port(a),
                List.of("urlprefix-web.example/"),
                "passing");
        lb.awaitBackend("web.example", "/", LIVE, "a");
        assertEquals("a", lb.backendFor("WEB.example:80", "/x"), "case-insensitive, with :80");
        consul.register("node2", "127.0.0.1", "web-2", "web", host(b), port(b),
                List.of("urlprefix-web.example/"),
                "passing");
        Set<String> seen = new HashSet<>();
        Await.until("both instances serve", LIVE, () -> {
            seen.add(lb.backendFor("web.example", "/"));
            return seen.containsAll(List.of("a", "b"));
        }, seen::toString);

        consul.setCheck("node1", "web-1", "critical");
        Await.until("the critical instance leaves", LIVE, () -> servers("web") == 1);
        for (int i = 0; i < 10; i++) {
            assertEquals("b", lb.backendFor("web.example", "/"));
        }
        consul.setCheck("node2", "web-2", "warning");
        Await.until("no instance passes: the route stays, with no server", LIVE, () -> servers("web") == 0);
        assertEquals("503", lb.backendFor("web.example", "/"));
        consul.setCheck("node1", "web-1", "passing");
        lb.awaitBackend("web.example", "/", LIVE, "a");
        consul.setNodeCheck("node1", "critical");
        lb.awaitBackend("web.example", "/", LIVE, "503");
        consul.setNodeCheck("node1", "passing");
        lb.awaitBackend("web.example", "/", LIVE, "a");

        consul.deregister("node1", "web-1");
        consul.deregister("node2", "web-2");
        Await.until("a deregistered service leaves the table", LIVE, () -> servers("web") == -1);
        assertEquals("503", lb.backendFor("web.example", "/"));
    }

    @Test
    void tagChangesMoveRoutesAndStripPrefixes() throws Exception {
        consul.register("node1", "127.0.0.1", "api-1", "api", host(a), port(a),
                List.of("urlprefix-/api strip=/api"), "passing");
        lb.awaitBackend("any.example", "/api/users", LIVE, "a");
        assertEquals("/users", lb.get("any.example", "/api/users").header("X-Path"), "the prefix is stripped");
        assertEquals("/", lb.get("any.example", "/api").header("X-Path"));
        consul.register("node1", "127.0.0.1", "api-1", "api", host(a), port(a), List.of("urlprefix-/v2",
                "urlprefix-/v2/admin"),
                "passing");
        lb.awaitBackend("any.example", "/v2/users", LIVE, "a");
        assertEquals("/v2/users", lb.get("any.example", "/v2/users").header("X-Path"),
                "no strip= keeps the path");
        assertEquals("503", lb.backendFor("any.example", "/api/users"), "the old tag's route is gone");
        consul.deregister("node1", "api-1");
        lb.awaitBackend("any.example", "/v2/users", LIVE, "503");
    }

    @Test
    void untaggedServicesAnswerOnTheHostSuffix() {
        consul.register("node1", "127.0.0.1", "plain-1", "plain", host(b), port(b), List.of("production"),
                null);
        lb.awaitBackend("plain.service.example", "/anything", LIVE, "b");
        assertEquals("503", lb.backendFor("plain.example", "/"));
        consul.deregister("node1", "plain-1");
        lb.awaitBackend("plain.service.example", "/", LIVE, "503");
    }

    @Test
    void serviceAddressFallsBackToTheNodeAddress() {
        // registrator without -ip registers no ServiceAddress: the node's address serves.
        consul.register(host(a), host(a), "node-addr-1", "nodeaddr", "", port(a),
                List.of("urlprefix-nodeaddr.example/"),
                null);
        lb.awaitBackend("nodeaddr.example", "/", LIVE, "a");
        consul.deregisterNode(host(a));
        lb.awaitBackend("nodeaddr.example", "/", LIVE, "503");
    }

    /**
     * What registrator registers for {@code docker run -e SERVICE_NAME=shop -e SERVICE_TAGS=...}
     * three times on one host: one agent registration per container, IDs {@code host:container:port},
     * the same address, different ports.
     */
    @Test
    void registratorShapedInstancesAreRoutedByHostAndByPath() throws Exception {
        List<String> shops = List.of(backends.startAt("shop1", "127.0.0.40", 0),
                backends.startAt("shop2", "127.0.0.40", 0), backends.startAt("shop3", "127.0.0.40", 0));
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < shops.size(); i++) {
            String body = """
                    {"ID":"docker-host-1:shop_%d:8080","Name":"shop",
                     "Tags":["urlprefix-shop.example/","urlprefix-/shop strip=/shop","version-1.4"],
                     "Address":"127.0.0.40","Port":%d}
                    """.formatted(i + 1, port(shops.get(i)));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + consul.address()
                    + "/v1/agent/service/register")).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
        Set<String> byHost = new HashSet<>();
        Set<String> byPath = new HashSet<>();
        Set<String> shopNames = Set.of("shop1", "shop2", "shop3");
        Await.until("each of the three containers serves both routes", LIVE, () -> {
            byHost.add(lb.backendFor("shop.example", "/cart"));
            byPath.add(lb.backendFor("other.example", "/shop/cart"));
            // 503 until the first registration is routed; nothing else may answer
            byHost.remove("503");
            byPath.remove("503");
            return byHost.equals(shopNames) && byPath.equals(shopNames);
        }, () -> byHost + " " + byPath);
        assertEquals("/cart", lb.get("other.example", "/shop/cart").header("X-Path"));
        assertEquals(List.of("docker-host-1:shop_1:8080", "docker-host-1:shop_2:8080",
                "docker-host-1:shop_3:8080"),
                lb.server().table().backends().values().stream().filter(be -> be.name().startsWith("shop"))
                        .findFirst().orElseThrow().servers().stream().map(s -> s.name()).toList());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + consul.address()
                + "/v1/agent/service/deregister/docker-host-1:shop_2:8080"))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Await.until("the stopped container leaves", LIVE, () -> lb.server().table().backends().values().stream()
                .filter(be -> be.name().startsWith("shop")).allMatch(be -> be.servers().size() == 2));
    }

    @Test
    void kvKeysTuneTheTimeouts() {
        consul.register("node1", "127.0.0.1", "kv-1", "kv", host(a), port(a), List.of("urlprefix-kv.example/"),
                null);
        lb.awaitBackend("kv.example", "/", LIVE, "a");
        consul.kvPut("service/haproxy/timeouts/server", "2500");
        Await.until("timeout server from service/haproxy/timeouts/server", LIVE,
                () -> lb.server().table().backends().get("kv").timeouts().server().toMillis() == 2500);
        consul.kvPut("service/haproxy/timeouts/server", "soon");
        Await.until("the default stands in for a bad value", LIVE,
                () -> lb.server().table().backends().get("kv").timeouts().server().toMillis() == 50_000);
        Await.until("the bad value is reported", LIVE, () -> lb.server().adminSources().stream()
                .anyMatch(p -> p.contains("service/haproxy/timeouts/server: 'soon' is not a time")),
                () -> lb.server().adminSources().toString());
        consul.kvDelete("service/haproxy/timeouts/server");
        consul.deregister("node1", "kv-1");
        lb.awaitBackend("kv.example", "/", LIVE, "503");
    }

    @Test
    void tcpTagsOpenAPortAndCloseIt() {
        int external = FreePort.on("127.0.0.1");
        InetSocketAddress listener = new InetSocketAddress("127.0.0.1", external);
        consul.register("node1", "127.0.0.1", "db-1", "db", host(b), port(b),
                List.of("urlprefix-:" + external + " proto=tcp"), "passing");
        Await.until("the TCP route relays", LIVE, () -> "b".equals(DiscoveryLb.backendAt(listener, "x", "/")));
        consul.deregister("node1", "db-1");
        Await.until("the port closes", LIVE,
                () -> DiscoveryLb.backendAt(listener, "x", "/").startsWith("connection error"));
    }

    @Test
    void theSourceStateIsOnTheAdminPlane() throws Exception {
        Await.until("consul connected", LIVE, () -> lb.server().sourceStates().stream()
                .anyMatch(s -> s.name().startsWith("consul") && s.connected()));
        InetSocketAddress admin = lb.server().admin().addresses().get(0);
        String routes = new String(DiscoveryLb.get(admin, "lb", "/api/routes").body(), StandardCharsets.UTF_8);
        assertTrue(routes.contains("\"consul " + consul.address()), routes);
        String metrics = new String(DiscoveryLb.get(admin, "lb", "/metrics").body(), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("lb_source_connected{source=\"consul\"} 1"), metrics);
        assertNotNull(lb.server().table().frontends().stream().filter(f -> f.name().equals("http-in"))
                .findFirst()
                .orElse(null));
    }
}
