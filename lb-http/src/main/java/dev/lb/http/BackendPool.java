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
import java.util.Map;

/**
 * Idle keep-alive connections to servers, per event loop and server address. A client
 * connection only ever uses the pool of its own event loop, so the pool needs no locks and a
 * server connection shares its loop with the client it serves (as in Netty's proxy example).
 */
final class BackendPool {

    /** Idle connections kept per server and event loop; more are closed when released. */
    static final int MAX_IDLE_PER_SERVER = 64;

    private final Transport transport;
    private final FastThreadLocal<Map<InetSocketAddress, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    BackendPool(Transport transport) {
        this.transport = transport;
    }

    /** An idle open connection to {@code server} on the calling event loop, or {@code null}. */
    Channel poll(InetSocketAddress server) {
        ArrayDeque<Channel> q = idle.get().get(server);
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
        ArrayDeque<Channel> q = idle.get().computeIfAbsent(server, k -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_SERVER) {
            ch.close();
            return;
        }
        q.addLast(ch);
        if (ch.attr(POOLED).setIfAbsent(Boolean.TRUE) == null) {
            // Leave the pool when the server closes the idle connection.
            ch.closeFuture().addListener(f -> q.remove(ch));
        }
        h.read();
    }

    private static final io.netty.util.AttributeKey<Boolean> POOLED =
            io.netty.util.AttributeKey.valueOf(BackendPool.class, "pooled");
}
