package dev.lb.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive connections to servers, per event loop and server address. A client
 * connection only ever uses the pool of its own event loop, so the pool needs no locks and a
 * server connection shares its loop with the client it serves (as in Netty's proxy example).
 *
 * <p>A connection idle for {@link #IDLE_NANOS} is closed by a sweep that runs once a second on
 * each loop (HAProxy's {@code pool-purge-delay} is 5 s too): servers that left the table, or
 * that see no traffic, do not keep connections open forever.
 */
final class BackendPool {

    /** Idle connections kept per server and event loop; more are closed when released. */
    static final int MAX_IDLE_PER_SERVER = 64;
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** One event loop's idle connections, oldest first in each queue. */
    private static final class LoopPool {
        final Map<InetSocketAddress, ArrayDeque<Channel>> idle = new HashMap<>();
        boolean sweeping;

        void sweep() {
            long now = System.nanoTime();
            for (Iterator<ArrayDeque<Channel>> it = idle.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Channel> q = it.next();
                Channel oldest;
                while ((oldest = q.peekFirst()) != null && now - idleSince(oldest) > IDLE_NANOS) {
                    q.pollFirst();
                    oldest.close();
                }
                if (q.isEmpty()) {
                    it.remove();
                }
            }
        }

        private static long idleSince(Channel ch) {
            BackendHandler h = ch.pipeline().get(BackendHandler.class);
            return h == null ? Long.MIN_VALUE : h.idleSince;
        }
    }

    private final Transport transport;
    private final FastThreadLocal<LoopPool> pools = new FastThreadLocal<>() {
        @Override
        protected LoopPool initialValue() {
            return new LoopPool();
        }
    };

    BackendPool(Transport transport) {
        this.transport = transport;
    }

    /** An idle open connection to {@code server} on the calling event loop, or {@code null}. */
    Channel poll(InetSocketAddress server) {
        ArrayDeque<Channel> q = pools.get().idle.get(server);
        if (q == null) {
            return null;
        }
        Channel ch;
        while ((ch = q.pollLast()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Opens a new connection to {@code server} on {@code loop} (the client's own loop). */
    ChannelFuture connect(EventLoop loop, InetSocketAddress server, int connectTimeoutMillis) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.channel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOCATOR, HttpProxy.ALLOCATOR)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("codec", new HttpClientCodec(
                                        8192, 32768, StrictRequestDecoder.MAX_CHUNK))
                                .addLast("flow", new OneMessagePerRead())
                                .addLast("backend", new BackendHandler());
                    }
                });
        return b.connect(server);
    }

    /** Keeps {@code ch} for the next request to the same server, or closes it when the pool is full. */
    void release(Channel ch, InetSocketAddress server) {
        BackendHandler h = ch.pipeline().get(BackendHandler.class);
        if (h == null || !ch.isActive()) {
            ch.close();
            return;
        }
        h.owner(null);
        LoopPool pool = pools.get();
        if (!pool.sweeping) {
            pool.sweeping = true;
            ch.eventLoop().scheduleAtFixedRate(pool::sweep, 1, 1, TimeUnit.SECONDS);
        }
        ArrayDeque<Channel> q = pool.idle.computeIfAbsent(server, k -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_SERVER) {
            ch.close();
            return;
        }
        h.idleSince = System.nanoTime();
        q.addLast(ch);
        if (ch.attr(POOLED).setIfAbsent(Boolean.TRUE) == null) {
            // Leave the pool when the server closes the idle connection. The queue is looked up
            // again: the sweep drops empty queues.
            ch.closeFuture().addListener(f -> {
                ArrayDeque<Channel> current = pool.idle.get(server);
                if (current != null) {
                    current.remove(ch);
                }
            });
        }
        h.read();
    }

    private static final io.netty.util.AttributeKey<Boolean> POOLED =
            io.netty.util.AttributeKey.valueOf(BackendPool.class, "pooled");
}
