package dev.lb.http;

import static dev.lb.http.HttpBackendExtension.backendOf;
import static dev.lb.http.HttpBackendExtension.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Server;
import dev.lb.core.table.Timeouts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What happens to connections: HEAD, the client-side timeouts ({@code timeout client},
 * {@code timeout http-keep-alive}, {@code timeout tunnel}), {@code option http-server-close}
 * and a close-delimited HTTP/1.0 response relayed to a keep-alive HTTP/1.1 client.
 */
class HttpProxyConnectionTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    /** How long a test waits for something that should happen after a 300 ms timeout. */
    private static final long WAIT_MS = 5000;

    private static Timeouts timeouts(Duration client, Duration keepAlive, Duration tunnel) {
        Timeouts d = Timeouts.DEFAULTS;
        return new Timeouts(Duration.ofSeconds(2), client, Duration.ofSeconds(10), Duration.ofSeconds(10),
                keepAlive, d.queue(), tunnel, d.check());
    }

    private static ProxyUnderTest proxyTo(Backend backend, Timeouts t) throws Exception {
        ProxyUnderTest proxy = net.proxy();
        proxy.route(f -> f.defaultBackend(backend).timeouts(t), backend);
        return proxy;
    }

    @Test
    void headResponseHasNoBodyAndKeepAliveContinues() throws Exception {
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(b)).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttpClient.Response head = c.readHead();
            assertEquals(200, head.status(), "HEAD status: " + head);
            assertEquals(String.valueOf("b".length()), head.header("content-length"),
                    "HEAD keeps the Content-Length the GET would have");
            // Any body bytes sent after the HEAD response would be read as this response's start.
            RawHttpClient.Response next = c.get("/after-head", "x");
            assertEquals(200, next.status(), "request after HEAD on the same connection: " + next);
            assertEquals("b", next.bodyText(), "body of the request after HEAD");
        }
        assertEquals("HEAD", b.received().get(0).method(), "method forwarded");
        assertEquals(1, b.connections(), "the server connection was reused after HEAD");
    }

    @Test
    void clientStallingMidBodyIsClosedAfterTimeoutClientAndServerConnectionNotReused() throws Exception {
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = proxyTo(backendOf("be", server(b)).build(),
                timeouts(Duration.ofMillis(300), Duration.ofSeconds(10), Duration.ZERO));
        long start = System.nanoTime();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            assertTrue(c.closedWithin(WAIT_MS), "client connection closed after timeout client");
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 250, "closed after ~300 ms of silence, took " + ms + " ms");
        assertEquals(1, b.requests(), "the request head reached the server");
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/", "x");
            assertEquals(200, r.status(), "next request: " + r);
        }
        assertEquals(2, b.connections(),
                "the server connection of the stalled request was closed, not pooled with half a body");
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTimeoutHttpKeepAlive() throws Exception {
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = proxyTo(backendOf("be", server(b)).build(),
                timeouts(Duration.ofSeconds(10), Duration.ofMillis(300), Duration.ZERO));
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            RawHttpClient.Response r = c.get("/", "x");
            assertEquals(200, r.status(), "first request: " + r);
            long start = System.nanoTime();
            assertTrue(c.closedWithin(WAIT_MS), "idle connection closed after timeout http-keep-alive");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200, "closed after ~300 ms idle, took " + ms + " ms");
        }
    }

    @Test
    void idleTunnelIsClosedAfterTimeoutTunnel() throws Exception {
        HttpBackend b = net.backend("b");
        Timeouts t = timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMillis(300));
        ProxyUnderTest proxy = proxyTo(backendOf("be", server(b)).timeouts(t).build(), t);
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            RawHttpClient.Response r = c.read();
            assertEquals(101, r.status(), "status: " + r);
            byte[] frame = "ping".getBytes(StandardCharsets.US_ASCII);
            c.send(frame);
            assertEquals("ping", new String(c.readBytes(frame.length), StandardCharsets.US_ASCII), "echo");
            long start = System.nanoTime();
            assertTrue(c.closedWithin(WAIT_MS), "idle tunnel closed after timeout tunnel");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200, "closed after ~300 ms idle, took " + ms + " ms");
        }
    }

    @Test
    void httpServerCloseClosesEachServerConnectionButKeepsTheClientOne() throws Exception {
        HttpBackend b = net.backend("b");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(b)).httpServerClose(true).build());
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                RawHttpClient.Response r = c.get("/" + i, "x");
                assertEquals(200, r.status(), "request " + i + ": " + r);
                assertNull(r.header("connection"), "client connection kept (request " + i + ")");
            }
        }
        for (HttpBackend.Received r : b.received()) {
            assertEquals("close", r.header("connection"), "server asked to close after " + r.uri());
        }
        assertEquals(3, b.connections(), "one server connection per request");
    }

    @Test
    void closeDelimitedHttp10ResponseReachesAnHttp11Client() throws Exception {
        String body = "served by a close-delimited HTTP/1.0 server\n".repeat(200);
        try (RawServer old = RawServer.http10(body)) {
            ProxyUnderTest proxy = net.proxy();
            Server oldServer = Server.builder("old", old.address()).build();
            proxy.routeAllTo(backendOf("be", oldServer).build());
            try (RawHttpClient c = new RawHttpClient(proxy.address())) {
                RawHttpClient.Response r = c.get("/", "x");
                assertEquals(200, r.status(), "status: " + r);
                assertEquals(body, r.bodyText(), "the whole body, up to the server's close");
                assertEquals("chunked", r.header("transfer-encoding"), "relayed chunked to the 1.1 client");
                assertNull(r.header("connection"), "client connection kept");
                RawHttpClient.Response again = c.get("/", "x");
                assertEquals(body, again.bodyText(), "second request on the same client connection");
            }
            try (RawHttpClient c = new RawHttpClient(proxy.address())) {
                c.send("GET / HTTP/1.0\r\n\r\n");
                RawHttpClient.Response r = c.read(); // no framing: read until the close
                assertEquals(body, r.bodyText(), "an HTTP/1.0 client gets the body delimited by the close");
                assertNull(r.header("transfer-encoding"), "no chunks for an HTTP/1.0 client");
            }
            assertEquals(3, old.served(), "requests answered by the HTTP/1.0 server");
        }
    }

    @Test
    void responseHeadReachesTheClientWhileTheBodyIsStillComing() throws Exception {
        CountDownLatch headSeen = new CountDownLatch(1);
        try (RawServer slowBody = new RawServer((in, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The body only once the client has the head: a head held back for it never arrives.
            if (headSeen.await(WAIT_MS, TimeUnit.MILLISECONDS)) {
                out.write("hello".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        })) {
            ProxyUnderTest proxy = net.proxy();
            proxy.routeAllTo(backendOf("be", Server.builder("slow", slowBody.address()).build()).build());
            try (RawHttpClient c = new RawHttpClient(proxy.address())) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttpClient.Response head = c.readHead();
                assertEquals(200, head.status(), "head before the body: " + head);
                headSeen.countDown();
                assertEquals("hello", new String(c.readBytes(5), StandardCharsets.US_ASCII), "body after it");
            }
        }
    }

    /** A bare server on loopback that runs {@code script} on each accepted connection, one at a time. */
    private static final class RawServer implements AutoCloseable {
        interface Script {
            void run(InputStream in, OutputStream out) throws IOException, InterruptedException;
        }

        private final ServerSocket socket;
        private final Thread thread;
        private final AtomicInteger served = new AtomicInteger();

        RawServer(Script script) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        s.setSoTimeout(5000);
                        readHeader(s.getInputStream());
                        script.run(s.getInputStream(), s.getOutputStream());
                        served.incrementAndGet();
                    } catch (IOException | InterruptedException e) {
                        // closed by close(), or a client that went away
                    }
                }
            }, "raw-server");
            thread.setDaemon(true);
            thread.start();
        }

        /**
         * Answers like {@code python3 -m http.server}: an HTTP/1.0 response without
         * Content-Length, the body, then close.
         */
        static RawServer http10(String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            return new RawServer((in, out) -> {
                out.write(("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\n"
                        + "Content-type: text/plain\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.flush();
            });
        }

        private static void readHeader(InputStream in) throws IOException {
            int state = 0;
            int c;
            while (state < 4 && (c = in.read()) >= 0) {
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                        ? state + 1 : 0;
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        int served() {
            return served.get();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            socket.close();
            thread.join(5000);
        }
    }
}
