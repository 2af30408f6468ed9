package dev.lb.bench;

import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.stats.ServerCounters;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The stats cost of one proxied request: every counter update the HTTP data plane makes for a
 * keep-alive request (frontend request and response, backend and server session, bytes, status
 * class, times), on counters shared by all threads as event loops share them. {@code none} is
 * the same request with stats off; the difference is the per-request price of stats, to set
 * against a request's whole cost (tens of microseconds through the proxy). The two-thread
 * variants show whether threads counting into the same rows contend ({@code statsOnTwoThreads})
 * and what two threads cost when each counts into its own rows ({@code ownRowsTwoThreads}: no
 * sharing at all, the floor for two threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StatsCountersBenchmark {

    private final ProxyCounters frontend = new ProxyCounters();
    private final ProxyCounters backend = new ProxyCounters();
    private final ServerCounters server = new ServerCounters();

    /** Rows of one thread only, for the variant without sharing. */
    @State(Scope.Thread)
    public static class OwnRows {
        final StatsCountersBenchmark rows = new StatsCountersBenchmark();
    }

    /** What the data plane does per request with stats on (see lb-http's ExchangeCounters). */
    private void request(Blackhole bh) {
        long start = System.nanoTime();
        frontend.bytesIn(180);
        frontend.request(start);
        server.sessionOpened(start);
        server.request(start);
        backend.sessionOpened(start);
        backend.request(start);
        long sent = System.nanoTime();
        backend.responseTime(sent - start, sent);
        server.responseTime(sent - start, sent);
        frontend.response(200);
        backend.response(200);
        server.response(200);
        frontend.bytesOut(420);
        server.totalTime(sent - start, sent);
        backend.totalTime(sent - start, sent);
        server.sessionClosed();
        backend.sessionClosed();
        server.bytesIn(180);
        server.bytesOut(420);
        backend.bytesIn(180);
        backend.bytesOut(420);
        bh.consume(start);
    }

    @Benchmark
    @Threads(1)
    public void statsOn(Blackhole bh) {
        request(bh);
    }

    @Benchmark
    @Threads(2)
    public void statsOnTwoThreads(Blackhole bh) {
        request(bh);
    }

    @Benchmark
    @Threads(2)
    public void ownRowsTwoThreads(OwnRows own, Blackhole bh) {
        own.rows.request(bh);
    }

    /** Stats off: only the clock reads the data plane makes anyway. */
    @Benchmark
    @Threads(1)
    public void none(Blackhole bh) {
        long start = System.nanoTime();
        bh.consume(System.nanoTime() - start);
    }
}
