package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Servers and pick counting for balancer tests. */
final class TestServers {

    private static int nextPort = 10_000;

    private TestServers() {
    }

    static Server.Builder server(String name) {
        return Server.builder(name, new InetSocketAddress("127.0.0.1", nextPort++));
    }

    static Server weighted(String name, int weight) {
        return server(name).weight(weight).build();
    }

    /** The names of {@code n} successive picks. */
    static List<String> picks(Balancer balancer, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Server s = balancer.choose(null, null);
            out.add(s == null ? null : s.name());
        }
        return out;
    }

    static Map<String, Integer> counts(List<String> picks) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String p : picks) {
            counts.merge(p, 1, Integer::sum);
        }
        return counts;
    }

    static void markFailed(Server s) {
        s.state().markFailed(60_000_000_000L);
    }
}
