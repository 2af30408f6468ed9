package dev.lb.server.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients sending GETs back to back, each on its own keep-alive connection, until stopped; an
 * answer that is not 200 (or not the expected body) or a connection error is a failure.
 */
public final class HttpLoad implements AutoCloseable {

    /** One client: its path on 127.0.0.1:port and the body it must get back (null: any body). */
    public record Client(String path, String body) {
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts one thread per client. */
    public HttpLoad(int port, List<Client> clients) {
        for (int i = 0; i < clients.size(); i++) {
            Client c = clients.get(i);
            URI uri = URI.create("http://127.0.0.1:" + port + c.path());
            Thread t = new Thread(() -> run(uri, c), "load-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** {@code n} clients asking for {@code /}, any 200 answer counting. */
    public static HttpLoad onRoot(int port, int n) {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(new Client("/", null));
        }
        return new HttpLoad(port, clients);
    }

    private void run(URI uri, Client c) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        while (running.get()) {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && (c.body() == null || r.body().equals(c.body()))) {
                    ok.incrementAndGet();
                } else {
                    failures.add(c.path() + ": " + r.statusCode() + " " + r.body());
                }
            } catch (IOException | InterruptedException e) {
                failures.add(c.path() + ": " + e);
            }
        }
    }

    public long ok() {
        return ok.get();
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops the clients and waits for their last request. */
    public void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(20_000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
