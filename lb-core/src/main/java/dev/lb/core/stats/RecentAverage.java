package dev.lb.core.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The average of durations over a recent window: the samples of the current and the previous
 * 10-second period. HAProxy averages {@code ctime}, {@code rtime} and {@code ttime} over the last
 * 1024 requests; a time window gives the same "recent" reading without a shared sample ring on
 * the data path. When no sample fell in the window, the last average seen is kept (an idle
 * server keeps showing how fast it last was, as in HAProxy). The maximum is kept too.
 */
public final class RecentAverage {

    private static final long PERIOD = 10_000_000_000L;

    private final LongAdder sum = new LongAdder();
    private final LongAdder count = new LongAdder();
    private final AtomicLong currentPeriod = new AtomicLong(System.nanoTime() / PERIOD);
    private volatile long previousSum;
    private volatile long previousCount;
    private volatile long lastAverage;
    private final AtomicLong max = new AtomicLong();

    /** Adds one sample, in nanoseconds. */
    public void add(long nanos) {
        add(nanos, System.nanoTime());
    }

    /** Adds one sample taken at {@code nowNanos} ({@link System#nanoTime()}). */
    public void add(long nanos, long nowNanos) {
        turn(nowNanos / PERIOD);
        sum.add(nanos);
        count.increment();
        if (nanos > max.get()) {
            max.accumulateAndGet(nanos, Math::max);
        }
    }

    private void turn(long period) {
        long cp = currentPeriod.get();
        if (cp != period && currentPeriod.compareAndSet(cp, period)) {
            long s = sum.sumThenReset();
            long c = count.sumThenReset();
            boolean adjacent = period == cp + 1;
            previousSum = adjacent ? s : 0;
            previousCount = adjacent ? c : 0;
        }
    }

    /** The recent average in nanoseconds; 0 before any sample. */
    public long averageNanos() {
        turn(System.nanoTime() / PERIOD);
        long c = count.sum() + previousCount;
        if (c == 0) {
            return lastAverage;
        }
        long avg = (sum.sum() + previousSum) / c;
        lastAverage = avg;
        return avg;
    }

    /** The longest sample seen, in nanoseconds. */
    public long maxNanos() {
        return max.get();
    }
}
