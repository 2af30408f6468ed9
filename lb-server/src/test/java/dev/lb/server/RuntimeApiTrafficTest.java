package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.core.testing.Socat;
import dev.lb.server.testing.HttpLoad;
import dev.lb.server.testing.NamedBackends;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime API acting on live traffic through a running lb (SPEC section 8), driven with
 * {@code socat} as operators do, and {@code lb reload} end to end.
 */
class RuntimeApiTrafficTest {

    @TempDir
    Path dir;

    private NamedBackends backends;
    private String a;
    private String b;
    private Path cfg;
    private Path socket;
    private int port;
    private InetSocketAddress adminBind;

    @BeforeEach
    void setUp() throws IOException {
        backends = new NamedBackends();
        a = backends.start("a");
        b = backends.start("b");
        cfg = dir.resolve("haproxy.cfg");
        socket = dir.resolve("run/admin.sock");
        port = FreePort.on("127.0.0.1");
        adminBind = new InetSocketAddress("127.0.0.1", FreePort.on("127.0.0.1"));
        Files.writeString(cfg, config(""));
    }

    @AfterEach
    void tearDown() {
        backends.close();
    }

    private String config(String extra) {
        return "defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n"
                + "    timeout server 10s\n"
                + "frontend web\n    bind 127.0.0.1:" + port + "\n    default_backend app\n"
                + "backend app\n    server a " + a + "\n    server b " + b + "\n" + extra;
    }

    private LbServer start() throws Exception {
        return LbServer.start(ProcessConfig.load(Optional.empty(), Map.of()).withFiles(List.of(cfg))
                .withAdmin(adminBind, socket).withDrainTimeout(Duration.ofSeconds(1)));
    }

    @Test
    void disableServerStopsItsTrafficUnderLoadWithoutAFailedRequestAndEnableRestoresIt() throws Exception {
        try (LbServer lb = start(); HttpLoad load = HttpLoad.onRoot(port, 3)) {
            Await.until("both servers get traffic", Duration.ofSeconds(20),
                    () -> backends.hits("a") > 20 && backends.hits("b") > 20);
            assertEquals("", socat("disable server app/b"));
            // Requests already sent to b when the command ran may still land; after a has had 50
            // more, b's count is final until it is enabled again.
            long aNow = backends.hits("a");
            Await.until("a takes the traffic", Duration.ofSeconds(20), () -> backends.hits("a") > aNow + 50);
            long bStopped = backends.hits("b");
            long aThen = backends.hits("a");
            Await.until("more traffic", Duration.ofSeconds(20), () -> backends.hits("a") > aThen + 300);
            assertEquals(bStopped, backends.hits("b"), "a server in maintenance gets no request");
            String state = socat("show servers state app");
            assertTrue(state.contains(" b " + b.split(":")[0] + " 0 1 "), "b is stopped, FMAINT: " + state);

            assertEquals("", socat("enable server app/b"));
            Await.until("b gets traffic again", Duration.ofSeconds(20),
                    () -> backends.hits("b") > bStopped + 50);
            load.stop();
            assertEquals(List.of(), load.failures(), "no request failed");
            assertTrue(load.ok() > 400, "load ran: " + load.ok());
        }
    }

    @Test
    void setWeightChangesTheSplit() throws Exception {
        try (LbServer lb = start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Map<String, Integer> even = split(client, 200);
            assertEquals(100, even.get("a"), "1:1 before: " + even);
            assertEquals("", socat("set weight app/a 3"));
            assertEquals("3 (initial 1)\n", socat("get weight app/a"));
            Map<String, Integer> heavy = split(client, 400);
            double ratio = (double) heavy.get("a") / heavy.get("b");
            assertTrue(ratio > 2.4 && ratio < 3.6, "3:1 after set weight: " + heavy);
            assertEquals(3, lb.table().backends().get("app").servers().get(0).effectiveWeight());
        }
    }

    @Test
    void lbReloadGoesThroughTheSocketElseTheAdminApi() throws Exception {
        Path conf = dir.resolve("lb.conf");
        Files.writeString(conf, "lb.admin.socket = \"" + socket + "\"\nlb.admin.bind = \"127.0.0.1:"
                + adminBind.getPort() + "\"\n");
        Path noSocket = dir.resolve("lb-http.conf");
        Files.writeString(noSocket, "lb.admin.socket = \"" + dir.resolve("none.sock") + "\"\nlb.admin.bind = \""
                + "127.0.0.1:" + adminBind.getPort() + "\"\n");
        try (LbServer lb = start()) {
            for (Path c : List.of(conf, noSocket)) {
                String why = "through " + c.getFileName();
                Files.writeString(cfg, config("backend extra" + c.getFileName().toString().length()
                        + "\n    server x " + a + "\n"));
                Run ok = main("reload", "--conf", c.toString());
                assertEquals(0, ok.code, why + ": " + ok);
                assertTrue(ok.out.contains(" is live"), why + ": " + ok);
                assertTrue(lb.table().backends().containsKey("extra" + c.getFileName().toString().length()),
                        why);

                Files.writeString(cfg, config("backend broken\n    server y\n"));
                Run bad = main("reload", "--conf", c.toString());
                assertEquals(1, bad.code, why + ": " + bad);
                assertTrue(bad.err.contains(cfg + ":13: "), why + ": " + bad);
                assertTrue(lb.table().backends().containsKey("extra" + c.getFileName().toString().length()),
                        why + ": the good table keeps serving");
            }
        }
        Run none = main("reload", "--conf", conf.toString());
        assertEquals(1, none.code, "nothing running: " + none);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Which server answered {@code n} requests, sent by four clients at once (the JDK backends are slow). */
    private Map<String, Integer> split(HttpClient client, int n) throws Exception {
        Map<String, Integer> counts = new java.util.concurrent.ConcurrentSkipListMap<>(Map.of("a", 0, "b", 0));
        List<java.util.concurrent.Future<?>> clients = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int c = 0; c < 4; c++) {
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < n / 4; i++) {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode());
                        counts.merge(r.body(), 1, Integer::sum);
                    }
                    return null;
                }));
            }
            for (var f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return counts;
    }

    private String socat(String command) throws Exception {
        return Socat.ask(socket, command);
    }
}
