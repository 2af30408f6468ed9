package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.util.List;

/** Creates the {@link Balancer} for an algorithm and a backend's servers. */
public final class Balancers {

    private Balancers() {
    }

    /**
     * A balancer over {@code servers}, in declaration order. It keeps its own cursor, so a new
     * table starts a new round-robin period; connection counts live in each server's state.
     */
    public static Balancer create(Algorithm algorithm, List<Server> servers) {
        List<Server> copy = List.copyOf(servers);
        return switch (algorithm) {
            case ROUNDROBIN -> new RoundRobinBalancer(copy);
            case LEASTCONN -> new LeastConnBalancer(copy);
            case SOURCE -> new SourceHashBalancer(copy);
            case FIRST -> new FirstBalancer(copy);
        };
    }
}
