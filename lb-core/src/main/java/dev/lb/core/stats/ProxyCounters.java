package dev.lb.core.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The traffic counters of a frontend, a backend or a server, with the meaning of HAProxy's
 * stats columns (management guide 9.1): the data planes count, the admin plane reads. All the
 * counts of a row live in {@link StripedCells}: each event loop counts into a stripe of its
 * own, padded away from the others, and a reader sums the stripes. So event loops counting
 * into the same row at once share no cache line, and a request touches one stripe per row.
 * Counters belong to a proxy's name, not to one table: a reload hands them to the next
 * table's proxy of the same name.
 *
 * <p>A session is a client connection on a frontend, and one request's use of a server on a
 * backend and a server (HAProxy's streams).
 */
public class ProxyCounters {

    /** Index of {@link #responses} for a status outside 100..599 ({@code hrsp_other}). */
    public static final int OTHER = 5;

    /** How stale a stripe's view of the other stripes' sessions may be, for {@code smax}. */
    private static final long OTHERS_REFRESH_NANOS = 1_000_000L;

    // Cells of a stripe, the ones a request touches first.
    private static final int CURRENT = 0;
    /** The most sessions this stripe saw at once, its own plus {@link #OTHERS}. */
    private static final int MAX_SEEN = 1;
    /** The other stripes' current sessions, as read at {@link #OTHERS_AT}. */
    private static final int OTHERS = 2;
    private static final int OTHERS_AT = 3;
    private static final int TOTAL = 4;
    private static final int REQUESTS = 5;
    private static final int BYTES_IN = 6;
    private static final int BYTES_OUT = 7;
    private static final int RESPONSES = 8;
    private static final int DENIED = RESPONSES + 6;
    private static final int REQUEST_ERRORS = DENIED + 1;
    private static final int CONNECT_ERRORS = DENIED + 2;
    private static final int RESPONSE_ERRORS = DENIED + 3;
    private static final int RETRIES = DENIED + 4;
    private static final int REDISPATCHES = DENIED + 5;
    private static final int CLIENT_ABORTS = DENIED + 6;
    private static final int SERVER_ABORTS = DENIED + 7;
    private static final int LAST_SESSION = DENIED + 8;
    private static final int SESSION_RATE = LAST_SESSION + 1;
    private static final int REQUEST_RATE = SESSION_RATE + RateCounter.WIDTH;
    private static final int CONNECT_TIME = REQUEST_RATE + RateCounter.WIDTH;
    private static final int RESPONSE_TIME = CONNECT_TIME + RecentAverage.WIDTH;
    private static final int TOTAL_TIME = RESPONSE_TIME + RecentAverage.WIDTH;
    private static final int WIDTH = TOTAL_TIME + RecentAverage.WIDTH;

    private final long createdNanos = System.nanoTime();
    private final StripedCells cells = new StripedCells(WIDTH);
    private final RateCounter sessionRate = new RateCounter(cells, SESSION_RATE);
    private final RateCounter requestRate = new RateCounter(cells, REQUEST_RATE);
    private final RecentAverage connectTime = new RecentAverage(cells, CONNECT_TIME);
    private final RecentAverage responseTime = new RecentAverage(cells, RESPONSE_TIME);
    private final RecentAverage totalTime = new RecentAverage(cells, TOTAL_TIME);

    // ---- counting (data planes) ------------------------------------------------------------

    /** A session starts: a client connection (frontend) or a request assigned to a server. */
    public void sessionOpened() {
        sessionOpened(System.nanoTime());
    }

    /**
     * A session starts at {@code now} ({@link System#nanoTime()}). The data plane passes a time
     * it already read, so that counting adds no clock reads to a request.
     */
    public void sessionOpened(long now) {
        long[] s = cells.local();
        long current = StripedCells.addAndGet(s, CURRENT, 1);
        StripedCells.add(s, TOTAL, 1);
        sessionRate.add(s, now);
        StripedCells.set(s, LAST_SESSION, now);
        // smax: this stripe's sessions are exact, the others' are read at most once a
        // millisecond, so that counting never reads the lines other event loops write.
        long others = StripedCells.get(s, OTHERS);
        if (Math.abs(now - StripedCells.get(s, OTHERS_AT)) > OTHERS_REFRESH_NANOS) {
            others = othersCurrent(s);
            StripedCells.set(s, OTHERS, others);
            StripedCells.set(s, OTHERS_AT, now);
        }
        long seen = current + others;
        if (seen > StripedCells.get(s, MAX_SEEN)) {
            StripedCells.raise(s, MAX_SEEN, seen);
        }
    }

    /** The current sessions of the stripes other than {@code mine}. */
    private long othersCurrent(long[] mine) {
        long sum = 0;
        for (int i = 0; i < StripedCells.STRIPES; i++) {
            long[] s = cells.stripe(i);
            if (s != null && s != mine) {
                sum += StripedCells.get(s, CURRENT);
            }
        }
        return sum;
    }

    public void sessionClosed() {
        StripedCells.add(cells.local(), CURRENT, -1);
    }

    /** An HTTP request arrived (frontend) or was sent on (backend, server). */
    public void request() {
        request(System.nanoTime());
    }

    /** An HTTP request at {@code now} ({@link System#nanoTime()}). */
    public void request(long now) {
        long[] s = cells.local();
        StripedCells.add(s, REQUESTS, 1);
        requestRate.add(s, now);
    }

    public void bytesIn(long n) {
        StripedCells.add(cells.local(), BYTES_IN, n);
    }

    public void bytesOut(long n) {
        StripedCells.add(cells.local(), BYTES_OUT, n);
    }

    /** A response with {@code status} went to the client, from a server or from lb itself. */
    public void response(int status) {
        int c = status / 100;
        StripedCells.add(cells.local(), RESPONSES + (c >= 1 && c <= 5 ? c - 1 : OTHER), 1);
    }

    /** {@code dreq}: a request denied by an {@code http-request deny} rule. */
    public void deniedRequest() {
        count(DENIED);
    }

    /** {@code ereq}: a malformed or timed-out client request. */
    public void requestError() {
        count(REQUEST_ERRORS);
    }

    /** {@code econ}: a connection to a server failed. */
    public void connectError() {
        count(CONNECT_ERRORS);
    }

    /** {@code eresp}: the server's response was bad, missing or late. */
    public void responseError() {
        count(RESPONSE_ERRORS);
    }

    /** {@code wretr}: a connection was retried. */
    public void retry() {
        count(RETRIES);
    }

    /** {@code wredis}: a retry went to another server. */
    public void redispatch() {
        count(REDISPATCHES);
    }

    /** {@code cli_abrt}: the client went away mid-exchange. */
    public void clientAbort() {
        count(CLIENT_ABORTS);
    }

    /** {@code srv_abrt}: the server went away mid-response. */
    public void serverAbort() {
        count(SERVER_ABORTS);
    }

    private void count(int cell) {
        StripedCells.add(cells.local(), cell, 1);
    }

    /** The time a connection to a server took, measured at {@code now}. */
    public void connectTime(long nanos, long now) {
        connectTime.add(cells.local(), nanos, now);
    }

    /** From the request sent to the server until the response head came back, measured at {@code now}. */
    public void responseTime(long nanos, long now) {
        responseTime.add(cells.local(), nanos, now);
    }

    /** From the request's arrival until its response was sent, measured at {@code now}. */
    public void totalTime(long nanos, long now) {
        totalTime.add(cells.local(), nanos, now);
    }

    // ---- reading (admin plane) ---------------------------------------------------------------

    /** {@code scur}. */
    public long currentSessions() {
        return Math.max(0, cells.sum(CURRENT));
    }

    /**
     * {@code smax}: the most sessions any event loop saw at once, counting the others' as of
     * at most a millisecond before (exact for one event loop), and never below {@code scur}.
     */
    public long maxSessions() {
        return Math.max(cells.max(MAX_SEEN), currentSessions());
    }

    /** {@code stot}. */
    public long totalSessions() {
        return cells.sum(TOTAL);
    }

    /** {@code rate}: sessions over the last second. */
    public long sessionRate() {
        return sessionRate.perSecond();
    }

    public long sessionRateMax() {
        return sessionRate.max();
    }

    /** {@code req_tot}. */
    public long requests() {
        return cells.sum(REQUESTS);
    }

    public long requestRate() {
        return requestRate.perSecond();
    }

    public long requestRateMax() {
        return requestRate.max();
    }

    public long bytesIn() {
        return cells.sum(BYTES_IN);
    }

    public long bytesOut() {
        return cells.sum(BYTES_OUT);
    }

    /** Responses of class {@code 1xx..5xx} for {@code clazz} 1 to 5; {@code 0} for the others. */
    public long responses(int clazz) {
        return cells.sum(RESPONSES + (clazz >= 1 && clazz <= 5 ? clazz - 1 : OTHER));
    }

    public long deniedRequests() {
        return cells.sum(DENIED);
    }

    public long requestErrors() {
        return cells.sum(REQUEST_ERRORS);
    }

    public long connectErrors() {
        return cells.sum(CONNECT_ERRORS);
    }

    public long responseErrors() {
        return cells.sum(RESPONSE_ERRORS);
    }

    public long retries() {
        return cells.sum(RETRIES);
    }

    public long redispatches() {
        return cells.sum(REDISPATCHES);
    }

    public long clientAborts() {
        return cells.sum(CLIENT_ABORTS);
    }

    public long serverAborts() {
        return cells.sum(SERVER_ABORTS);
    }

    public RecentAverage connectTime() {
        return connectTime;
    }

    public RecentAverage responseTime() {
        return responseTime;
    }

    public RecentAverage totalTime() {
        return totalTime;
    }

    /** Seconds since the last session started, or -1 for never ({@code lastsess}). */
    public long secondsSinceLastSession() {
        long last = cells.max(LAST_SESSION);
        return last == 0 ? -1 : (System.nanoTime() - last) / 1_000_000_000L;
    }

    /** When these counters began ({@link System#nanoTime()}). */
    public long createdNanos() {
        return createdNanos;
    }
}
