package dev.lb.http.check;

import dev.lb.core.table.Backend;
import dev.lb.core.table.CheckResult;
import dev.lb.core.table.CheckStatus;
import dev.lb.core.table.Server;
import dev.lb.http.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One health check of one server, on one event loop: a TCP connect, then for {@code option
 * httpchk} one request read up to its status line. It reports exactly one {@link CheckResult}.
 *
 * <p>Time bounds follow the manual (4.2 "timeout check"): without {@code timeout check} the
 * whole check must finish within {@code inter}; with it, the connect gets
 * min({@code timeout connect}, {@code inter}) and the response {@code timeout check} more.
 */
final class CheckProbe {

    private final EventLoop loop;
    private final Consumer<CheckResult> done;
    private final long startNanos = System.nanoTime();
    private Channel channel;
    private ScheduledFuture<?> deadline;
    private boolean connected;
    private boolean finished;

    private CheckProbe(EventLoop loop, Consumer<CheckResult> done) {
        this.loop = loop;
        this.done = done;
    }

    /** Starts a check of {@code server}; must be called on {@code loop}. */
    static CheckProbe start(Transport transport, EventLoop loop, Server server, Backend backend,
            Consumer<CheckResult> done) {
        CheckProbe p = new CheckProbe(loop, done);
        p.connect(transport, server, backend);
        return p;
    }

    private void connect(Transport transport, Server server, Backend backend) {
        Duration inter = server.inter();
        Duration check = backend.timeouts().check();
        Duration connect = check.isZero() ? inter : min(backend.timeouts().connect(), inter);
        Duration total = check.isZero() ? inter : connect.plus(check);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, connect.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        backend.httpCheck().ifPresent(h -> ch.pipeline().addLast(
                                new StatusLineReader(h, CheckProbe.this)));
                    }
                });
        deadline = loop.schedule(() -> finish(connected ? CheckStatus.L7TOUT : CheckStatus.L4TOUT, 0, ""),
                total.toNanos(), TimeUnit.NANOSECONDS);
        ChannelFuture cf = b.connect(server.checkAddress());
        channel = cf.channel();
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                finish(f.cause() instanceof ConnectTimeoutException ? CheckStatus.L4TOUT : CheckStatus.L4CON, 0,
                        reason(f.cause()));
            } else if (backend.httpCheck().isEmpty()) {
                // A plain TCP check passes once the connection is accepted (manual 5.2 "check").
                finish(CheckStatus.L4OK, 0, "");
            } else {
                connected = true;
            }
        });
    }

    /** Reports the outcome once and closes the connection; later calls are ignored. */
    void finish(CheckStatus status, int code, String info) {
        if (finished) {
            return;
        }
        finished = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        done.accept(new CheckResult(status, code, info, took, Instant.now()));
    }

    /** Abandons the check (the server left the table): closes without reporting. */
    void cancel() {
        finished = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * A short reason as HAProxy's logs give it ("Connection refused"), without the syscall
     * and address Netty's native transport puts around it.
     */
    static String reason(Throwable cause) {
        String m = cause.getMessage();
        if (m == null) {
            return cause.getClass().getSimpleName();
        }
        // epoll: "finishConnect(..) failed with error(-111): Connection refused"
        int failed = m.indexOf("failed");
        int colon = failed >= 0 ? m.indexOf(": ", failed) : -1;
        if (colon >= 0) {
            m = m.substring(colon + 2);
        }
        int address = m.indexOf(": /");
        return address >= 0 ? m.substring(0, address) : m;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
