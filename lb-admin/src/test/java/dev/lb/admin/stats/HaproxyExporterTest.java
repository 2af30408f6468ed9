package dev.lb.admin.stats;

import static dev.lb.admin.stats.StatsRig.addr;
import static dev.lb.admin.stats.StatsText.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.ExternalProcess;
import dev.lb.core.testing.FreePort;
import dev.lb.core.testing.Await;
import dev.lb.admin.StatsPage;
import dev.lb.core.table.RoutingTable;
import dev.lb.http.HttpBackend;
import dev.lb.http.HttpBackendExtension;
import dev.lb.http.ProxyUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code prometheus-haproxy-exporter}, pointed at lb's {@code /;csv}, reads it as it
 * reads HAProxy's: {@code haproxy_up 1}, no parse failures, and per-backend and per-server
 * values equal to the requests sent.
 */
class HaproxyExporterTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    @TempDir
    Path dir;

    @Test
    void exporterReadsLbsCsvLikeHaproxys() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = net.proxy();
        RoutingTable t = StatsRig.publish(proxy, """
                defaults
                    mode http
                frontend fe
                    bind %s
                    default_backend app
                backend app
                    server s1 %s
                    server s2 %s
                """.formatted(addr(proxy.address()), addr(a), addr(b)));
        int n = 8;
        StatsRig.get(proxy, "/", n, 200);
        try (LiveStats stats = new LiveStats(proxy.tables());
                StatsHttpServer http = new StatsHttpServer(stats, StatsPage.DEFAULT,
                        () -> StatsRig.status(t, List.of()))) {
            int port = FreePort.on("127.0.0.1");
            try (ExternalProcess exporter = ExternalProcess.start(dir, List.of("prometheus-haproxy-exporter",
                    "--haproxy.scrape-uri=" + http.base() + "/;csv",
                    "--web.listen-address=127.0.0.1:" + port))) {
                String url = "http://127.0.0.1:" + port + "/metrics";
                Await.until("the exporter answering", Duration.ofSeconds(20),
                        () -> !exporter.alive() || HttpGet.text(url) != null);
                assertTrue(exporter.alive(), exporter.log());
                String m = HttpGet.text(url);
                String why = exporter.log() + "\n" + m;
                assertEquals(1.0, sample(m, "haproxy_up"), 0.0, why);
                assertEquals(0.0, sample(m, "haproxy_exporter_csv_parse_failures_total"), 0.0, why);
                assertEquals(n, sample(m, "haproxy_frontend_http_requests_total", "frontend", "fe"), 0.0, why);
                assertEquals(n, sample(m, "haproxy_backend_http_responses_total", "backend", "app",
                        "code", "2xx"),
                        0.0, why);
                assertEquals(n, sample(m, "haproxy_backend_sessions_total", "backend", "app"), 0.0, why);
                assertEquals(1.0, sample(m, "haproxy_backend_up", "backend", "app"), 0.0, why);
                assertEquals(a.requests(), sample(m, "haproxy_server_http_responses_total", "backend", "app",
                        "server", "s1", "code", "2xx"), 0.0, why);
                assertEquals(b.requests(), sample(m, "haproxy_server_http_responses_total", "backend", "app",
                        "server", "s2", "code", "2xx"), 0.0, why);
                assertEquals(1.0, sample(m, "haproxy_server_up", "backend", "app", "server", "s1"), 0.0, why);
                assertEquals(n, a.requests() + b.requests());
            }
        }
    }
}
