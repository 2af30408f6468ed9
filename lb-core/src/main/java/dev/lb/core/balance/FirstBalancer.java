package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.util.List;

/**
 * {@code balance first}: the first server in declaration order that is usable and under its
 * {@code maxconn}, so that the others can be scaled down when idle (configuration manual,
 * "balance first").
 */
final class FirstBalancer extends PoolBalancer {

    FirstBalancer(List<Server> servers) {
        super(servers);
    }

    @Override
    protected Server pick(InetAddress source, Server avoid) {
        return scanFrom(0, avoid);
    }
}
