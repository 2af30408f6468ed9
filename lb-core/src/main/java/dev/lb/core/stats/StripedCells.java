package dev.lb.core.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The cells of one stats row, one copy (stripe) per counting thread, summed on read. A thread
 * gets a stripe of its own when it first counts, so each event loop (the threads that count)
 * writes only its own cache lines, with plain stores: no lock prefix, no line bouncing between
 * cores, and a request's updates of a row land on one stripe rather than on a dozen shared
 * objects. Stripe 0 is shared, with atomic updates, by the threads that find no stripe free
 * (more threads count than there are stripes); the stripe of a thread that ended is taken
 * over by the next thread that needs one. Stripes are allocated on first use, padded so that
 * neighbouring stripes (of this or any other row) never share a cache line.
 */
final class StripedCells {

    /** Stripes per row: a power of two, several per core, as event loops are a few per core. */
    static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());
    /** Longs of padding before and after a stripe's cells: 128 bytes, two cache lines. */
    private static final int PAD = 16;
    /** In the padding: 1 in the shared stripe, whose cells take atomic updates. */
    private static final int SHARED = PAD - 1;
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(long[][].class);
    /** Threads are looked up by their id modulo this. */
    private static final int THREAD_SLOTS = 1 << 12;
    /**
     * The stripe of each thread, by thread id modulo {@link #THREAD_SLOTS}. Written once per
     * thread, read on every count: it stays in every core's cache. Racy on purpose: an entry
     * is trusted only when {@link #OWNERS} confirms it.
     */
    private static final char[] STRIPE_OF_THREAD = new char[THREAD_SLOTS];
    /** The thread that owns each stripe (none for the shared stripe 0); changed under its lock. */
    private static final Thread[] OWNERS = new Thread[STRIPES];
    /** Each thread's stripe, for threads whose {@link #STRIPE_OF_THREAD} entry another has. */
    private static final ThreadLocal<Integer> OWN_STRIPE = ThreadLocal.withInitial(StripedCells::claim);

    private final int width;
    private final long[][] stripes = new long[STRIPES][];

    /** Cells numbered {@code 0..width-1}, all starting at 0. */
    StripedCells(int width) {
        this.width = width;
    }

    static int stripes(int cores) {
        return Math.min(1024, Math.max(8, Integer.highestOneBit(Math.max(1, 4 * cores - 1)) << 1));
    }

    /** The calling thread's stripe index: its own, or 0 (shared). */
    static int index() {
        Thread t = Thread.currentThread();
        int slot = (int) t.getId() & (THREAD_SLOTS - 1);
        int stripe = STRIPE_OF_THREAD[slot];
        return OWNERS[stripe] == t ? stripe : lookUp(slot);
    }

    private static int lookUp(int slot) {
        int stripe = OWN_STRIPE.get();
        if (stripe != 0) {
            // Take the entry, unless a live thread with the same slot holds it: then this
            // thread keeps finding its stripe here, a little slower (ids 4096 apart, both live).
            Thread holder = OWNERS[STRIPE_OF_THREAD[slot]];
            if (holder == null || ((int) holder.getId() & (THREAD_SLOTS - 1)) != slot
                    || !holder.isAlive()) {
                STRIPE_OF_THREAD[slot] = (char) stripe;
            }
        }
        return stripe;
    }

    /**
     * A stripe for the calling thread: a free one, or one whose owner ended (its writes happen
     * before {@link Thread#isAlive()} returns false, so the cells are carried on exactly), or
     * the shared one.
     */
    private static int claim() {
        synchronized (OWNERS) {
            for (int i = 1; i < STRIPES; i++) {
                Thread owner = OWNERS[i];
                if (owner == null || !owner.isAlive()) {
                    OWNERS[i] = Thread.currentThread();
                    return i;
                }
            }
        }
        return 0;
    }

    // ---- counting: on the calling thread's stripe ----------------------------------------

    /** The calling thread's stripe, for the static operations below. */
    long[] local() {
        int i = index();
        // Acquire: a stripe another thread created is seen with its SHARED mark.
        long[] s = (long[]) STRIPE.getAcquire(stripes, i);
        return s != null ? s : create(i);
    }

    private long[] create(int i) {
        long[] fresh = new long[PAD + width + PAD];
        fresh[SHARED] = i == 0 ? 1 : 0;
        Object won = STRIPE.compareAndExchange(stripes, i, (long[]) null, fresh);
        return won == null ? fresh : (long[]) won;
    }

    static void add(long[] stripe, int cell, long n) {
        addAndGet(stripe, cell, n);
    }

    /** Adds {@code n} and returns the new value. */
    static long addAndGet(long[] stripe, int cell, long n) {
        if (stripe[SHARED] != 0) {
            return (long) CELL.getAndAdd(stripe, PAD + cell, n) + n;
        }
        // The stripe's only writer: a plain add, published without a fence (readers only sum).
        long v = (long) CELL.get(stripe, PAD + cell) + n;
        CELL.setOpaque(stripe, PAD + cell, v);
        return v;
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
