package dev.lb.tcp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lb.core.stats.ProxyCounters;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TunnelTest {

    /**
     * A closed tunnel must not stay referenced by its idle check until the tunnel timeout: with
     * thousands of short connections a second, pending checks held every closed connection for
     * 30 s (a 300 MB heap, and half of HAProxy's rate in a new-connection load).
     */
    @Test
    void aClosedTunnelIsNotKeptByItsIdleCheck() throws Exception {
        EventLoopGroup loop = new DefaultEventLoopGroup(1);
        try {
            WeakReference<Tunnel> ref = openAndClose(loop);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ref.get() != null && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20); // polling the collector, not synchronizing with lb
            }
            assertTrue(ref.get() == null, "the closed tunnel is still reachable (its idle check pins it)");
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    private static WeakReference<Tunnel> openAndClose(EventLoopGroup loop) throws Exception {
        LocalAddress address = new LocalAddress("tunnel-test");
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(loop).channel(LocalServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                        accepted.complete(ctx.channel());
                    }
                }).bind(address).sync().channel();
        Channel client = new Bootstrap().group(loop).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
        Channel server = accepted.get(5, TimeUnit.SECONDS);
        Tunnel tunnel = new Tunnel(client, server, Duration.ofSeconds(30), false,
                new TcpCounters(new ProxyCounters()));
        loop.submit(() -> tunnel.start(false)).sync();
        loop.submit(tunnel::close).sync();
        client.closeFuture().sync();
        server.closeFuture().sync();
        listener.close().sync();
        return new WeakReference<>(tunnel);
    }
}
