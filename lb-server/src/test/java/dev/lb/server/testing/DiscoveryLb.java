package dev.lb.server.testing;

import dev.lb.core.testing.FreePort;
import dev.lb.http.RawHttpClient;
import dev.lb.server.LbServer;
import dev.lb.server.ProcessConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An lb driven by discovery sources for tests: its lb.conf names the etcd endpoint, the DNS
 * server and a short {@code hold valid}; HTTP services listen on a free loopback port, the
 * admin plane too. Requests go through real sockets, one connection per request.
 */
public final class DiscoveryLb implements AutoCloseable {

    private final LbServer server;
    private final InetSocketAddress http;

    private DiscoveryLb(LbServer server, InetSocketAddress http) {
        this.server = server;
        this.http = http;
    }

    /**
     * Starts lb with instance id {@code id}; {@code etcd} ({@code http://host:port}) and
     * {@code dns} may be null; {@code files} are haproxy.cfg files served beside the sources.
     */
    public static DiscoveryLb start(String id, String etcd, InetSocketAddress dns, List<Path> files,
            String extraConf) {
        try {
            int port = FreePort.on("127.0.0.1");
            Path dir = Files.createTempDirectory("lb-discovery");
            StringBuilder conf = new StringBuilder();
            conf.append("lb.id = \"").append(id).append("\"\n");
            conf.append("lb.http.bind = \"127.0.0.1:").append(port).append("\"\n");
            conf.append("lb.admin.bind = \"127.0.0.1:").append(FreePort.on("127.0.0.1")).append("\"\n");
            conf.append("lb.admin.socket = \"").append(dir.resolve("admin.sock")).append("\"\n");
            conf.append("lb.dns.hold-valid = 200ms\n");
            conf.append("lb.drain-timeout = 1s\n");
            if (etcd != null) {
                conf.append("lb.etcd.endpoints = \"").append(etcd).append("\"\n");
            }
            if (dns != null) {
                conf.append("lb.dns.servers = \"").append(dns.getAddress().getHostAddress()).append(':')
                        .append(dns.getPort()).append("\"\n");
            }
            conf.append(extraConf);
            Path confFile = dir.resolve("lb.conf");
            Files.writeString(confFile, conf);
            ProcessConfig config = ProcessConfig.load(Optional.of(confFile), Map.of()).withFiles(files);
            return new DiscoveryLb(LbServer.start(config), new InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ProcessConfig.Invalid | LbServer.StartupException e) {
            throw new IllegalStateException(e);
        }
    }

    public LbServer server() {
        return server;
    }

    /** lb.http.bind, where the etcd HTTP services are served. */
    public InetSocketAddress http() {
        return http;
    }

    /** One request on a fresh connection. */
    public RawHttpClient.Response get(String host, String path) throws IOException {
        return get(http, host, path);
    }

    public static RawHttpClient.Response get(InetSocketAddress to, String host, String path)
            throws IOException {
        try (RawHttpClient c = new RawHttpClient(to)) {
            return c.get(path, host);
        }
    }

    /** The backend that answers {@code host path} now, {@code "503"} and the like for lb's own answers. */
    public String backendFor(String host, String path) {
        return backendAt(http, host, path);
    }

    /** As {@link #backendFor}, for any listener (a TCP service, a file's frontend, another lb). */
    public static String backendAt(InetSocketAddress to, String host, String path) {
        try {
            RawHttpClient.Response r = get(to, host, path);
            String b = r.header("X-Backend");
            return b != null ? b : String.valueOf(r.status());
        } catch (IOException e) {
            return "connection error: " + e.getMessage();
        }
    }

    /** Waits until {@code host path} reaches one of {@code expected}; returns what answered. */
    public String awaitBackend(String host, String path, Duration timeout, String... expected) {
        List<String> want = List.of(expected);
        List<String> seen = new ArrayList<>();
        dev.lb.core.testing.Await.until(host + path + " routed to " + want, timeout, () -> {
            String b = backendFor(host, path);
            seen.add(b);
            return want.contains(b);
        }, () -> "answers seen: " + seen.subList(Math.max(0, seen.size() - 5), seen.size())
                + "; sources: " + server.sourceStates());
        return seen.get(seen.size() - 1);
    }

    @Override
    public void close() {
        server.stop(Duration.ofMillis(200));
    }
}
