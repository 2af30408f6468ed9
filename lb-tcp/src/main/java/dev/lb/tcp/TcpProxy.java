package dev.lb.tcp;

import dev.lb.core.table.TableRef;
import dev.lb.http.EpollRegistration;
import dev.lb.http.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The {@code mode tcp} proxy: what a listener of a TCP frontend runs on each accepted
 * connection. The table is read once per connection; one server is chosen by the backend's
 * balancer and bytes are relayed both ways until both sides have closed.
 */
public final class TcpProxy {

    /**
     * The system property that turns zero-copy relaying ({@code splice(2)} on the epoll
     * transport) on or off; see {@link #spliceByDefault()}.
     */
    public static final String SPLICE_PROPERTY = "lb.tcp.splice";

    /** Same allocator as the HTTP plane (Netty 4.1's pooled one), for the same measured reason. */
    static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    private final TableRef tables;
    private final boolean splice;
    private final ServerConnector connector;

    /** A proxy that splices when {@link #spliceByDefault()} says so. */
    public TcpProxy(TableRef tables, Transport transport) {
        this(tables, transport, spliceByDefault());
    }

    /**
     * @param splice relay with {@code splice(2)} when both channels are epoll channels; the
     *     copying path otherwise
     */
    public TcpProxy(TableRef tables, Transport transport, boolean splice) {
        this.tables = Objects.requireNonNull(tables);
        Objects.requireNonNull(transport);
        this.splice = splice && Epoll.isAvailable() && transport.name().equals("epoll");
        this.connector = new ServerConnector(transport);
    }

    /**
     * Off unless {@code -Dlb.tcp.splice=true}: the copying path is the one every test runs by
     * default, and it sees each byte (timeouts by activity, future byte counters).
     */
    public static boolean spliceByDefault() {
        return Boolean.parseBoolean(System.getProperty(SPLICE_PROPERTY, "false"));
    }

    /** Whether connections are relayed with {@code splice(2)}. */
    public boolean splices() {
        return splice;
    }

    /**
     * The child handler of a listener bound at {@code bind}: each connection is routed by
     * {@code tables.get().frontendAt(bind)} when it is accepted; if a reload removed that
     * frontend meanwhile, the connection is closed.
     */
    public ChannelInitializer<Channel> frontendInitializer(InetSocketAddress bind) {
        Objects.requireNonNull(bind);
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                // The client is read from the start, as HAProxy does: what it sends while the
                // server connection opens is buffered (up to a bound, see TcpFrontendHandler).
                ch.config().setAutoRead(true);
                ch.config().setAllocator(ALLOCATOR);
                // Half-close: a client's FIN is passed on to the server, not turned into a close.
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                // Already done by acceptedReader() when the listener has it (then without a syscall).
                EpollRegistration.keep(ch);
                ch.pipeline().addLast("tcp", new TcpFrontendHandler(TcpProxy.this, bind));
            }
        };
    }

    /**
     * A handler for a TCP listener's pipeline, after whatever admits connections: each admitted
     * connection asks to read before it is registered, so that on epoll the read interest is part
     * of the connection's {@code epoll_ctl(ADD)} rather than a second {@code epoll_ctl(MOD)}. The
     * listener must leave its children's autoRead on (a child option turning it off would take the
     * interest back).
     */
    public ChannelHandler acceptedReader() {
        return ReadFromAccept.INSTANCE;
    }

    /** See {@link #acceptedReader()}. */
    @ChannelHandler.Sharable
    private static final class ReadFromAccept extends ChannelInboundHandlerAdapter {
        static final ReadFromAccept INSTANCE = new ReadFromAccept();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof EpollSocketChannel child && !child.isRegistered()) {
                // Not registered yet: Netty only records the interest, and registration adds it.
                child.unsafe().beginRead();
                EpollRegistration.keep(child);
            }
            ctx.fireChannelRead(msg);
        }
    }

    TableRef tables() {
        return tables;
    }

    ServerConnector connector() {
        return connector;
    }
}
