package dev.lb.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lb.http.EpollRegistration;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A side whose peer half-closed, written more than its socket buffer takes (so that Netty must
 * ask epoll for EPOLLOUT), on the real epoll transport. The sequence is the relay's when a
 * client sends its FIN first and the server's answer is larger than what the client reads at
 * once: the client's FIN is read while nothing waits to be written to it, then the answer comes.
 */
class HalfClosedEpollWriteTest {

    /** Far more than a loopback socket takes: tcp_wmem's largest send buffer is 4 MiB here. */
    private static final int SIZE = 24 * 1024 * 1024;

    private EventLoopGroup loop;

    @BeforeEach
    void setUp() {
        assumeTrue(Epoll.isAvailable(), "the epoll transport is needed");
        loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (loop != null) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aHalfClosedConnectionGetsEveryByteWrittenAfterItsFin() throws Exception {
        Outcome o = writeAfterFin(true);
        assertNull(o.writeFailure, "the write to the half-closed connection failed");
        assertEquals(SIZE, o.received, "every byte reached the client, then the FIN");
    }

    /**
     * Netty 4.2.18's own behaviour, without {@link EpollRegistration}: the connection is cut
     * short. When this fails, Netty is fixed and EpollRegistration can go.
     */
    @Test
    void nettyStillDropsTheRegistration() throws Exception {
        Outcome o = writeAfterFin(false);
        assertTrue(o.writeFailure != null && o.received < SIZE, "Netty no longer loses a half-closed "
                + "channel's epoll registration (received " + o.received + " of " + SIZE
                + " bytes): remove EpollRegistration");
        assertTrue(String.valueOf(rootCause(o.writeFailure)).contains("epoll_ctl"), "cause: " + o.writeFailure);
    }

    private record Outcome(Throwable writeFailure, long received) {
    }

    private Outcome writeAfterFin(boolean keep) throws Exception {
        CompletableFuture<Channel> finRead = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (keep) {
                            EpollRegistration.keep(ch);
                        }
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof ChannelInputShutdownReadComplete) {
                                    finRead.complete(ctx.channel());
                                }
                            }
                        });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(65536);
            client.connect(listener.localAddress(), 5000);
            client.setSoTimeout(30_000);
            client.shutdownOutput();
            Channel ch = finRead.get(10, TimeUnit.SECONDS);
            // Written from the loop once the FIN's event is fully handled (epoll interest cleared).
            CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                ByteBuf data = Unpooled.directBuffer(SIZE).writeZero(SIZE);
                ChannelFuture f = ch.writeAndFlush(data);
                f.addListener(x -> ch.close());
                written.complete(f);
            });
            ChannelFuture f = written.get(10, TimeUnit.SECONDS);
            long received = 0;
            InputStream in = client.getInputStream();
            byte[] buf = new byte[65536];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    received += n;
                }
            } catch (java.io.IOException reset) {
                // Netty cut the connection: what arrived so far is the outcome.
            }
            f.await(10, TimeUnit.SECONDS);
            return new Outcome(f.cause(), received);
        } finally {
            listener.close().sync();
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t != null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
