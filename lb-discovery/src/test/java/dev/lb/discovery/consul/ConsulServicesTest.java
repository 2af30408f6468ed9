package dev.lb.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.dns.DnsLookup;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Mode;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.testing.FakeRequest;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Catalog services and their tags rendered to haproxy.cfg and compiled by the one compiler. */
class ConsulServicesTest {

    private static final InetSocketAddress HTTP = new InetSocketAddress("127.0.0.1", 18080);

    private static ConsulSnapshot.Service service(String name, List<String> tags, String... addrs) {
        List<ConsulSnapshot.Instance> passing = Arrays.stream(addrs).map(a -> new ConsulSnapshot.Instance(
                name + "-" + a, "node1", a.substring(0, a.indexOf(':')),
                Integer.parseInt(a.substring(a.indexOf(':') + 1)), tags)).toList();
        return new ConsulSnapshot.Service(name, tags, passing);
    }

    private static ConsulSnapshot snapshot(Map<String, String> kv, ConsulSnapshot.Service... services) {
        TreeMap<String, ConsulSnapshot.Service> m = new TreeMap<>();
        for (ConsulSnapshot.Service s : services) {
            m.put(s.name(), s);
        }
        return new ConsulSnapshot(7, m, new TreeMap<>(kv));
    }

    private static RoutingTable compile(ConsulServices.Rendered r) throws Exception {
        return HaproxyConfigLoader.compile(List.of(r.text()), RoutingTable.EMPTY, DnsLookup.NONE).table();
    }

    private static String route(RoutingTable t, String host, String path) {
        Frontend fe = t.frontendAt(HTTP);
        Backend b = fe.select(FakeRequest.of(host, path));
        return b == null ? null : b.name();
    }

    private static String forwardedPath(RoutingTable t, String backend, String path) {
        String p = path;
        for (HttpRequestAction a : t.backends().get(backend).actions()) {
            p = ((HttpRequestAction.ReplacePath) a).apply(p);
        }
        return p;
    }

    private static List<String> servers(RoutingTable t, String backend) {
        return t.backends().get(backend).servers().stream()
                .map(s -> s.address().getAddress().getHostAddress() + ":" + s.address().getPort()).toList();
    }

