package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import dev.lb.core.testing.FakeRequest;
import dev.lb.http.RawHttpClient;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.TestConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients send requests without pause while the haproxy.cfg file is rewritten ten times a second
 * (servers and routes changing). No request may fail, and every response must come from a
 * server that a table current during that request's flight routed it to (the test records each
 * published table and asks it where each request path goes).
 */
class ReloadUnderLoadTest {

    private static final int BACKENDS = 6;
    private static final int REWRITES = 40;
    private static final Duration REWRITE_EVERY = Duration.ofMillis(100);
    /** Publication is recorded right after the swap; allow for the gap (far below a rewrite period). */
    private static final long PUBLISH_SLACK_NANOS = Duration.ofMillis(20).toNanos();

    @TempDir
    Path dir;

    /** One finished request: when it ran, what it asked, who answered (or why it failed). */
    private record Sample(long start, long end, String path, int status, String backend, String error) {
    }

    @Test
    void rewritingTheFileTenTimesASecondDropsNothing() throws Exception {
        try (NamedBackends backends = new NamedBackends()) {
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < BACKENDS; i++) {
                addresses.add(backends.start("b" + i));
            }
            int port = FreePort.on("127.0.0.1");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config(0, port, addresses));
            List<Published> published = new CopyOnWriteArrayList<>();
            ProcessConfig pc = TestConfig.isolated().withFiles(List.of(cfg))
                    .withDrainTimeout(Duration.ofSeconds(1));
            ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            try (LbServer lb = LbServer.start(pc)) {
                lb.tables().onPublish(t -> published.add(Published.of(t, addresses)));
                published.add(Published.of(lb.table(), addresses));
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
                List<Thread> clients = List.of(
                        keepAliveClient(to, "/app/ka", running, samples),
                        keepAliveClient(to, "/v/ka", running, samples),
                        newConnectionClient(to, "/app/close", running, samples),
                        newConnectionClient(to, "/v/close", running, samples));
                clients.forEach(Thread::start);
                for (int k = 1; k <= REWRITES; k++) {
                    Thread.sleep(REWRITE_EVERY.toMillis()); // the pace of the writer, not synchronisation
                    Files.writeString(cfg, config(k, port, addresses));
                }
                Thread.sleep(REWRITE_EVERY.toMillis()); // load goes on one period past the last rewrite
                running.set(false);
                for (Thread t : clients) {
                    t.join(20_000);
                }
                assertTrue(lb.table().version() > REWRITES / 4,
                        "expected many of the " + REWRITES + " rewrites applied, table version is "
                                + lb.table().version());
            }
            List<String> failures = new ArrayList<>();
            for (Sample s : samples) {
                if (s.error() != null || s.status() != 200) {
                    failures.add(s.path() + ": " + (s.error() != null ? s.error() : "status " + s.status()));
                    continue;
                }
                Set<String> allowed = allowedBackends(s, published);
                if (!allowed.contains(s.backend())) {
                    failures.add(s.path() + " answered by " + s.backend() + ", tables in flight allowed "
                            + allowed);
                }
            }
            assertTrue(samples.size() > 200, "too few requests to mean anything: " + samples.size());
            assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())),
                    failures.size() + " of " + samples.size() + " requests failed or were misrouted");
        }
    }

    /**
     * File k routes /v/ to backend v on even k only; backend app's servers rotate with k, and so
     * does backend v's server, so a stale table shows up as a server no current file had.
     */
    private static String config(int k, int port, List<String> addresses) {
        StringBuilder sb = new StringBuilder("""
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 30s
                    timeout server 30s
                    retries 3
                    option redispatch
                frontend http-in
                    bind 127.0.0.1:%d
                """.formatted(port));
        if (k % 2 == 0) {
            sb.append("    use_backend v if { path_beg /v/ }\n");
        }
        sb.append("    default_backend app\n")
                .append("backend app\n    balance roundrobin\n")
                .append("    server s1 ").append(addresses.get(k % BACKENDS)).append('\n')
                .append("    server s2 ").append(addresses.get((k + 1) % BACKENDS)).append('\n')
                .append("backend v\n")
                .append("    server s1 ").append(addresses.get((k + 3) % BACKENDS)).append('\n');
        return sb.toString();
    }

    /** A table as published: when, and which backends it sends each request path to. */
    private record Published(long at, Set<String> app, Set<String> v) {

        static Published of(RoutingTable t, List<String> addresses) {
            long at = System.nanoTime();
            Frontend f = t.frontends().get(0);
            return new Published(at, names(f.select(FakeRequest.of("x", "/app/ka")), addresses),
                    names(f.select(FakeRequest.of("x", "/v/ka")), addresses));
        }

        private static Set<String> names(Backend b, List<String> addresses) {
            Set<String> out = new HashSet<>();
            for (Server s : b.servers()) {
                out.add("b" + addresses.indexOf(s.address().getHostString() + ":" + s.address().getPort()));
            }
            return out;
        }

        Set<String> backendsFor(String path) {
            return path.startsWith("/v/") ? v : app;
        }
    }

    /**
     * The tables current at some point of the request's flight: the last one recorded as published
     * before it started, and every one published before it ended. Publication times are recorded
     * just after the swap, so a later table counts from {@link #PUBLISH_SLACK_NANOS} before its
     * recorded time.
     */
    private static Set<String> allowedBackends(Sample s, List<Published> published) {
        int first = 0;
        for (int i = 0; i < published.size(); i++) {
            if (published.get(i).at() <= s.start()) {
                first = i;
            }
        }
        Set<String> allowed = new HashSet<>();
        for (int i = first; i < published.size()
                && published.get(i).at() - PUBLISH_SLACK_NANOS <= s.end(); i++) {
            allowed.addAll(published.get(i).backendsFor(s.path()));
        }
        return allowed;
    }

    private static Thread keepAliveClient(InetSocketAddress to, String path, AtomicBoolean running,
            ConcurrentLinkedQueue<Sample> samples) {
        return new Thread(() -> {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            URI uri = URI.create("http://127.0.0.1:" + to.getPort() + path);
            while (running.get()) {
                long start = System.nanoTime();
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(10))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    samples.add(new Sample(start, System.nanoTime(), path, r.statusCode(),
                            r.headers().firstValue("X-Backend").orElse("?"), null));
                } catch (Exception e) {
                    samples.add(new Sample(start, System.nanoTime(), path, 0, null, e.toString()));
                }
            }
        }, "client" + path);
    }

    private static Thread newConnectionClient(InetSocketAddress to, String path, AtomicBoolean running,
            ConcurrentLinkedQueue<Sample> samples) {
        return new Thread(() -> {
            while (running.get()) {
                long start = System.nanoTime();
                try (RawHttpClient c = new RawHttpClient(to)) {
                    RawHttpClient.Response r = c.get(path, "app.example.com", "Connection: close");
                    samples.add(new Sample(start, System.nanoTime(), path, r.status(), r.header("X-Backend"),
                            null));
                } catch (java.io.IOException | RuntimeException e) {
                    samples.add(new Sample(start, System.nanoTime(), path, 0, null, e.toString()));
                }
            }
        }, "client" + path);
    }
}
