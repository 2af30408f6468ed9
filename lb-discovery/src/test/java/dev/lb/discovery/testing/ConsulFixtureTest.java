package dev.lb.discovery.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.QueryParams;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.catalog.CatalogServiceRequest;
import com.ecwid.consul.v1.catalog.CatalogServicesRequest;
import com.ecwid.consul.v1.catalog.model.CatalogService;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.HealthService;
import com.ecwid.consul.v1.kv.model.GetValue;
import dev.lb.core.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Consul fixture answers the ecwid client and curl as Consul would, blocking queries included. */
class ConsulFixtureTest {

    private ConsulFixture consul;
    private ConsulClient client;

    @BeforeEach
    void start() {
        consul = new ConsulFixture().start();
        client = new ConsulClient("127.0.0.1", consul.port());
    }

    @AfterEach
    void stop() {
        consul.close();
    }

    @Test
    void ecwidReadsCatalogHealthAndKv() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "urlprefix-/web");
        long web2 = consul.register("node-b", "127.0.0.3", "web-2", "web", "127.0.0.9", 8081,
                "urlprefix-/web", "v2");
        consul.kvPut("service/haproxy/maxconn", "2048");
        consul.kvPut("service/haproxy/timeouts/connect", "5s");

        Response<Map<String, List<String>>> services = client.getCatalogServices(
                CatalogServicesRequest.newBuilder().build());
        assertEquals(List.of("urlprefix-/web", "v2"), services.getValue().get("web"));
        assertEquals(List.of(), services.getValue().get("consul"));
        assertEquals(web2, services.getConsulIndex(), "the services table's index, not the KV writes'");
        assertTrue(services.isConsulKnownLeader());
        assertEquals(0L, services.getConsulLastContact());

        List<CatalogService> catalog = client.getCatalogService("web",
                CatalogServiceRequest.newBuilder().build()).getValue();
        assertEquals(2, catalog.size());
        assertEquals("node-a", catalog.get(0).getNode());
        assertEquals("127.0.0.2", catalog.get(0).getAddress());
        assertEquals("web-1", catalog.get(0).getServiceId());
        assertEquals("", catalog.get(0).getServiceAddress());
        assertEquals(8081, catalog.get(1).getServicePort());
        assertEquals(List.of("urlprefix-/web", "v2"), catalog.get(1).getServiceTags());

        List<HealthService> health = client.getHealthServices("web",
                HealthServicesRequest.newBuilder().setPassing(true).build()).getValue();
        assertEquals(2, health.size());
        assertEquals("127.0.0.2", health.get(0).getNode().getAddress());
        assertEquals("127.0.0.9", health.get(1).getService().getAddress());
        assertEquals(8081, health.get(1).getService().getPort());

        List<HealthService> tagged = client.getHealthServices("web",
                HealthServicesRequest.newBuilder().setTag("v2").setPassing(true).build()).getValue();
        assertEquals(List.of("web-2"), tagged.stream().map(h -> h.getService().getId()).toList());

        Response<List<GetValue>> kv = client.getKVValues("service/haproxy/");
        assertEquals(List.of("service/haproxy/maxconn", "service/haproxy/timeouts/connect"),
                kv.getValue().stream().map(GetValue::getKey).toList());
        assertEquals("2048", kv.getValue().get(0).getDecodedValue());
        Response<List<GetValue>> none = client.getKVValues("service/nothing/");
        assertNull(none.getValue(), "404 for no keys");
        assertEquals(consul.index(), none.getConsulIndex());
    }

    @Test
    void passingFiltersServiceAndNodeChecks() {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        consul.register("node-a", "127.0.0.2", "web-2", "web", "", 8081, List.of(), "passing");
        consul.register("node-b", "127.0.0.3", "web-3", "web", "", 8082, List.of(), "passing");
        assertEquals(List.of("web-1", "web-2", "web-3"), passing("web"));

        consul.setCheck("node-a", "web-2", "critical");
        assertEquals(List.of("web-1", "web-3"), passing("web"));
        consul.setCheck("node-a", "web-2", "warning");
        assertEquals(List.of("web-1", "web-3"), passing("web"), "warning is not passing");
        List<HealthService> all = client.getHealthServices("web",
                HealthServicesRequest.newBuilder().build()).getValue();
        assertEquals(3, all.size(), "without ?passing every instance is listed");
        assertEquals("warning", all.get(1).getChecks().get(0).getStatus().name().toLowerCase());

        consul.setNodeCheck("node-b", "critical");
        assertEquals(List.of("web-1"), passing("web"), "a failing node check fails its services");
        consul.setNodeCheck("node-b", "passing");
        consul.setCheck("node-a", "web-2", "passing");
        assertEquals(List.of("web-1", "web-2", "web-3"), passing("web"));
    }

    @Test
    void blockingQueryParksThenWakesOnRegister() throws Exception {
        long index = client.getHealthServices("web",
                HealthServicesRequest.newBuilder().setPassing(true).build()).getConsulIndex();
        CompletableFuture<Response<List<HealthService>>> blocked = CompletableFuture.supplyAsync(() ->
                client.getHealthServices("web", HealthServicesRequest.newBuilder().setPassing(true)
                        .setQueryParams(new QueryParams(60, index)).build()));
        Await.until("the query parks", Duration.ofSeconds(10), () -> consul.parked() == 1);
        assertFalse(blocked.isDone());

        long registered = consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        Response<List<HealthService>> woke = blocked.get(10, TimeUnit.SECONDS);
        assertEquals(registered, woke.getConsulIndex());
        assertEquals(1, woke.getValue().size());
        assertTrue(consul.requestLog().stream().anyMatch(r -> r.contains("index=" + index)
                && r.contains("wait=60s")), consul.requestLog()::toString);
    }

    @Test
    void eachServiceHasItsOwnIndexAndItsDisappearanceWakesItsQuery() throws Exception {
        consul.register("node-a", "127.0.0.2", "a-1", "a", "", 8080);
        consul.register("node-b", "127.0.0.3", "b-1", "b", "", 8081, List.of(), "passing");
        long b = client.getHealthServices("b", HealthServicesRequest.newBuilder().build()).getConsulIndex();
        CompletableFuture<Response<List<HealthService>>> parkedOnB = CompletableFuture.supplyAsync(() ->
                client.getHealthServices("b", HealthServicesRequest.newBuilder().setPassing(true)
                        .setQueryParams(new QueryParams(60, b)).build()));
        Await.until("the query parks", Duration.ofSeconds(10), () -> consul.parked() == 1);

        consul.register("node-a", "127.0.0.2", "a-2", "a", "", 8082);
        consul.setCheck("node-a", "a-2", "passing"); // not a check of b's nodes
        assertEquals(consul.index(), client.getHealthServices("a", HealthServicesRequest.newBuilder().build())
                .getConsulIndex(), "a's own index moved");
        long flip = consul.index() + 1;
        consul.setNodeCheck("node-b", "critical"); // a node check of b's node moves b's index
        Response<List<HealthService>> woke = parkedOnB.get(10, TimeUnit.SECONDS);
        assertEquals(flip, woke.getConsulIndex(), "the query on b answered once, for b's change only");
        assertEquals(List.of(), woke.getValue());
        assertEquals(1, consul.requestLog().stream().filter(r -> r.contains("/health/service/b?")
                && r.contains("index=" + b)).count());

        CompletableFuture<Response<List<HealthService>>> again = CompletableFuture.supplyAsync(() ->
                client.getHealthServices("b", HealthServicesRequest.newBuilder()
                        .setQueryParams(new QueryParams(60, flip)).build()));
        Await.until("the query parks again", Duration.ofSeconds(10), () -> consul.parked() == 1);
        consul.register("node-a", "127.0.0.2", "a-3", "a", "", 8083);
        assertTrue(consul.deregisterNode("node-b"));
        Response<List<HealthService>> gone = again.get(10, TimeUnit.SECONDS);
        assertEquals(consul.index(), gone.getConsulIndex(), "b's extinction moves its index");
        assertEquals(List.of(), gone.getValue());
        assertEquals(consul.index(), client.getHealthServices("never-existed",
                HealthServicesRequest.newBuilder().build()).getConsulIndex(), "the last extinction index");
    }

    @Test
    void catalogChecksAndKvPrefixIndexesMoveOnlyForTheirOwnWrites() throws Exception {
        long web = consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, List.of(), "passing");
        consul.kvPut("service/haproxy/maxconn", "1");
        long checks = client.getHealthChecksState(QueryParams.DEFAULT).getConsulIndex();
        assertEquals(web, checks);
        long flip = consul.index() + 1;
        consul.setCheck("node-a", "web-1", "critical");
        assertEquals(web, client.getCatalogServices(CatalogServicesRequest.newBuilder().build())
                .getConsulIndex(), "a check flip leaves the services table alone");
        assertEquals(flip, client.getHealthChecksState(QueryParams.DEFAULT).getConsulIndex());
        long plain = consul.register("node-a", "127.0.0.2", "api-1", "api", "", 9090); // no check
        assertEquals(flip, client.getHealthChecksState(QueryParams.DEFAULT).getConsulIndex());
        assertEquals(plain, client.getCatalogServices(CatalogServicesRequest.newBuilder().build())
                .getConsulIndex());

        long kv = client.getKVValues("service/haproxy/").getConsulIndex();
        CompletableFuture<Response<List<GetValue>>> parked = CompletableFuture.supplyAsync(() ->
                client.getKVValues("service/haproxy/", new QueryParams(60, kv)));
        Await.until("the query parks", Duration.ofSeconds(10), () -> consul.parked() == 1);
        consul.kvPut("service/other/key", "outside the prefix");
        consul.kvPut("service/haproxy", "a sibling, not under the prefix");
        consul.kvPut("service/haproxy/timeouts/connect", "5s");
        long deleted = consul.index() + 1;
        assertTrue(consul.kvDelete("service/haproxy/timeouts/connect"));
        // Answered either for the put or for the delete, never for the writes outside the prefix.
        Response<List<GetValue>> woke = parked.get(10, TimeUnit.SECONDS);
        assertTrue(woke.getConsulIndex() >= deleted - 1, "index " + woke.getConsulIndex());
        assertEquals(deleted, client.getKVValues("service/haproxy/").getConsulIndex(),
                "the tombstone's index: a delete moves the prefix's index");
        assertEquals(1, consul.requestLog().stream().filter(r -> r.contains("index=" + kv)).count());
    }

    @Test
    void connectionsBeyondThePerClientLimitAreRefusedWith429() throws Exception {
        consul.close();
        consul = new ConsulFixture().maxConnections(2).start();
        try (Socket a = new Socket("127.0.0.1", consul.port());
                Socket b = new Socket("127.0.0.1", consul.port())) {
            assertEquals("HTTP/1.1 200 OK", statusLine(a), "admitted connections are relayed");
            assertEquals("HTTP/1.1 200 OK", statusLine(b));
            try (Socket c = new Socket("127.0.0.1", consul.port())) {
                assertEquals("HTTP/1.1 429 Too Many Requests", statusLine(c));
            }
            assertEquals(1, consul.refusedConnections());
            assertEquals(2, consul.peakConnections());
            assertEquals("HTTP/1.1 200 OK", statusLine(a), "the admitted ones still work");
        }
        Await.until("the slots are free again", Duration.ofSeconds(10), () -> {
            try (Socket d = new Socket("127.0.0.1", consul.port())) {
                return statusLine(d).equals("HTTP/1.1 200 OK");
            } catch (IOException e) {
                return false;
            }
        });
        ConsulClient limited = new ConsulClient("127.0.0.1", consul.port());
        assertEquals(List.of("consul"), new ArrayList<>(limited.getCatalogServices(
                CatalogServicesRequest.newBuilder().build()).getValue().keySet()), "the client goes through");
    }

    /** Sends a keep-alive request on {@code s}, reads the whole answer and returns its status line. */
    private static String statusLine(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /v1/status/leader HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        for (int ch; !head.toString().endsWith("\r\n\r\n") && (ch = in.read()) >= 0; ) {
            head.append((char) ch);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                .matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        }
        return head.toString().lines().findFirst().orElse("").strip();
    }

    @Test
    void blockingQueryAnswersUnchangedAfterTheWait() {
        long index = consul.index();
        long t0 = System.nanoTime();
        Response<Map<String, List<String>>> r = client.getCatalogServices(CatalogServicesRequest.newBuilder()
                .setQueryParams(new QueryParams(1, index)).build());
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(900), "parked for the wait");
        assertEquals(index, r.getConsulIndex());
    }

    @Test
    void stopClosesParkedQueriesAndRestartLowersTheIndex() throws Exception {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080);
        long before = consul.index();
        CompletableFuture<Response<Map<String, List<String>>>> blocked = CompletableFuture.supplyAsync(() ->
                client.getCatalogServices(CatalogServicesRequest.newBuilder()
                        .setQueryParams(new QueryParams(300, before)).build()));
        Await.until("the query parks", Duration.ofSeconds(10), () -> consul.parked() == 1);
        int port = consul.port();
        consul.stop();
        Exception e = assertThrows(Exception.class, () -> blocked.get(10, TimeUnit.SECONDS));
        assertFalse(e instanceof java.util.concurrent.TimeoutException, "the parked query failed at once");
        assertThrows(RuntimeException.class, () -> client.getStatusLeader());

        consul.restart(true, 1);
        assertEquals(port, consul.port());
        Response<Map<String, List<String>>> after = client.getCatalogServices(
                CatalogServicesRequest.newBuilder().build());
        assertTrue(after.getConsulIndex() < before, "lower index after the restart");
        assertTrue(after.getValue().containsKey("web"), "data kept");

        consul.restart(false, 1);
        assertEquals(List.of("consul"), new ArrayList<>(client.getCatalogServices(
                CatalogServicesRequest.newBuilder().build()).getValue().keySet()));
    }

    @Test
    void curlDrivesAndReadsIt() throws Exception {
        String base = "http://" + consul.address();
        assertEquals("true", curl("-X", "PUT", "--data-binary",
                "{\"Node\":\"node-a\",\"Address\":\"127.0.0.2\","
                        + "\"Service\":{\"ID\":\"web-1\",\"Service\":\"web\","
                        + "\"Tags\":[\"urlprefix-/web\"],\"Address\":\"\",\"Port\":8080},"
                        + "\"Check\":{\"CheckID\":\"service:web-1\",\"Name\":\"web\",\"Status\":\"passing\","
                        + "\"ServiceID\":\"web-1\"}}", base + "/v1/catalog/register"));
        long beforeApi = consul.index();
        curl("-X", "PUT", "--data-binary", "{\"Name\":\"api\",\"ID\":\"api-1\",\"Tags\":[\"urlprefix-/api\"],"
                + "\"Address\":\"127.0.0.5\",\"Port\":9090}", base + "/v1/agent/service/register");
        assertEquals("true", curl("-X", "PUT", "--data-binary", "2048",
                base + "/v1/kv/service/haproxy/maxconn"));

        assertEquals("{\"api\":[\"urlprefix-/api\"],\"consul\":[],\"web\":[\"urlprefix-/web\"]}",
                curl(base + "/v1/catalog/services"));
        String health = curl(base + "/v1/health/service/web?passing");
        assertTrue(health.contains("\"Service\":{\"ID\":\"web-1\",\"Service\":\"web\""), health);
        assertTrue(health.contains("\"Status\":\"passing\""), health);
        String kv = curl(base + "/v1/kv/service/haproxy/?recurse");
        assertTrue(kv.contains("\"Key\":\"service/haproxy/maxconn\"") && kv.contains("\"Value\":\"MjA0OA==\""),
                kv);
        String headers = curl("-D", "-", "-o", "/dev/null", base + "/v1/catalog/services?index=1&wait=1s");
        // the JDK server spells header names X-consul-index; HTTP header names are case-insensitive
        String lower = headers.toLowerCase(java.util.Locale.ROOT);
        assertTrue(lower.contains("x-consul-index: " + (beforeApi + 1)), headers);
        assertTrue(lower.contains("x-consul-knownleader: true"), headers);
        assertTrue(lower.contains("content-type: application/json"), headers);
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", base + "/v1/kv/none?recurse"));

        curl("-X", "PUT", "--data-binary", "{\"Node\":\"node-a\",\"ServiceID\":\"web-1\"}",
                base + "/v1/catalog/deregister");
        assertEquals("[]", curl(base + "/v1/health/service/web"));
        assertEquals(3, consul.requests("/v1/catalog/services") + consul.requests("/v1/kv/none"));
    }

    @Test
    void requiredTokenDeniesOtherRequestsAsConsulDoes() throws Exception {
        consul.register("node-a", "127.0.0.2", "web-1", "web", "", 8080, "urlprefix-/web");
        consul.requireToken("s3cret-token");
        String url = "http://" + consul.address() + "/v1/catalog/services";
        assertEquals("Permission denied 403", curl("-w", " %{http_code}", url), "no token");
        assertEquals("ACL not found 403", curl("-w", " %{http_code}", "-H", "X-Consul-Token: other", url));
        assertEquals("ACL not found", curl(url + "?token=other"));
        assertEquals("ACL not found", curl("-H", "Authorization: Bearer other", url));
        String ok = "{\"consul\":[],\"web\":[\"urlprefix-/web\"]}";
        assertEquals(ok, curl("-H", "X-Consul-Token: s3cret-token", url));
        assertEquals(ok, curl(url + "?token=s3cret-token"));
        assertEquals(ok, curl("-H", "Authorization: Bearer s3cret-token", url));
        assertEquals("ACL not found", curl("-H", "X-Consul-Token: s3cret-token", url + "?token=other"),
                "?token= wins over the header, as in Consul's parseToken");
        assertEquals(Map.of("query", 3L, "header", 2L, "bearer", 2L, "denied", 5L), consul.tokenRequests());

        OperationException e = assertThrows(OperationException.class,
                () -> client.getCatalogServices(CatalogServicesRequest.newBuilder().build()));
        assertEquals(403, e.getStatusCode());
        assertEquals("Permission denied", e.getStatusContent());
        consul.requireToken(null);
        assertEquals(ok, curl(url));
    }

    private List<String> passing(String service) {
        return client.getHealthServices(service, HealthServicesRequest.newBuilder().setPassing(true).build())
                .getValue().stream().map(h -> h.getService().getId()).toList();
    }

    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }
}
