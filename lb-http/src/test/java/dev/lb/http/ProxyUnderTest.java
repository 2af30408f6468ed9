package dev.lb.http;

import dev.lb.core.table.Backend;
import dev.lb.core.table.Bind;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.RoutingTable;
import dev.lb.core.table.TableRef;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An {@link HttpProxy} listening on a free loopback port, with a table built in the test.
 * Bind first, then {@link #route}: the frontend's bind must be the address actually bound.
 */
public final class ProxyUnderTest implements AutoCloseable {

    private final TableRef tables = new TableRef();
    private final HttpProxy proxy;
    private final Channel listener;
    private final InetSocketAddress bind;
    private final io.netty.channel.group.ChannelGroup clients =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    ProxyUnderTest(EventLoopGroup group, Transport transport) throws InterruptedException {
        this.proxy = new HttpProxy(tables, transport);
        // Bind on an ephemeral port, then key the frontend by exactly that address.
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clients.add(ch);
                        ch.pipeline().addLast(proxy.frontendInitializer(
                                (InetSocketAddress) ch.parent().localAddress()));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        this.bind = (InetSocketAddress) listener.localAddress();
    }

    /** Where clients connect. */
    public InetSocketAddress address() {
        return bind;
    }

    public TableRef tables() {
        return tables;
    }

    public HttpProxy proxy() {
        return proxy;
    }

    /**
     * Publishes a table with one frontend on this proxy's address, shaped by {@code frontend}
     * (rules, default backend, actions, timeouts), and the given backends.
     */
    public RoutingTable route(UnaryOperator<Frontend.Builder> frontend, Backend... backends) {
        Frontend f = frontend.apply(Frontend.builder("fe")
                .binds(List.of(new Bind(bind, "test:1")))).build();
        return tables.publish(new RoutingTable(0, List.of("test"), List.of(f), new ArrayList<>(List.of(backends))));
    }

    /** Publishes a table with one frontend whose default backend is {@code backend}. */
    public RoutingTable routeAllTo(Backend backend) {
        return route(f -> f.defaultBackend(backend), backend);
    }

    /** Fires {@link HttpProxy#DRAIN} on every open client connection, as the server does on stop. */
    public void drainAll() {
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(HttpProxy.DRAIN));
        }
    }

    /** Publishes a table without this proxy's listener (as a reload that removed it). */
    public void unroute() {
        tables.publish(RoutingTable.EMPTY);
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
    }
}
