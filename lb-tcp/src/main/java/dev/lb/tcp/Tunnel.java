package dev.lb.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One relayed connection: the client channel, the server channel, and what the two
 * {@link RelayHandler}s share. Both channels are on the same event loop (the server connection
 * is opened on the client's), so this state needs no locks.
 *
 * <p>Half-close: when one side sends FIN, the other side's output is shut down once what was
 * already written has been flushed; the tunnel closes when both sides have sent FIN, or when
 * either side resets or closes. An idle tunnel closes after {@code timeout tunnel}
 * (configuration manual, 4.2 "timeout tunnel": it supersedes the client and server timeouts
 * once the connection is established).
 */
final class Tunnel {

    private final Channel client;
    private final Channel server;
    private final long idleNanos;
    private final boolean splice;
    private final TcpCounters counters;
    private long lastActivity = System.nanoTime();
    private boolean clientEof;
    private boolean serverEof;
    private boolean closing;
    /** The pending idle check; cancelled at close so that closed tunnels are not kept until it runs. */
    private ScheduledFuture<?> idleCheck;

    Tunnel(Channel client, Channel server, Duration idle, boolean splice, TcpCounters counters) {
        this.client = client;
        this.server = server;
        this.idleNanos = idle.toNanos();
        this.splice = splice;
        this.counters = counters;
    }

    /** Installs the relay handlers and starts moving bytes both ways. */
    void start(boolean clientAlreadyEof) {
        server.pipeline().addLast("relay", new RelayHandler(this, client));
        if (splice) {
            // Both channels are level-triggered epoll channels on one loop (Netty's requirement);
            // Netty toggles autoRead itself while the target cannot take more.
            ChannelFutureListener onFailure = f -> {
                if (!f.isSuccess()) {
                    close();
                }
            };
            AbstractEpollStreamChannel c = (AbstractEpollStreamChannel) client;
            AbstractEpollStreamChannel s = (AbstractEpollStreamChannel) server;
            c.spliceTo(s, Integer.MAX_VALUE).addListener(onFailure);
            s.spliceTo(c, Integer.MAX_VALUE).addListener(onFailure);
        }
        if (clientAlreadyEof) {
            eof(client);
        } else {
            client.config().setAutoRead(true);
        }
        server.config().setAutoRead(true);
        if (idleNanos > 0) {
            idleCheck = client.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    boolean splice() {
        return splice;
    }

    /**
     * {@code n} bytes arrived from {@code from} (copying path only: spliced bytes never reach
     * the pipeline, so they are neither counted nor seen as activity here).
     */
    void arrived(Channel from, int n) {
        lastActivity = System.nanoTime();
        if (from == client) {
            counters.fromClient(n);
        } else {
            counters.toClient(n);
        }
    }

    /** Whether {@code ch} has sent its FIN. */
    boolean eofFrom(Channel ch) {
        return ch == client ? clientEof : serverEof;
    }

    /** {@code from} sent FIN: pass it on once the bytes before it are written. */
    void eof(Channel from) {
        if (from == client) {
            clientEof = true;
        } else {
            serverEof = true;
        }
        Channel to = from == client ? server : client;
        if (clientEof && serverEof) {
            close();
            return;
        }
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (to.isActive() && to instanceof DuplexChannel d) {
                if (!splice) {
                    // From now on the FIN of `to` ends the tunnel: Netty may then close `to` at once
                    // instead of first shutting its input down (a shutdown(SHUT_RD) that fails with
                    // ENOTCONN once both FINs are exchanged). Not when splicing: SpliceTail needs
                    // that input shutdown event to take the bytes still queued.
                    to.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                }
                shutdownOutput(d);
            }
        });
    }

    /**
     * Sends {@code ch} a FIN. On epoll the socket is shut down directly: Netty's
     * {@code shutdownOutput()} builds a ChannelOutputShutdownException, stack trace included, to
     * fail the writes queued after it, a cost per connection for nothing here, as nothing is
     * written to {@code ch} after its peer's FIN but the empty flush of {@link #close()}. Netty
     * reads the output state from the same socket object, so it sees the shutdown.
     */
    private static void shutdownOutput(DuplexChannel ch) {
        if (ch instanceof EpollSocketChannel epoll && epoll.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
            } catch (IOException e) {
                // Reset or closed meanwhile: its read or close path ends the tunnel.
            }
            return;
        }
        ch.shutdownOutput();
    }

    /** Either side closed or failed: flush what the other side still has to get, then close both. */
    void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        closeAfterFlush(client);
        closeAfterFlush(server);
    }

    /**
     * Closes {@code ch} once what was written to it is sent. A side that is already closed is left
     * alone: writing or closing it again would only build a ClosedChannelException for nothing.
     */
    private static void closeAfterFlush(Channel ch) {
        if (ch.isOpen()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void checkIdle() {
        if (closing || !client.isActive()) {
            return;
        }
        long idle = idleNanos();
        if (idle >= idleNanos) {
            close();
        } else {
            idleCheck = client.eventLoop().schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
        }
    }

    /** How long no byte has arrived from either side. */
    private long idleNanos() {
        if (splice && client instanceof EpollSocketChannel c && server instanceof EpollSocketChannel s) {
            // Spliced bytes never reach the pipeline: ask the kernel when data last arrived.
            long ms = Math.min(c.tcpInfo().lastDataRecv(), s.tcpInfo().lastDataRecv());
            return TimeUnit.MILLISECONDS.toNanos(ms);
        }
        return System.nanoTime() - lastActivity;
    }
}
