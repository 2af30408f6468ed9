package dev.lb.core.stats;

/**
 * The average of durations over a recent window: the samples of the current and the previous
 * 10-second period. HAProxy averages {@code ctime}, {@code rtime} and {@code ttime} over the last
 * 1024 requests; a time window gives the same "recent" reading without a shared sample ring on
 * the data path. Each counting thread sums its samples in its own stripe of
 * {@link StripedCells} and turns its own period; the reader adds the stripes up. When no sample
 * fell in the window, the last average seen is kept (an idle server keeps showing how fast it
 * last was, as in HAProxy). The maximum is kept too, per stripe, and read as the highest.
 */
public final class RecentAverage {

    /** Cells an average takes in a row's {@link StripedCells}. */
    static final int WIDTH = 6;
    private static final long PERIOD = 10_000_000_000L;
    /** Periods are counted from well before this class loaded: a stripe's 0 means "never". */
    private static final long ORIGIN = System.nanoTime() / PERIOD - (1L << 20);
    /** Offsets from {@link #base}. */
    private static final int AT = 0;
    private static final int SUM = 1;
    private static final int COUNT = 2;
    private static final int PREVIOUS_SUM = 3;
    private static final int PREVIOUS_COUNT = 4;
    private static final int MAX = 5;

    private final StripedCells cells;
    private final int base;
    private volatile long lastAverage;

    /** An average of its own. */
    public RecentAverage() {
        this(new StripedCells(WIDTH), 0);
    }

    /** An average in cells {@code base..base+5} of a row's stripes. */
    RecentAverage(StripedCells cells, int base) {
        this.cells = cells;
        this.base = base;
    }

    /** Adds one sample, in nanoseconds. */
    public void add(long nanos) {
        add(nanos, System.nanoTime());
    }

    /** Adds one sample taken at {@code nowNanos} ({@link System#nanoTime()}). */
    public void add(long nanos, long nowNanos) {
        add(cells.local(), nanos, nowNanos);
    }

    /** Adds one sample to {@code stripe}, the calling thread's. */
    void add(long[] stripe, long nanos, long nowNanos) {
        long period = nowNanos / PERIOD - ORIGIN;
        long at = StripedCells.get(stripe, base + AT);
        if (period > at) {
            turn(stripe, at, period);
        }
        StripedCells.add(stripe, base + SUM, nanos);
        StripedCells.add(stripe, base + COUNT, 1);
        if (nanos > StripedCells.get(stripe, base + MAX)) {
            StripedCells.raise(stripe, base + MAX, nanos);
        }
    }

    private void turn(long[] stripe, long at, long period) {
        if (StripedCells.compareAndSet(stripe, base + AT, at, period) && at != 0) {
            // (A stripe's first period: what it holds was added by threads racing this turn.)
            long s = StripedCells.getAndSet(stripe, base + SUM, 0);
            long c = StripedCells.getAndSet(stripe, base + COUNT, 0);
            boolean adjacent = period == at + 1;
            StripedCells.set(stripe, base + PREVIOUS_SUM, adjacent ? s : 0);
            StripedCells.set(stripe, base + PREVIOUS_COUNT, adjacent ? c : 0);
        }
    }

    /** The recent average in nanoseconds; 0 before any sample. */
    public long averageNanos() {
        long period = System.nanoTime() / PERIOD - ORIGIN;
        long sum = 0;
        long count = 0;
        for (int i = 0; i < StripedCells.STRIPES; i++) {
            long[] s = cells.stripe(i);
            if (s == null) {
                continue;
            }
            long at = StripedCells.get(s, base + AT);
            if (at == period || at == period - 1) {
                sum += StripedCells.get(s, base + SUM);
                count += StripedCells.get(s, base + COUNT);
            }
            if (at == period) {
                sum += StripedCells.get(s, base + PREVIOUS_SUM);
                count += StripedCells.get(s, base + PREVIOUS_COUNT);
            }
        }
        if (count == 0) {
            return lastAverage;
        }
        long avg = sum / count;
        lastAverage = avg;
        return avg;
    }

    /** The longest sample seen, in nanoseconds. */
    public long maxNanos() {
        return cells.max(base + MAX);
    }
}
