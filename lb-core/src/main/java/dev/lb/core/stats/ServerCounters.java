package dev.lb.core.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * A server's counters: its traffic, as any proxy's, and the history of its health checks
 * ({@code chkfail}, {@code chkdown}, {@code lastchg}, {@code downtime}), which the checker of
 * the server reports.
 */
public final class ServerCounters extends ProxyCounters {

    private final LongAdder failedChecks = new LongAdder();
    private final LongAdder downTransitions = new LongAdder();
    private volatile long lastChangeNanos = createdNanos();
    private volatile long downSinceNanos;
    private volatile long downNanos;

    /** {@code chkfail}: a check failed. */
    public void checkFailed() {
        failedChecks.increment();
    }

    /**
     * The server changed between UP and DOWN (or MAINT and back). Rare, so a lock keeps the
     * downtime arithmetic simple.
     */
    public synchronized void statusChanged(boolean nowDown) {
        long now = System.nanoTime();
        lastChangeNanos = now;
        if (nowDown) {
            downTransitions.increment();
            downSinceNanos = now;
        } else if (downSinceNanos != 0) {
            downNanos += now - downSinceNanos;
            downSinceNanos = 0;
        }
    }

    public long failedChecks() {
        return failedChecks.sum();
    }

    /** {@code chkdown}: UP to DOWN transitions. */
    public long downTransitions() {
        return downTransitions.sum();
    }

    /** {@code lastchg}: seconds since the last change of state (or since the server appeared). */
    public long secondsSinceChange() {
        return (System.nanoTime() - lastChangeNanos) / 1_000_000_000L;
    }

    /** {@code downtime}: seconds spent DOWN in total. */
    public synchronized long secondsDown() {
        long d = downNanos;
        if (downSinceNanos != 0) {
            d += System.nanoTime() - downSinceNanos;
        }
        return d / 1_000_000_000L;
    }
}
