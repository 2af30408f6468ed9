package dev.lb.discovery.consul;

import com.ecwid.consul.v1.Response;

/**
 * One Consul blocking query in a loop, on a thread of its own: asks with the last
 * {@code X-Consul-Index} and hands every answer on, following the rules of Consul's "Blocking
 * Queries — implementation details": the first query (and the one after a reset) does not block;
 * the index is reset to 0 when it goes backwards (Consul restored from an older snapshot or
 * restarted), and never taken below 1 otherwise (an index of 0 would make the next query return
 * at once); and the loop is rate-limited, so a query that keeps answering at once with an unchanged
 * index costs at most one request per {@link #UNCHANGED_PAUSE_MILLIS} instead of a tight loop.
 *
 * <p>The loop ends at the first error (reported once) or when {@link #stop()} is called; a query
 * parked at that moment is aborted by closing the HTTP client underneath, which is the caller's job.
 *
 * @param <T> the decoded body of the query's answer
 */
final class BlockingWatch<T> implements Runnable {

    /** Between two queries whose answers carried the same index: Consul's docs advise a floor like this. */
    static final long UNCHANGED_PAUSE_MILLIS = 100;
    /** Between any two queries: a burst of writes costs a few requests, not one per write. */
    static final long CHANGED_PAUSE_MILLIS = 10;

    /** The HTTP call: {@code index} 0 means a plain (non-blocking) read. */
    interface Query<T> {
        Response<T> get(long index, long waitSeconds);
    }

    /** Where answers go; called on the watch's thread. */
    interface Listener<T> {
        void answered(BlockingWatch<T> watch, T value, long index);

        void failed(BlockingWatch<T> watch, Exception error);
    }

    private final String what;
    private final Query<T> query;
    private final long waitSeconds;
    private final Listener<T> listener;
    private volatile boolean stopped;

    BlockingWatch(String what, Query<T> query, long waitSeconds, Listener<T> listener) {
        this.what = what;
        this.query = query;
        this.waitSeconds = waitSeconds;
        this.listener = listener;
    }

    /** What is watched, e.g. {@code health/service/web}, for errors and the log. */
    String what() {
        return what;
    }

    /** Ends the loop after the current query; the answer of that query is not handed on. */
    void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    @Override
    public void run() {
        long index = 0;
        long lastStart = 0;
        boolean unchanged = false;
        while (!stopped) {
            long pause = unchanged ? UNCHANGED_PAUSE_MILLIS : CHANGED_PAUSE_MILLIS;
            long wait = lastStart == 0 ? 0 : pause - (System.nanoTime() - lastStart) / 1_000_000;
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return; // the source is closing
                }
            }
            if (stopped) {
                return;
            }
            lastStart = System.nanoTime();
            Response<T> response;
            try {
                response = query.get(index, waitSeconds);
            } catch (RuntimeException e) {
                if (!stopped) {
                    stopped = true;
                    listener.failed(this, e);
                }
                return;
            }
            if (stopped) {
                return;
            }
            Long answered = response.getConsulIndex();
            long next = nextIndex(index, answered);
            listener.answered(this, response.getValue(), answered == null ? 0 : answered);
            unchanged = next == index;
            index = next;
        }
    }

    /**
     * The index for the next query after an answer carrying {@code answered} to a query made
     * with {@code previous}: 0 (a plain read) when it went backwards, at least 1 otherwise.
     */
    static long nextIndex(long previous, Long answered) {
        long a = answered == null ? 0 : answered;
        if (a < previous) {
            return 0;
        }
        return Math.max(a, 1);
    }
}
