package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.config.ConfigException;
import dev.lb.core.config.ConfigProblem;
import dev.lb.core.config.ConfigText;
import dev.lb.core.config.HaproxyConfigLoader;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.Dnsmasq;
import dev.lb.http.RawHttpClient;
import dev.lb.server.testing.HaproxyProcess;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.ProxyPair;
import dev.lb.server.testing.TestConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendered-template corpus ({@code src/test/resources/rendered/}): one file per shape that the
 * well-known consul-template and confd templates render, each served by lb and by Debian's
 * haproxy 2.6 side by side with real backends, the same requests sent to both. A file with
 * HAProxy 1.x {@code req*} lines is served by haproxy as the http-request lines lb's warnings
 * say it applied instead, which checks the translation itself.
 */
class RenderedTemplateCorpusTest {

    private static final Duration LIVE = Duration.ofSeconds(15);
    /** lb's own X-Forwarded-Port (README); everything else the servers received is compared. */
    private static final Set<String> LB_ONLY = Set.of("x-forwarded-port");

    @TempDir
    Path dir;

    @Test
    void hostPerServiceTemplateRoutesLikeHaproxy() throws Exception {
        String t = corpus("a-consul-template-hosts.cfg");
        assertEquals(t, modernized(t), "no legacy lines in this file");
        compare(t, t, List.of(
                get("/", "web.service.example.com"), get("/x?y=1", "WEB.Service.Example.com"),
                get("/v1/users", "api.service.example.com"), get("/", "billing-v2.service.example.com"),
                get("/", "billing.service.example.com"), get("/", "other.example.com"),
                "GET / HTTP/1.0\r\n\r\n"), Set.of("x-forwarded-proto"));
    }

    @Test
    void pathPerServiceReqrepStripsThePrefixAsHaproxyDoesWithTheTranslation() throws Exception {
        String t = corpus("b-consul-template-paths-reqrep.cfg");
        String modern = modernized(t);
        assertTrue(modern.contains("http-request replace-path ^(/)users[/]?(.*) \\1\\2")
                && modern.contains("http-request replace-path (?i)^/api/(.*) /\\1")
                && !modern.contains("\n    reqrep") && !modern.contains("\n    reqirep"), modern);
        Map<String, String> uris = compare(t, modern, List.of(
                get("/users", "x"), get("/users/", "x"), get("/users/42?full=1", "x"),
                get("/USERS/42", "x"), get("/usersx/1", "x"), get("/orders/7/items", "x"),
                get("/api/v2/ping", "x"), get("/API/Ping", "x"), get("/static/app.js", "x"),
                get("/", "x")), Set.of("x-forwarded-proto"));
        // What the prefix stripping must have done (the same on both sides, checked above).
        assertEquals("users /42?full=1", uris.get(get("/users/42?full=1", "x")), uris.toString());
        assertEquals("users /", uris.get(get("/users", "x")), uris.toString());
        assertEquals("api /Ping", uris.get(get("/API/Ping", "x")), uris.toString());
    }

    @Test
    void confdReqaddAndReqdelTagRequestsAsHaproxyDoesWithTheTranslation() throws Exception {
        String t = corpus("c-confd-reqadd.cfg");
        String modern = modernized(t);
        assertTrue(modern.contains("http-request add-header X-Forwarded-Proto http")
                && modern.contains("http-request del-header X-Internal-Auth")
                && modern.contains("http-request add-header X-Served-By lb-confd if { path_beg /app }"),
                modern);
        // X-Forwarded-Proto is compared too: reqadd's value and lb's own must agree.
        Map<String, String> seen = compare(t, modern, List.of(
                get("/app/x", "any", "X-Internal-Auth: forged"), get("/", "app.example.com"),
                get("/", "admin.example.com"), get("/other", "x", "X-Custom: kept")), Set.of());
        assertTrue(seen.get(get("/", "admin.example.com")).startsWith("admin /"), seen.toString());
    }

    @Test
    void tcpListenSectionPassesTheBytesAsHaproxyDoes() throws Exception {
        String t = corpus("d-consul-template-tcp-listen.cfg");
        compare(t, t, List.of(get("/", "db"), "POST /q HTTP/1.1\r\nHost: db\r\nContent-Length: 3\r\n"
                + "Connection: close\r\n\r\nabc"), Set.of());
    }

