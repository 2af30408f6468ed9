package dev.lb.server.testing;

import dev.lb.core.testing.FreePort;
import dev.lb.server.ProcessConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;

/** Process configurations for tests: the defaults, with the admin plane kept off shared addresses. */
public final class TestConfig {

    /**
     * The default configuration, but with the admin plane on a free loopback port and the
     * runtime socket in a fresh temporary directory, instead of *:1936 and /run/lb.
     */
    public static ProcessConfig isolated() {
        try {
            return ProcessConfig.load(Optional.empty(), Map.of()).withAdmin(
                    new InetSocketAddress("127.0.0.1", FreePort.on("127.0.0.1")),
                    Files.createTempDirectory("lb-admin").resolve("admin.sock"));
        } catch (ProcessConfig.Invalid e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestConfig() {
    }
}
