package dev.lb.http.check;

import dev.lb.core.table.AdminState;
import dev.lb.core.table.Backend;
import dev.lb.core.table.CheckResult;
import dev.lb.core.table.Server;
import dev.lb.core.table.ServerState;
import dev.lb.http.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The check schedule of one server, confined to one event loop: one {@link CheckProbe} at a
 * time, the next one {@code inter} after the previous ended ({@code fastinter} while the server
 * changes state, {@code downinter} while it is DOWN; manual 5.2 "inter"). A reload that keeps
 * the server only swaps the settings it reads ({@link #update}); the schedule goes on.
 */
final class ServerCheck {

    private final Transport transport;
    private final EventLoop loop;
    private volatile Server server;
    private volatile Backend backend;
    private volatile boolean stopped;
    // Confined to the loop.
    private ScheduledFuture<?> next;
    private CheckProbe probe;

    ServerCheck(Transport transport, EventLoop loop, Server server, Backend backend) {
        this.transport = transport;
        this.loop = loop;
        this.server = server;
        this.backend = backend;
    }

    ServerState state() {
        return server.state();
    }

    /** The server as the newest table has it (settings may have changed, the state is the same). */
    void update(Server server, Backend backend) {
        this.server = server;
        this.backend = backend;
    }

    /**
     * Starts checking; the first check comes at a random point within {@code inter},
     * as HAProxy spreads them.
     */
    void start() {
        long inter = server.inter().toNanos();
        long delay = ThreadLocalRandom.current().nextLong(Math.max(1, inter));
        loop.execute(() -> schedule(delay));
    }

    /** Stops checking: no check starts after this, and one in flight is abandoned. */
    void stop() {
        stopped = true;
        loop.execute(() -> {
            if (next != null) {
                next.cancel(false);
            }
            if (probe != null) {
                probe.cancel();
            }
        });
    }

    private void schedule(long delayNanos) {
        if (!stopped) {
            next = loop.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void run() {
        if (stopped) {
            return;
        }
        Server s = server;
        if (s.adminState() == AdminState.MAINT) {
            // HAProxy does not check a server in maintenance; it resumes when the server leaves it.
            schedule(s.inter().toNanos());
            return;
        }
        probe = CheckProbe.start(transport, loop, s, backend, this::onResult);
    }

    private void onResult(CheckResult result) {
        probe = null;
        if (stopped) {
            return;
        }
        Server s = server;
        if (!result.passed()) {
            s.counters().checkFailed();
        }
        if (s.state().recordCheck(result, s.rise(), s.fall())) {
            s.counters().statusChanged(s.state().checkDown());
            CheckLog.changed(backend, s, result);
        }
        schedule(interval(s).toNanos());
    }

    private static Duration interval(Server s) {
        ServerState st = s.state();
        if (st.checkTransitioning()) {
            return s.fastinter();
        }
        return st.checkDown() ? s.downinter() : s.inter();
    }
}
