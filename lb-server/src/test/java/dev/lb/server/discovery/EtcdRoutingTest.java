package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.Dnsmasq;
import dev.lb.discovery.testing.EtcdProcess;
import dev.lb.http.RawHttpClient;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key of SPEC section 5, typed with Debian's {@code etcdctl} into a real etcd, added,
 * changed and deleted, reaches routing without a restart; names without servers are resolved by
 * a real dnsmasq.
 */
class EtcdRoutingTest {

    private static final Duration LIVE = Duration.ofSeconds(10);
    private static final String P = "/haproxy-routing/";

    @RegisterExtension
    static final EtcdProcess ETCD = new EtcdProcess();

    @TempDir
    static Path logs;

    static NamedBackends backends;
    static Dnsmasq dns;
    static DiscoveryLb lb;
    static String a;
    static String b;
    static int dnsPort;

    @BeforeAll
    static void start() {
        backends = new NamedBackends();
        a = backends.start("a");
        b = backends.start("b");
        // Two servers of the DNS-named service: the same port on two loopback addresses.
        dnsPort = FreePort.on("127.0.0.2");
        backends.startAt("m2", "127.0.0.2", dnsPort);
        backends.startAt("m3", "127.0.0.3", dnsPort);
        backends.startAt("m4", "127.0.0.4", dnsPort);
        dns = Dnsmasq.create(logs, Map.of("myapp", List.of("127.0.0.2", "127.0.0.3"))).start();
        lb = DiscoveryLb.start("routing", ETCD.endpoint(), dns.address(), List.of(), "");
    }

    @AfterAll
    static void stop() {
        if (lb != null) {
            lb.close();
        }
        if (dns != null) {
            dns.close();
        }
        backends.close();
    }

    private static void put(String key, String value) {
        ETCD.etcdctl("put", P + key, value);
    }

