package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.util.List;

/** Creates the {@link Balancer} for an algorithm and a backend's servers. */
public final class Balancers {

    private Balancers() {
    }

    public static Balancer create(Algorithm algorithm, List<Server> servers) {
        // Placeholder until the real balancers land: first usable active server, else backup.
        return (source, avoid) -> {
            for (Server s : servers) {
                if (!s.backup() && s.usable() && s != avoid) {
                    return s;
                }
            }
            for (Server s : servers) {
                if (s.backup() && s.usable() && s != avoid) {
                    return s;
                }
            }
            return null;
        };
    }
}
