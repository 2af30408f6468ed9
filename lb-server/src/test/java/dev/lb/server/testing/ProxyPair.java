package dev.lb.server.testing;

import dev.lb.core.testing.FreePort;
import dev.lb.http.HttpBackend;
import dev.lb.http.RawHttpClient;
import dev.lb.http.Transport;
import dev.lb.server.LbServer;
import dev.lb.server.ProcessConfig;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One haproxy.cfg template served at once by Debian's haproxy 2.6 and by lb (in-process), both
 * forwarding to the same recording {@link HttpBackend}s, so that a test can send the same raw bytes
 * to each and compare what the client got back and what the server received.
 *
 * <p>In the template, {@code @PORT@} is the listening port and {@code @name@} the address of a
 * recording backend called {@code name} (started on first use); {@code @refused@} is a loopback
 * port where nothing listens.
 */
public final class ProxyPair implements AutoCloseable {

    /** Headers lb always sets on the forwarded request (README, "option forwardfor" row). */
    public static final Set<String> LB_ONLY_HEADERS = Set.of("x-forwarded-proto", "x-forwarded-port");

    /**
     * What one side did with one request: what the server received ({@code null} when nothing
     * was forwarded), what the client got back, and the answer's headers (lower-case names).
     */
    public record Outcome(Forwarded forwarded, Answer answer, Map<String, List<String>> answerHeaders) {
        /** The answer's first header of that name, or null. */
        public String answerHeader(String name) {
            List<String> v = answerHeaders.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        @Override
        public String toString() {
            return "forwarded=" + forwarded + ", answer=" + answer;
        }
    }

    /** The request as a server received it: headers by lower-case name, values in order. */
    public record Forwarded(String method, String uri, Map<String, List<String>> headers) {
        public List<String> values(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        /** The same request without the named headers. */
        public Forwarded without(Set<String> names) {
            Map<String, List<String>> kept = new TreeMap<>(headers);
            names.forEach(kept::remove);
            return new Forwarded(method, uri, kept);
        }

        @Override
        public String toString() {
            return method + " " + uri + " " + headers;
        }
    }

    /**
     * What the client read: status (or an error text), body, and whether the connection closed
     * (only looked at by the {@code WatchingClose} methods; otherwise true only for a body
     * delimited by the close).
     */
    public record Answer(int status, String body, boolean closed, String error) {
        @Override
        public String toString() {
            return error != null ? "error " + error
                    : status + (closed ? " closed" : " open") + " body=" + body.replace("\n", "\\n");
        }
    }

    private static final Duration CLOSE_WAIT = Duration.ofMillis(300);

    private final EventLoopGroup group;
    private final Map<String, HttpBackend> backends = new LinkedHashMap<>();
    private final HaproxyProcess haproxy;
    private final LbServer lb;
    private final InetSocketAddress haproxyAddress;
    private final InetSocketAddress lbAddress;

    private ProxyPair(Path dir, String template, String haproxyTemplate) throws Exception {
        group = Transport.nio().newGroup(1, "parity-backends");
        int lbPort = FreePort.on("127.0.0.1");
        int hapPort = FreePort.on("127.0.0.1");
        haproxyAddress = new InetSocketAddress("127.0.0.1", hapPort);
        lbAddress = new InetSocketAddress("127.0.0.1", lbPort);
        String refused = "127.0.0.1:" + FreePort.on("127.0.0.1");
        Path lbCfg = Files.createDirectories(dir.resolve("lb")).resolve("haproxy.cfg");
        Files.writeString(lbCfg, render(template, lbPort, refused));
        Path hapDir = Files.createDirectories(dir.resolve("haproxy"));
        HaproxyProcess h = null;
        try {
            h = HaproxyProcess.start(hapDir, render(haproxyTemplate, hapPort, refused), haproxyAddress);
            lb = LbServer.start(TestConfig.isolated()
                    .withFiles(List.of(lbCfg)).withDrainTimeout(Duration.ofMillis(200)));
        } catch (Exception | AssertionError e) {
            if (h != null) {
                h.close();
            }
            closeBackends();
            throw e;
        }
        haproxy = h;
    }

    /** Starts haproxy and lb on {@code template}; files go under {@code dir}. */
    public static ProxyPair start(Path dir, String template) throws Exception {
        return new ProxyPair(dir, template, template);
    }

    /**
     * Starts lb on {@code lbTemplate} and haproxy on {@code haproxyTemplate}: for a file haproxy
     * 2.6 rejects (HAProxy 1.x {@code req*} lines), against the modern lines lb applies instead.
     */
    public static ProxyPair start(Path dir, String lbTemplate, String haproxyTemplate) throws Exception {
        return new ProxyPair(dir, lbTemplate, haproxyTemplate);
    }

    /** Sends {@code raw} to haproxy and returns what happened. */
    public Outcome viaHaproxy(String raw) {
        return exchange(haproxyAddress, raw, false);
    }

    /** As {@link #viaHaproxy}, and also finds out whether haproxy keeps the connection open. */
    public Outcome viaHaproxyWatchingClose(String raw) {
        return exchange(haproxyAddress, raw, true);
    }

