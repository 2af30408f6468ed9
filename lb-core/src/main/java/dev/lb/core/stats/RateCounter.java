package dev.lb.core.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Events per second, as HAProxy's {@code freq_ctr}: the count of the current second plus the
 * previous second's count weighted by the part of it still inside the sliding one-second
 * window. Adding is a {@link LongAdder} increment and a clock read; the window turns over at
 * most once a second, by whichever thread gets there first (a few events racing that turn may
 * land in the previous second; these are statistics). Also keeps the highest full-second
 * count seen ({@code *_max}).
 */
public final class RateCounter {

    private static final long SECOND = 1_000_000_000L;

    private final LongAdder current = new LongAdder();
    private final AtomicLong currentSecond = new AtomicLong(System.nanoTime() / SECOND);
    private volatile long previous;
    private final AtomicLong max = new AtomicLong();

    public void add() {
        add(System.nanoTime());
    }

    /** Counts one event at {@code nowNanos} ({@link System#nanoTime()}), for callers that have the time. */
    public void add(long nowNanos) {
        turn(nowNanos / SECOND);
        current.increment();
    }

    private void turn(long second) {
        long cs = currentSecond.get();
        if (cs != second && currentSecond.compareAndSet(cs, second)) {
            long last = current.sumThenReset();
            previous = second == cs + 1 ? last : 0;
            max.accumulateAndGet(last, Math::max);
        }
    }

    /** Events over the last second (sliding), as HAProxy's {@code rate} and {@code req_rate}. */
    public long perSecond() {
        long now = System.nanoTime();
        turn(now / SECOND);
        long into = now % SECOND;
        long cur = current.sum();
        long rate = cur + (previous * (SECOND - into)) / SECOND;
        max.accumulateAndGet(cur, Math::max);
        return rate;
    }

    /** The highest rate seen. */
    public long max() {
        return Math.max(max.get(), perSecond());
    }
}
