package dev.lb.admin.stats;

import static dev.lb.admin.stats.StatsRig.addr;
import static dev.lb.admin.stats.StatsRig.get;
import static dev.lb.admin.stats.StatsRig.htmlRow;
import static dev.lb.admin.stats.StatsRig.publish;
import static dev.lb.admin.stats.StatsText.csvRow;
import static dev.lb.admin.stats.StatsText.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.admin.StatsPage;
import dev.lb.core.table.RoutingTable;
import dev.lb.http.HttpBackend;
import dev.lb.http.HttpBackendExtension;
import dev.lb.http.ProxyUnderTest;
import dev.lb.http.check.HealthChecker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests through the real HTTP data plane show up on the right rows of the CSV, of
 * {@code /metrics} and of the HTML page; a failing backend shows its errors and DOWN; counters
 * survive a reload by name and leave with their proxy.
 */
class LiveStatsTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static String config(ProxyUnderTest proxy, HttpBackend a, HttpBackend b, String extra) {
        return """
                defaults
                    mode http
                    timeout connect 1s
                    retries 1
                frontend fe
                    bind %s
                    use_backend broken if { path_beg /broken }
                    use_backend old if { path_beg /old }
                    default_backend app
                backend app
                    server s1 %s
                    server s2 %s
                """.formatted(addr(proxy.address()), addr(a), addr(b)) + extra;
    }

    @Test
    void requestsAreCountedOnTheirRowsInCsvMetricsAndHtml() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = net.proxy();
        RoutingTable t = publish(proxy, config(proxy, a, b, """
                backend broken
                    server dead 127.0.0.1:1
                backend old
                    server o1 127.0.0.1:1
                """));
        try (LiveStats stats = new LiveStats(proxy.tables())) {
            int n = 10;
            get(proxy, "/hello", n, 200);
            Await.until("backend bytes counted", WAIT,
                    () -> Long.parseLong(csvRow(stats.csv(), "app", "BACKEND").get("bout")) > 0);

            String csv = stats.csv();
            Map<String, String> fe = csvRow(csv, "fe", "FRONTEND");
            assertEquals(String.valueOf(n), fe.get("req_tot"), "frontend req_tot: " + fe);
            assertEquals(String.valueOf(n), fe.get("hrsp_2xx"), "frontend 2xx: " + fe);
            assertEquals("1", fe.get("stot"), "one client connection: " + fe);
            assertEquals("OPEN", fe.get("status"));
            assertTrue(Long.parseLong(fe.get("bin")) > 0 && Long.parseLong(fe.get("bout")) > 0, "bytes: " + fe);
            Map<String, String> be = csvRow(csv, "app", "BACKEND");
            assertEquals(String.valueOf(n), be.get("stot"), "backend sessions: " + be);
            assertEquals(String.valueOf(n), be.get("hrsp_2xx"), "backend 2xx: " + be);
            assertEquals("UP", be.get("status"));
            assertEquals("0", be.get("econ"));
            Map<String, String> s1 = csvRow(csv, "app", "s1");
            Map<String, String> s2 = csvRow(csv, "app", "s2");
            assertEquals(String.valueOf(a.requests()), s1.get("hrsp_2xx"), "s1 answered what a received");
            assertEquals(String.valueOf(b.requests()), s2.get("hrsp_2xx"), "s2 answered what b received");
            assertEquals(n, a.requests() + b.requests());
            assertEquals("no check", s1.get("status"));
            assertEquals("2", s1.get("type"));
            assertEquals("0", csvRow(csv, "old", "BACKEND").get("stot"));

            String metrics = stats.prometheus();
            assertEquals(n, sample(metrics, "lb_frontend_requests_total", "frontend", "fe"), 0.0, metrics);
            assertEquals(n, sample(metrics, "lb_backend_responses_total", "backend", "app", "code", "2xx"),
                    0.0);
            assertEquals(a.requests(), sample(metrics, "lb_server_responses_total", "backend", "app",
                    "server", "s1",
                    "code", "2xx"), 0.0);
            assertEquals(1.0, sample(metrics, "lb_server_up", "backend", "app", "server", "s2"), 0.0);
            assertNotNull(sample(metrics, "jvm_memory_used_bytes"), "JVM meters");
            assertNotNull(sample(metrics, "process_uptime_seconds"), "process meters");

            String html = stats.html(StatsPage.DEFAULT, StatsRig.status(t, List.of()));
            assertEquals(String.valueOf(n), htmlRow(html, "fe", "FRONTEND").cell("hrsp_2xx"));
            assertEquals(String.valueOf(n), htmlRow(html, "app", "BACKEND").cell("stot"));
            assertEquals(String.valueOf(a.requests()), htmlRow(html, "app", "s1").cell("hrsp_2xx"));
            assertEquals("nocheck", htmlRow(html, "app", "s1").cssClass());
        }
    }

    @Test
    void failingBackendShowsItsErrorsAndDown() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        InetSocketAddress dead = HttpBackendExtension.deadServer("dead").address();
        ProxyUnderTest proxy = net.proxy();
        RoutingTable t = publish(proxy, config(proxy, a, b, """
                backend broken
                    server dead %s check inter 100 fall 1 rise 1
                backend old
                    server o1 127.0.0.1:1
                """.formatted(addr(dead))));
        try (LiveStats stats = new LiveStats(proxy.tables());
                HealthChecker checker = new HealthChecker(net.transport(), net.group())) {
            int m = 3;
            // Before any check runs: a request tries twice (retries 1), then lb answers 503.
            get(proxy, "/broken", m, 503);
            checker.reconcile(t);
            Await.until("dead server DOWN", WAIT,
                    () -> csvRow(stats.csv(), "broken", "dead").get("status").equals("DOWN"));

            String csv = stats.csv();
            Map<String, String> dead1 = csvRow(csv, "broken", "dead");
            // Requests after a refused connect find the server avoided (lb's passive check) and
            // get their 503 without a connect; those that tried, tried twice.
            long tried = Long.parseLong(dead1.get("stot"));
            assertTrue(tried >= 1 && tried <= m, "requests that tried the server: " + dead1);
            assertEquals(String.valueOf(2 * tried), dead1.get("econ"), "connect errors: " + dead1);
            assertEquals(String.valueOf(tried), dead1.get("wretr"), "retries: " + dead1);
            assertEquals("L4CON", dead1.get("check_status"), dead1.toString());
            assertTrue(Long.parseLong(dead1.get("chkfail")) >= 1, "failed checks: " + dead1);
            assertEquals("1", dead1.get("chkdown"), "UP to DOWN once: " + dead1);
            Map<String, String> be = csvRow(csv, "broken", "BACKEND");
            assertEquals("DOWN", be.get("status"), be.toString());
            assertEquals(String.valueOf(m), be.get("hrsp_5xx"), "503s on the backend: " + be);
            assertEquals(String.valueOf(2 * tried), be.get("econ"));
            assertEquals(String.valueOf(m), csvRow(csv, "fe", "FRONTEND").get("hrsp_5xx"));

            String metrics = stats.prometheus();
            assertEquals(0.0, sample(metrics, "lb_server_up", "backend", "broken", "server", "dead"), 0.0,
                    metrics);
            assertEquals(0.0, sample(metrics, "lb_backend_up", "backend", "broken"), 0.0);
            assertEquals(2.0 * tried,
                    sample(metrics, "lb_backend_connection_errors_total", "backend", "broken"),
                    0.0);
            assertEquals(1.0, sample(metrics, "lb_backend_up", "backend", "app"), 0.0);

            String html = stats.html(StatsPage.DEFAULT, StatsRig.status(t, List.of()));
            StatsRig.HtmlRow row = htmlRow(html, "broken", "dead");
            assertEquals("down", row.cssClass());
            assertEquals(String.valueOf(2 * tried), row.cell("econ"));
            assertTrue(row.cell("status").startsWith("DOWN"), row.cell("status"));
            assertEquals("backend down", htmlRow(html, "broken", "BACKEND").cssClass());
        }
    }

    @Test
    void countersSurviveAReloadByNameAndLeaveWithTheirProxy() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        HttpBackend c = net.backend("c");
        ProxyUnderTest proxy = net.proxy();
        publish(proxy, config(proxy, a, b, """
                backend broken
                    server dead 127.0.0.1:1
                backend old
                    server o1 %s
                """.formatted(addr(c))));
        try (LiveStats stats = new LiveStats(proxy.tables())) {
            get(proxy, "/x", 4, 200);
            get(proxy, "/old", 3, 200);
            long s1Before = a.requests();
            assertNotNull(sample(stats.prometheus(), "lb_backend_requests_total", "backend", "old"));

            // The reload drops backend old and moves s2 to another address: s2 keeps its name.
            RoutingTable t2 = publish(proxy, config(proxy, a, c, """
                    backend broken
                        server dead 127.0.0.1:1
                    """).replace("use_backend old if { path_beg /old }\n", ""));
            assertEquals(2, t2.version());
            get(proxy, "/y", 2, 200);

            String csv = stats.csv();
            assertEquals("6", csvRow(csv, "app", "BACKEND").get("req_tot"), "app counted across the reload");
            assertEquals("9", csvRow(csv, "fe", "FRONTEND").get("req_tot"),
                    "frontend counted across the reload");
            long s1Now = Long.parseLong(csvRow(csv, "app", "s1").get("hrsp_2xx"));
            assertEquals(a.requests(), s1Now, "s1 kept its count (" + s1Before + " before the reload)");
            assertEquals(6 - a.requests(), Long.parseLong(csvRow(csv, "app", "s2").get("hrsp_2xx")),
                    "s2 kept its count after moving");
            assertFalse(csv.contains("\nold,"), "backend old gone from the CSV:\n" + csv);

            String metrics = stats.prometheus();
            assertNull(sample(metrics, "lb_backend_requests_total", "backend", "old"), "old's meters removed");
            assertNull(sample(metrics, "lb_server_requests_total", "backend", "old", "server", "o1"));
            assertEquals(6.0, sample(metrics, "lb_backend_requests_total", "backend", "app"), 0.0);
        }
    }
}