    @Test
    void urlprefixTagsRouteByHostAndPathWithHostRoutesFirst() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.empty());
        ConsulServices.Rendered r = services.render(snapshot(Map.of(),
                service("web", List.of("urlprefix-Example.org/"), "127.0.0.2:8080", "127.0.0.3:8080"),
                service("api", List.of("urlprefix-/api strip=/api", "v1"), "127.0.0.4:9090"),
                service("admin", List.of("urlprefix-example.org/admin"), "127.0.0.5:80"),
                service("site", List.of("urlprefix-/"), "127.0.0.6:80"),
                service("untagged", List.of(), "127.0.0.7:80")));
        assertEquals(List.of(), r.problems());
        assertEquals(4, r.httpRoutes());
        RoutingTable t = compile(r);
        assertEquals("web", route(t, "example.org", "/"));
        assertEquals("web", route(t, "EXAMPLE.ORG:80", "/x"));
        assertEquals("admin", route(t, "example.org", "/admin/users"));
        assertEquals("web", route(t, "example.org", "/api/x"),
                "a route naming the host comes first, as in fabio");
        assertEquals("api", route(t, "other.org", "/api/x"));
        assertEquals("site", route(t, "other.org", "/x"), "urlprefix-/ is the catch-all");
        assertNull(t.backends().get("untagged"), "no tag and no host suffix: no route");
        assertEquals(List.of("127.0.0.2:8080", "127.0.0.3:8080"), servers(t, "web"));
        assertEquals("/users", forwardedPath(t, "api", "/api/users"));
        assertEquals("/", forwardedPath(t, "api", "/api"));
        assertEquals("/apix", forwardedPath(t, "api", "/apix"), "strip takes a whole segment only");
    }

    @Test
    void untaggedServicesGetTheHostSuffixRouteAndFailingOnesAnswer503() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.of("service.example"));
        ConsulServices.Rendered r = services.render(snapshot(Map.of(),
                service("web", List.of("production"), "127.0.0.2:8080"),
                service("down", List.of())));
        RoutingTable t = compile(r);
        assertEquals("web", route(t, "web.service.example", "/"));
        assertEquals("down", route(t, "down.service.example:80", "/"));
        assertEquals(List.of(), servers(t, "down"), "no passing instance: the route stays, with no server");
        assertNull(route(t, "other.example", "/"));
    }

    @Test
    void servicesTaggedWithOneRouteShareIt() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.empty());
        RoutingTable t = compile(services.render(snapshot(Map.of(),
                service("web", List.of("urlprefix-/"), "127.0.0.2:80"),
                service("web-v2", List.of("urlprefix-/", "urlprefix-/v2"), "127.0.0.3:80"))));
        assertEquals("web:web-v2", route(t, "a", "/"));
        assertEquals(List.of("127.0.0.2:80", "127.0.0.3:80"), servers(t, "web:web-v2"));
        assertEquals("web-v2", route(t, "a", "/v2/x"));
    }

    @Test
    void tcpRoutesListenOnTheirPort() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.empty());
        ConsulServices.Rendered r = services.render(snapshot(Map.of(),
                service("redis", List.of("urlprefix-:16379 proto=tcp"), "127.0.0.7:6379"),
                service("other", List.of("urlprefix-:16379 proto=tcp"), "127.0.0.8:6379"),
                service("bad", List.of("urlprefix-:18080 proto=tcp", "urlprefix-:70000 proto=tcp",
                        "urlprefix-:1234"), "127.0.0.9:1")));
        RoutingTable t = compile(r);
        Frontend fe = t.frontendAt(new InetSocketAddress("127.0.0.1", 16379));
        assertEquals(Mode.TCP, fe.mode());
        assertEquals(List.of("127.0.0.8:6379"), servers(t, "tcp-other"), "the first by name serves");
        assertEquals(List.of(
                "consul:127.0.0.1:8500/bad: tag 'urlprefix-:18080 proto=tcp' skipped: port 18080 is "
                        + "lb.http.bind's port",
                "consul:127.0.0.1:8500/bad: tag 'urlprefix-:70000 proto=tcp' skipped: ':70000' is not a port "
                        + "(1 to 65535)",
                "consul:127.0.0.1:8500/bad: tag 'urlprefix-:1234' skipped: ':1234' is a TCP route: it needs "
                        + "proto=tcp",
                "consul:127.0.0.1:8500/redis: TCP port 16379 is taken by 'other' (the first by name); skipped"),
                r.problems().stream().map(ConfigProblem::format).toList());
    }

    @Test
    void badTagsAreReportedAndTheRestApplies() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.empty());
        ConsulServices.Rendered r = services.render(snapshot(Map.of(),
                service("web", List.of("urlprefix-/ok", "urlprefix-/x redirect=301,https://a/", "urlprefix-/#x",
                        "urlprefix-/y strip=y", "urlprefix-/z proto=https"), "127.0.0.2:80")));
        assertEquals(4, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).message().contains("option 'redirect=301,https://a/' is not supported"));
        assertEquals("web", route(compile(r), "a", "/ok"));
    }

    @Test
    void kvKeysTuneTheDefaults() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.empty());
        ConsulServices.Rendered r = services.render(snapshot(Map.of("timeouts/connect", "3000",
                "timeouts/server", "2m", "timeouts/client", "soon", "maxconn", "256"),
                service("web", List.of("urlprefix-/"), "127.0.0.2:80")));
        assertEquals(List.of("consul:127.0.0.1:8500/service/haproxy/timeouts/client: 'soon' is not a time such "
                + "as 5000 (ms) or 5s; using 50s"), r.problems().stream().map(ConfigProblem::format).toList());
        assertTrue(r.text().text().contains("    timeout connect 3000\n    timeout client 50s\n"
                + "    timeout server 2m\n    maxconn 256\n"), r.text().text());
        Backend web = compile(r).backends().get("web");
        assertEquals(3000, web.timeouts().connect().toMillis());
        assertEquals(120_000, web.timeouts().server().toMillis());
    }

    @Test
    void instancesWithHostNamesFollowDnsAndOddIdsAreRenamed() throws Exception {
        ConsulServices services = new ConsulServices("127.0.0.1:8500", HTTP, Optional.empty());
        ConsulSnapshot.Service s = new ConsulSnapshot.Service("web", List.of("urlprefix-/"), List.of(
                new ConsulSnapshot.Instance("host1:web_1:80", "host1", "127.0.0.2", 32768, List.of()),
                new ConsulSnapshot.Instance("host1:web 2:80", "host1", "web2.node.consul", 32769, List.of()),
                new ConsulSnapshot.Instance("host1:web 2:80", "host1", "127.0.0.4", 32770, List.of())));
        String text = services.render(snapshot(Map.of(), s)).text().text();
        assertTrue(text.contains("    server host1:web_1:80 127.0.0.2:32768\n"
                + "    server host1:web_2:80 web2.node.consul:32769 resolvers default\n"
                + "    server host1:web_2:80-2 127.0.0.4:32770\n"), text);
    }

    @Test
    void aRendererThatRemembersRendersWhatAFreshOneDoes() {
        ConsulServices kept = new ConsulServices("127.0.0.1:8500", HTTP, Optional.of("service.example"));
        java.util.Random random = new java.util.Random(42);
        List<List<String>> tagSets = List.of(List.of(), List.of("urlprefix-/a"),
                List.of("urlprefix-/a strip=/a"), List.of("urlprefix-x.example/", "urlprefix-/b"),
                List.of("urlprefix-/"), List.of("urlprefix-:16000 proto=tcp"),
                List.of("urlprefix-/a", "bad", "urlprefix-/c redirect=1"));
        TreeMap<String, ConsulSnapshot.Service> catalog = new TreeMap<>();
        for (int step = 0; step < 300; step++) {
            String name = "s" + random.nextInt(6);
            if (random.nextInt(5) == 0) {
                catalog.remove(name);
            } else {
                String[] addrs = new String[random.nextInt(3)];
                for (int i = 0; i < addrs.length; i++) {
                    addrs[i] = "127.0.0." + (2 + random.nextInt(3)) + ":" + (8000 + random.nextInt(3));
                }
                catalog.put(name, service(name, tagSets.get(random.nextInt(tagSets.size())), addrs));
            }
            ConsulSnapshot snapshot = new ConsulSnapshot(step, catalog, new TreeMap<>());
            ConsulServices fresh = new ConsulServices("127.0.0.1:8500", HTTP, Optional.of("service.example"));
            ConsulServices.Rendered expected = fresh.render(snapshot);
            ConsulServices.Rendered actual = kept.render(snapshot);
            assertEquals(expected.text(), actual.text(), "step " + step);
            assertEquals(expected.problems(), actual.problems(), "step " + step);
        }
    }
}
