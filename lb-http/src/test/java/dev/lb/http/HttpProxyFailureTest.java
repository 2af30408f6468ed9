package dev.lb.http;

import static dev.lb.http.HttpBackendExtension.backendOf;
import static dev.lb.http.HttpBackendExtension.deadServer;
import static dev.lb.http.HttpBackendExtension.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;
import dev.lb.core.table.Timeouts;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What clients get when servers or requests go wrong (SPEC §9). */
class HttpProxyFailureTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    private static Timeouts timeouts(Duration server, Duration httpRequest) {
        Timeouts d = Timeouts.DEFAULTS;
        return new Timeouts(Duration.ofSeconds(2), d.client(), server, httpRequest, d.httpKeepAlive(),
                d.queue(), d.tunnel(), d.check());
    }

    @Test
    void everyServerDownIs503AfterRetries() throws Exception {
        Server dead = deadServer("dead");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", dead).retries(2).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/", "x");
            assertEquals(503, r.status(), "status: " + r);
            assertEquals(ErrorResponses.body(503), r.bodyText(), "body");
        }
        assertTrue(dead.state().isFailing(), "refusing server marked failing");
        assertEquals(0, dead.state().active(), "requests still assigned to the dead server");
    }

    @Test
    void oneOfTwoServersDownEveryRequestSucceedsOnTheOther() throws Exception {
        Server dead = deadServer("dead");
        HttpBackend alive = net.backend("alive");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", dead, server(alive)).redispatch(true).build());
        for (int i = 0; i < 6; i++) {
            try (RawHttpClient c = new RawHttpClient(proxy.address())) {
                RawHttpClient.Response r = c.get("/" + i, "x");
                assertEquals(200, r.status(), "request " + i + ": " + r);
                assertEquals("alive", r.bodyText(), "request " + i + " served by");
            }
        }
        assertEquals(6, alive.requests(), "requests at the live server");
    }

    @Test
    void slowServerIs504AfterTimeoutServer() throws Exception {
        HttpBackend slow = net.backend("slow");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(slow))
                .timeouts(timeouts(Duration.ofMillis(300), Duration.ofSeconds(5))).build());
        long start = System.nanoTime();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/delay?ms=3000", "x");
            assertEquals(504, r.status(), "status: " + r);
            assertEquals(ErrorResponses.body(504), r.bodyText(), "body");
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 250 && ms < 2500, "504 after ~300 ms, took " + ms + " ms");
    }

    @Test
    void garbageFromServerIs502() throws Exception {
        HttpBackend bad = net.backend("bad");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(bad)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/garbage", "x");
            assertEquals(502, r.status(), "status: " + r);
            assertEquals(ErrorResponses.body(502), r.bodyText(), "body");
        }
    }

    @Test
    void serverClosingBeforeResponseIs502() throws Exception {
        HttpBackend bad = net.backend("bad");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(bad)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/close", "x");
            assertEquals(502, r.status(), "status: " + r);
        }
    }

    @Test
    void stalePooledConnectionIsRetriedOnAFreshOne() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/stale", "x").status(), "first request");
            // The pooled connection is closed by the server when the second request arrives.
            RawHttpClient.Response r = c.get("/stale", "x");
            assertEquals(200, r.status(), "second request, retried on a fresh connection: " + r);
        }
        assertEquals(2, a.connections(), "backend connections (the pooled one, then a fresh one)");
    }

    @Test
    void incompleteRequestHeaderIs408AfterTimeoutHttpRequest() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        Backend be = backendOf("be", server(a)).build();
        proxy.route(f -> f.defaultBackend(be).timeouts(timeouts(Duration.ofSeconds(5), Duration.ofMillis(300))), be);
        long start = System.nanoTime();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n");
            RawHttpClient.Response r = c.read();
            assertEquals(408, r.status(), "status: " + r);
            assertTrue(c.closedWithin(2000), "connection closed after 408");
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 250 && ms < 2500, "408 after ~300 ms, took " + ms + " ms");
        assertEquals(0, a.connections(), "backend connections");
    }

    @Test
    void badRequestLineIs400AndNothingForwarded() throws Exception {
        assertRejected("GET\r\n\r\n", 400);
    }

    @Test
    void contentLengthWithChunkedIs400AndNothingForwarded() throws Exception {
        assertRejected("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    }

    @Test
    void twoDifferentContentLengthsIs400AndNothingForwarded() throws Exception {
        assertRejected("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);
    }

    @Test
    void badChunkSizeIs400AndNothingForwarded() throws Exception {
        assertRejected("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                400);
    }

    @Test
    void hugeHeaderIs431AndNothingForwarded() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n", 431);
    }

    @Test
    void missingHostInHttp11Is400() throws Exception {
        assertRejected("GET / HTTP/1.1\r\nX-No-Host: 1\r\n\r\n", 400);
    }

    private void assertRejected(String request, int status) throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send(request);
            RawHttpClient.Response r = c.read();
            assertEquals(status, r.status(), "status: " + r);
            assertEquals("close", r.header("connection"), "connection header");
            assertTrue(c.closedWithin(2000), "connection closed after " + status);
        }
        assertEquals(0, a.connections(), "connections that reached the backend");
        assertEquals(0, a.requests(), "requests that reached the backend");
    }
}
