package dev.lb.server.testing;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.ExternalProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's real {@code haproxy}, started in the foreground ({@code -db}) on a configuration a test
 * wrote, for differential tests: the same file served by HAProxy and by lb must route alike.
 */
public final class HaproxyProcess implements AutoCloseable {

    private final ExternalProcess process;

    private HaproxyProcess(ExternalProcess process) {
        this.process = process;
    }

    /** Writes {@code config} to {@code dir}, starts haproxy on it and waits for {@code port}. */
    public static HaproxyProcess start(Path dir, String config, InetSocketAddress waitFor) {
        Path cfg = dir.resolve("haproxy.cfg");
        try {
            Files.writeString(cfg, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalProcess p = ExternalProcess.start(dir, List.of("haproxy", "-db", "-f", cfg.toString()));
        try {
            Await.until("haproxy listening on " + waitFor, Duration.ofSeconds(15),
                    () -> !p.alive() || accepts(waitFor));
            if (!p.alive()) {
                throw new IllegalStateException("haproxy exited: " + p.log());
            }
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw e;
        }
        return new HaproxyProcess(p);
    }

    public String log() {
        return process.log();
    }

    static boolean accepts(InetSocketAddress a) {
        try (Socket s = new Socket()) {
            s.connect(a, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
