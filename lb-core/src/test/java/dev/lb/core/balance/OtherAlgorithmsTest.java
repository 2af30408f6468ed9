package dev.lb.core.balance;

import static dev.lb.core.balance.TestServers.markFailed;
import static dev.lb.core.balance.TestServers.server;
import static dev.lb.core.balance.TestServers.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** leastconn, source and first. */
class OtherAlgorithmsTest {

    @Test
    void leastconnPicksFewestConnectionsPerWeight() {
        Server a = weighted("a", 2);
        Server b = weighted("b", 1);
        Balancer bal = Balancers.create(Algorithm.LEASTCONN, List.of(a, b));
        acquire(a, 3);
        acquire(b, 2);
        assertSame(a, bal.choose(null, null), "a has 1.5 per weight, b has 2");
        acquire(a, 2);
        assertSame(b, bal.choose(null, null), "a has 2.5 per weight, b has 2");
    }

    @Test
    void leastconnBreaksTiesRoundRobin() {
        Balancer bal = Balancers.create(Algorithm.LEASTCONN,
                List.of(weighted("a", 1), weighted("b", 1), weighted("c", 1)));
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), TestServers.picks(bal, 6));
    }

    @Test
    void sourceKeepsAClientOnOneServerAndSpreadsClients() throws UnknownHostException {
        List<Server> servers = List.of(weighted("a", 1), weighted("b", 1), weighted("c", 2));
        Balancer bal = Balancers.create(Algorithm.SOURCE, servers);
        Map<String, Integer> perServer = new HashMap<>();
        Map<InetAddress, Server> first = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            InetAddress client = InetAddress.getByName("10.0." + (i / 250) + "." + (i % 250));
            Server s = bal.choose(client, null);
            first.put(client, s);
            perServer.merge(s.name(), 1, Integer::sum);
            assertSame(s, bal.choose(client, null), "same client, same server");
        }
        assertEquals(2.0, (double) perServer.get("c") / perServer.get("a"), 0.25,
                "weights 1,1,2: " + perServer);
        // When a server fails, only its clients move.
        markFailed(servers.get(0));
        Balancer same = Balancers.create(Algorithm.SOURCE, servers);
        for (Map.Entry<InetAddress, Server> e : first.entrySet()) {
            Server now = same.choose(e.getKey(), null);
            if (e.getValue() != servers.get(0)) {
                assertSame(e.getValue(), now, "client " + e.getKey() + " of a healthy server moved");
            } else {
                assertTrue(now != servers.get(0), "client of the failed server stayed on it");
            }
        }
    }

    @Test
    void firstFillsServersInDeclarationOrder() {
        Server a = server("a").maxconn(2).build();
        Server b = server("b").maxconn(2).build();
        Balancer bal = Balancers.create(Algorithm.FIRST, List.of(a, b));
        assertSame(a, bal.choose(null, null));
        acquire(a, 2);
        assertSame(b, bal.choose(null, null), "a is at its maxconn");
        a.state().release();
        assertSame(a, bal.choose(null, null), "a has room again");
    }

    private static void acquire(Server s, int n) {
        for (int i = 0; i < n; i++) {
            s.state().acquire();
        }
    }
}