    /** As {@link #viaLb}, and also finds out whether lb keeps the connection open. */
    public Outcome viaLbWatchingClose(String raw) {
        return exchange(lbAddress, raw, true);
    }

    /** Sends {@code raw} to lb and returns what happened. */
    public Outcome viaLb(String raw) {
        return exchange(lbAddress, raw, false);
    }

    /**
     * What GETs for each {@code {host, path}} came to through both proxies.
     *
     * @param mismatches one line per request answered differently
     * @param outcomes every distinct outcome seen (through HAProxy), to check the requests cover the table
     */
    public record Routing(List<String> mismatches, Set<String> outcomes) {
    }

    /**
     * Sends each {@code {host, path}} GET to both proxies and compares which backend answered and
     * the URI it was asked, or the proxy's own status.
     */
    public Routing routeGets(List<String[]> hostAndPath) {
        List<String> mismatches = new java.util.ArrayList<>();
        Set<String> outcomes = new java.util.HashSet<>();
        for (String[] r : hostAndPath) {
            String raw = "GET " + r[1] + " HTTP/1.1\r\nHost: " + r[0] + "\r\nConnection: close\r\n\r\n";
            String expected = routed(viaHaproxy(raw));
            String actual = routed(viaLb(raw));
            outcomes.add(expected);
            if (!expected.equals(actual)) {
                mismatches.add(r[0] + r[1] + ": haproxy -> " + expected + ", lb -> " + actual);
            }
        }
        return new Routing(mismatches, outcomes);
    }

    private static String routed(Outcome o) {
        Answer a = o.answer();
        if (a.error() != null) {
            return "error " + a.error();
        }
        if (a.status() != 200 || o.forwarded() == null) {
            return "status " + a.status();
        }
        return a.body() + " " + o.forwarded().uri();
    }

    public String haproxyLog() {
        return haproxy.log();
    }

    private Outcome exchange(InetSocketAddress to, String raw, boolean watchClose) {
        int[] before = backends.values().stream().mapToInt(b -> b.received().size()).toArray();
        Answer answer;
        Map<String, List<String>> answerHeaders = Map.of();
        try (RawHttpClient c = new RawHttpClient(to)) {
            c.send(raw);
            boolean head = raw.startsWith("HEAD ");
            RawHttpClient.Response r = head ? c.readHead() : c.read();
            while (r.status() >= 100 && r.status() < 200 && r.status() != 101) {
                r = head ? c.readHead() : c.read(); // the final answer after 100 Continue
            }
            boolean closed = r.header("content-length") == null && r.header("transfer-encoding") == null
                    || watchClose && c.closedWithin(CLOSE_WAIT.toMillis());
            answer = new Answer(r.status(), r.bodyText(), closed, null);
            answerHeaders = r.headers();
        } catch (IOException e) {
            answer = new Answer(0, "", true, e.getMessage());
        }
        // The server records a request before it answers, and the client has read the answer:
        // whatever was forwarded is recorded by now.
        Forwarded forwarded = null;
        int i = 0;
        for (HttpBackend b : backends.values()) {
            List<HttpBackend.Received> got = b.received();
            if (got.size() > before[i]) {
                forwarded = toForwarded(got.get(before[i]), to.getPort());
            }
            i++;
        }
        return new Outcome(forwarded, answer, answerHeaders);
    }

    /** The request, with the proxy's own listening port written {@code @PORT@} in header values. */
    private static Forwarded toForwarded(HttpBackend.Received r, int proxyPort) {
        String port = Integer.toString(proxyPort);
        Map<String, List<String>> headers = new TreeMap<>();
        r.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).add(e.getValue().equals(port) ? "@PORT@" : e.getValue()));
        return new Forwarded(r.method(), r.uri(), headers);
    }

    private String render(String template, int port, String refused) throws InterruptedException {
        String withPort = template.replace("@PORT@", Integer.toString(port)).replace("@refused@", refused);
        Matcher m = Pattern.compile("@([a-z0-9_]+)@").matcher(withPort);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            HttpBackend b = backends.get(name);
            if (b == null) {
                b = HttpBackend.start(name, "127.0.0.1", group, Transport.nio());
                backends.put(name, b);
            }
            m.appendReplacement(out, "127.0.0.1:" + b.address().getPort());
        }
        m.appendTail(out);
        return out.toString();
    }

    private void closeBackends() {
        backends.values().forEach(HttpBackend::close);
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            lb.close();
        } finally {
            haproxy.close();
            closeBackends();
        }
    }

    /**
     * A pair for a whole test class, as a JUnit 5 extension: started before the first test
     * from {@code template} in a temporary directory of its own, closed after the last one.
     * {@code @RegisterExtension static final ProxyPair.PerClass PAIR = new ProxyPair.PerClass(CONFIG);}
     */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {

        private final String template;
        private Path dir;
        private ProxyPair pair;

        public PerClass(String template) {
            this.template = template;
        }

        /** The running pair. */
        public ProxyPair pair() {
            return pair;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            dir = Files.createTempDirectory("proxy-pair");
            pair = ProxyPair.start(dir, template);
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            if (pair != null) {
                pair.close();
            }
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
