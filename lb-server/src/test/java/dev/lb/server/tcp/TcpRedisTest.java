package dev.lb.server.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lb.core.table.CheckResult;
import dev.lb.core.table.Server;
import dev.lb.server.LbServer;
import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import dev.lb.tcp.TcpProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Debian's redis-server behind lb's TCP listener, driven by redis-benchmark and redis-cli. */
class TcpRedisTest {

    private static final Path REDIS = Path.of("/usr/bin/redis-server");

    @TempDir
    Path dir;

    private Process redis;
    private int redisPort;

    @BeforeEach
    void startRedis() throws Exception {
        assumeTrue(Files.isExecutable(REDIS), "redis-server is not installed (bin/test installs it)");
        redisPort = FreePort.on("127.0.0.2");
        redis = new ProcessBuilder(REDIS.toString(), "--port", Integer.toString(redisPort),
                "--bind", "127.0.0.2",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        Await.until("redis-server accepts connections", Duration.ofSeconds(20),
                () -> accepts("127.0.0.2", redisPort));
    }

    @AfterEach
    void stopRedis() throws Exception {
        System.clearProperty(TcpProxy.SPLICE_PROPERTY);
        if (redis != null) {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "splice={0}")
    @ValueSource(booleans = {false, true})
    void redisBenchmarkAndRedisCliWorkThroughLb(boolean splice) throws Exception {
        System.setProperty(TcpProxy.SPLICE_PROPERTY, Boolean.toString(splice));
        int lbPort = FreePort.on("127.0.0.1");
        String cfg = TcpTestSupport.DEFAULTS + "listen redis\n    bind 127.0.0.1:" + lbPort + "\n"
                + "    server r1 127.0.0.2:" + redisPort + " check inter 1s\n";
        try (LbServer lb = TcpTestSupport.start(dir.resolve("haproxy.cfg"), cfg, Duration.ofSeconds(1))) {
            Server r1 = lb.table().backends().get("redis").servers().get(0);
            Await.until("a health check of the tcp backend's server passed", Duration.ofSeconds(20),
                    () -> r1.state().lastCheck().map(CheckResult::passed).orElse(false));
            Result bench = run("redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(lbPort),
                    "-n", "4000",
                    "-c", "8", "-d", "1024", "-t", "set,get,lpush,lrange_100", "-q");
            assertEquals(0, bench.exit, "redis-benchmark exit status; output:\n" + bench.out);
            String lower = bench.out.toLowerCase(Locale.ROOT);
            assertFalse(lower.contains("error") || lower.contains("err "), "redis-benchmark reported errors:\n"
                    + bench.out);
            assertTrue(bench.out.contains("SET:") && bench.out.contains("GET:")
                    && bench.out.contains("requests per second"), "benchmark results:\n" + bench.out);

            // A 2 MiB value written through lb is what redis holds, read directly.
            byte[] value = new byte[1024 * 1024];
            new Random(4).nextBytes(value);
            String hexValue = java.util.HexFormat.of().formatHex(value);
            Path file = dir.resolve("value");
            Files.writeString(file, hexValue);
            Result set = runWithInput(file, "redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(lbPort),
                    "-x",
                    "set", "big");
            assertEquals("OK", set.out.trim(), "SET through lb");
            Result direct = run("redis-cli", "-h", "127.0.0.2", "-p", Integer.toString(redisPort), "--raw",
                    "strlen", "big");
            assertEquals(Integer.toString(hexValue.length()), direct.out.trim(), "redis holds the whole value");
            Result back = run("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(lbPort), "--raw",
                    "get", "big");
            assertEquals(hexValue, back.out.strip(), "GET through lb returns the value intact");
        }
    }

    private record Result(int exit, String out) {
    }

    private Result run(String... command) throws Exception {
        return runWithInput(null, command);
    }

    private Result runWithInput(Path input, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (input != null) {
            pb.redirectInput(input.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "command finished: " + cmd);
        return new Result(p.exitValue(), out);
    }

    private static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
