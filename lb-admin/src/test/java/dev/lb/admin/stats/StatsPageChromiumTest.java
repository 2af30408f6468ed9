package dev.lb.admin.stats;

import static dev.lb.admin.stats.StatsRig.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.admin.StatsPage;
import dev.lb.core.table.RoutingTable;
import dev.lb.http.HttpBackend;
import dev.lb.http.HttpBackendExtension;
import dev.lb.http.ProxyUnderTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML page as a browser renders it: Debian's headless Chromium loads it over HTTP, its DOM
 * shows the proxies, servers and counts, and a screenshot is taken (kept in
 * {@code target/stats-page.png}).
 */
class StatsPageChromiumTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    @TempDir
    Path dir;

    @Test
    void chromiumShowsProxiesServersAndCounts() throws Exception {
        HttpBackend a = net.backend("a");
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = net.proxy();
        String deadAddr = addr(HttpBackendExtension.deadServer("gone").address());
        RoutingTable t = StatsRig.publish(proxy, """
                defaults
                    mode http
                    timeout connect 1s
                    retries 0
                frontend www
                    bind %s
                    use_backend legacy if { path_beg /legacy }
                    default_backend app
                backend app
                    server web1 %s weight 10
                    server web2 %s weight 10
                backend legacy
                    server old1 %s
                """.formatted(addr(proxy.address()), addr(a), addr(b), deadAddr));
        int n = 12;
        StatsRig.get(proxy, "/", n, 200);
        StatsRig.get(proxy, "/legacy", 2, 503);
        List<String> errors = List.of(
                "/etc/haproxy/haproxy.cfg:12: unknown keyword '<sever>' in 'backend' section");
        try (LiveStats stats = new LiveStats(proxy.tables());
                StatsHttpServer http = new StatsHttpServer(stats,
                        new StatsPage("/", Duration.ofSeconds(5), false),
                        () -> StatsRig.status(t, errors))) {
            String dom = chromium(List.of("--dump-dom", http.base() + "/"), Path.of("dom"));
            assertTrue(dom.contains("<caption>www</caption>"), "frontend www:\n" + dom);
            assertTrue(dom.contains("<caption>app</caption>"), "backend app");
            assertTrue(dom.contains("<caption>legacy</caption>"), "backend legacy");
            assertTrue(dom.contains("http-equiv=\"refresh\" content=\"5\""), "stats refresh");
            assertTrue(dom.contains("haproxy.cfg:12: unknown keyword '&lt;sever&gt;'"),
                    "reload error with its location, escaped:\n" + dom);
            assertEquals(String.valueOf(n), StatsRig.htmlRow(dom, "www", "FRONTEND").cell("hrsp_2xx"));
            assertEquals(String.valueOf(n), StatsRig.htmlRow(dom, "app", "BACKEND").cell("hrsp_2xx"));
            assertEquals(String.valueOf(a.requests()), StatsRig.htmlRow(dom, "app", "web1").cell("stot"));
            assertEquals("2", StatsRig.htmlRow(dom, "legacy", "BACKEND").cell("hrsp_5xx"));
            assertTrue(Integer.parseInt(StatsRig.htmlRow(dom, "legacy", "old1").cell("econ")) >= 1);

            Path png = Path.of("target", "stats-page.png").toAbsolutePath();
            Files.deleteIfExists(png);
            chromium(List.of("--screenshot=" + png, "--window-size=1400,900", http.base() + "/"),
                    Path.of("shot"));
            assertTrue(Files.exists(png), "screenshot written");
            byte[] bytes = Files.readAllBytes(png);
            assertTrue(bytes.length > 20_000, "a page with content, not a blank one: " + bytes.length
                    + " bytes");
            assertEquals("PNG", new String(bytes, 1, 3, StandardCharsets.US_ASCII), "a PNG");
        }
    }

    /** Runs headless Chromium with {@code args}; returns what it printed on stdout. */
    private String chromium(List<String> args, Path name) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + dir.resolve("profile-" + name)));
        cmd.addAll(args);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(err));
        }
        assertEquals(0, p.exitValue(), "chromium exit; stderr: " + Files.readString(err));
        return Files.readString(out);
    }
}
