package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.EtcdProcess;
import dev.lb.http.RawHttpClient;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Under continuous traffic, a writer changes services through etcdctl ten times a second (add,
 * change port, remove, re-add). Nothing fails on the service that stays; the churning service
 * answers from one of its backends or, while it is deleted, 503: never a connection error.
 */
class EtcdZeroDowntimeTest {

    @RegisterExtension
    static final EtcdProcess ETCD = new EtcdProcess();

    private static final String P = "/haproxy-churn/services/";

    /** One client on a keep-alive connection, reconnecting when lb closes it after an answer. */
    private static final class Client implements Runnable {
        final String host;
        final AtomicBoolean running;
        final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.net.InetSocketAddress to;

        Client(java.net.InetSocketAddress to, String host, AtomicBoolean running) {
            this.to = to;
            this.host = host;
            this.running = running;
        }

        @Override
        public void run() {
            RawHttpClient c = null;
            while (running.get()) {
                try {
                    if (c == null) {
                        c = new RawHttpClient(to);
                    }
                    RawHttpClient.Response r = c.get("/", host);
                    String b = r.header("X-Backend");
                    answers.computeIfAbsent(b != null ? b : String.valueOf(r.status()), k -> new AtomicLong())
                            .incrementAndGet();
                    String conn = r.header("Connection");
                    if (conn != null && conn.equalsIgnoreCase("close")) {
                        c.close();
                        c = null;
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                    try {
                        if (c != null) {
                            c.close();
                        }
                    } catch (IOException ignored) {
                        // already failed
                    }
                    c = null;
                }
            }
        }
    }

    @Test
    void servicesChangeTenTimesASecondWithoutAFailedRequest() throws Exception {
        try (NamedBackends backends = new NamedBackends()) {
            int p1 = FreePort.on("127.0.0.30");
            int p2 = FreePort.on("127.0.0.30");
            backends.startAt("one", "127.0.0.30", p1);
            backends.startAt("two", "127.0.0.30", p2);
            String stable = backends.start("stable");
            ETCD.etcdctl("put", P + "stable/servers/1", stable);
            ETCD.etcdctl("put", P + "stable/port", "1");
            ETCD.etcdctl("put", P + "stable/domain", "stable.example");
            try (DiscoveryLb lb = DiscoveryLb.start("churn", ETCD.endpoint(), null, List.of(), "")) {
                lb.awaitBackend("stable.example", "/", Duration.ofSeconds(10), "stable");
                AtomicBoolean running = new AtomicBoolean(true);
                Client steady = new Client(lb.http(), "stable.example", running);
                Client churning = new Client(lb.http(), "churn.example", running);
                Thread t1 = new Thread(steady, "steady-client");
                Thread t2 = new Thread(churning, "churn-client");
                t1.start();
                t2.start();
                int ops = 0;
                long start = System.nanoTime();
                try {
                    for (int round = 0; round < 10; round++) {
                        // add (one transaction, as a template's whole service), change port, remove, re-add
                        txn(P + "churn/", "127.0.0.30", p1);
                        ETCD.etcdctl("put", P + "churn/port", String.valueOf(p2));
                        ETCD.etcdctl("del", "--prefix", P + "churn/");
                        txn(P + "churn/", "127.0.0.30", p2);
                        ETCD.etcdctl("del", "--prefix", P + "churn/");
                        ops += 5;
                        pace(start, ops);
                    }
                } finally {
                    running.set(false);
                    t1.join(10_000);
                    t2.join(10_000);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("etcd churn: %d changes in %.1f s; steady %s; churning %s%n", ops, seconds,
                        steady.answers, churning.answers);
                assertEquals(List.of(), steady.failures, "connection errors on the untouched service");
                assertEquals(List.of(), churning.failures, "connection errors on the churning service");
                assertEquals(java.util.Set.of("stable"), steady.answers.keySet());
                assertTrue(java.util.Set.of("one", "two", "503").containsAll(churning.answers.keySet()),
                        churning.answers.toString());
                assertTrue(churning.answers.containsKey("one") || churning.answers.containsKey("two"),
                        "the churning service was reachable at times: " + churning.answers);
                assertTrue(steady.answers.get("stable").get() > 50, steady.answers.toString());
            }
        }
    }

    /** Puts a whole service at once, as one etcd transaction. */
    private static void txn(String prefix, String host, int port) {
        String ops = "\n"
                + "put " + prefix + "servers/1 " + host + "\n"
                + "put " + prefix + "port " + port + "\n"
                + "put " + prefix + "domain churn.example\n"
                + "\n\n";
        ETCD.etcdctlWithInput(ops, "txn");
    }

    /** At most ten changes a second: waits for the writer's own schedule, not for lb. */
    private static void pace(long start, int ops) throws InterruptedException {
        long due = start + ops * 100_000_000L;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
