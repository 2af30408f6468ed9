package dev.lb.server;

import dev.lb.core.table.Bind;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Mode;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import dev.lb.http.HttpProxy;
import dev.lb.http.Transport;
import dev.lb.tcp.TcpProxy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the open listening sockets equal to what the current table asks for (SPEC section 3):
 * a new bind address is bound, a removed one stops accepting and its connections drain, an
 * unchanged one is never touched. Listeners are keyed by address; the handlers look their
 * frontend up in the table per request, so a changed frontend needs no rebind.
 */
final class ListenerManager {

    private static final System.Logger LOG = System.getLogger("lb.listeners");

    /** One bound address, the mode it serves, and the client connections it accepted. */
    private record Listener(InetSocketAddress address, Mode mode, Channel serverChannel,
            ChannelGroup children) {
    }

    private final TableRef tables;
    private final Transport transport;
    private final EventLoopGroup loops;
    private final HttpProxy http;
    private final TcpProxy tcp;
    private final Duration drainTimeout;
    private final ScheduledExecutorService timer;
    private final Map<InetSocketAddress, Listener> open = new LinkedHashMap<>();
    private final Map<InetSocketAddress, String> bindErrors = new LinkedHashMap<>();

    ListenerManager(TableRef tables, Transport transport, EventLoopGroup loops, HttpProxy http, TcpProxy tcp,
            Duration drainTimeout, ScheduledExecutorService timer) {
        this.tables = tables;
        this.transport = transport;
        this.loops = loops;
        this.http = http;
        this.tcp = tcp;
        this.drainTimeout = drainTimeout;
        this.timer = timer;
    }

    /**
     * Brings the listeners in line with {@code table}. Bind failures are kept per address and
     * returned; the other listeners are applied regardless.
     */
    synchronized Map<InetSocketAddress, String> apply(RoutingTable table) {
        Map<InetSocketAddress, Frontend> wanted = table.frontendsByBind();
        List<Listener> removed = new ArrayList<>();
        for (Listener l : open.values()) {
            Frontend f = wanted.get(l.address());
            if (f == null || f.mode() != l.mode()) {
                removed.add(l);
            }
        }
        for (Listener l : removed) {
            open.remove(l.address());
            if (wanted.containsKey(l.address())) {
                // The address switches between http and tcp: its socket is closed now so that it
                // can be bound again below; its connections drain in their old mode.
                l.serverChannel().close().awaitUninterruptibly();
            }
            LOG.log(System.Logger.Level.INFO, "listener " + Bind.describe(l.address()) + " removed: draining "
                    + l.children().size() + " connection(s)");
            drain(l);
        }
        for (Listener l : removed) {
            // When the table is live, its removed ports refuse connections: a reload's answer
            // (lb reload, the API) may be followed at once by a client that expects that.
            if (!l.serverChannel().eventLoop().inEventLoop()) {
                l.serverChannel().closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        bindErrors.keySet().retainAll(wanted.keySet());
        for (Map.Entry<InetSocketAddress, Frontend> e : wanted.entrySet()) {
            if (!open.containsKey(e.getKey())) {
                bind(e.getKey(), e.getValue());
            }
        }
        return Map.copyOf(bindErrors);
    }

    private void bind(InetSocketAddress address, Frontend frontend) {
        ChannelGroup children = new DefaultChannelGroup("listener " + address, GlobalEventExecutor.INSTANCE);
        boolean tcpMode = frontend.mode() == Mode.TCP;
        ChannelInitializer<Channel> proxy = tcpMode
                ? tcp.frontendInitializer(address) : http.frontendInitializer(address);
        AcceptGate gate = new AcceptGate(tables, address);
        ServerBootstrap b = transport.reusePort(new ServerBootstrap())
                .group(loops, loops)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // No TCP_NODELAY child option: Netty's socket configs set it on Linux already, and
                // setting it again was a setsockopt per accepted connection.
                // HTTP reads when its handler asks; TCP reads from accept (TcpProxy#acceptedReader).
                .childOption(ChannelOption.AUTO_READ, tcpMode)
                .handler(!tcpMode ? gate : new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(gate, tcp.acceptedReader());
                    }
                })
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        children.add(ch);
                        ch.pipeline().addLast(proxy);
                    }
                });
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (f.isSuccess()) {
            open.put(address, new Listener(address, frontend.mode(), f.channel(), children));
            bindErrors.remove(address);
            LOG.log(System.Logger.Level.INFO, "listening on " + Bind.describe(address) + " for frontend "
                    + frontend.name());
        } else {
            String why = "cannot bind " + Bind.describe(address) + " for frontend " + frontend.name() + ": "
                    + f.cause().getMessage();
            bindErrors.put(address, why);
            LOG.log(System.Logger.Level.ERROR, why);
        }
    }

    /** The listeners of the current table that could not be bound, with why. */
    synchronized Map<InetSocketAddress, String> bindErrors() {
        return Map.copyOf(bindErrors);
    }

    /** Client connections currently open on the listener at {@code address} (0 if none is open). */
    synchronized int connections(InetSocketAddress address) {
        Listener l = open.get(address);
        return l == null ? 0 : l.children().size();
    }

    /** Stops accepting on every listener and drains them all; completes when all connections are gone. */
    synchronized CompletableFuture<Void> closeAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Listener l : open.values()) {
            all.add(drain(l));
        }
        open.clear();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /**
     * Closes the listening socket, asks each connection to finish its exchange and close
     * ({@link HttpProxy#DRAIN}), and closes whatever is left after the drain timeout.
     */
    private CompletableFuture<Void> drain(Listener l) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        l.serverChannel().close().addListener(closed -> {
            for (Channel ch : l.children()) {
                ch.pipeline().fireUserEventTriggered(HttpProxy.DRAIN);
            }
            long deadline = System.nanoTime() + drainTimeout.toNanos();
            watchDrain(l, deadline, done);
        });
        return done;
    }

    private void watchDrain(Listener l, long deadline, CompletableFuture<Void> done) {
        if (l.children().isEmpty()) {
            done.complete(null);
            return;
        }
        if (System.nanoTime() - deadline >= 0) {
            LOG.log(System.Logger.Level.WARNING, "listener " + Bind.describe(l.address()) + ": closing "
                    + l.children().size() + " connection(s) still open after drain timeout " + drainTimeout);
            l.children().close().addListener(f -> done.complete(null));
            return;
        }
        timer.schedule(() -> watchDrain(l, deadline, done), 20, TimeUnit.MILLISECONDS);
    }
}
