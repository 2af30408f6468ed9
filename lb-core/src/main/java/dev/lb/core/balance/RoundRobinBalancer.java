package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code balance roundrobin}: smooth weighted round-robin. All event loops share one atomic
 * cursor into a precomputed {@link SmoothWeightedSequence}; there is no lock and no per-server
 * counter to update. Unusable servers are skipped; the others keep their weight ratio. A
 * weight changed at run time rebuilds the sequence on the next pick.
 */
final class RoundRobinBalancer extends PoolBalancer {

    private final AtomicLong cursor = new AtomicLong();

    RoundRobinBalancer(List<Server> servers) {
        super(servers);
    }

    @Override
    protected Server pick(InetAddress source, Server avoid) {
        int[] sequence = weightedSequence();
        int len = sequence.length;
        if (len == 0) {
            return null;
        }
        // Enough to step over a few down servers; after that a plain scan bounds the cost.
        int probes = Math.min(len, 2 * active.length + 2);
        int at = 0;
        for (int i = 0; i < probes; i++) {
            // A skipped slot uses up its cursor position, rather than handing the turn to the next
            // slot: the down server's slots drop out of the sequence and the others keep their
            // ratio, as when HAProxy takes a down server out of its tree.
            at = (int) Math.floorMod(cursor.getAndIncrement(), (long) len);
            Server s = active[sequence[at]];
            if (eligible(s, avoid)) {
                return s;
            }
        }
        return scanFrom(sequence[at], avoid);
    }
}
