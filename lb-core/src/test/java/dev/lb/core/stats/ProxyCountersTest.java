package dev.lb.core.stats;

import static dev.lb.core.stats.StripedCellsTest.THREADS;
import static dev.lb.core.stats.StripedCellsTest.runConcurrently;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** A row's counters summed over the threads that counted into it. */
class ProxyCountersTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    @Test
    void concurrentRequestsCountExactly() throws Exception {
        ProxyCounters c = new ProxyCounters();
        int perThread = 20_000;
        runConcurrently(THREADS, t -> {
            for (int i = 0; i < perThread; i++) {
                long now = System.nanoTime();
                c.sessionOpened(now);
                c.request(now);
                c.bytesIn(3);
                c.bytesOut(5);
                c.response(i % 2 == 0 ? 200 : 503);
                c.retry();
                c.responseTime(2 * MS, now);
                c.sessionClosed();
            }
        });
        long n = (long) THREADS * perThread;
        assertEquals(n, c.totalSessions(), "stot");
        assertEquals(0, c.currentSessions(), "scur");
        assertEquals(n, c.requests(), "req_tot");
        assertEquals(3 * n, c.bytesIn(), "bin");
        assertEquals(5 * n, c.bytesOut(), "bout");
        assertEquals(n / 2, c.responses(2), "hrsp_2xx");
        assertEquals(n / 2, c.responses(5), "hrsp_5xx");
        assertEquals(n, c.retries(), "wretr");
        assertEquals(2 * MS, c.responseTime().averageNanos(), "rtime");
        assertEquals(2 * MS, c.responseTime().maxNanos(), "rtime_max");
        assertTrue(c.maxSessions() >= 1 && c.maxSessions() <= THREADS, "smax " + c.maxSessions());
    }

    @Test
    void maxSessionsOfOneThreadIsExact() {
        ProxyCounters c = new ProxyCounters();
        long now = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            c.sessionOpened(now + i);
        }
        c.sessionClosed();
        c.sessionClosed();
        c.sessionOpened(now + 10);
        assertEquals(4, c.currentSessions(), "scur");
        assertEquals(5, c.maxSessions(), "smax");
        assertEquals(6, c.totalSessions(), "stot");
    }

    @Test
    void maxSessionsCountsTheOtherThreadsSessions() throws Exception {
        ProxyCounters c = new ProxyCounters();
        long now = System.nanoTime();
        CountDownLatch opened = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread other = new Thread(() -> {
            for (int i = 0; i < 3; i++) {
                c.sessionOpened(now);
            }
            opened.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        opened.await();
        // Later than the refresh interval: this thread's stripe reads the other's 3 sessions.
        c.sessionOpened(now + 2 * MS);
        c.sessionOpened(now + 2 * MS);
        done.countDown();
        other.join();
        assertEquals(5, c.currentSessions(), "scur");
        assertEquals(5, c.maxSessions(), "smax: 3 on the other thread + 2 here");
    }

    @Test
    void ratesAddUpOverThreads() throws Exception {
        RateCounter r = new RateCounter();
        long second = (System.nanoTime() / S + 100) * S; // a future second: the reader sees none of it
        int perThread = 1_000;
        CyclicBarrier counted = new CyclicBarrier(THREADS);
        runConcurrently(THREADS, t -> {
            for (int i = 0; i < perThread; i++) {
                r.add(second + i);
            }
            await(counted);
            if (t == 0) {
                r.add(second + S); // one stripe turns: it totals the second over all stripes
            }
        });
        assertEquals((long) THREADS * perThread, r.max(), "highest full second");
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void averagesAddUpOverThreads() throws Exception {
        RecentAverage a = new RecentAverage();
        long now = System.nanoTime(); // one period for all, whatever the clock does meanwhile
        runConcurrently(THREADS, t -> {
            for (int i = 0; i < 1_000; i++) {
                a.add(t % 2 == 0 ? 10 * MS : 30 * MS, now);
            }
        });
        long even = (THREADS + 1) / 2;
        long odd = THREADS / 2;
        assertEquals((even * 10 * MS + odd * 30 * MS) / THREADS, a.averageNanos(), "average");
        assertEquals(30 * MS, a.maxNanos(), "max");
    }
}
