package dev.lb.server.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Real HTTP servers on loopback that answer every request with their own name (header
 * {@code X-Backend} and body, and the path it was asked in {@code X-Path}), so a test can tell
 * which server a proxy picked. Each server
 * gets its own 127.0.0.x address. A path starting with {@code /slow} is answered after
 * {@link #SLOW}, to keep a request in flight.
 */
public final class NamedBackends implements AutoCloseable {

    static {
        // The JDK server writes headers and body apart; with Nagle on, the proxy's delayed ACK
        // holds the body for 40 ms, and every proxied request would take that long.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final Map<String, HttpServer> servers = new LinkedHashMap<>();
    private final Map<String, AtomicLong> hits = new LinkedHashMap<>();
    public static final java.time.Duration SLOW = java.time.Duration.ofMillis(1500);

    private int nextHost = 10;

    /** Starts a server called {@code name}; returns its {@code host:port}. */
    public synchronized String start(String name) {
        return startAt(name, "127.0.0." + nextHost++, 0);
    }

    /**
     * Starts a server called {@code name} on {@code host:port} (0 = any free port); returns its
     * {@code host:port}. For names resolved by DNS, whose servers share one port.
     */
    public synchronized String startAt(String name, String host, int port) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 128);
            AtomicLong count = new AtomicLong();
            s.createContext("/", ex -> {
                count.incrementAndGet();
                ex.getRequestBody().readAllBytes();
                if (ex.getRequestURI().getPath().startsWith("/slow")) {
                    try {
                        Thread.sleep(SLOW.toMillis()); // the backend's behaviour under test, not a wait
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("X-Backend", name);
                ex.getResponseHeaders().add("X-Path", ex.getRequestURI().getRawPath());
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            s.setExecutor(Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "backend-" + name);
                t.setDaemon(true);
                return t;
            }));
            s.start();
            servers.put(name, s);
            hits.put(name, count);
            return host + ":" + s.getAddress().getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized long hits(String name) {
        return hits.get(name).get();
    }

    public synchronized void stop(String name) {
        HttpServer s = servers.remove(name);
        if (s != null) {
            s.stop(0);
        }
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(s -> s.stop(0));
        servers.clear();
    }
}
