package dev.lb.server.testing;

import dev.lb.core.testing.FreePort;
import dev.lb.core.testing.Await;
import dev.lb.http.RawHttpClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A binary upgrade, played out by a separate JVM inside a network namespace (started by
 * {@code UpgradeIT}): lb "old" serves, lb "new" starts on the same ports, the old one gets
 * SIGTERM while a request is in flight and clients keep opening connections. Both processes
 * read the same haproxy.cfg; an environment variable in it gives each its own backend, so
 * every answer says which process served it. Prints the facts as {@code key=value} lines for
 * the test to assert on; decides nothing itself.
 *
 * <p>Arguments: the lb jar, a scratch directory.
 */
public final class UpgradeDriver {

    private record Answer(long atNanos, String backend, String error) {
    }

    public static void main(String[] args) throws Exception {
        String jar = args[0];
        Path dir = Path.of(args[1]);
        try (NamedBackends backends = new NamedBackends()) {
            String oldBackend = backends.start("old");
            String newBackend = backends.start("new");
            int port = FreePort.on("127.0.0.1");
            InetSocketAddress lb = new InetSocketAddress("127.0.0.1", port);
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, "defaults\n    mode http\n    timeout connect 2s\n"
                    + "frontend web\n    bind 127.0.0.1:" + port + "\n    default_backend app\n"
                    + "backend app\n    server s \"${LB_TEST_BACKEND}\"\n");

            Process old = start(jar, cfg, oldBackend, dir, "old");
            Process fresh = null;
            try {
                Await.until("old lb serving", Duration.ofSeconds(30), () -> "old".equals(backendOf(lb)),
                        () -> log(dir, "old"));
                long before = backends.hits("old");
                CompletableFuture<RawHttpClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
                    try (RawHttpClient c = new RawHttpClient(lb)) {
                        return c.get("/slow", "x");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Await.until("slow request at the backend", Duration.ofSeconds(10),
                        () -> backends.hits("old") > before);

                AtomicBoolean stop = new AtomicBoolean();
                ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
                List<Thread> clients = List.of(client(lb, stop, answers), client(lb, stop, answers));
                clients.forEach(Thread::start);

                fresh = start(jar, cfg, newBackend, dir, "new");
                Await.until("new lb sharing the port", Duration.ofSeconds(30),
                        () -> answers.stream().anyMatch(a -> "new".equals(a.backend())), () -> log(dir, "new"));

                old.destroy(); // SIGTERM
                boolean exited = old.waitFor(60, TimeUnit.SECONDS);
                long exitedAt = System.nanoTime();
                Await.until("100 answers after the old lb exited", Duration.ofSeconds(30),
                        () -> answers.stream().filter(a -> a.atNanos() > exitedAt).count() >= 100);
                stop.set(true);
                for (Thread t : clients) {
                    t.join(10_000);
                }
                RawHttpClient.Response slow = inFlight.get(30, TimeUnit.SECONDS);

                List<Answer> all = List.copyOf(answers);
                List<Answer> after = all.stream().filter(a -> a.atNanos() > exitedAt).toList();
                System.out.println("old_exited=" + exited);
                System.out.println("old_exit=" + (exited ? old.exitValue() : -1));
                System.out.println("inflight_status=" + slow.status());
                System.out.println("inflight_backend=" + slow.header("X-Backend"));
                System.out.println("answers=" + all.size());
                System.out.println("failed=" + all.stream().filter(a -> a.error() != null).count());
                all.stream().filter(a -> a.error() != null).limit(5)
                        .forEach(a -> System.out.println("failure=" + a.error()));
                System.out.println("answers_from_old="
                        + all.stream().filter(a -> "old".equals(a.backend())).count());
                System.out.println("after_exit=" + after.size());
                System.out.println("after_exit_from_new=" + after.stream()
                        .filter(a -> "new".equals(a.backend())).count());
            } finally {
                old.destroyForcibly();
                if (fresh != null) {
                    fresh.destroyForcibly();
                }
            }
        }
    }

    private static Process start(String jar, Path cfg, String backend, Path dir, String name)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar, "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("LB_TEST_BACKEND", backend);
        pb.environment().put("LB_ADMIN_BIND", "127.0.0.1:" + FreePort.on("127.0.0.1"));
        pb.environment().put("LB_ADMIN_SOCKET", dir.resolve(name + ".sock").toString());
        return pb.start();
    }

    /** A client that opens a new connection per request until told to stop. */
    private static Thread client(InetSocketAddress lb, AtomicBoolean stop,
            ConcurrentLinkedQueue<Answer> answers) {
        return new Thread(() -> {
            while (!stop.get()) {
                try (RawHttpClient c = new RawHttpClient(lb)) {
                    RawHttpClient.Response r = c.get("/", "x", "Connection: close");
                    answers.add(new Answer(System.nanoTime(), r.header("X-Backend"),
                            r.status() == 200 ? null : "status " + r.status()));
                } catch (IOException | RuntimeException e) {
                    answers.add(new Answer(System.nanoTime(), null, e.toString()));
                }
            }
        }, "upgrade-client");
    }

    private static String backendOf(InetSocketAddress lb) {
        try (RawHttpClient c = new RawHttpClient(lb)) {
            return c.get("/", "x", "Connection: close").header("X-Backend");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String log(Path dir, String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private UpgradeDriver() {
    }
}
