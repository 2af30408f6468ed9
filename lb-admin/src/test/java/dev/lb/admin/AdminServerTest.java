package dev.lb.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin HTTP plane on real loopback sockets (SPEC section 8). */
class AdminServerTest {

    private static final String BASE = String.join("\n",
            "defaults", "  mode http", "  timeout connect 1s", "  timeout client 5s", "  timeout server 5s",
            "frontend web", "  bind 127.0.0.1:18081", "  acl api path_beg /api", "  use_backend api if api",
            "  default_backend app",
            "backend app", "  server s1 127.0.0.1:9001 weight 2", "  server s2 127.0.0.1:9002",
            "backend api", "  balance leastconn", "  server a1 127.0.0.1:9003", "");

    private final AdminFixture fx = new AdminFixture();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EventLoopGroup group;
    private AdminServer admin;
    private InetSocketAddress adminAt;

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private void startAdmin(String cfg, List<String> users) throws IOException {
        fx.publish(cfg);
        InetSocketAddress bind = new InetSocketAddress("127.0.0.1", AdminFixture.freePort("127.0.0.1"));
        admin = new AdminServer(fx.tables, AdminFixture.STATS, fx, bind, users, group);
        admin.start();
        adminAt = admin.localAddress(bind);
    }

    @Test
    void healthRoutesMetricsAndStatsPage() throws Exception {
        startAdmin(BASE, List.of());
        assertEquals(200, get(adminAt, "/health", null).statusCode());
        HttpResponse<String> routes = get(adminAt, "/api/routes", null);
        assertEquals(200, routes.statusCode());
        String json = routes.body();
        assertTrue(json.startsWith("{\"version\":1,\"sources\":[\"test.cfg\"],"
                + "\"source_states\":[\"test.cfg\"],\"last_reload_errors\":[],"
                + "\"frontends\":[{\"name\":\"web\""),
                json);
        assertTrue(json.contains("\"rules\":[{\"condition\":\"path -m beg /api\",\"backend\":\"api\","
                + "\"location\":\"test.cfg:9\"}]"),
                json);
        assertTrue(json.contains("{\"name\":\"s1\",\"address\":\"127.0.0.1:9001\",\"weight\":2,"
                + "\"configured_weight\":2,\"backup\":false,\"state\":\"UP\",\"admin_state\":\"READY\","
                + "\"check\":null,\"active_connections\":0}"), json);
        assertTrue(json.contains("\"balance\":\"leastconn\""), json);
        assertEquals(AdminFixture.STATS.prometheus(), get(adminAt, "/metrics", null).body());
        assertEquals(AdminFixture.STATS.csv(), get(adminAt, "/;csv", null).body());
        assertEquals(AdminFixture.STATS.csv(), get(adminAt, "/?stats;csv", null).body());
        assertEquals("<html>stats at / refresh 0</html>\n", get(adminAt, "/", null).body());
    }

    @Test
    void routesShowRunTimeState() throws Exception {
        startAdmin(BASE, List.of());
        var s1 = fx.tables.get().backends().get("app").servers().get(0);
        s1.setWeight(5);
        s1.state().setAdminState(dev.lb.core.table.AdminState.DRAIN);
        String json = get(adminAt, "/api/routes", null).body();
        assertTrue(json.contains("{\"name\":\"s1\",\"address\":\"127.0.0.1:9001\",\"weight\":5,"
                + "\"configured_weight\":2,\"backup\":false,\"state\":\"DRAIN\","
                + "\"admin_state\":\"DRAIN\""), json);
    }

    @Test
    void reloadAnswers200WithTheVersionOr422WithTheErrors() throws Exception {
        startAdmin(BASE, List.of());
        fx.nextReload(BASE.replace("weight 2", "weight 3"));
        HttpResponse<String> ok = post(adminAt, "/api/reload");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("{\"applied\":true,\"version\":2,\"errors\":[]}\n", ok.body());
        fx.nextReload(BASE + "backend app\n  server x \"127.0.0.1:1\"\n");
        HttpResponse<String> bad = post(adminAt, "/api/reload");
        assertEquals(422, bad.statusCode(), bad.body());
        assertTrue(bad.body().startsWith("{\"applied\":false,\"version\":2,\"errors\":[\"test.cfg:17: "),
                bad.body());
        assertEquals(405, get(adminAt, "/api/reload", null).statusCode(), "reload needs POST");
        assertEquals(2, fx.tables.get().version(), "the rejected text did not replace the table");
    }

