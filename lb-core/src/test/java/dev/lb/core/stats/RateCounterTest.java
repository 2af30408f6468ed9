package dev.lb.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sliding one-second rate and the recent average, driven with explicit times. */
class RateCounterTest {

    private static final long S = 1_000_000_000L;

    @Test
    void rateCountsTheCurrentSecondAndKeepsTheBestFullSecond() {
        RateCounter r = new RateCounter();
        long base = (System.nanoTime() / S + 10) * S;
        for (int i = 0; i < 7; i++) {
            r.add(base + i);
        }
        // Reading happens "now", before base: the events are in a future second, so only the
        // max (taken when the second turns) can be asserted without depending on the clock.
        r.add(base + S); // the next second: the 7 become the previous second
        assertTrue(r.max() >= 7, "max " + r.max());
    }

    @Test
    void averageIsOverTheRecentSamples() {
        RecentAverage a = new RecentAverage();
        long now = System.nanoTime();
        a.add(10_000_000, now);
        a.add(30_000_000, now);
        assertEquals(20_000_000, a.averageNanos());
        assertEquals(30_000_000, a.maxNanos());
    }
}
