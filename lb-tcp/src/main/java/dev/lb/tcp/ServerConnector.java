package dev.lb.tcp;

import dev.lb.http.EpollRegistration;
import dev.lb.http.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * Opens the server side of relayed connections, prepared once instead of a {@code Bootstrap} per
 * connection (its option maps, reflective constructor and initializer were a sixth of what a new
 * connection allocated). On epoll, an IPv4 server gets an IPv4 socket (Netty's default dual-stack
 * IPv6 socket costs a {@code setsockopt(IPV6_V6ONLY)} each), and the read interest goes into the
 * {@code epoll_ctl(ADD)} of the connect instead of a later {@code epoll_ctl(MOD)}.
 */
final class ServerConnector {

    private final ChannelFactory<? extends Channel> inet4;
    private final ChannelFactory<? extends Channel> any;
    private final boolean epoll;

    ServerConnector(Transport transport) {
        this.epoll = transport.channel() == EpollSocketChannel.class;
        if (epoll) {
            inet4 = () -> new EpollSocketChannel(SocketProtocolFamily.INET);
            any = EpollSocketChannel::new;
        } else {
            inet4 = new ReflectiveChannelFactory<>(transport.channel());
            any = inet4;
        }
    }

    /**
     * A new channel on {@code loop} connecting to {@code target}; the returned future completes
     * when it is connected or has failed (a failed channel is closed). The channel has no handler:
     * the caller installs its relay handler from the future's listener, which Netty runs before
     * the channel's first read.
     */
    ChannelFuture connect(EventLoop loop, InetSocketAddress target, int connectMillis) {
        Channel ch = (target.getAddress() instanceof Inet4Address ? inet4 : any).newChannel();
        ChannelConfig config = ch.config();
        config.setAllocator(TcpProxy.ALLOCATOR);
        config.setConnectTimeoutMillis(connectMillis);
        // Half-close: a server's FIN is passed on to the client, not turned into a close.
        config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // TCP_NODELAY: Netty's epoll and NIO socket configs set it on Linux already (a second
        // setsockopt was one of the syscalls per connection this class removed).
        if (epoll) {
            // Reading from the start: asked for before registration, the read interest is part of
            // the epoll_ctl(ADD) made by connect. Nothing is read before the connect listener has
            // installed the relay handler, as Netty notifies it before the channel's first read.
            config.setAutoRead(true);
            ch.unsafe().beginRead();
            // Half-closed once the client's FIN is passed on: see EpollRegistration.
            EpollRegistration.keep(ch);
        } else {
            // The relay switches reading on when the tunnel starts.
            config.setAutoRead(false);
        }
        ChannelPromise connected = new DefaultChannelPromise(ch, loop);
        ChannelFuture registered = loop.register(ch);
        if (registered.isDone()) {
            connectRegistered(registered, target, connected);
        } else {
            registered.addListener(f -> connectRegistered(registered, target, connected));
        }
        return connected;
    }

    private static void connectRegistered(ChannelFuture registered, InetSocketAddress target,
            ChannelPromise connected) {
        Channel ch = registered.channel();
        if (!registered.isSuccess()) {
            ch.unsafe().closeForcibly();
            connected.setFailure(registered.cause());
            return;
        }
        // Closed at once on failure, as Bootstrap does: a refused socket left open keeps reporting
        // EPOLLOUT/EPOLLHUP and spins the event loop.
        ch.connect(target, connected).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
}