    private static void del(String key) {
        ETCD.etcdctl("del", "--prefix", P + key);
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.indexOf(':'));
    }

    private static String port(String hostPort) {
        return hostPort.substring(hostPort.indexOf(':') + 1);
    }

    @Test
    void domainPortAndServersAreAddedChangedAndDeleted() {
        assertEquals("503", lb.backendFor("web.example", "/"), "nothing routed before the keys exist");
        put("services/web/servers/1", a);
        put("services/web/port", "80");
        put("services/web/domain", "web.example");
        lb.awaitBackend("web.example", "/", LIVE, "a");
        assertEquals("a", lb.backendFor("WEB.example:80", "/x"), "case-insensitive, with :80");
        // host-only server: the service's port applies
        put("services/web/servers/1", host(b));
        put("services/web/port", port(b));
        lb.awaitBackend("web.example", "/", LIVE, "b");
        put("services/web/domain", "www.example");
        lb.awaitBackend("www.example", "/", LIVE, "b");
        assertEquals("503", lb.backendFor("web.example", "/"), "the old domain no longer routes");
        put("services/web/balance", "leastconn");
        Await.until("balance leastconn", LIVE, () -> lb.server().table().backends().get("web").algorithm()
                .toString().toLowerCase().contains("leastconn"));
        del("services/web/");
        lb.awaitBackend("web.example", "/", LIVE, "503");
    }

    @Test
    void urlPrefixesAreStrippedUnlessStripIsFalse() throws Exception {
        put("services/api/servers/1", a);
        put("services/api/port", "1");
        put("services/api/url_beg", "/api");
        lb.awaitBackend("any.example", "/api/users", LIVE, "a");
        RawHttpClient.Response r = lb.get("any.example", "/api/users?x=1");
        assertEquals("/users", r.header("X-Path"), "the prefix is stripped");
        put("services/api/strip", "false");
        Await.until("strip=false keeps the path", LIVE,
                () -> "/api/users".equals(header(lb, "any.example", "/api/users")));
        // a longer prefix on another service wins
        put("services/apiv2/servers/1", b);
        put("services/apiv2/port", "1");
        put("services/apiv2/url_beg", "/api/v2");
        lb.awaitBackend("any.example", "/api/v2/x", LIVE, "b");
        assertEquals("a", lb.backendFor("any.example", "/api/v1/x"));
        put("services/apiv2/url_beg", "/v3");
        lb.awaitBackend("any.example", "/v3/x", LIVE, "b");
        assertEquals("a", lb.backendFor("any.example", "/api/v2/x"), "the old prefix falls to /api");
        del("services/api/");
        del("services/apiv2/");
        lb.awaitBackend("any.example", "/api/v2/x", LIVE, "503");
    }

    private static String adminGet(String path) {
        try {
            return new String(DiscoveryLb.get(lb.server().admin().addresses().get(0), "lb", path).body(),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String header(DiscoveryLb lb, String host, String path) {
        try {
            return lb.get(host, path).header("X-Path");
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void aServiceWithoutServersIsBalancedOverItsDnsNameAndFollowsItsRecords() {
        put("services/myapp/port", String.valueOf(dnsPort));
        put("services/myapp/domain", "example.org");
        lb.awaitBackend("example.org", "/", LIVE, "m2", "m3");
        java.util.Set<String> seen = new java.util.HashSet<>();
        Await.until("both addresses of myapp serve", LIVE, () -> {
            seen.add(lb.backendFor("example.org", "/"));
            return seen.containsAll(List.of("m2", "m3"));
        }, seen::toString);
        dns.hosts(Map.of("myapp", List.of("127.0.0.3", "127.0.0.4")));
        Await.until("myapp's new records are its servers", LIVE, () -> {
            var servers = lb.server().table().backends().get("myapp").servers();
            return servers.stream().map(s -> s.address().getAddress().getHostAddress()).toList()
                    .equals(List.of("127.0.0.3", "127.0.0.4"));
        }, () -> String.valueOf(lb.server().table().backends().get("myapp").servers()));
        java.util.Set<String> after = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            after.add(lb.backendFor("example.org", "/"));
        }
        assertEquals(java.util.Set.of("m3", "m4"), after);
        del("services/myapp/");
        lb.awaitBackend("example.org", "/", LIVE, "503");
    }

    @Test
    void tcpServicesOpenTheirPortAndCloseItWhenDeleted() {
        int external = FreePort.on("127.0.0.1");
        InetSocketAddress listener = new InetSocketAddress("127.0.0.1", external);
        put("tcp-services/db/servers/1", host(a));
        put("tcp-services/db/internal_port", port(a));
        put("tcp-services/db/external_port", String.valueOf(external));
        Await.until("tcp service answers on its external port", LIVE, () -> relaysTo(listener, "a"));
        InetSocketAddress movedTo = new InetSocketAddress("127.0.0.1", FreePort.on("127.0.0.1"));
        put("tcp-services/db/external_port", String.valueOf(movedTo.getPort()));
        Await.until("the service moves to its new external port", LIVE, () -> relaysTo(movedTo, "a"));
        Await.until("the old port is closed", LIVE, () -> closed(listener));
        put("tcp-services/db/external_port", String.valueOf(external));
        put("tcp-services/db/servers/1", b);
        Await.until("tcp service follows its server", LIVE, () -> relaysTo(listener, "b"));
        del("tcp-services/db/");
        Await.until("the port is closed", LIVE, () -> closed(listener));
        Await.until("the moved port is closed", LIVE, () -> closed(movedTo));
    }

    /** Whether an HTTP request sent to the TCP listener comes back from {@code backend}. */
    private static boolean relaysTo(InetSocketAddress listener, String backend) {
        try {
            return backend.equals(DiscoveryLb.get(listener, "whatever", "/").header("X-Backend"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean closed(InetSocketAddress address) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(address, 1000);
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void incompleteAndInvalidServicesAreReportedAndTheRestApplies() {
        put("services/half/domain", "half.example");
        put("services/good/servers/1", a);
        put("services/good/port", "1");
        put("services/good/domain", "good.example");
        lb.awaitBackend("good.example", "/", LIVE, "a");
        assertEquals("503", lb.backendFor("half.example", "/"));
        Await.until("the incomplete service is reported", LIVE, () -> lb.server().adminSources().stream()
                .anyMatch(s -> s.contains("etcd:/haproxy-routing/services/half: incomplete service")),
                () -> lb.server().adminSources().toString());
        String routes = adminGet("/api/routes");
        assertTrue(routes.contains("\"source_states\"") && routes.contains("services/half: incomplete service")
                && routes.contains("etcd http://127.0.0.1:"), routes);
        // A typo keeps the last valid version serving.
        put("services/good/servers/1", "not a host:port");
        Await.until("the typo is reported", LIVE, () -> lb.server().adminSources().stream()
                .anyMatch(s -> s.contains("services/good/servers/1")),
                () -> lb.server().adminSources().toString());
        assertEquals("a", lb.backendFor("good.example", "/"));
        // A PEM value starts with '-': etcdctl takes it from stdin, as users pipe a file in.
        ETCD.etcdctlWithInput("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "put",
                P + "certs/example.org");
        Await.until("the certificate is stored", LIVE,
                () -> lb.server().storedCertificates().contains("example.org"));
        del("services/half/");
        del("services/good/");
        del("certs/");
        lb.awaitBackend("good.example", "/", LIVE, "503");
        assertTrue(lb.server().listenerErrors().isEmpty(), lb.server().listenerErrors().toString());
    }
}
