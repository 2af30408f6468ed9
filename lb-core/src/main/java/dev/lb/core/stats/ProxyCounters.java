package dev.lb.core.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The traffic counters of a frontend, a backend or a server, with the meaning of HAProxy's
 * stats columns (management guide 9.1): the data planes count, the admin plane reads. Every
 * count is a {@link LongAdder}, so event loops counting at once do not contend; a reader sums
 * the cells. Counters belong to a proxy's name, not to one table: a reload hands them to the
 * next table's proxy of the same name.
 *
 * <p>A session is a client connection on a frontend, and one request's use of a server on a
 * backend and a server (HAProxy's streams).
 */
public class ProxyCounters {

    /** Index of {@link #responses} for a status outside 100..599 ({@code hrsp_other}). */
    public static final int OTHER = 5;

    private final long createdNanos = System.nanoTime();
    private final LongAdder current = new LongAdder();
    private final AtomicLong currentMax = new AtomicLong();
    private final LongAdder total = new LongAdder();
    private final RateCounter sessionRate = new RateCounter();
    private final LongAdder requests = new LongAdder();
    private final RateCounter requestRate = new RateCounter();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder[] responses = new LongAdder[6];
    private final LongAdder deniedRequests = new LongAdder();
    private final LongAdder requestErrors = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder responseErrors = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder redispatches = new LongAdder();
    private final LongAdder clientAborts = new LongAdder();
    private final LongAdder serverAborts = new LongAdder();
    private final RecentAverage connectTime = new RecentAverage();
    private final RecentAverage responseTime = new RecentAverage();
    private final RecentAverage totalTime = new RecentAverage();
    /** When the last session started; written at most about once a second, so it stays cache-friendly. */
    private volatile long lastSessionNanos;

    public ProxyCounters() {
        for (int i = 0; i < responses.length; i++) {
            responses[i] = new LongAdder();
        }
    }

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
        current.increment();
        total.increment();
        sessionRate.add(now);
        if (now - lastSessionNanos > 500_000_000L) {
            lastSessionNanos = now;
        }
        // Reading the sum costs a few loads; the max is written only when it grows.
        long cur = current.sum();
        if (cur > currentMax.get()) {
            currentMax.accumulateAndGet(cur, Math::max);
        }
    }

    public void sessionClosed() {
        current.decrement();
    }

    /** An HTTP request arrived (frontend) or was sent on (backend, server). */
    public void request() {
        request(System.nanoTime());
    }

    /** An HTTP request at {@code now} ({@link System#nanoTime()}). */
    public void request(long now) {
        requests.increment();
        requestRate.add(now);
    }

    public void bytesIn(long n) {
        bytesIn.add(n);
    }

    public void bytesOut(long n) {
        bytesOut.add(n);
    }

    /** A response with {@code status} went to the client, from a server or from lb itself. */
    public void response(int status) {
        int c = status / 100;
        responses[c >= 1 && c <= 5 ? c - 1 : OTHER].increment();
    }

    /** {@code dreq}: a request denied by an {@code http-request deny} rule. */
    public void deniedRequest() {
        deniedRequests.increment();
    }

    /** {@code ereq}: a malformed or timed-out client request. */
    public void requestError() {
        requestErrors.increment();
    }

    /** {@code econ}: a connection to a server failed. */
    public void connectError() {
        connectErrors.increment();
    }

    /** {@code eresp}: the server's response was bad, missing or late. */
    public void responseError() {
        responseErrors.increment();
    }

    /** {@code wretr}: a connection was retried. */
    public void retry() {
        retries.increment();
    }

    /** {@code wredis}: a retry went to another server. */
    public void redispatch() {
        redispatches.increment();
    }

    /** {@code cli_abrt}: the client went away mid-exchange. */
    public void clientAbort() {
        clientAborts.increment();
    }

    /** {@code srv_abrt}: the server went away mid-response. */
    public void serverAbort() {
        serverAborts.increment();
    }

    /** The time a connection to a server took, measured at {@code now}. */
    public void connectTime(long nanos, long now) {
        connectTime.add(nanos, now);
    }

    /** From the request sent to the server until the response head came back, measured at {@code now}. */
    public void responseTime(long nanos, long now) {
        responseTime.add(nanos, now);
    }

    /** From the request's arrival until its response was sent, measured at {@code now}. */
    public void totalTime(long nanos, long now) {
        totalTime.add(nanos, now);
    }

    // ---- reading (admin plane) ---------------------------------------------------------------

    /** {@code scur}. */
    public long currentSessions() {
        return Math.max(0, current.sum());
    }

    /** {@code smax}. */
    public long maxSessions() {
        return currentMax.get();
    }

    /** {@code stot}. */
    public long totalSessions() {
        return total.sum();
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
        return requests.sum();
    }

    public long requestRate() {
        return requestRate.perSecond();
    }

    public long requestRateMax() {
        return requestRate.max();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Responses of class {@code 1xx..5xx} for {@code clazz} 1 to 5; {@code 0} for the others. */
    public long responses(int clazz) {
        return responses[clazz >= 1 && clazz <= 5 ? clazz - 1 : OTHER].sum();
    }

    public long deniedRequests() {
        return deniedRequests.sum();
    }

    public long requestErrors() {
        return requestErrors.sum();
    }

    public long connectErrors() {
        return connectErrors.sum();
    }

    public long responseErrors() {
        return responseErrors.sum();
    }

    public long retries() {
        return retries.sum();
    }

    public long redispatches() {
        return redispatches.sum();
    }

    public long clientAborts() {
        return clientAborts.sum();
    }

    public long serverAborts() {
        return serverAborts.sum();
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
        long last = lastSessionNanos;
        return last == 0 ? -1 : (System.nanoTime() - last) / 1_000_000_000L;
    }

    /** When these counters began ({@link System#nanoTime()}). */
    public long createdNanos() {
        return createdNanos;
    }
}
