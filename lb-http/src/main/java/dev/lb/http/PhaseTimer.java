package dev.lb.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One scheduled task per connection that enforces whichever timeout the connection's current
 * phase has (HAProxy's {@code timeout http-request}, {@code client}, {@code server},
 * {@code tunnel}, ...). The owner says when the phase would expire; activity only moves that
 * deadline, and the task re-arms itself lazily when it fires early, as Netty's
 * {@code IdleStateHandler} does, so a busy connection schedules almost nothing. Confined to
 * the connection's event loop.
 */
final class PhaseTimer implements Runnable {

    /** What the timer checks and calls. */
    interface Phase {
        /** When the current phase times out ({@link System#nanoTime()} scale), or {@link Long#MAX_VALUE}. */
        long deadline();

        /** The deadline has passed. */
        void expired();
    }

    private final EventExecutor executor;
    private final Phase phase;
    private ScheduledFuture<?> task;
    private long taskAt;

    PhaseTimer(EventExecutor executor, Phase phase) {
        this.executor = executor;
        this.phase = phase;
    }

    /** {@code start + nanos}, or never when {@code nanos} is 0 (a timeout not set). */
    static long after(long start, long nanos) {
        return nanos <= 0 ? Long.MAX_VALUE : start + nanos;
    }

    /** Makes sure a check runs no later than the current deadline. */
    void arm() {
        long at = phase.deadline();
        if (at == Long.MAX_VALUE) {
            return;
        }
        if (task != null && taskAt - at <= 0) {
            return; // an earlier check is scheduled; it re-arms
        }
        cancel();
        taskAt = at;
        task = executor.schedule(this, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    void cancel() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        task = null;
        long at = phase.deadline();
        if (at == Long.MAX_VALUE) {
            return;
        }
        if (System.nanoTime() - at < 0) {
            arm();
            return;
        }
        phase.expired();
    }
}