    @Test
    void resolversSectionFindsServicesThroughDnsAsHaproxyDoes() throws Exception {
        String t = corpus("e-consul-template-resolvers.cfg");
        try (NamedBackends backends = new NamedBackends()) {
            String web = backends.startAt("web", "127.0.0.71", 0);
            String api = backends.startAt("api", "127.0.0.72", 0);
            try (Dnsmasq dns = Dnsmasq.create(dir.resolve("dns"), Map.of(
                    "web.service.consul", List.of("127.0.0.71"), "api.service.consul", List.of("127.0.0.72")))
                    .start()) {
                Map<String, String> vars = Map.of("@DNS@", "127.0.0.1:" + dns.address().getPort(),
                        "@WEB_PORT@", web.substring(web.indexOf(':') + 1),
                        "@API_PORT@", api.substring(api.indexOf(':') + 1));
                try (Sides sides = Sides.start(dir, t, vars, "@PORT@")) {
                    for (InetSocketAddress to : sides.both("@PORT@")) {
                        Await.until("web.service.consul resolved and routed through " + to, LIVE,
                                () -> "web".equals(body(to, get("/", "web.example.com"))));
                        Await.until("api.service.consul resolved and routed through " + to, LIVE,
                                () -> "api".equals(body(to, get("/", "api.example.com"))));
                    }
                    for (String raw : List.of(get("/a", "web.example.com"), get("/b", "API.example.com"),
                            get("/", "none.example.com"))) {
                        assertEquals(answer(sides.haproxy("@PORT@"), raw), answer(sides.lb("@PORT@"), raw),
                                raw);
                    }
                }
            }
        }
    }

    @Test
    void listenStatsAskForItsUserAsHaproxyDoes() throws Exception {
        String t = corpus("f-listen-stats-auth.cfg");
        try (NamedBackends backends = new NamedBackends()) {
            Map<String, String> vars = Map.of("@web@", backends.start("web"));
            try (Sides sides = Sides.start(dir, t, vars, "@STATS@", "@HTTP@")) {
                String good = "Authorization: Basic " + Base64.getEncoder().encodeToString(
                        "admin:s3cret".getBytes(StandardCharsets.US_ASCII));
                String bad = "Authorization: Basic " + Base64.getEncoder().encodeToString(
                        "admin:wrong".getBytes(StandardCharsets.US_ASCII));
                for (String raw : List.of(get("/", "lb"), get("/", "lb", bad), get("/;csv", "lb"))) {
                    assertEquals("401", status(sides.haproxy("@STATS@"), raw), "haproxy, " + raw);
                    assertEquals("401", status(sides.lb("@STATS@"), raw), "lb, " + raw);
                }
                for (InetSocketAddress to : sides.both("@STATS@")) {
                    try (RawHttpClient c = new RawHttpClient(to)) {
                        RawHttpClient.Response r = c.send(get("/;csv", "lb", good)).read();
                        assertEquals(200, r.status(), to + ": " + r);
                        assertTrue(r.bodyText().startsWith("# pxname,svname,")
                                && r.bodyText().contains("\nweb_backend,node-1_32768,"),
                                to + ": " + r.bodyText());
                    }
                    assertEquals("web", body(sides.lb("@HTTP@"), get("/", "web.service.example.com")));
                }
            }
        }
    }

