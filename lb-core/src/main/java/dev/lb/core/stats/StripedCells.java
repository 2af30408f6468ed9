package dev.lb.core.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cells of one stats row, one copy (stripe) per counting thread, summed on read. Threads
 * get stripes round robin when they first count, so the event loops (the threads that count)
 * each write their own cache lines, and a request's updates of a row land on one stripe rather
 * than on a dozen shared objects. Updates are atomic, so threads that share a stripe (when more
 * threads count than there are stripes) stay exact; they only contend. Stripes are allocated on
 * first use, padded so that neighbouring stripes (of this or any other row) never share a cache
 * line.
 */
final class StripedCells {

    /** Stripes per row: a power of two, several per core, as event loops are a few per core. */
    static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());
    /** Longs of padding before and after a stripe's cells: 128 bytes, two cache lines. */
    private static final int PAD = 16;
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(long[][].class);
    /** Threads are told apart by their id modulo this; threads that collide share a stripe. */
    private static final int THREAD_SLOTS = 1 << 12;
    /**
     * Each thread's stripe plus one, by thread id modulo {@link #THREAD_SLOTS}; 0 until the
     * thread first counts. Written once per thread, read on every count: it stays in every
     * core's cache. Racy on purpose: a thread always sees its own entry, and two threads with
     * the same entry just share a stripe.
     */
    private static final char[] STRIPE_OF_THREAD = new char[THREAD_SLOTS];
    private static final AtomicInteger NEXT_STRIPE = new AtomicInteger();

    private final int width;
    private final long[][] stripes = new long[STRIPES][];

    /** Cells numbered {@code 0..width-1}, all starting at 0. */
    StripedCells(int width) {
        this.width = width;
    }

    static int stripes(int cores) {
        return Math.min(1024, Math.max(8, Integer.highestOneBit(Math.max(1, 4 * cores - 1)) << 1));
    }

    /** The calling thread's stripe index. */
    static int index() {
        int slot = (int) Thread.currentThread().getId() & (THREAD_SLOTS - 1);
        int stripe = STRIPE_OF_THREAD[slot];
        return stripe != 0 ? stripe - 1 : assign(slot);
    }

    private static int assign(int slot) {
        int stripe = NEXT_STRIPE.getAndIncrement() & (STRIPES - 1);
        STRIPE_OF_THREAD[slot] = (char) (stripe + 1);
        return stripe;
    }

    // ---- counting: on the calling thread's stripe ----------------------------------------

    /** The calling thread's stripe, for the static operations below. */
    long[] local() {
        int i = index();
        long[] s = stripes[i];
        return s != null ? s : create(i);
    }

    private long[] create(int i) {
        long[] fresh = new long[PAD + width + PAD];
        Object won = STRIPE.compareAndExchange(stripes, i, (long[]) null, fresh);
        return won == null ? fresh : (long[]) won;
    }

    static void add(long[] stripe, int cell, long n) {
        CELL.getAndAdd(stripe, PAD + cell, n);
    }

    /** Adds {@code n} and returns the new value. */
    static long addAndGet(long[] stripe, int cell, long n) {
        return (long) CELL.getAndAdd(stripe, PAD + cell, n) + n;
    }

    static long get(long[] stripe, int cell) {
        return (long) CELL.getOpaque(stripe, PAD + cell);
    }

    static void set(long[] stripe, int cell, long value) {
        CELL.setOpaque(stripe, PAD + cell, value);
    }

    static boolean compareAndSet(long[] stripe, int cell, long expected, long value) {
        return CELL.compareAndSet(stripe, PAD + cell, expected, value);
    }

    static long getAndSet(long[] stripe, int cell, long value) {
        return (long) CELL.getAndSet(stripe, PAD + cell, value);
    }

    /** Raises the cell to {@code value} if it is lower. */
    static void raise(long[] stripe, int cell, long value) {
        long v = get(stripe, cell);
        while (value > v && !compareAndSet(stripe, cell, v, value)) {
            v = get(stripe, cell);
        }
    }

    // ---- reading: across stripes ---------------------------------------------------------

    /** Stripe {@code i}, or null if no thread has counted into it yet. */
    long[] stripe(int i) {
        return (long[]) STRIPE.getAcquire(stripes, i);
    }

    /** The cell summed over all stripes. */
    long sum(int cell) {
        long sum = 0;
        for (int i = 0; i < STRIPES; i++) {
            long[] s = stripe(i);
            if (s != null) {
                sum += get(s, cell);
            }
        }
        return sum;
    }

    /** The highest value of the cell over all stripes (0 if none). */
    long max(int cell) {
        long max = 0;
        for (int i = 0; i < STRIPES; i++) {
            long[] s = stripe(i);
            if (s != null) {
                max = Math.max(max, get(s, cell));
            }
        }
        return max;
    }
}
