package dev.lb.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.Await;
import dev.lb.server.LbServer;
import dev.lb.core.testing.FreePort;
import dev.lb.server.testing.TcpServers;
import dev.lb.tcp.TcpProxy;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mode tcp relay against real TCP servers on loopback: balancing per connection, failover,
 * bulk transfers on both the copying and the splicing paths, half-close, timeouts and the
 * PROXY protocol.
 */
class TcpRelayTest {

    private static final int MIB = 1024 * 1024;
    private static final int BULK = 100 * MIB;

    @TempDir
    Path dir;

    private final TcpServers servers = new TcpServers();
    private Path cfg;
    private int port;

    @BeforeEach
    void setUp() {
        cfg = dir.resolve("haproxy.cfg");
        port = FreePort.on("127.0.0.1");
    }

    @AfterEach
    void tearDown() {
        servers.close();
        System.clearProperty(TcpProxy.SPLICE_PROPERTY);
    }

    @Test
    void roundRobinPerConnectionAndADownServersConnectionsGoToTheOthers() throws Exception {
        String a = servers.named("127.0.0.2", "a");
        String b = servers.named("127.0.0.3", "b");
        String c = servers.named("127.0.0.4", "c");
        String text = TcpTestSupport.DEFAULTS + "listen db\n    bind 127.0.0.1:" + port + "\n"
                + "    server a " + a + "\n    server b " + b + "\n    server c " + c + "\n";
        try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1))) {
            Map<String, Integer> first = new HashMap<>();
            for (int i = 0; i < 6; i++) {
                first.merge(greeting(), 1, Integer::sum);
            }
            assertEquals(Map.of("a", 2, "b", 2, "c", 2), first, "one server per connection, round-robin");

            servers.stop("b");
            Map<String, Integer> after = new HashMap<>();
            for (int i = 0; i < 12; i++) {
                after.merge(greeting(), 1, Integer::sum);
            }
            assertFalse(after.containsKey("b"), "no connection answered by the stopped server: " + after);
            assertEquals(12, after.values().stream().mapToInt(Integer::intValue).sum(),
                    "every connection served");
            assertTrue(after.containsKey("a") && after.containsKey("c"), "both live servers used: " + after);
        }
    }

    @Test
    void connectionsAndBytesAreCountedOnTheFrontendBackendAndServer() throws Exception {
        String echo = servers.echo("127.0.0.2", "echo");
        try (LbServer lb = TcpTestSupport.start(cfg, listen(echo), Duration.ofSeconds(1))) {
            for (int i = 0; i < 3; i++) {
                try (Socket s = connect()) {
                    s.getOutputStream().write(new byte[1000]);
                    new DataInputStream(s.getInputStream()).readFully(new byte[1000]);
                }
            }
            var frontend = lb.table().frontends().get(0).counters();
            var backend = lb.table().backend("bulk").orElseThrow().counters();
            var server = lb.table().backend("bulk").orElseThrow().servers().get(0).counters();
            dev.lb.core.testing.Await.until("the three connections closed", Duration.ofSeconds(10),
                    () -> frontend.currentSessions() == 0 && server.currentSessions() == 0);
            for (var c : java.util.List.of(frontend, backend, server)) {
                assertEquals(3, c.totalSessions(), "sessions");
                assertEquals(3000, c.bytesIn(), "bytes from the clients");
                assertEquals(3000, c.bytesOut(), "bytes to the clients");
            }
            assertEquals(0, backend.connectErrors());
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {false, true})
    void uploadArrivesIntactAndTheClientsFinReachesTheServer(boolean splice) throws Exception {
        System.setProperty(TcpProxy.SPLICE_PROPERTY, Boolean.toString(splice));
        // The server answers with the digest of what it read once it sees the client's FIN.
        String sink = servers.start("127.0.0.2", "sink", (s, in) -> {
            MessageDigest d = TcpTestSupport.sha256();
            byte[] buf = new byte[65536];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
                total += n;
            }
            OutputStream out = s.getOutputStream();
            out.write((total + " " + TcpTestSupport.hex(d) + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
        try (LbServer lb = TcpTestSupport.start(cfg, listen(sink), Duration.ofSeconds(1));
                Socket s = connect()) {
            MessageDigest sent = TcpTestSupport.sha256();
            Random r = new Random(1);
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < BULK / 65536; i++) {
                byte[] chunk = TcpTestSupport.chunk(r, 65536);
                sent.update(chunk);
                out.write(chunk);
            }
            s.shutdownOutput();
            String answer = reader(s).readLine();
            assertEquals(BULK + " " + TcpTestSupport.hex(sent), answer,
                    "the server read every byte, in order, and saw the end of the stream");
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {false, true})
    void downloadToASlowReaderArrivesIntactWithFlatMemory(boolean splice) throws Exception {
        System.setProperty(TcpProxy.SPLICE_PROPERTY, Boolean.toString(splice));
        String source = servers.start("127.0.0.2", "source", (s, in) -> {
            Random r = new Random(2);
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < BULK / 65536; i++) {
                out.write(TcpTestSupport.chunk(r, 65536));
            }
            out.flush();
        });
        MessageDigest expected = TcpTestSupport.sha256();
        Random r = new Random(2);
        for (int i = 0; i < BULK / 65536; i++) {
            expected.update(TcpTestSupport.chunk(r, 65536));
        }
        PooledByteBufAllocatorMetric pool = PooledByteBufAllocator.DEFAULT.metric();
        AtomicLong peak = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(pool.usedDirectMemory() + pool.usedHeapMemory(), Math::max);
                Thread.onSpinWait();
            }
        }, "memory-sampler");
        try (LbServer lb = TcpTestSupport.start(cfg, listen(source), Duration.ofSeconds(1));
                Socket s = connect()) {
            long before = pool.usedDirectMemory() + pool.usedHeapMemory();
            sampler.start();
            InputStream in = s.getInputStream();
            MessageDigest got = TcpTestSupport.sha256();
            byte[] buf = new byte[65536];
            long total = readInto(in, buf, got, 4L * MIB);
            // A slow reader: stop reading while the server keeps writing. Without backpressure
            // lb takes most of the server's 100 MiB into memory meanwhile (84 MiB measured).
            Thread.sleep(500); // pacing of the slow reader, not synchronisation
            total += readInto(in, buf, got, Long.MAX_VALUE);
            sampling.set(false);
            sampler.join();
            assertEquals(BULK, total, "every byte arrived");
            assertEquals(TcpTestSupport.hex(expected), TcpTestSupport.hex(got),
                    "the bytes arrived intact, in order");
            long grown = peak.get() - before;
            assertTrue(grown < 32L * MIB, "lb's buffer memory grew by " + grown / MIB + " MiB for a "
                    + BULK / MIB + " MiB transfer to a slow reader (backpressure must keep it flat)");
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {false, true})
    void twoWayTransferThroughAnEchoServerIsIntact(boolean splice) throws Exception {
        System.setProperty(TcpProxy.SPLICE_PROPERTY, Boolean.toString(splice));
        String echo = servers.echo("127.0.0.2", "echo");
        try (LbServer lb = TcpTestSupport.start(cfg, listen(echo), Duration.ofSeconds(1));
                Socket s = connect()) {
            MessageDigest sent = TcpTestSupport.sha256();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    Random r = new Random(3);
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < BULK / 65536; i++) {
                        byte[] chunk = TcpTestSupport.chunk(r, 65536);
                        sent.update(chunk);
                        out.write(chunk);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            MessageDigest got = TcpTestSupport.sha256();
            long total = readInto(s.getInputStream(), new byte[65536], got, Long.MAX_VALUE);
            writer.get(60, TimeUnit.SECONDS);
            assertEquals(BULK, total, "every byte came back, and the echo server's FIN after it");
            assertEquals(TcpTestSupport.hex(sent), TcpTestSupport.hex(got), "the echoed bytes are intact");
        }
    }

    /**
     * A spliced tunnel whose client half-closed while its server has not answered yet leaves
     * lb's event loops idle. Netty left the ended input readable, and the loop spun at 100% of a
     * core (3 s of CPU in 3 s) until the server answered. On the copying path too.
     */
    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {false, true})
    void aHalfClosedTunnelWaitingForItsServerLeavesTheEventLoopsIdle(boolean splice) throws Exception {
        System.setProperty(TcpProxy.SPLICE_PROPERTY, Boolean.toString(splice));
        AtomicBoolean requestSeen = new AtomicBoolean();
        AtomicBoolean finSeen = new AtomicBoolean();
        CountDownLatch answer = new CountDownLatch(1);
        String slow = servers.start("127.0.0.2", "slow", (s, in) -> {
            in.readNBytes(7);
            requestSeen.set(true);
            while (in.read() >= 0) {
                // up to the client's FIN
            }
            finSeen.set(true);
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.getOutputStream().write("done\n".getBytes(StandardCharsets.US_ASCII));
        });
        try (LbServer lb = TcpTestSupport.start(cfg, listen(slow), Duration.ofSeconds(1));
                Socket s = connect()) {
            s.getOutputStream().write("request".getBytes(StandardCharsets.US_ASCII));
            // The FIN once the relay runs (a FIN that comes before is read by the connection's setup).
            Await.until("the server got the request", Duration.ofSeconds(10), requestSeen::get);
            s.shutdownOutput();
            Await.until("the server saw the client's FIN", Duration.ofSeconds(10), finSeen::get);
            long before = loopCpuNanos();
            long start = System.nanoTime();
            Thread.sleep(1000); // an observation window of the half-closed tunnel, not synchronisation
            long cpu = loopCpuNanos() - before;
            long window = System.nanoTime() - start;
            answer.countDown();
            assertEquals("done", reader(s).readLine(), "the answer after the client's FIN is relayed");
            assertTrue(cpu < window / 4, "lb's event loops used " + cpu / 1_000_000 + " ms of CPU in "
                    + window / 1_000_000 + " ms while the only tunnel waited for its server");
        }
    }

    /** CPU time used so far by lb's event loop threads. */
    private static long loopCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("lb-io")) {
                total += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
    }

    /**
     * lb reads the client from accept on, as HAProxy does, so the first bytes are ready when the
     * server connection opens; but only a bounded amount. A server whose accept queue is full
     * keeps lb's connect pending (Linux drops the SYN) while the client pushes 32 MiB: lb must not
     * take them into memory. Once the server accepts, every byte arrives, in order.
     */
    @Test
    void whatAClientSendsWhileItsServerConnectionOpensIsBoundedAndRelayedInOrder() throws Exception {
        int size = 32 * MIB;
        byte[] payload = TcpTestSupport.chunk(new Random(11), size);
        try (ServerSocket full = new ServerSocket()) {
            full.bind(new InetSocketAddress("127.0.0.2", 0), 1);
            full.setSoTimeout(30_000);
            // A backlog of 1 holds two connections: with these, the next SYN is dropped.
            List<Socket> queued = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Socket q = new Socket();
                q.connect(full.getLocalSocketAddress(), 5000);
                queued.add(q);
            }
            String text = TcpTestSupport.DEFAULTS.replace("timeout connect 2s", "timeout connect 30s")
                    + "listen bulk\n    bind 127.0.0.1:" + port + "\n    server s 127.0.0.2:"
                    + full.getLocalPort() + "\n";
            PooledByteBufAllocatorMetric pool = PooledByteBufAllocator.DEFAULT.metric();
            try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1)); Socket s = connect()) {
                long before = pool.usedDirectMemory() + pool.usedHeapMemory();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(payload);
                        s.shutdownOutput();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                long peak = before;
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
                while (System.nanoTime() < until) {
                    // An observation window while the connect is pending, not synchronisation:
                    // without a bound lb reads the 32 MiB within a few milliseconds.
                    peak = Math.max(peak, pool.usedDirectMemory() + pool.usedHeapMemory());
                    Thread.onSpinWait();
                }
                long grown = peak - before;
                assertTrue(grown < 16L * MIB, "lb's buffer memory grew by " + grown / MIB
                        + " MiB while the server connection was pending (reading must stop at a bound)");
                for (Socket q : queued) {
                    full.accept().close();
                    q.close();
                }
                try (Socket server = full.accept()) {
                    server.setSoTimeout(60_000);
                    MessageDigest got = TcpTestSupport.sha256();
                    long total = readInto(server.getInputStream(), new byte[65536], got, Long.MAX_VALUE);
                    writer.get(60, TimeUnit.SECONDS);
                    MessageDigest sent = TcpTestSupport.sha256();
                    sent.update(payload);
                    assertEquals(size, total, "every byte reached the server, then the client's FIN");
                    assertEquals(TcpTestSupport.hex(sent), TcpTestSupport.hex(got),
                            "the bytes arrived in order");
                }
            }
        }
    }

    @Test
    void anIdleTunnelIsClosedAfterTimeoutTunnel() throws Exception {
        String a = servers.named("127.0.0.2", "a");
        String text = TcpTestSupport.DEFAULTS + "    timeout tunnel 300ms\n" + "listen db\n    bind 127.0.0.1:"
                + port
                + "\n    server a " + a + "\n";
        try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1)); Socket s = connect()) {
            s.setSoTimeout(20_000);
            BufferedReader in = reader(s);
            assertEquals("a", in.readLine());
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", in.readLine(), "relayed while active");
            assertEquals(-1, in.read(), "lb closes the idle tunnel (a read timeout here means it never did)");
        }
    }

    @Test
    void aConnectionNoServerTakesIsClosedAfterTheRetries() throws Exception {
        String text = TcpTestSupport.DEFAULTS + "listen db\n    bind 127.0.0.1:" + port + "\n"
                + "    server gone1 127.0.0.2:" + FreePort.on("127.0.0.2") + "\n"
                + "    server gone2 127.0.0.3:" + FreePort.on("127.0.0.3") + "\n";
        try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1)); Socket s = connect()) {
            assertEquals(-1, s.getInputStream().read(), "closed once every attempt was refused");
        }
    }

    /**
     * The socket of a refused connect attempt is closed at once: left open, it kept reporting
     * EPOLLHUP, spun the event loop and leaked its descriptor (one per refused attempt; the refusing
     * server is then avoided for 2 s, so here one).
     */
    @Test
    void theSocketOfARefusedAttemptIsClosed() throws Exception {
        String echo = servers.echo("127.0.0.3", "echo");
        String text = TcpTestSupport.DEFAULTS + "listen db\n    bind 127.0.0.1:" + port + "\n"
                + "    server gone 127.0.0.2:" + FreePort.on("127.0.0.2") + "\n    server echo " + echo + "\n";
        try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1))) {
            long before = openSockets();
            for (int i = 0; i < 20; i++) {
                try (Socket s = connect()) {
                    s.getOutputStream().write(new byte[100]);
                    new DataInputStream(s.getInputStream()).readFully(new byte[100]);
                }
            }
            var frontend = lb.table().frontends().get(0).counters();
            dev.lb.core.testing.Await.until("the connections closed", Duration.ofSeconds(10),
                    () -> frontend.currentSessions() == 0);
            assertTrue(lb.table().backend("db").orElseThrow().counters().connectErrors() > 0,
                    "some attempts went to the refusing server first");
            dev.lb.core.testing.Await.until("lb's sockets back to " + before,
                    Duration.ofSeconds(10), () -> openSockets() <= before,
                    () -> openSockets() + " sockets open");
        }
    }

    /** Sockets open in this JVM (lb runs in it), from /proc/self/fd. */
    private static long openSockets() {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(f -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(f).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void inspectionEndsAtTheFirstNonTlsByteOrAtTheInspectDelay() throws Exception {
        String tls = servers.named("127.0.0.2", "tls");
        String plain = servers.named("127.0.0.3", "plain");
        String text = TcpTestSupport.DEFAULTS + "frontend in\n    bind 127.0.0.1:" + port + "\n"
                + "    tcp-request inspect-delay 300ms\n"
                + "    use_backend tls if { req_ssl_sni -i a.example.com }\n"
                + "    default_backend plain\n"
                + "backend tls\n    server t " + tls + "\n"
                + "backend plain\n    server p " + plain + "\n";
        try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1))) {
            try (Socket s = connect()) {
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = reader(s);
                assertEquals("plain", in.readLine(), "not TLS: routed by the other rules at once");
                assertEquals("hello", in.readLine(), "the inspected bytes are replayed to the server");
            }
            try (Socket s = connect()) {
                assertEquals("plain", reader(s).readLine(), "a silent client is routed when the delay ends");
            }
            assertEquals(0, servers.accepted("tls"));
        }
    }

    @Test
    void proxyProtocolIsDecodedOnAcceptProxyBindsAndSentToServers() throws Exception {
        String v1 = servers.start("127.0.0.2", "v1", (s, in) -> reportProxyHeader(s, in));
        String v2 = servers.start("127.0.0.3", "v2", (s, in) -> reportProxyHeader(s, in));
        int port2 = FreePort.on("127.0.0.1");
        String text = TcpTestSupport.DEFAULTS
                + "listen one\n    bind 127.0.0.1:" + port + " accept-proxy\n"
                + "    server v1 " + v1 + " send-proxy\n"
                + "listen two\n    bind 127.0.0.1:" + port2 + "\n    server v2 " + v2 + " send-proxy-v2\n";
        try (LbServer lb = TcpTestSupport.start(cfg, text, Duration.ofSeconds(1))) {
            try (Socket s = connect()) {
                s.getOutputStream().write("PROXY TCP4 192.0.2.7 127.0.0.1 5555 6666\r\nhello\n"
                        .getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals("v1 192.0.2.7 5555 127.0.0.1 6666", in.readLine(),
                        "the server got the address the front proxy reported, in a v1 header");
                assertEquals("hello", in.readLine(), "then the client's bytes");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port2), 5000);
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals("v2 127.0.0.1 " + s.getLocalPort() + " 127.0.0.1 " + port2, in.readLine(),
                        "the server got the client's own address in a v2 header");
                assertEquals("hello", in.readLine(), "then the client's bytes");
            }
        }
    }

    /** Reads a PROXY header (v1 or v2, TCP4), answers with what it said, then echoes the rest. */
    private static void reportProxyHeader(Socket s, InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        OutputStream out = s.getOutputStream();
        int first = in.readUnsignedByte();
        String report;
        if (first == 'P') {
            StringBuilder line = new StringBuilder("P");
            int c;
            while ((c = in.read()) != '\n' && c >= 0) {
                line.append((char) c);
            }
            String[] w = line.toString().trim().split(" ");
            report = "v1 " + w[2] + " " + w[4] + " " + w[3] + " " + w[5];
        } else {
            byte[] rest = new byte[15];
            in.readFully(rest);
            int len = ((rest[13] & 0xff) << 8) | (rest[14] & 0xff);
            byte[] addr = new byte[len];
            in.readFully(addr);
            report = "v2 " + ip(addr, 0) + " " + port(addr, 8) + " " + ip(addr, 4) + " " + port(addr, 10);
        }
        out.write((report + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        TcpServers.copy(in, out);
    }

    private static String ip(byte[] a, int i) {
        return (a[i] & 0xff) + "." + (a[i + 1] & 0xff) + "." + (a[i + 2] & 0xff) + "." + (a[i + 3] & 0xff);
    }

    private static int port(byte[] a, int i) {
        return ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
    }

    private String listen(String server) {
        return TcpTestSupport.DEFAULTS + "listen bulk\n    bind 127.0.0.1:" + port + "\n    server s " + server
                + "\n";
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(60_000);
        return s;
    }

    private String greeting() throws IOException {
        try (Socket s = connect()) {
            return reader(s).readLine();
        }
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** Reads up to {@code limit} bytes (or to the end), into the digest; returns how many. */
    private static long readInto(InputStream in, byte[] buf, MessageDigest d, long limit) throws IOException {
        long total = 0;
        while (total < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - total));
            if (n < 0) {
                break;
            }
            d.update(buf, 0, n);
            total += n;
        }
        return total;
    }
}
