package dev.lb.core.balance;

import dev.lb.core.table.Server;
import dev.lb.core.table.ServerState;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
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

    /**
     * The non-backup servers. Disabled and weight-0 servers are candidates too: the runtime API
     * can enable them or give them a weight while this table serves; {@link Server#usable()}
     * keeps them out meanwhile.
     */
    protected final Server[] active;
    private final Server[] backups;
    private volatile Weighted weighted = new Weighted(-1, new int[0]);

    /** A weighted sequence over {@link #active} and the weight-change count it was built at. */
    private record Weighted(long changes, int[] sequence) {
    }

    PoolBalancer(List<Server> servers) {
        List<Server> a = new ArrayList<>();
        List<Server> b = new ArrayList<>();
        for (Server s : servers) {
            (s.backup() ? b : a).add(s);
        }
        this.active = a.toArray(new Server[0]);
        this.backups = b.toArray(new Server[0]);
    }

    /**
     * One period of smooth weighted round-robin over the active servers with a weight above 0,
     * as indexes into {@link #active}; empty when every weight is 0. Rebuilt when a weight was
     * changed at run time, so the common path is one volatile read and a compare.
     */
    protected final int[] weightedSequence() {
        Weighted w = weighted;
        long changes = ServerState.weightChanges();
        if (w.changes() != changes) {
            // Racing rebuilds compute the same thing; the last one stored wins harmlessly.
            w = new Weighted(changes, buildSequence());
            weighted = w;
        }
        return w.sequence();
    }

    private int[] buildSequence() {
        int[] index = new int[active.length];
        int[] weights = new int[active.length];
        int n = 0;
        for (int i = 0; i < active.length; i++) {
            int weight = active[i].effectiveWeight();
            if (weight > 0) {
                index[n] = i;
                weights[n++] = weight;
            }
        }
        int[] seq = SmoothWeightedSequence.of(Arrays.copyOf(weights, n));
        for (int i = 0; i < seq.length; i++) {
            seq[i] = index[seq[i]];
        }
        return seq;
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
