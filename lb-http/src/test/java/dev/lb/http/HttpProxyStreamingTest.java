package dev.lb.http;

import static dev.lb.http.HttpBackendExtension.backendOf;
import static dev.lb.http.HttpBackendExtension.server;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bodies streamed both ways with backpressure; chunked, 100-continue and Upgrade. */
@Timeout(60)
class HttpProxyStreamingTest {

    @RegisterExtension
    static final HttpBackendExtension net = new HttpBackendExtension();

    private static final long BIG = 256L << 20;
    /** Far below the body size: what buffering one body whole would cost. */
    private static final long MEMORY_BOUND = 64L << 20;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private ProxyUnderTest proxyToOneBackend() throws Exception {
        HttpBackend a = net.backend("a");
        ProxyUnderTest proxy = net.proxy();
        proxy.routeAllTo(backendOf("be", server(a)).build());
        return proxy;
    }

    private static URI uri(ProxyUnderTest p, String path) {
        return URI.create("http://127.0.0.1:" + p.address().getPort() + path);
    }

    /** Samples Netty's buffer memory while a transfer runs and keeps the peak. */
    private static final class MemoryPeak implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler = new Thread(this::sample, "memory-peak");

        MemoryPeak() {
            sampler.setDaemon(true);
            sampler.start();
        }

        private static long used() {
            if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider m) {
                return m.metric().usedDirectMemory() + m.metric().usedHeapMemory();
            }
            return 0;
        }

        private void sample() {
            while (running.get()) {
                peak.accumulateAndGet(used(), Math::max);
                try {
                    Thread.sleep(20); // sampling period, not synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }

    private static long heapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    @Test
    void largeUploadStreamsWithFlatMemory() throws Exception {
        ProxyUnderTest proxy = proxyToOneBackend();
        long heapBefore = heapAfterGc();
        HttpResponse<String> r;
        try (MemoryPeak mem = new MemoryPeak()) {
            r = client.send(HttpRequest.newBuilder(uri(proxy, "/upload"))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> TestData.stream(BIG)), BIG))
                    .build(), HttpResponse.BodyHandlers.ofString());
            mem.close();
            assertTrue(mem.peak() < MEMORY_BOUND, "Netty buffer peak during a " + (BIG >> 20)
                    + " MiB upload: expected < " + (MEMORY_BOUND >> 20) + " MiB, was " + (mem.peak() >> 20) + " MiB");
        }
        assertEquals(200, r.statusCode(), "status");
        assertEquals(BIG + " " + TestData.sha256(BIG), r.body(), "bytes and hash seen by the backend");
        long grown = heapAfterGc() - heapBefore;
        assertTrue(grown < MEMORY_BOUND, "heap growth after the upload: " + (grown >> 20) + " MiB");
    }

    @Test
    void largeDownloadStreamsWithFlatMemory() throws Exception {
        ProxyUnderTest proxy = proxyToOneBackend();
        MessageDigest d = HttpBackend.sha256();
        long n = 0;
        try (MemoryPeak mem = new MemoryPeak()) {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(uri(proxy, "/download?size=" + BIG))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode(), "status");
            try (InputStream in = r.body()) {
                byte[] b = new byte[65536];
                int k;
                while ((k = in.read(b)) > 0) {
                    d.update(b, 0, k);
                    n += k;
                }
            }
            mem.close();
            assertTrue(mem.peak() < MEMORY_BOUND, "Netty buffer peak during a " + (BIG >> 20)
                    + " MiB download: expected < " + (MEMORY_BOUND >> 20) + " MiB, was " + (mem.peak() >> 20) + " MiB");
        }
        assertEquals(BIG, n, "bytes received");
        assertEquals(TestData.sha256(BIG), HexFormat.of().formatHex(d.digest()), "hash of the download");
    }

    @Test
    void chunkedRequestAndResponseEchoBothWays() throws Exception {
        ProxyUnderTest proxy = proxyToOneBackend();
        int size = 16 << 20;
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            // Full duplex: /echo answers while the body is still arriving, so write from another
            // thread while this one reads (the JDK client would not read before it sent all).
            Thread writer = new Thread(() -> {
                try {
                    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                    byte[] b = new byte[65536];
                    for (long off = 0; off < size; off += b.length) {
                        TestData.fill(b, 0, off, b.length);
                        c.send(Integer.toHexString(b.length) + "\r\n");
                        c.send(b);
                        c.send("\r\n");
                    }
                    c.send("0\r\n\r\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "echo-writer");
            writer.start();
            RawHttpClient.Response r = c.read();
            writer.join(30_000);
            assertEquals(200, r.status(), "status");
            assertEquals("chunked", r.header("transfer-encoding"), "response framing");
            assertEquals(size, r.body().length, "bytes echoed");
            assertEquals(TestData.sha256(size), HexFormat.of().formatHex(HttpBackend.sha256().digest(r.body())),
                    "hash of the echo");
        }
    }

    @Test
    void smallChunkedRequestIsForwarded() throws Exception {
        ProxyUnderTest proxy = proxyToOneBackend();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            RawHttpClient.Response r = c.read();
            assertEquals(200, r.status(), "status: " + r);
            assertEquals("11 " + sha("hello world"), r.bodyText(), "what the backend read");
        }
    }

    @Test
    void expectContinueIsRelayed() throws Exception {
        ProxyUnderTest proxy = proxyToOneBackend();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawHttpClient.Response interim = c.read();
            assertEquals(100, interim.status(), "interim response: " + interim);
            c.send("hello");
            RawHttpClient.Response r = c.read();
            assertEquals(200, r.status(), "final response: " + r);
            assertEquals("5 " + sha("hello"), r.bodyText(), "what the backend read");
        }
    }

    @Test
    void upgradeTunnelsRawBytesAfter101() throws Exception {
        ProxyUnderTest proxy = proxyToOneBackend();
        try (RawHttpClient c = new RawHttpClient(proxy.address())) {
            c.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            RawHttpClient.Response r = c.read();
            assertEquals(101, r.status(), "status: " + r);
            assertEquals("websocket", r.header("upgrade"), "Upgrade header");
            for (int i = 0; i < 3; i++) {
                byte[] frame = ("frame-" + i + "-\u0000\u00ff").getBytes(StandardCharsets.ISO_8859_1);
                c.send(frame);
                assertArrayEquals(frame, c.readBytes(frame.length), "echo of raw frame " + i);
            }
        }
    }

    private static String sha(String s) {
        return HexFormat.of().formatHex(HttpBackend.sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
