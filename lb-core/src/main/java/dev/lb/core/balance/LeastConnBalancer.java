package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code balance leastconn}: the usable server with the fewest active connections per unit of
 * weight. Ties go round-robin (the scan starts one server further each time), as HAProxy does,
 * so that an idle backend does not send everything to its first server.
 */
final class LeastConnBalancer extends PoolBalancer {

    private final AtomicInteger start = new AtomicInteger();

    LeastConnBalancer(List<Server> servers) {
        super(servers);
    }

    @Override
    protected Server pick(InetAddress source, Server avoid) {
        int n = active.length;
        int from = Math.floorMod(start.getAndIncrement(), n);
        Server best = null;
        long bestActive = 0;
        long bestWeight = 1;
        for (int i = 0; i < n; i++) {
            Server s = active[(from + i) % n];
            if (!eligible(s, avoid)) {
                continue;
            }
            long a = s.state().active();
            long w = s.effectiveWeight();
            // a / w < bestActive / bestWeight, without division; strict so the first tie wins.
            if (best == null || a * bestWeight < bestActive * w) {
                best = s;
                bestActive = a;
                bestWeight = w;
            }
        }
        return best;
    }
}
