package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.dns.DnsLookup;
import dev.lb.discovery.etcd.EtcdServices;
import dev.lb.server.testing.ProxyPair;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The haproxy.cfg lb renders from etcd keys, served by Debian's haproxy 2.6 and by lb: every
 * request reaches the same backend with the same path (the url_beg prefix stripped alike), or
 * gets the same status. What confd + HAProxy would do with the text, lb does.
 */
class EtcdParityTest {

    @TempDir
    Path dir;

    @Test
    void theRenderedConfigurationRoutesAsHaproxyRoutesIt() throws Exception {
        String[] backends = {"web", "api", "apiv2", "static", "admin"};
        SortedMap<String, String> keys = new TreeMap<>();
        service(keys, "web", 1, "web.example.com", null);
        service(keys, "api", 2, "example.com", "/api");
        service(keys, "apiv2", 3, null, "/api/v2");
        service(keys, "static", 4, null, "/static/");
        service(keys, "admin", 5, "admin.example.com, ADMIN.example.org", "/");
        keys.put("services/static/strip", "false");
        String text = new EtcdServices("/haproxy-parity", new InetSocketAddress("127.0.0.1", 65000))
                .render(keys, DnsLookup.NONE).text().text()
                .replace("bind 127.0.0.1:65000", "bind 127.0.0.1:@PORT@");
        for (int i = 0; i < backends.length; i++) {
            // Placeholder servers 127.0.0.1:1..5 become the pair's recording backends.
            text = text.replace(" 127.0.0.1:" + (i + 1) + "\n", " @" + backends[i] + "@\n");
        }
        List<String[]> requests = List.of(
                req("web.example.com", "/"), req("WEB.example.com:80", "/x?y=1"),
                req("web.example.com:443", "/"), req("web.example.com:8080", "/"), req("example.com", "/api"),
                req("example.com", "/api/"), req("example.com", "/api/users?id=7"), req("example.com", "/apix"),
                req("other.com", "/api/users"), req("example.com", "/api/v2/items"), req("other.com", "/api/v2"),
                req("x", "/static/app.js"), req("x", "/static"), req("admin.example.com", "/"),
                req("admin.example.org:443", "/panel"), req("nobody.example", "/"),
                req("web.example.com", "/api/v2/z"));
        ProxyPair.Routing routing;
        try (ProxyPair pair = ProxyPair.start(dir, text)) {
            routing = pair.routeGets(requests);
        }
        assertEquals(List.of(), routing.mismatches(),
                "lb routes the rendered etcd services differently from haproxy");
        assertTrue(routing.outcomes().size() >= 6,
                "the requests should reach every backend and a 503: " + routing.outcomes());
    }

    private static void service(SortedMap<String, String> keys, String svc, int placeholderPort, String domain,
            String urlBeg) {
        keys.put("services/" + svc + "/servers/1", "127.0.0.1:" + placeholderPort);
        keys.put("services/" + svc + "/port", "80");
        if (domain != null) {
            keys.put("services/" + svc + "/domain", domain);
        }
        if (urlBeg != null) {
            keys.put("services/" + svc + "/url_beg", urlBeg);
        }
    }

    private static String[] req(String host, String path) {
        return new String[] {host, path};
    }
}