    /**
     * Sends each request to both sides; asserts the backend, the status and what the server
     * received (minus {@code ignored} and lb's own headers) are the same. Returns, per request,
     * the backend and the URI the server got.
     */
    private Map<String, String> compare(String lbTemplate, String haproxyTemplate, List<String> requests,
            Set<String> ignored) throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        List<String> mismatches = new ArrayList<>();
        Set<String> skip = new java.util.HashSet<>(LB_ONLY);
        skip.addAll(ignored);
        try (ProxyPair pair = ProxyPair.start(dir, lbTemplate, haproxyTemplate)) {
            for (String raw : requests) {
                ProxyPair.Outcome h = pair.viaHaproxy(raw);
                ProxyPair.Outcome l = pair.viaLb(raw);
                String expected = describe(h, skip);
                String actual = describe(l, skip);
                if (!expected.equals(actual)) {
                    mismatches.add(raw.replace("\r\n", "|") + ": haproxy -> " + expected + ", lb -> " + actual);
                }
                seen.put(raw, h.answer().body() + " " + (h.forwarded() == null ? "-" : h.forwarded().uri()));
            }
        }
        assertEquals(List.of(), mismatches, "lb and haproxy differ");
        assertNotEquals(1, seen.values().stream().distinct().count(), "requests should differ: " + seen);
        return seen;
    }

    private static String describe(ProxyPair.Outcome o, Set<String> skip) {
        ProxyPair.Answer a = o.answer();
        String answer = a.error() != null ? "error " + a.error() : a.status() + " " + a.body();
        return answer + " <- " + (o.forwarded() == null ? "nothing forwarded" : o.forwarded().without(skip));
    }

    private static String get(String path, String host, String... headers) {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    private static String body(InetSocketAddress to, String raw) {
        try (RawHttpClient c = new RawHttpClient(to)) {
            RawHttpClient.Response r = c.send(raw).read();
            return r.status() == 200 ? r.bodyText() : "status " + r.status();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String status(InetSocketAddress to, String raw) throws IOException {
        try (RawHttpClient c = new RawHttpClient(to)) {
            return Integer.toString(c.send(raw).read().status());
        }
    }

    private static String answer(InetSocketAddress to, String raw) throws IOException {
        try (RawHttpClient c = new RawHttpClient(to)) {
            RawHttpClient.Response r = c.send(raw).read();
            return r.status() + " " + (r.status() == 200 ? r.bodyText() + " " + r.header("x-path") : "");
        }
    }

    static String corpus(String name) throws IOException {
        try (InputStream in = RenderedTemplateCorpusTest.class.getResourceAsStream("/rendered/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The template with each HAProxy 1.x line replaced by the http-request line lb's warning
     * says it applies (compiled with placeholders filled in; line numbers are kept).
     */
    static String modernized(String template) throws ConfigException {
        String filled = template.replace("@PORT@", "1").replaceAll("@[a-z0-9_]+@", "127.0.0.1:1");
        List<ConfigProblem> warnings = HaproxyConfigLoader.compile(List.of(new ConfigText("t.cfg", filled)))
                .warnings();
        List<String> lines = new ArrayList<>(template.lines().toList());
        Pattern translated = Pattern.compile(".* is HAProxy 1\\.x syntax; lb applies it as '(.*)'$");
        for (ConfigProblem w : warnings) {
            Matcher m = translated.matcher(w.message());
            if (m.matches()) {
                lines.set(w.line() - 1, "    " + m.group(1));
            }
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * haproxy and lb each on its own copy of a template whose {@code ports} placeholders get a
     * free port per side; {@code vars} fill the other placeholders alike on both sides.
     */
    private static final class Sides implements AutoCloseable {
        private final Map<String, Integer> haproxyPorts = new LinkedHashMap<>();
        private final Map<String, Integer> lbPorts = new LinkedHashMap<>();
        private HaproxyProcess haproxy;
        private LbServer lb;

        static Sides start(Path dir, String template, Map<String, String> vars, String... ports)
                throws Exception {
            Sides s = new Sides();
            String common = template;
            for (Map.Entry<String, String> v : vars.entrySet()) {
                common = common.replace(v.getKey(), v.getValue());
            }
            String h = common;
            String l = common;
            for (String p : ports) {
                s.haproxyPorts.put(p, FreePort.on("127.0.0.1"));
                s.lbPorts.put(p, FreePort.on("127.0.0.1"));
                h = h.replace(p, s.haproxyPorts.get(p).toString());
                l = l.replace(p, s.lbPorts.get(p).toString());
            }
            try {
                s.haproxy = HaproxyProcess.start(Files.createDirectories(dir.resolve("haproxy")), h,
                        s.haproxy(ports[0]));
                Path cfg = Files.writeString(
                        Files.createDirectories(dir.resolve("lb")).resolve("haproxy.cfg"), l);
                s.lb = LbServer.start(TestConfig.isolated().withFiles(List.of(cfg))
                        .withDrainTimeout(Duration.ofMillis(200)));
            } catch (Exception | AssertionError e) {
                s.close();
                throw e;
            }
            return s;
        }

        InetSocketAddress haproxy(String port) {
            return new InetSocketAddress("127.0.0.1", haproxyPorts.get(port));
        }

        InetSocketAddress lb(String port) {
            return new InetSocketAddress("127.0.0.1", lbPorts.get(port));
        }

        List<InetSocketAddress> both(String port) {
            return List.of(haproxy(port), lb(port));
        }

        @Override
        public void close() {
            try {
                if (lb != null) {
                    lb.close();
                }
            } finally {
                if (haproxy != null) {
                    haproxy.close();
                }
            }
        }
    }
}