    @Test
    void authProtectsEverythingButHealth() throws Exception {
        startAdmin(BASE, List.of("admin:secret"));
        assertEquals(200, get(adminAt, "/health", null).statusCode());
        for (String path : new String[] {"/", "/;csv", "/metrics", "/api/routes"}) {
            HttpResponse<String> r = get(adminAt, path, null);
            assertEquals(401, r.statusCode(), path);
            assertEquals("Basic realm=\"HAProxy Statistics\"",
                    r.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, get(adminAt, path, "admin:wrong").statusCode(), path);
            assertEquals(200, get(adminAt, path, "admin:secret").statusCode(), path);
        }
    }

    @Test
    void statsSectionIsServedOnItsBindUnderItsUriAndFollowsReloads() throws Exception {
        int port = AdminFixture.freePort("127.0.0.2");
        String stats = "listen stats\n  bind 127.0.0.2:" + port + "\n  stats uri /haproxy?stats\n"
                + "  stats auth ops:pw\n  stats realm Private\\ Area\n  stats refresh 5s\n";
        startAdmin(BASE + stats, List.of());
        InetSocketAddress at = new InetSocketAddress("127.0.0.2", port);
        HttpResponse<String> denied = get(at, "/haproxy?stats", null);
        assertEquals(401, denied.statusCode());
        assertEquals("Basic realm=\"Private Area\"",
                denied.headers().firstValue("WWW-Authenticate").orElse(""));
        HttpResponse<String> page = get(at, "/haproxy?stats", "ops:pw");
        assertEquals("<html>stats at /haproxy?stats refresh 5</html>\n", page.body());
        assertEquals("5", page.headers().firstValue("Refresh").orElse(""), "stats refresh");
        assertEquals(AdminFixture.STATS.csv(), get(at, "/haproxy?stats;csv", "ops:pw").body());
        assertEquals(404, get(at, "/other", "ops:pw").statusCode(), "outside the stats uri");
        assertEquals(401, get(adminAt, "/api/reload", null).statusCode(),
                "stats auth protects lb.admin.bind too, though the section listens elsewhere");
        assertEquals(200, get(adminAt, "/", "ops:pw").statusCode(), "the section's user is let in there");

        fx.publish(BASE);
        assertNull(admin.localAddress(at), "the section is gone, so is its listener");
        assertThrows(IOException.class, () -> get(at, "/haproxy?stats", "ops:pw"));
        fx.publish(BASE + stats.replace("ops:pw", "ops:new"));
        assertEquals(200, get(at, "/haproxy?stats", "ops:new").statusCode(), "bound again with the new users");
    }

    @Test
    void statsSectionOnTheAdminAddressSharesItsListener() throws Exception {
        int port = AdminFixture.freePort("127.0.0.1");
        InetSocketAddress bind = new InetSocketAddress("127.0.0.1", port);
        fx.publish(BASE + "listen stats\n  bind 127.0.0.1:" + port + "\n  stats uri /lb\n  stats auth u:p\n");
        admin = new AdminServer(fx.tables, AdminFixture.STATS, fx, bind, List.of("admin:secret"), group);
        admin.start();
        assertEquals(List.of(bind), admin.addresses(), "one listener");
        assertEquals("<html>stats at /lb refresh 0</html>\n", get(bind, "/lb", "u:p").body());
        assertEquals("<html>stats at / refresh 0</html>\n", get(bind, "/", "admin:secret").body());
        assertEquals(200, get(bind, "/api/routes", "u:p").statusCode(), "either user is let in");
        assertEquals(401, get(bind, "/lb", null).statusCode());
    }

    private HttpResponse<String> get(InetSocketAddress at, String path, String user) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(at, path)).timeout(Duration.ofSeconds(10));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    user.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(InetSocketAddress at, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(at, path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(InetSocketAddress at, String path) {
        return URI.create("http://" + at.getAddress().getHostAddress() + ":" + at.getPort() + path);
    }
}
