package dev.lb.http.check;

import dev.lb.core.table.Backend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.Server;
import dev.lb.core.table.ServerState;
import dev.lb.http.Transport;
import io.netty.channel.EventLoopGroup;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Active health checks for every server with {@code check} in the current table (configuration
 * manual, 5.2 "check"). Checks run on the worker event loops, one schedule per server and no
 * thread of their own; their results mark servers UP or DOWN in {@link ServerState}, which
 * balancers read through {@link Server#usable()}.
 *
 * <p>Call {@link #reconcile} with each published table: servers are matched by their state
 * object, which a reload carries over when the backend, name and address are unchanged, so a
 * kept server keeps its schedule and its UP/DOWN state; a new or moved server starts fresh
 * (UP), and a removed one is no longer checked.
 */
public final class HealthChecker implements AutoCloseable {

    private final Transport transport;
    private final EventLoopGroup loops;
    private Map<ServerState, ServerCheck> checks = new IdentityHashMap<>();
    private boolean closed;

    public HealthChecker(Transport transport, EventLoopGroup loops) {
        this.transport = Objects.requireNonNull(transport);
        this.loops = Objects.requireNonNull(loops);
    }

    /** Starts, keeps or stops checks so that exactly the checked servers of {@code table} are checked. */
    public synchronized void reconcile(RoutingTable table) {
        if (closed) {
            return;
        }
        Map<ServerState, ServerCheck> next = new IdentityHashMap<>();
        for (Backend b : table.backends().values()) {
            for (Server s : b.servers()) {
                // A disabled server is in maintenance: its schedule runs but skips the probes
                // (ServerCheck), so that 'enable server' brings its checks back.
                if (!s.check() || next.containsKey(s.state())) {
                    continue;
                }
                ServerCheck c = checks.remove(s.state());
                if (c == null) {
                    // Not checked until now (new, or 'check' just turned on): forget any old verdict.
                    s.state().resetCheck();
                    c = new ServerCheck(transport, loops.next(), s, b);
                    c.start();
                } else {
                    c.update(s, b);
                }
                next.put(s.state(), c);
            }
        }
        for (ServerCheck gone : checks.values()) {
            gone.stop();
        }
        checks = next;
    }

    /** How many servers are being checked now. */
    public synchronized int checking() {
        return checks.size();
    }

    /** Stops every check. */
    @Override
    public synchronized void close() {
        closed = true;
        for (ServerCheck c : checks.values()) {
            c.stop();
        }
        checks = new IdentityHashMap<>();
    }
}
