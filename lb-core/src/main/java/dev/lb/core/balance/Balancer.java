package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetAddress;

/**
 * Picks a server of one backend for a new request (HTTP) or connection (TCP). Built once per
 * table with the backend's servers; called from any event loop, so implementations are
 * lock-free. Active servers are preferred; {@code backup} servers are used only when no
 * active server is usable; {@code disabled} servers are never chosen.
 */
public interface Balancer {

    /**
     * @param source the client's address (for {@code balance source}), may be {@code null}
     * @param avoid a server that just failed for this request (redispatch), or {@code null}
     * @return a usable server, or {@code null} when there is none
     */
    Server choose(InetAddress source, Server avoid);
}
