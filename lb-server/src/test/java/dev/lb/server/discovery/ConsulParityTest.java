package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.discovery.consul.ConsulServices;
import dev.lb.discovery.consul.ConsulSnapshot;
import dev.lb.server.testing.ProxyPair;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The haproxy.cfg lb renders from Consul's catalog (urlprefix- tags with strip=, the host suffix,
 * a catch-all, a service whose instances all fail), served by Debian's haproxy 2.6 and by lb:
 * every request reaches the same backend with the same path, or gets the same status.
 */
class ConsulParityTest {

    @TempDir
    Path dir;

    @Test
    void theRenderedConfigurationRoutesAsHaproxyRoutesIt() throws Exception {
        String[] backends = {"web", "api", "apiv2", "site", "plain"};
        TreeMap<String, ConsulSnapshot.Service> services = new TreeMap<>();
        service(services, "web", 1, "urlprefix-web.example.com/");
        service(services, "api", 2, "urlprefix-/api strip=/api", "urlprefix-example.com/api/");
        service(services, "apiv2", 3, "urlprefix-/api/v2");
        service(services, "site", 4, "urlprefix-/");
        service(services, "plain", 5, "production");
        services.put("down", new ConsulSnapshot.Service("down", List.of("urlprefix-down.example.com/"),
                List.of()));
        String text = new ConsulServices("127.0.0.1:8500", new InetSocketAddress("127.0.0.1", 65000),
                Optional.of("service.example")).render(new ConsulSnapshot(1, services,
                        new TreeMap<>())).text().text()
                .replace("bind 127.0.0.1:65000", "bind 127.0.0.1:@PORT@");
        for (int i = 0; i < backends.length; i++) {
            // Placeholder servers 127.0.0.1:1..5 become the pair's recording backends.
            text = text.replace(" 127.0.0.1:" + (i + 1) + "\n", " @" + backends[i] + "@\n");
        }
        List<String[]> requests = List.of(
                req("web.example.com", "/"), req("WEB.example.com:80", "/x?y=1"), req("web.example.com", "/api/x"),
                req("other.com", "/api"), req("other.com", "/api/"), req("other.com", "/api/users?id=7"),
                req("other.com", "/apix"), req("example.com", "/api/users"), req("example.com", "/apix"),
                req("other.com", "/api/v2/items"), req("x", "/anything"), req("plain.service.example", "/p"),
                req("PLAIN.service.example:443", "/"), req("down.example.com", "/"),
                req("down.example.com", "/api/x"));
        ProxyPair.Routing routing;
        try (ProxyPair pair = ProxyPair.start(dir, text)) {
            routing = pair.routeGets(requests);
        }
        assertEquals(List.of(), routing.mismatches(),
                "lb routes the rendered Consul services differently from haproxy");
        assertTrue(routing.outcomes().size() >= 8, "the requests should reach every backend and a 503: "
                + routing.outcomes());
    }

    private static void service(TreeMap<String, ConsulSnapshot.Service> services, String name,
            int placeholderPort,
            String... tags) {
        services.put(name, new ConsulSnapshot.Service(name, List.of(tags), List.of(new ConsulSnapshot.Instance(
                name + "-1", "node1", "127.0.0.1", placeholderPort, List.of(tags)))));
    }

    private static String[] req(String host, String path) {
        return new String[] {host, path};
    }
}
