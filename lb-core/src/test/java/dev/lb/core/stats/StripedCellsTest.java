package dev.lb.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** Per-thread stripes summed on read: exact under concurrent counting, stripes apart. */
class StripedCellsTest {

    /** More threads than stripes, so that some share the shared stripe and must stay exact too. */
    static final int THREADS = StripedCells.STRIPES + 3;

    @Test
    void stripeCountIsAPowerOfTwoWithSeveralPerCore() {
        assertEquals(8, StripedCells.stripes(1));
        assertEquals(8, StripedCells.stripes(2));
        assertEquals(16, StripedCells.stripes(3));
        assertEquals(64, StripedCells.stripes(16));
        assertEquals(1024, StripedCells.stripes(4096));
        assertEquals(0, StripedCells.STRIPES & (StripedCells.STRIPES - 1), "power of two");
    }

    @Test
    void concurrentAddsSumExactly() throws Exception {
        StripedCells cells = new StripedCells(2);
        int perThread = 50_000;
        runConcurrently(THREADS, t -> {
            for (int i = 0; i < perThread; i++) {
                long[] s = cells.local();
                StripedCells.add(s, 0, 1);
                StripedCells.add(s, 1, t);
            }
        });
        assertEquals((long) THREADS * perThread, cells.sum(0), "sum of cell 0");
        long weights = (long) THREADS * (THREADS - 1) / 2;
        assertEquals(weights * perThread, cells.sum(1), "sum of cell 1");
    }

    @Test
    void concurrentRaisesKeepTheHighest() throws Exception {
        StripedCells cells = new StripedCells(1);
        runConcurrently(THREADS, t -> {
            for (int i = 0; i < 10_000; i++) {
                StripedCells.raise(cells.local(), 0, (long) i * THREADS + t);
            }
        });
        assertEquals(9_999L * THREADS + THREADS - 1, cells.max(0));
    }

    @Test
    void liveThreadsHaveStripesOfTheirOwn() throws Exception {
        StripedCells cells = new StripedCells(1);
        long[] mine = cells.local();
        assertSame(mine, cells.local(), "same thread, same stripe");
        assertNotEquals(0, StripedCells.index(), "the test thread owns a stripe");
        CountDownLatch counted = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<long[]> theirs = new AtomicReference<>();
        Thread other = new Thread(() -> {
            theirs.set(cells.local());
            StripedCells.add(theirs.get(), 0, 3);
            counted.countDown();
            awaitQuietly(done);
        });
        other.start();
        counted.await();
        assertNotSame(mine, theirs.get(), "two live threads share a stripe");
        StripedCells.add(mine, 0, 2);
        done.countDown();
        other.join();
        assertEquals(5, cells.sum(0));
    }

    @Test
    void theStripeOfAThreadThatEndedGoesToTheNextAndKeepsItsCounts() throws Exception {
        StripedCells cells = new StripedCells(1);
        int threads = 3 * StripedCells.STRIPES;
        AtomicInteger shared = new AtomicInteger();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                if (StripedCells.index() == 0) {
                    shared.incrementAndGet();
                }
                for (int i = 0; i < 1000; i++) {
                    StripedCells.add(cells.local(), 0, 1);
                }
            });
            thread.start();
            thread.join();
        }
        // One after the other, each thread finds the stripe of one that ended.
        assertEquals(0, shared.get(), "threads that found no stripe of their own");
        assertEquals(threads * 1000L, cells.sum(0));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code body} on {@code n} threads started together (given 0..n-1) and waits for all. */
    static void runConcurrently(int n, IntConsumer body) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                    body.accept(id);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "counting-" + t);
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a counting thread failed", failure.get());
        }
    }
}
