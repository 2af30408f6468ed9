package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.server.testing.UpgradeDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary upgrade refuses no connection: a second lb binds the same port (SO_REUSEPORT), the
 * first gets SIGTERM with a request in flight, and clients opening connections all along are
 * all answered. It runs in a network namespace of its own so that it can turn on
 * {@code net.ipv4.tcp_migrate_req} (Linux 5.14+) there, which hands connections still queued
 * on the closed socket to the new process instead of resetting them; the host's setting is
 * left alone. The scenario itself is {@link UpgradeDriver}.
 */
class UpgradeIT {

    @TempDir
    Path dir;

    private final String netns = "lb-upgrade-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());

    @BeforeEach
    void createNamespace() throws Exception {
        run("ip", "netns", "add", netns);
        run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
        run("ip", "netns", "exec", netns, "sysctl", "-q", "-w", "net.ipv4.tcp_migrate_req=1");
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        run("ip", "netns", "delete", netns);
    }

    @Test
    void aSecondProcessTakesOverWhileTheFirstDrains() throws Exception {
        Process driver = new ProcessBuilder("ip", "netns", "exec", netns, "java",
                "-cp", System.getProperty("java.class.path"), UpgradeDriver.class.getName(),
                Path.of("target", "lb.jar").toAbsolutePath().toString(), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(driver.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(driver.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, driver.exitValue(), "the scenario did not run through:\n" + out);
        System.out.println(out);
        Map<String, String> facts = facts(out);

        assertEquals("0", facts.get("failed"), "connections failed during the upgrade:\n" + out);
        assertEquals("true", facts.get("old_exited"), out);
        assertEquals("0", facts.get("old_exit"), "the old process exits 0 after draining:\n" + out);
        assertEquals("200", facts.get("inflight_status"),
                "the request in flight at SIGTERM completes:\n" + out);
        assertEquals("old", facts.get("inflight_backend"), out);
        assertTrue(Long.parseLong(facts.get("answers_from_old")) > 0,
                "both processes served while they shared the port:\n" + out);
        assertEquals(facts.get("after_exit"), facts.get("after_exit_from_new"),
                "after the old process exited, the new one answers everything:\n" + out);
    }

    private static Map<String, String> facts(String out) {
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("failure=")) {
                facts.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return facts;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (netns needs root and "
                    + "iproute2):\n" + out);
        }
    }
}
