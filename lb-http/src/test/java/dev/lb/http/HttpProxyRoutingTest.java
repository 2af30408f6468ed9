package dev.lb.http;

import static dev.lb.http.HttpBackendExtension.backendOf;
import static dev.lb.http.HttpBackendExtension.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.action.LogFormat;
import dev.lb.core.match.Condition;
import dev.lb.core.match.Fetch;
import dev.lb.core.match.Match;
import dev.lb.core.match.MatchMethod;
import dev.lb.core.route.Rule;
import dev.lb.core.table.Backend;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Routing, keep-alive and request rewriting, seen from real backends. */
class HttpProxyRoutingTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    @Test
    void keepAliveRequestsReuseOneServerConnection() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            for (int i = 0; i < 5; i++) {
                RawHttpClient.Response r = c.get("/n" + i, "example.com");
                assertEquals(200, r.status(), "request " + i + ": " + r);
                assertEquals("a", r.bodyText(), "request " + i + " body");
            }
        }
        assertEquals(5, a.requests(), "requests at the backend");
        assertEquals(1, a.connections(), "backend connections for 5 keep-alive requests");
    }

    @Test
    void anIdlePooledServerConnectionIsClosedAfterThePurgeDelay() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/", "x").status());
        }
        assertEquals(1, a.connections(), "one server connection");
        long idleFrom = System.nanoTime();
        long deadline = idleFrom + BackendPool.IDLE_NANOS + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (a.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // polling the condition; the deadline decides
        }
        long idleFor = System.nanoTime() - idleFrom;
        assertEquals(0, a.openConnections(), "the pooled connection is closed once idle for the purge delay");
        assertTrue(idleFor >= BackendPool.IDLE_NANOS - java.util.concurrent.TimeUnit.SECONDS.toNanos(1),
                "not before the purge delay: closed after " + idleFor / 1_000_000 + " ms");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("GET /delay?ms=200 HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response first = c.read();
            RawHttpClient.Response second = c.read();
            assertEquals(200, first.status(), "first: " + first);
            assertEquals(200, second.status(), "second: " + second);
        }
        assertEquals(List.of("/delay?ms=200", "/second"),
                a.received().stream().map(HttpBackend.Received::uri).toList(), "order at the backend");
    }

    @Test
    void useBackendRoutesByPathAndHostIsPreserved() throws Exception {
        HttpBackend api = net.backend("api");
        HttpBackend web = net.backend("web");
        ProxyUnderTest proxy = net.proxy();
        Backend apiBe = backendOf("api", server(api)).build();
        Backend webBe = backendOf("web", server(web)).build();
        Match apiPath = new Match(Fetch.PATH, "", MatchMethod.BEG, false, List.of("/api"));
        proxy.route(f -> f.rules(List.of(new Rule(apiPath, apiBe, "t:1"))).defaultBackend(webBe), apiBe, webBe);
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals("api", c.get("/api/x?q=1", "Shop.Example.com:8080").bodyText(), "/api/x routed to");
            assertEquals("web", c.get("/index.html", "shop.example.com").bodyText(), "/index.html routed to");
        }
        assertEquals("Shop.Example.com:8080", api.last().header("Host"), "Host at the backend");
        assertEquals("/api/x?q=1", api.last().uri(), "URI at the backend");
    }

    @Test
    void aRefusedRequestWithoutBodyKeepsTheConnectionForTheNextOne() throws Exception {
        HttpBackend api = net.backend("api");
        try (RawHttpClient c = new RawHttpClient(onlyApiRouted(api).address())) {
            RawHttpClient.Response refused = c.get("/nowhere", "x");
            assertEquals(503, refused.status(), "no route: " + refused);
            assertNull(refused.header("connection"), "keep-alive answer, no Connection: close: " + refused);
            assertEquals(200, c.get("/api/1", "x").status(), "the next request on the same connection");
            c.send("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(503, c.readHead().status(), "HEAD refused, answered without a body");
            RawHttpClient.Response after = c.get("/api/2", "x");
            assertEquals(200, after.status(), "a body sent after the HEAD answer would show up here: " + after);
            assertEquals("api", after.bodyText(), "answer of the request after the refused HEAD");
        }
        assertEquals(List.of("/api/1", "/api/2"),
                api.received().stream().map(HttpBackend.Received::uri).toList(), "what reached the backend");
    }

    @Test
    void aRefusedRequestWithABodyClosesTheConnection() throws Exception {
        HttpBackend api = net.backend("api");
        try (RawHttpClient c = new RawHttpClient(onlyApiRouted(api).address())) {
            c.send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            RawHttpClient.Response refused = c.read();
            assertEquals(503, refused.status(), "no route: " + refused);
            assertEquals("close", refused.header("connection"), "its body is not read: the connection closes");
            assertTrue(c.closedWithin(5000), "closed after the answer");
        }
        assertEquals(0, api.requests(), "nothing reached the backend");
    }

    /** A proxy routing /api to {@code api} and nothing else (no default backend: 503). */
    private static ProxyUnderTest onlyApiRouted(HttpBackend api) throws InterruptedException {
        ProxyUnderTest proxy = net.proxy();
        Backend apiBe = backendOf("api", server(api)).build();
        Match apiPath = new Match(Fetch.PATH, "", MatchMethod.BEG, false, List.of("/api"));
        proxy.route(f -> f.rules(List.of(new Rule(apiPath, apiBe, "t:1"))), apiBe);
        return proxy;
    }

    @Test
    void noMatchingRuleAndNoDefaultBackendIs503() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        Backend be = backendOf("be", server(a)).build();
        Match never = new Match(Fetch.PATH, "", MatchMethod.BEG, false, List.of("/only"));
        proxy.route(f -> f.rules(List.of(new Rule(never, be, "t:1"))), be);
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/other", "x");
            assertEquals(503, r.status(), "status: " + r);
            assertEquals(ErrorResponses.body(503), r.bodyText(), "HAProxy-style body");
            assertEquals("no-cache", r.header("cache-control"), "cache-control");
            assertEquals("text/html", r.header("content-type"), "content-type");
        }
        assertEquals(0, a.connections(), "backend connections");
    }

    @Test
    void removedListenerAnswers503AndCloses() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        proxy.unroute();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/", "x");
            assertEquals(503, r.status(), "status: " + r);
            assertEquals("close", r.header("connection"), "connection header");
            assertTrue(c.closedWithin(2000), "connection closed after the 503");
        }
    }

    @Test
    void forwardForAndForwardedProtoPortReachTheServer() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).forwardFor(true).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/", "x").status());
        }
        HttpBackend.Received r = a.last();
        assertEquals("127.0.0.1", r.header("X-Forwarded-For"), "X-Forwarded-For");
        assertEquals("http", r.header("X-Forwarded-Proto"), "X-Forwarded-Proto");
        assertEquals(Integer.toString(proxy.address().getPort()), r.header("X-Forwarded-Port"), "X-Forwarded-Port");
    }

    @Test
    void noForwardForWithoutTheOption() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/", "x").status());
        }
        assertNull(a.last().header("X-Forwarded-For"), "X-Forwarded-For without option forwardfor");
    }

    @Test
    void httpRequestRulesRewriteBeforeForwarding() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        Backend be = backendOf("be", server(a))
                .actions(List.of(
                        new HttpRequestAction.ReplacePath(Pattern.compile("^/old/(.*)"), "/new/\\1",
                                Condition.Always.TRUE),
                        new HttpRequestAction.AddHeader("X-Added", LogFormat.parse("from %[src]"),
                                Condition.Always.TRUE)))
                .build();
        proxy.route(f -> f.defaultBackend(be).actions(List.of(
                new HttpRequestAction.SetHeader("X-Set", LogFormat.literal("one"), Condition.Always.TRUE),
                new HttpRequestAction.DelHeader("X-Secret", Condition.Always.TRUE))), be);
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/old/page?x=1", "x", "X-Set: zero", "X-Secret: s3cr3t").status());
        }
        HttpBackend.Received r = a.last();
        assertEquals("/new/page?x=1", r.uri(), "path after replace-path");
        assertEquals(List.of("one"), r.headers().getAll("X-Set"), "X-Set after set-header");
        assertNull(r.header("X-Secret"), "X-Secret after del-header");
        assertEquals("from 127.0.0.1", r.header("X-Added"), "X-Added after add-header");
    }

    @Test
    void denyAnswers403AndForwardsNothing() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        Backend be = backendOf("be", server(a)).build();
        Match admin = new Match(Fetch.PATH, "", MatchMethod.BEG, false, List.of("/admin"));
        proxy.route(f -> f.defaultBackend(be).actions(List.of(new HttpRequestAction.Deny(403, admin))), be);
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/admin/users", "x");
            assertEquals(403, r.status(), "status: " + r);
            assertEquals(ErrorResponses.body(403), r.bodyText(), "body");
        }
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/public", "x").status(), "a request the rule does not match");
        }
        assertEquals(List.of("/public"), a.received().stream().map(HttpBackend.Received::uri).toList(),
                "requests that reached the backend");
    }

    @Test
    void hopByHopHeadersAreRemoved() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            assertEquals(200, c.get("/", "x", "Connection: keep-alive, X-Hop", "X-Hop: 1", "Keep-Alive: 5",
                    "TE: trailers", "Proxy-Connection: keep-alive", "X-End: 2").status());
        }
        HttpBackend.Received r = a.last();
        for (String h : List.of("X-Hop", "Keep-Alive", "TE", "Proxy-Connection")) {
            assertNull(r.header(h), h + " at the backend");
        }
        assertEquals("2", r.header("X-End"), "end-to-end header X-End");
    }

    @Test
    void drainClosesIdleConnectionsAndEndsBusyOnesAfterTheirResponse() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        try (RawHttpClient idle = new RawHttpClient(proxy.address());
                RawHttpClient busy = new RawHttpClient(proxy.address())) {
            assertEquals(200, idle.get("/", "x").status(), "request before the drain");
            busy.send("GET /delay?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (a.requests() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(2, a.requests(), "requests at the backend before the drain");
            proxy.drainAll();
            assertTrue(idle.closedWithin(2000), "idle connection closed by the drain");
            RawHttpClient.Response r = busy.read();
            assertEquals(200, r.status(), "in-flight request finished: " + r);
            assertEquals("close", r.header("connection"), "Connection header of the drained response");
            assertTrue(busy.closedWithin(2000), "busy connection closed after its response");
        }
    }
}
