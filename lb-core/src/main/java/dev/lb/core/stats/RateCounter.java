package dev.lb.core.stats;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Events per second, as HAProxy's {@code freq_ctr}: the count of the current second plus the
 * previous second's count weighted by the part of it still inside the sliding one-second
 * window. Each counting thread keeps its own second, count and previous count in its stripe
 * of {@link StripedCells}; the rate is the sum of the stripes' rates. A stripe turns its
 * second over when it counts in a later one; a few events racing that turn (only threads
 * sharing a stripe can) may land in the neighbouring second: these are statistics. Also keeps
 * the highest full-second count seen ({@code *_max}), totalled over the stripes when a stripe
 * turns (at most once a second per stripe, the only time a writer reads other stripes).
 */
public final class RateCounter {

    /** Cells a rate takes in a row's {@link StripedCells}. */
    static final int WIDTH = 3;
    private static final long SECOND = 1_000_000_000L;
    /**
     * Seconds are counted from well before this class loaded, so that any second a caller
     * stamps is positive and a stripe's 0 means "never counted".
     */
    private static final long ORIGIN = System.nanoTime() / SECOND - (1L << 20);
    /** Offsets from {@link #base}: the stripe's second, its count, the previous second's count. */
    private static final int AT = 0;
    private static final int COUNT = 1;
    private static final int PREVIOUS = 2;

    private final StripedCells cells;
    private final int base;
    private final AtomicLong max = new AtomicLong();

    /** A rate of its own. */
    public RateCounter() {
        this(new StripedCells(WIDTH), 0);
    }

    /** A rate in cells {@code base..base+2} of a row's stripes. */
    RateCounter(StripedCells cells, int base) {
        this.cells = cells;
        this.base = base;
    }

    public void add() {
        add(System.nanoTime());
    }

    /** Counts one event at {@code nowNanos} ({@link System#nanoTime()}), for callers that have the time. */
    public void add(long nowNanos) {
        add(cells.local(), nowNanos);
    }

    /** Counts one event at {@code nowNanos} in {@code stripe}, the calling thread's. */
    void add(long[] stripe, long nowNanos) {
        long second = nowNanos / SECOND - ORIGIN;
        long at = StripedCells.get(stripe, base + AT);
        // Only forward: an event stamped a little earlier than the last one counts in this second.
        if (second > at) {
            turn(stripe, at, second);
        }
        StripedCells.add(stripe, base + COUNT, 1);
    }

    private void turn(long[] stripe, long at, long second) {
        if (StripedCells.compareAndSet(stripe, base + AT, at, second)) {
            // A stripe's first second: what it holds was counted by threads racing this turn.
            long last = at == 0 ? 0 : StripedCells.getAndSet(stripe, base + COUNT, 0);
            StripedCells.set(stripe, base + PREVIOUS, second == at + 1 ? last : 0);
            if (at != 0) {
                max.accumulateAndGet(countIn(at), Math::max);
            }
        }
    }

    /** Events of {@code second} over all stripes, as far as their owners have counted it. */
    private long countIn(long second) {
        long n = 0;
        for (int i = 0; i < StripedCells.STRIPES; i++) {
            long[] s = cells.stripe(i);
            if (s == null) {
                continue;
            }
            long at = StripedCells.get(s, base + AT);
            if (at == second) {
                n += StripedCells.get(s, base + COUNT);
            } else if (at == second + 1) {
                n += StripedCells.get(s, base + PREVIOUS);
            }
        }
        return n;
    }

    /** Events over the last second (sliding), as HAProxy's {@code rate} and {@code req_rate}. */
    public long perSecond() {
        long now = System.nanoTime();
        long second = now / SECOND - ORIGIN;
        long into = Math.floorMod(now, SECOND);
        // A stripe that has not counted this second yet holds the previous second's count.
        long current = countIn(second);
        long previous = countIn(second - 1);
        max.accumulateAndGet(current, Math::max);
        return current + (previous * (SECOND - into)) / SECOND;
    }

    /** The highest rate seen. */
    public long max() {
        return Math.max(max.get(), perSecond());
    }
}
