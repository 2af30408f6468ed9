package dev.lb.core.balance;

import static dev.lb.core.balance.TestServers.counts;
import static dev.lb.core.balance.TestServers.markFailed;
import static dev.lb.core.balance.TestServers.picks;
import static dev.lb.core.balance.TestServers.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.table.Server;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {

    @Test
    void weightsInterleaveSmoothlyLikeNginx() {
        Balancer b = Balancers.create(Algorithm.ROUNDROBIN,
                List.of(weighted("a", 5), weighted("b", 1), weighted("c", 1)));
        assertEquals(List.of("a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a"),
                picks(b, 14), "two periods of smooth WRR for weights 5,1,1");
    }

    @Test
    void equalWeightsRotateInDeclarationOrder() {
        Balancer b = Balancers.create(Algorithm.ROUNDROBIN,
                List.of(weighted("a", 1), weighted("b", 1), weighted("c", 1)));
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), picks(b, 6));
    }

    @Test
    void countsFollowWeightsExactlyOverWholePeriods() {
        Balancer b = Balancers.create(Algorithm.ROUNDROBIN,
                List.of(weighted("a", 3), weighted("b", 1), weighted("c", 0)));
        assertEquals(Map.of("a", 3000, "b", 1000), counts(picks(b, 4000)), "weight 0 is never chosen");
    }

    @Test
    void hugeWeightSumsAreScaledButKeepTheirRatio() {
        Server[] servers = new Server[40];
        for (int i = 0; i < servers.length; i++) {
            servers[i] = weighted("s" + i, i % 2 == 0 ? 256 : 128);
        }
        Balancer b = Balancers.create(Algorithm.ROUNDROBIN, List.of(servers));
        Map<String, Integer> c = counts(picks(b, 4000));
        assertEquals(2.0, (double) c.get("s0") / c.get("s1"), 0.1, "ratio of weights 256:128 in " + c);
    }

    @Test
    void failingServersGiveTheirTurnsToTheOthers() {
        Server a = weighted("a", 1);
        Server b = weighted("b", 1);
        Server c = weighted("c", 1);
        Balancer bal = Balancers.create(Algorithm.ROUNDROBIN, List.of(a, b, c));
        markFailed(b);
        assertEquals(Map.of("a", 300, "c", 300), counts(picks(bal, 600)), "b's turns shared, not handed to c");
    }

    @Test
    void survivorsKeepTheirWeightRatio() {
        Server a = weighted("a", 2);
        Server b = weighted("b", 1);
        Server c = weighted("c", 1);
        Balancer bal = Balancers.create(Algorithm.ROUNDROBIN, List.of(a, b, c));
        markFailed(c);
        Map<String, Integer> got = counts(picks(bal, 3000));
        assertEquals(2.0, (double) got.get("a") / got.get("b"), 0.02, "a:b with c down, " + got);
    }

    @Test
    void manyDownServersStillFindTheLastUsableOne() {
        Server[] servers = new Server[50];
        for (int i = 0; i < servers.length; i++) {
            servers[i] = weighted("s" + i, i == 49 ? 1 : 200);
            if (i != 49) {
                markFailed(servers[i]);
            }
        }
        Balancer b = Balancers.create(Algorithm.ROUNDROBIN, List.of(servers));
        assertEquals(Map.of("s49", 100), counts(picks(b, 100)));
    }

    @Test
    void concurrentPicksShareOneSequence() throws InterruptedException {
        Balancer b = Balancers.create(Algorithm.ROUNDROBIN, List.of(weighted("a", 2), weighted("b", 1)));
        int threads = 4;
        int each = 10_000;
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    String name = b.choose(null, null).name();
                    counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                }
            });
            workers[t].start();
        }
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        // 40,000 cursor positions over the period a,b,a: 13,333 periods and one more 'a'.
        assertEquals(26_667, counts.get("a").get(), "picks of a");
        assertEquals(13_333, counts.get("b").get(), "picks of b");
    }
}
