package dev.lb.core.balance;

import dev.lb.core.table.Server;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What every algorithm shares: which servers may be chosen at all, and the order of preference
 * around the algorithm's own pick. Subclasses only choose among the active servers.
 *
 * <p>Preference: an active server other than {@code avoid}; else {@code avoid} itself if it is
 * active and usable (HAProxy turns to backups only when no active server is up, and a server
 * that failed for one request is still up unless it was marked failing); else the first usable
 * backup in declaration order (HAProxy without {@code option allbackups}); else {@code null}.
 */
abstract class PoolBalancer implements Balancer {

    /** Servers eligible for the algorithm: not backup, not disabled, weight above 0. */
    protected final Server[] active;
    private final Server[] backups;

    PoolBalancer(List<Server> servers) {
        List<Server> a = new ArrayList<>();
        List<Server> b = new ArrayList<>();
        for (Server s : servers) {
            // Disabled and weight-0 servers are never chosen, so they are not even candidates.
            if (s.disabled() || s.weight() <= 0) {
                continue;
            }
            (s.backup() ? b : a).add(s);
        }
        this.active = a.toArray(new Server[0]);
        this.backups = b.toArray(new Server[0]);
    }

    @Override
    public final Server choose(InetAddress source, Server avoid) {
        if (active.length > 0) {
            Server s = pick(source, avoid);
            if (s != null) {
                return s;
            }
            if (avoid != null && !avoid.backup() && avoid.usable() && contains(active, avoid)) {
                return avoid;
            }
        }
        Server fallback = null;
        for (Server s : backups) {
            if (s.usable()) {
                if (s != avoid) {
                    return s;
                }
                fallback = s;
            }
        }
        return fallback;
    }

    /** A usable active server other than {@code avoid}, or {@code null}. {@link #active} is not empty. */
    protected abstract Server pick(InetAddress source, Server avoid);

    /** Whether {@code s} may be picked now: usable and not the one to avoid. */
    protected static boolean eligible(Server s, Server avoid) {
        return s != avoid && s.usable();
    }

    /** A usable server other than {@code avoid}, scanning {@link #active} once from {@code start}. */
    protected final Server scanFrom(int start, Server avoid) {
        int n = active.length;
        for (int i = 0; i < n; i++) {
            Server s = active[(start + i) % n];
            if (eligible(s, avoid)) {
                return s;
            }
        }
        return null;
    }

    private static boolean contains(Server[] servers, Server s) {
        for (Server x : servers) {
            if (x == s) {
                return true;
            }
        }
        return false;
    }
}
