package dev.lb.server.testing;

import dev.lb.core.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real {@code haproxy}, started in the foreground ({@code -db}) on a configuration a test
 * wrote, for differential tests: the same file served by HAProxy and by lb must route alike.
 */
public final class HaproxyProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private HaproxyProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Writes {@code config} to {@code dir}, starts haproxy on it and waits for {@code port}. */
    public static HaproxyProcess start(Path dir, String config, InetSocketAddress waitFor) {
        try {
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config);
            Path log = dir.resolve("haproxy.log");
            Process p = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            HaproxyProcess h = new HaproxyProcess(p, log);
            try {
                Await.until("haproxy listening on " + waitFor, Duration.ofSeconds(15),
                        () -> !p.isAlive() || accepts(waitFor));
                if (!p.isAlive()) {
                    throw new IllegalStateException("haproxy exited " + p.exitValue() + ": " + h.log());
                }
            } catch (RuntimeException | AssertionError e) {
                h.close();
                throw e;
            }
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start haproxy (is Debian's haproxy installed?)", e);
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
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
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
