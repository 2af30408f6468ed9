package dev.lb.server.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.testing.FreePort;
import dev.lb.discovery.testing.EtcdProcess;
import dev.lb.http.RawHttpClient;
import dev.lb.server.testing.DiscoveryLb;
import dev.lb.server.testing.NamedBackends;
import dev.lb.server.testing.Propagation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How long an {@code etcdctl put} takes to reach routing: from the moment etcdctl returns to the
 * first request answered by the new table, over many changes. Prints p50/p99 (and writes them to
 * {@code target/etcd-propagation.txt}); asserts only that every change arrived. Change counts and
 * figures: benchmarks/RESULTS.md. {@code -Dlb.propagation.changes=N} runs more changes, and
 * {@code -Dlb.propagation.services=N} puts N more services in the table first.
 */
class EtcdPropagationTest {

    @RegisterExtension
    static final EtcdProcess ETCD = new EtcdProcess();

    @Test
    void everyPutReachesRoutingAndItsDelayIsMeasured() throws Exception {
        int changes = Integer.getInteger("lb.propagation.changes", 60);
        int others = Integer.getInteger("lb.propagation.services", 0);
        try (NamedBackends backends = new NamedBackends()) {
            int p1 = FreePort.on("127.0.0.40");
            int p2 = FreePort.on("127.0.0.40");
            backends.startAt("one", "127.0.0.40", p1);
            backends.startAt("two", "127.0.0.40", p2);
            String prefix = "/haproxy-prop/services/p/";
            ETCD.etcdctl("put", prefix + "servers/1", "127.0.0.40");
            ETCD.etcdctl("put", prefix + "port", String.valueOf(p1));
            ETCD.etcdctl("put", prefix + "domain", "p.example");
            fill(others);
            try (DiscoveryLb lb = DiscoveryLb.start("prop", ETCD.endpoint(), null, List.of(), "");
                    RawHttpClient client = new RawHttpClient(lb.http())) {
                lb.awaitBackend("p.example", "/", Duration.ofSeconds(10), "one");
                List<Long> micros = Propagation.measure(changes, client, "p.example",
                        (i, toTwo) -> ETCD.etcdctl("put", prefix + "port", String.valueOf(toTwo ? p2 : p1)));
                Propagation.report("etcdctl put", others + 1, micros, "etcd-propagation.txt");
                assertEquals(changes, micros.size());
            }
        }
    }

    /** {@code n} more services, written with etcd's Java client: a table of realistic size. */
    private static void fill(int n) throws Exception {
        if (n == 0) {
            return;
        }
        try (io.etcd.jetcd.Client c = io.etcd.jetcd.Client.builder().endpoints(ETCD.endpoint()).build()) {
            List<java.util.concurrent.CompletableFuture<?>> puts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String svc = "/haproxy-prop/services/s" + i + "/";
                puts.add(put(c, svc + "servers/1", "127.0.0.41"));
                puts.add(put(c, svc + "port", "80"));
                puts.add(put(c, svc + "domain", "s" + i + ".example"));
                if (puts.size() > 3000) {
                    java.util.concurrent.CompletableFuture.allOf(puts.toArray(new java.util.concurrent
                            .CompletableFuture[0])).get();
                    puts.clear();
                }
            }
            java.util.concurrent.CompletableFuture.allOf(
                    puts.toArray(new java.util.concurrent.CompletableFuture[0])).get();
        }
    }

    private static java.util.concurrent.CompletableFuture<?> put(io.etcd.jetcd.Client c, String k, String v) {
        return c.getKVClient().put(io.etcd.jetcd.ByteSequence.from(k, java.nio.charset.StandardCharsets.UTF_8),
                io.etcd.jetcd.ByteSequence.from(v, java.nio.charset.StandardCharsets.UTF_8));
    }
}
