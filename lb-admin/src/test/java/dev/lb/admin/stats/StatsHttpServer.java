package dev.lb.admin.stats;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lb.admin.AdminStatus;
import dev.lb.admin.StatsPage;
import dev.lb.admin.StatsView;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * A test-only HTTP server for a {@link StatsView}, with the admin plane's routes: {@code /}
 * (HTML), {@code /;csv} and {@code /?stats;csv} (CSV), {@code /metrics} (Prometheus). The real
 * admin server is lb-admin's Netty one; this lets outside tools (the exporter, Chromium) read
 * the renderings over HTTP.
 */
final class StatsHttpServer implements AutoCloseable {

    private final HttpServer server;

    StatsHttpServer(StatsView view, StatsPage page, Supplier<AdminStatus> status) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            if (path.endsWith(";csv") || "stats;csv".equals(query)) {
                send(ex, "text/csv; charset=utf-8", view.csv());
            } else if (path.equals("/metrics")) {
                send(ex, "text/plain; version=0.0.4; charset=utf-8", view.prometheus());
            } else if (path.equals("/")) {
                send(ex, "text/html; charset=utf-8", view.html(page, status.get()));
            } else {
                ex.sendResponseHeaders(404, -1);
                ex.close();
            }
        });
        server.start();
    }

    private static void send(HttpExchange ex, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {@code http://127.0.0.1:PORT} */
    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
