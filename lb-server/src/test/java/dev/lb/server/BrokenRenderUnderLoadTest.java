package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.HttpLoad;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.TestConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * consul-template renders a broken haproxy.cfg while clients keep sending requests: a syntax
 * error, a {@code use_backend} naming no backend, a file cut mid-line and one cut at a section
 * boundary. Each is rejected with {@code file:line: message} by {@code lb reload} (exit 1, through
 * the runtime socket) and on the file-watch path ({@code /api/routes} last_reload_errors), and
 * the old routing serves every request meanwhile.
 */
class BrokenRenderUnderLoadTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    /** One broken render: its text, and what its error must say. */
    private record Broken(String what, String text, String error) {
    }

    @Test
    void brokenRendersAreRejectedWithTheirLineAndTheOldRoutingServesThroughout() throws Exception {
        try (NamedBackends backends = new NamedBackends()) {
            String web = backends.start("web");
            String api = backends.start("api");
            int port = FreePort.on("127.0.0.1");
            String good = config(port, web, api);
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, good);
            ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                    .withDrainTimeout(Duration.ofMillis(500));
            Path conf = Files.writeString(dir.resolve("lb.conf"), "lb.admin.socket = \"" + pc.adminSocket()
                    + "\"\nlb.admin.bind = \"127.0.0.1:" + pc.adminBind().getPort() + "\"\n");
            int cut = good.indexOf("\nbackend api") + 1;
            List<Broken> broken = List.of(
                    new Broken("syntax error", good.replace("use_backend api if is_api",
                            "use_backend api if { path_beg /api"), cfg + ":9: missing '}'"),
                    new Broken("unknown backend", good.replace("use_backend api if", "use_backend apii if"),
                            cfg + ":9: use_backend apii: no backend named 'apii'"),
                    new Broken("cut mid-line", good.substring(0, cut + 9),
                            cfg + ":13: Missing LF on last line"),
                    new Broken("cut at a section boundary",
                            good.substring(0, good.indexOf("\nbackend web") + 1),
                            cfg + ":10: default_backend web: no backend named 'web'"));
            try (LbServer lb = LbServer.start(pc); HttpLoad load = new HttpLoad(port, List.of(
                    new HttpLoad.Client("/api/x", "api"), new HttpLoad.Client("/", "web")))) {
                long version = lb.table().version();
                Await.until("load running", WAIT, () -> load.ok() > 20);
                for (Broken b : broken) {
                    // The file-watch path: rewritten in place, as a writer without rename does.
                    Files.writeString(cfg, b.text());
                    Await.until(b.what() + " reported in /api/routes", WAIT,
                            () -> routesJson(pc).contains(jsonString(b.error())), () -> routesJson(pc));
                    // The explicit path: lb reload through the runtime socket, exit 1 with the errors.
                    Run r = main("reload", "--conf", conf.toString());
                    assertEquals(1, r.code(), b.what() + ": " + r);
                    assertTrue(r.err().contains(b.error()),
                            b.what() + ": expected '" + b.error() + "' in " + r);
                    assertEquals(version, lb.table().version(), b.what() + ": the good table keeps serving");
                    long before = load.ok();
                    Await.until("requests served after " + b.what(), WAIT, () -> load.ok() > before + 20);
                }
                // consul-template's next good render (atomic rename) is applied by the watcher.
                Path tmp = Files.writeString(dir.resolve(".haproxy.cfg.tmp"), good.replace("timeout server 30s",
                        "timeout server 31s"));
                Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE);
                Await.until("the fixed render applied", WAIT, () -> lb.table().version() > version);
                load.stop();
                assertEquals(List.of(), load.failures().subList(0, Math.min(10, load.failures().size())),
                        load.failures().size() + " of " + (load.ok() + load.failures().size())
                                + " requests failed");
                assertTrue(load.ok() > 100, "load ran: " + load.ok());
            }
        }
    }

    private static String config(int port, String web, String api) {
        return """
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 30s
                    timeout server 30s
                frontend http-in
                    bind 127.0.0.1:%d
                    acl is_api path_beg /api
                    use_backend api if is_api
                    default_backend web
                backend web
                    server web1 %s
                backend api
                    server api1 %s
                """.formatted(port, web, api);
    }

    private static String routesJson(ProcessConfig pc) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + pc.adminBind().getPort() + "/api/routes")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    /** The text as it appears inside a JSON string (quotes escaped). */
    private static String jsonString(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
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
}
