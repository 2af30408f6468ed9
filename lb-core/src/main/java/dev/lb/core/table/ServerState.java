package dev.lb.core.table;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mutable part of a server: what balancers and the data plane share at run time. It is
 * the only mutable object reachable from a {@link RoutingTable}, and it uses atomics only.
 */
public final class ServerState {

    private final AtomicInteger active = new AtomicInteger();
    private volatile long downUntilNanos;

    /** Connections or requests currently assigned to this server. */
    public int active() {
        return active.get();
    }

    public void acquire() {
        active.incrementAndGet();
    }

    public void release() {
        active.decrementAndGet();
    }

    /**
     * Marks the server as failing for {@code nanos}: balancers skip it meanwhile unless no
     * other server is left. This is lb's passive check; connect failures call it.
     */
    public void markFailed(long nanos) {
        downUntilNanos = System.nanoTime() + nanos;
    }

    /** Whether a recent failure asks balancers to avoid this server. */
    public boolean isFailing() {
        long until = downUntilNanos;
        return until != 0 && System.nanoTime() - until < 0;
    }
}
