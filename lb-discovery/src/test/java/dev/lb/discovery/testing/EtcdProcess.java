package dev.lb.discovery.testing;

import dev.lb.core.testing.Await;
import dev.lb.core.testing.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Debian's real {@code etcd} (3.4) on free loopback ports with a temporary data directory, for
 * tests; {@code etcdctl} drives it as users do. As a JUnit 5 extension on a static field
 * ({@code @RegisterExtension static final EtcdProcess ETCD = new EtcdProcess();}) it starts
 * before the class's tests and is removed after them; {@link #stop()} and {@link #start()} take
 * it away and bring it back on the same ports and data.
 */
public final class EtcdProcess implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final long ETCDCTL_TIMEOUT_SECONDS = 30;
    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

    private final int clientPort;
    private final int peerPort;
    private final Path dir;
    private Process process;
    private int starts;

    /** Picks the ports and creates the directory; nothing runs until {@link #start()}. */
    public EtcdProcess() {
        this.clientPort = FreePort.on(HOST);
        this.peerPort = FreePort.on(HOST);
        try {
            this.dir = Files.createTempDirectory("lb-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT}, what jetcd and {@code etcdctl --endpoints} take. */
    public String endpoint() {
        return "http://" + HOST + ":" + clientPort;
    }

    public URI endpointUri() {
        return URI.create(endpoint());
    }

    public int clientPort() {
        return clientPort;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts etcd (again, on the same ports and data) and waits until it answers health checks. */
    public synchronized EtcdProcess start() {
        if (running()) {
            throw new IllegalStateException("etcd is already running on " + endpoint());
        }
        String peer = "http://" + HOST + ":" + peerPort;
        List<String> command = List.of("etcd", "--name", "t", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "t=" + peer, "--initial-cluster-state", "new",
                // elected in ~0.1 s instead of ~1 s (TESTENV.md)
                "--heartbeat-interval=10", "--election-timeout=100",
                "--logger", "zap", "--log-level", "warn");
        Path log = dir.resolve("etcd-" + (++starts) + ".log");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot start etcd (Debian package etcd-server; bin/test installs it)", e);
        }
        Process p = process;
        Await.until("etcd healthy on " + endpoint(), START_TIMEOUT, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("etcd exited with " + p.exitValue() + ": " + read(log));
            }
            return accepts() && healthy();
        }, () -> read(log));
        return this;
    }

    /** Stops etcd as {@code systemctl stop} would (SIGTERM, about 1.5 s) and waits for its exit. */
    public synchronized void stop() {
        end(false);
    }

    /** Kills etcd (SIGKILL: what a crash or a lost machine looks like to clients), waits for it. */
    public synchronized void kill() {
        end(true);
    }

    private void end(boolean force) {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        if (force) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The ports are reused by start(): make sure nothing listens on them any more.
        Await.until("etcd's port " + clientPort + " closed", Duration.ofSeconds(10), () -> !accepts());
    }

    /** Runs {@code etcdctl ARGS} (API v3) against this etcd; stdout, or an error with stderr. */
    public String etcdctl(String... args) {
        return etcdctlWithInput(null, args);
    }

    /**
     * Like {@link #etcdctl(String...)} with {@code input} on stdin, as in
     * {@code etcdctl put KEY < bundle.pem} (a value starting with '-' cannot be an argument).
     */
    public String etcdctlWithInput(String input, String... args) {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoint()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("ETCDCTL_API", "3");
        Path err = null;
        try {
            err = Files.createTempFile(dir, "etcdctl-", ".err");
            Process p = pb.redirectError(err.toFile()).start();
            try (var stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            // etcdctl gives up by itself after its --command-timeout (5 s): reading to the end is bounded.
            String out;
            try (var stdout = p.getInputStream()) {
                out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(ETCDCTL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("etcdctl " + String.join(" ", args) + ": no exit within "
                        + ETCDCTL_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("etcdctl " + String.join(" ", args) + " exited with " + p.exitValue()
                        + ": " + Files.readString(err).trim());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot run etcdctl (Debian package etcd-client; bin/test installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running etcdctl", e);
        } finally {
            if (err != null) {
                err.toFile().delete();
            }
        }
    }

    /** The current revision of the store (etcdctl's JSON header). */
    public long revision() {
        String json = etcdctl("get", "--write-out=json", "--limit=1", "/");
        Matcher m = REVISION.matcher(json);
        if (!m.find()) {
            throw new AssertionError("no revision in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** Kills etcd and deletes its data directory. */
    @Override
    public synchronized void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is not worth failing a test for
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, clientPort), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean healthy() {
        try {
            etcdctl("endpoint", "health", "--command-timeout=1s");
            return true;
        } catch (AssertionError notYet) {
            return false;
        }
    }

    private static String read(Path log) {
        try {
            return "etcd log: " + Files.readString(log);
        } catch (IOException e) {
            return "(no etcd log: " + e + ")";
        }
    }
}
