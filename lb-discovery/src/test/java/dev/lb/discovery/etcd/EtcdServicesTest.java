package dev.lb.discovery.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.config.LoadResult;
import dev.lb.core.dns.DnsAnswer;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.dns.DnsQuery;
import dev.lb.core.dns.DnsTarget;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Mode;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.testing.FakeRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The confd key layout rendered to haproxy.cfg and compiled by the one compiler. */
class EtcdServicesTest {

    private final EtcdServices services = new EtcdServices("/haproxy-haproxy-1",
            new InetSocketAddress("127.0.0.1", 18080));

    private static SortedMap<String, String> keys(String... kv) {
        SortedMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private LoadResult compile(EtcdServices.Rendered r, DnsLookup dns) throws ConfigException {
        return HaproxyConfigLoader.compile(List.of(r.text()), RoutingTable.EMPTY, dns);
    }

    private static String route(RoutingTable t, String host, String path) {
        Frontend fe = t.frontends().get(0);
        Backend b = fe.select(FakeRequest.of(host, path));
        return b == null ? null : b.name();
    }

    @Test
    void domainsPrefixesAndServersRouteLikeTheConfdTemplate() throws Exception {
        EtcdServices.Rendered r = services.render(keys(
                "services/web/domain", "Example.org",
                "services/web/port", "8080",
                "services/web/servers/a", "127.0.0.2",
                "services/web/servers/b", "127.0.0.3:9090",
                "services/api/domain", "example.org",
                "services/api/url_beg", "/api",
                "services/api/port", "81",
                "services/api/servers/1", "127.0.0.4",
                "services/v2/url_beg", "/api/v2",
                "services/v2/port", "82",
                "services/v2/balance", "leastconn",
                "services/v2/strip", "false",
                "services/v2/servers/1", "127.0.0.5"), DnsLookup.NONE);
        assertEquals(List.of(), r.problems());
        RoutingTable t = compile(r, DnsLookup.NONE).table();
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 18080)),
                t.frontends().get(0).binds().stream().map(b -> b.address()).toList());
        assertEquals("web", route(t, "example.org", "/"));
        assertEquals("web", route(t, "EXAMPLE.org:80", "/x"));
        assertEquals("api", route(t, "example.org:443", "/api/users"));
        assertEquals("v2", route(t, "example.org", "/api/v2/x"), "the longer prefix wins");
        assertEquals("v2", route(t, "other.org", "/api/v2/x"));
        assertNull(route(t, "other.org", "/api/v1"));
        assertEquals(List.of("127.0.0.2:8080", "127.0.0.3:9090"), t.backends().get("web").servers().stream()
                .map(s -> s.address().getAddress().getHostAddress() + ":" + s.address().getPort()).toList());
        assertEquals("leastconn", t.backends().get("v2").algorithm().toString().toLowerCase());
        HttpRequestAction.ReplacePath strip = (HttpRequestAction.ReplacePath) t.backends().get("api").actions()
                .get(0);
        assertEquals("/users", strip.apply("/api/users"));
        assertEquals("/", strip.apply("/api"));
        assertEquals(List.of(), t.backends().get("v2").actions(), "strip=false keeps the path");
    }

    @Test
    void servicesWithoutServersTakeEveryAddressOfTheirName() throws Exception {
        Map<DnsQuery, DnsAnswer> dns = Map.of(new DnsQuery(DnsQuery.DEFAULT, "myapp"), new DnsAnswer(List.of(
                new DnsTarget(InetAddress.getByName("127.0.0.2"), 0),
                new DnsTarget(InetAddress.getByName("127.0.0.3"), 0))));
        EtcdServices.Rendered r = services.render(keys("services/myapp/domain", "example.org",
                "services/myapp/port", "80"), dns::get);
        assertEquals(java.util.Set.of(new DnsQuery(DnsQuery.DEFAULT, "myapp")), r.dnsQueries());
        RoutingTable t = compile(r, dns::get).table();
        assertEquals(List.of("127.0.0.2:80", "127.0.0.3:80"), t.backends().get("myapp").servers().stream()
                .map(s -> s.name()).toList());
    }

    @Test
    void tcpServicesListenOnTheirExternalPort() throws Exception {
        EtcdServices.Rendered r = services.render(keys(
                "tcp-services/redis/external_port", "16379",
                "tcp-services/redis/internal_port", "6379",
                "tcp-services/redis/servers/r1", "127.0.0.7",
                "certs/example.org", "-----BEGIN CERTIFICATE-----"), DnsLookup.NONE);
        RoutingTable t = compile(r, DnsLookup.NONE).table();
        Frontend fe = t.frontendAt(new InetSocketAddress("127.0.0.1", 16379));
        assertEquals(Mode.TCP, fe.mode());
        assertEquals(new InetSocketAddress("127.0.0.7", 6379),
                t.backends().get("tcp-redis").servers().get(0).address());
        assertEquals(Map.of("example.org", "-----BEGIN CERTIFICATE-----"), r.certificates());
        EtcdServices.Rendered typo = services.render(keys(
                "tcp-services/redis/external_port", "16379x",
                "tcp-services/redis/internal_port", "6379",
                "tcp-services/redis/servers/r1", "127.0.0.7"), DnsLookup.NONE);
        assertEquals(1, typo.tcpServices(), "the last valid version serves: " + typo.problems());
        assertTrue(compile(typo, DnsLookup.NONE).table().frontendAt(new InetSocketAddress("127.0.0.1", 16379))
                != null);
        EtcdServices.Rendered clash = services.render(keys(
                "tcp-services/a/external_port", "16380", "tcp-services/a/internal_port", "1",
                "tcp-services/a/servers/1", "127.0.0.7",
                "tcp-services/b/external_port", "16380", "tcp-services/b/internal_port", "2",
                "tcp-services/b/servers/1", "127.0.0.8"), DnsLookup.NONE);
        assertEquals(1, clash.tcpServices());
        assertEquals("etcd:/haproxy-haproxy-1/tcp-services/b/external_port: port 16380 is already taken by "
                + "tcp-services/a; skipped", clash.problems().get(0).format());
    }

    @Test
    void incompleteServicesAreSkippedAndInvalidOnesKeepTheirLastValidVersion() throws Exception {
        EtcdServices.Rendered first = services.render(keys(
                "services/a/domain", "a.org", "services/a/port", "80", "services/a/servers/1", "127.0.0.2",
                "services/b/domain", "b.org"), DnsLookup.NONE);
        assertEquals(List.of("etcd:/haproxy-haproxy-1/services/b"),
                first.problems().stream().map(ConfigProblem::file).toList());
        assertEquals(1, first.httpServices());
        EtcdServices.Rendered typo = services.render(keys(
                "services/a/domain", "a.org", "services/a/port", "8o", "services/a/servers/1", "127.0.0.2"),
                DnsLookup.NONE);
        assertTrue(typo.problems().get(0).format().startsWith(
                "etcd:/haproxy-haproxy-1/services/a/port: '8o' is not a port"), typo.problems().toString());
        RoutingTable t = compile(typo, DnsLookup.NONE).table();
        assertEquals(new InetSocketAddress("127.0.0.2", 80), t.backends().get("a").servers().get(0).address());
        EtcdServices.Rendered gone = services.render(keys(), DnsLookup.NONE);
        assertEquals(0, gone.httpServices());
        assertTrue(compile(gone, DnsLookup.NONE).table().backends().isEmpty());
    }
}
