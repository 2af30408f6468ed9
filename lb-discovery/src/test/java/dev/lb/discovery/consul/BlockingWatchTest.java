package dev.lb.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ecwid.consul.v1.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Consul's blocking-query rules, checked against scripted answers (no server, no timing to win). */
class BlockingWatchTest {

    @Test
    void indexResetsWhenItGoesBackwardsAndNeverBlocksOnZero() {
        // answers: 5, 7, then 3 (Consul restored an older snapshot), then 0 (a buggy 0), then 9
        List<Long> answers = List.of(5L, 7L, 3L, 0L, 9L);
        List<Long> asked = new ArrayList<>();
        List<Long> handedOn = new ArrayList<>();
        AtomicReference<BlockingWatch<String>> self = new AtomicReference<>();
        BlockingWatch<String> w = new BlockingWatch<>("test", (index, wait) -> {
            asked.add(index);
            long answer = answers.get(asked.size() - 1);
            if (asked.size() == answers.size()) {
                self.get().stop();
            }
            return new Response<>("v", answer, true, 0L);
        }, 60, new BlockingWatch.Listener<>() {
            @Override
            public void answered(BlockingWatch<String> watch, String value, long index) {
                handedOn.add(index);
            }

            @Override
            public void failed(BlockingWatch<String> watch, Exception error) {
                throw new AssertionError(error);
            }
        });
        self.set(w);
        w.run();
        assertEquals(List.of(0L, 5L, 7L, 0L, 1L), asked, "index asked for by each query");
        assertEquals(List.of(5L, 7L, 3L, 0L), handedOn, "the last answer came after stop(): dropped");
    }

    @Test
    void unchangedAnswersArePacedNotSpun() {
        List<Long> starts = new CopyOnWriteArrayList<>();
        AtomicReference<BlockingWatch<String>> self = new AtomicReference<>();
        BlockingWatch<String> w = new BlockingWatch<>("test", (index, wait) -> {
            starts.add(System.nanoTime());
            if (starts.size() == 5) {
                self.get().stop();
            }
            return new Response<>("v", 42L, true, 0L); // answers at once, index never moves
        }, 60, new BlockingWatch.Listener<>() {
            @Override
            public void answered(BlockingWatch<String> watch, String value, long index) {
            }

            @Override
            public void failed(BlockingWatch<String> watch, Exception error) {
                throw new AssertionError(error);
            }
        });
        self.set(w);
        w.run();
        // query 1 (index 0) -> 42, query 2 (index 42) -> 42 unchanged: from then on 100 ms apart
        for (int i = 2; i < starts.size(); i++) {
            long gapMillis = (starts.get(i) - starts.get(i - 1)) / 1_000_000;
            assertTrue(gapMillis >= BlockingWatch.UNCHANGED_PAUSE_MILLIS - 1,
                    "query " + (i + 1) + " came " + gapMillis + " ms after the previous one");
        }
    }

    @Test
    void firstErrorIsReportedOnceAndEndsTheLoop() {
        List<Exception> errors = Collections.synchronizedList(new ArrayList<>());
        List<Long> asked = new ArrayList<>();
        BlockingWatch<String> w = new BlockingWatch<>("test", (index, wait) -> {
            asked.add(index);
            if (asked.size() == 2) {
                throw new IllegalStateException("connection refused");
            }
            return new Response<>("v", 3L, true, 0L);
        }, 60, new BlockingWatch.Listener<>() {
            @Override
            public void answered(BlockingWatch<String> watch, String value, long index) {
            }

            @Override
            public void failed(BlockingWatch<String> watch, Exception error) {
                errors.add(error);
            }
        });
        w.run(); // returns: the loop ended
        assertEquals(List.of(0L, 3L), asked);
        assertEquals(1, errors.size());
        assertTrue(w.stopped());
    }
}
