package dev.lb.admin.runtime;

import dev.lb.http.EpollRegistration;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The runtime API (HAProxy's stats socket): a UNIX domain socket at {@code lb.admin.socket},
 * and optionally a TCP address, on an event loop of its own. The socket's
 * directory is created if missing; a stale socket file (nobody answers on it) is replaced; a
 * live one is left to its owner; the file is removed on close.
 */
public final class RuntimeServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("lb.admin");

    private final RuntimeCommands commands;
    private final EventLoopGroup group;
    private final boolean epoll;
    private final ExecutorService blocking;
    private final List<Channel> channels = new ArrayList<>();
    private Path socketFile;

    /**
     * Serves {@code commands} on its own event loop: epoll where available (UNIX sockets that
     * can half-close), else NIO (then a client must keep its side open until it has the answer).
     */
    public RuntimeServer(RuntimeCommands commands) {
        this.commands = commands;
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("lb-runtime-api", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lb-runtime-api");
            t.setDaemon(true);
            return t;
        });
    }

    /** Listens on the UNIX socket {@code path}. */
    public synchronized void listenUnix(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        if (Files.exists(abs)) {
            if (answers(abs)) {
                throw new IOException(abs + " is in use by another process");
            }
            Files.delete(abs);
        }
        channels.add(epoll ? bind(EpollServerDomainSocketChannel.class, new DomainSocketAddress(abs.toString()))
                : bind(NioServerDomainSocketChannel.class, UnixDomainSocketAddress.of(abs)));
        socketFile = abs;
        LOG.log(System.Logger.Level.INFO, "runtime API on " + abs);
    }

    /** Listens on a TCP address as well ({@code stats socket ipv4@...} in HAProxy); returns where. */
    public synchronized InetSocketAddress listenTcp(InetSocketAddress address) throws IOException {
        Channel ch = bind(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class, address);
        channels.add(ch);
        LOG.log(System.Logger.Level.INFO, "runtime API on " + ch.localAddress());
        return (InetSocketAddress) ch.localAddress();
    }

    private Channel bind(Class<? extends ServerChannel> type, SocketAddress address) throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(type)
                // socat shuts its sending side after the command: the answer must still go out.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // After socat's FIN, a long answer must not be cut: see EpollRegistration.
                        EpollRegistration.keep(ch);
                        ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024),
                                new StringDecoder(StandardCharsets.UTF_8),
                                new StringEncoder(StandardCharsets.UTF_8),
                                new RuntimeHandler(commands, blocking));
                    }
                });
        try {
            return b.bind(address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        } catch (Exception e) {
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        for (Channel c : channels) {
            c.close().awaitUninterruptibly(2000);
        }
        channels.clear();
        if (socketFile != null) {
            try {
                Files.deleteIfExists(socketFile);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove " + socketFile + ": " + e.getMessage());
            }
            socketFile = null;
        }
        blocking.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
