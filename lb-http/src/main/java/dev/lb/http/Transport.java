package dev.lb.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.StandardSocketOptions;
import java.util.function.Supplier;

/**
 * The Netty transport lb runs on: native epoll where the kernel offers it (fewer syscalls
 * and copies), NIO everywhere else. Event loops and channels must come from the same one.
 */
public final class Transport {

    private final String name;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends Channel> channel;

    private Transport(String name, Supplier<IoHandlerFactory> ioHandlerFactory,
            Class<? extends ServerChannel> serverChannel, Class<? extends Channel> channel) {
        this.name = name;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
        this.channel = channel;
    }

    /** Epoll when {@link Epoll#isAvailable()}, else NIO. */
    public static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler::newFactory,
                    EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return nio();
    }

    /** The portable Java NIO transport. */
    public static Transport nio() {
        return new Transport("nio", NioIoHandler::newFactory,
                NioServerSocketChannel.class, NioSocketChannel.class);
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    /** A group of {@code threads} event loops (0 = Netty's default), threads named after {@code name}. */
    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                ioHandlerFactory());
    }

    /**
     * Sets SO_REUSEPORT on the listening sockets of {@code b}, as HAProxy does by default: a
     * second lb (an upgrade) can bind the same ports while this one drains.
     */
    public ServerBootstrap reusePort(ServerBootstrap b) {
        if (serverChannel == EpollServerSocketChannel.class) {
            return b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        return b.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends Channel> channel() {
        return channel;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
