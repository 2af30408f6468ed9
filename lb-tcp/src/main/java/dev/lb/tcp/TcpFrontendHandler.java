package dev.lb.tcp;

import dev.lb.core.action.TcpRequestRule;
import dev.lb.core.stats.ProxyCounters;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Bind;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Mode;
import dev.lb.core.table.Server;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client connection of a mode tcp frontend until its relay starts: reads the PROXY protocol
 * header on {@code accept-proxy} binds, applies {@code tcp-request connection} rules, waits up to
 * {@code tcp-request inspect-delay} for the TLS ClientHello when a rule reads it, applies
 * {@code tcp-request content} rules and {@code use_backend}, then connects to a server of the
 * chosen backend (retrying others on failure) and hands both channels to a {@link Tunnel}.
 *
 * <p>The server connection is opened on the client's event loop, so nothing here needs a lock.
 */
final class TcpFrontendHandler extends ChannelInboundHandlerAdapter {

    /** The most lb buffers while inspecting: HAProxy's default {@code tune.bufsize}. */
    static final int MAX_INSPECT = 16384;
    /** How long a server that refused a connection is avoided (as the HTTP plane does). */
    static final long FAILED_SERVER_NANOS = TimeUnit.SECONDS.toNanos(2);

    private enum State { PROXY_HEADER, INSPECTING, CONNECTING, RELAYING, CLOSED }

    private final TcpProxy proxy;
    private final InetSocketAddress bind;
    private ChannelHandlerContext ctx;
    private State state;
    private Frontend frontend;
    private InetSocketAddress source;
    private InetSocketAddress destination;
    /** Client bytes read before the relay starts; replayed to the server first. */
    private CompositeByteBuf buffered;
    private ClientHello hello;
    private boolean clientEof;
    private ScheduledFuture<?> timer;
    private Backend backend;
    private Server server;
    private int attempts;
    private TcpCounters counters;
    private long connectStart;

    TcpFrontendHandler(TcpProxy proxy, InetSocketAddress bind) {
        this.proxy = proxy;
        this.bind = bind;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        frontend = proxy.tables().get().frontendAt(bind);
        if (frontend == null || frontend.mode() != Mode.TCP) {
            // A reload changed this address between accept and now.
            closeClient();
            return;
        }
        source = (InetSocketAddress) ctx.channel().remoteAddress();
        destination = (InetSocketAddress) ctx.channel().localAddress();
        ProxyCounters sessions = frontend.counters();
        sessions.sessionOpened(System.nanoTime());
        ctx.channel().closeFuture().addListener(f -> sessions.sessionClosed());
        counters = new TcpCounters(sessions);
        if (acceptsProxyHeader()) {
            state = State.PROXY_HEADER;
            ctx.pipeline().addBefore(ctx.name(), "proxy-protocol", new HAProxyMessageDecoder());
            arm(frontend.timeouts().client());
            ctx.read();
            return;
        }
        accepted();
    }

    private boolean acceptsProxyHeader() {
        for (Bind b : frontend.binds()) {
            if (b.address().equals(bind)) {
                return b.acceptProxy();
            }
        }
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage m) {
            try {
                proxyHeader(m);
            } finally {
                m.release();
            }
            return;
        }
        if (!(msg instanceof ByteBuf bytes) || state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (buffered == null) {
            buffered = ctx.alloc().compositeBuffer(64);
        }
        buffered.addComponent(true, bytes);
        if (state == State.INSPECTING) {
            hello = ClientHello.parse(buffered);
            if (hello.complete() || buffered.readableBytes() >= MAX_INSPECT) {
                decide();
            }
        }
        if (buffered != null && buffered.readableBytes() >= MAX_INSPECT) {
            // The client is read from accept on; past this, it waits until the relay starts.
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if ((state == State.PROXY_HEADER || state == State.INSPECTING)
                && (buffered == null || buffered.readableBytes() < MAX_INSPECT)) {
            ctx.read();
        }
    }

    /** HAProxy's proxy-protocol.txt: a LOCAL command or an UNKNOWN family keeps the real addresses. */
    private void proxyHeader(HAProxyMessage m) {
        if (state != State.PROXY_HEADER) {
            return;
        }
        cancelTimer();
        if (m.command() == HAProxyCommand.PROXY && m.proxiedProtocol() != HAProxyProxiedProtocol.UNKNOWN) {
            try {
                source = new InetSocketAddress(InetAddress.getByName(m.sourceAddress()), m.sourcePort());
                destination = new InetSocketAddress(InetAddress.getByName(m.destinationAddress()),
                        m.destinationPort());
            } catch (java.net.UnknownHostException e) {
                closeClient();
                return;
            }
        }
        accepted();
    }

    /** The connection is accepted by the listener: connection rules, then inspection or routing. */
    private void accepted() {
        if (!passes(false)) {
            return;
        }
        if (frontend.inspectsPayload() && !clientEof) {
            state = State.INSPECTING;
            arm(frontend.inspectDelay());
            if (buffered != null) {
                // Bytes that came with the PROXY header.
                hello = ClientHello.parse(buffered);
                if (hello.complete()) {
                    decide();
                    return;
                }
            }
            ctx.read();
            return;
        }
        // Without inspection, content rules still run once, on no data (as HAProxy's do).
        if (passes(true)) {
            route();
        }
    }

    /** The first bytes are in, or the inspect delay is over, or the client half-closed. */
    private void decide() {
        if (state != State.INSPECTING) {
            return;
        }
        cancelTimer();
        if (hello == null && buffered != null) {
            hello = ClientHello.parse(buffered);
        }
        if (passes(true)) {
            route();
        }
    }

    /**
     * Applies the connection or content rules; the first that holds decides, and a connection no
     * rule rejects is accepted. Returns false after closing a rejected connection.
     */
    private boolean passes(boolean content) {
        TcpFacts facts = facts();
        for (TcpRequestRule r : frontend.tcpRules()) {
            if (r.content() == content && r.condition().test(facts)) {
                if (!r.accept()) {
                    frontend.counters().deniedRequest();
                    closeClient();
                    return false;
                }
                return true;
            }
        }
        return true;
    }

    private TcpFacts facts() {
        return new TcpFacts(source.getAddress(), destination.getPort(), hello);
    }

    private void route() {
        state = State.CONNECTING;
        backend = frontend.select(facts());
        if (backend == null) {
            // No backend: HAProxy closes a TCP connection it cannot route.
            closeClient();
            return;
        }
        server = backend.balancer().choose(source.getAddress(), null);
        if (server == null) {
            closeClient();
            return;
        }
        server.state().acquire();
        connect();
    }

    private void connect() {
        Server target = server;
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, backend.timeouts().connect().toMillis());
        connectStart = System.nanoTime();
        ChannelFuture cf = proxy.connector().connect(ctx.channel().eventLoop(), target.address(),
                connectMillis);
        cf.addListener((ChannelFutureListener) f -> {
            if (state != State.CONNECTING || server != target) {
                // The client went away meanwhile.
                f.channel().close();
                target.state().release();
            } else if (f.isSuccess()) {
                startRelay(f.channel());
            } else {
                connectFailed();
            }
        });
    }

    /**
     * A connect attempt failed: the server is avoided for a while (lb's passive check), and the
     * connection goes to another server when the balancer has one, to the same one otherwise,
     * up to {@code retries} more attempts (manual 4.2 "retries", "option redispatch"); then the
     * client connection is closed, as HAProxy does in mode tcp.
     */
    private void connectFailed() {
        Server failed = server;
        failed.state().markFailed(FAILED_SERVER_NANOS);
        failed.counters().connectError();
        backend.counters().connectError();
        attempts++;
        if (attempts > backend.retries()) {
            failed.state().release();
            server = null;
            closeClient();
            return;
        }
        failed.counters().retry();
        backend.counters().retry();
        Server next = backend.balancer().choose(source.getAddress(), failed);
        if (next != null && next != failed) {
            backend.counters().redispatch();
            failed.state().release();
            next.state().acquire();
            server = next;
        }
        connect();
    }

    private void startRelay(Channel serverChannel) {
        state = State.RELAYING;
        Server target = server;
        long now = System.nanoTime();
        ProxyCounters b = backend.counters();
        ProxyCounters s = server.counters();
        b.sessionOpened(now);
        s.sessionOpened(now);
        b.connectTime(now - connectStart, now);
        s.connectTime(now - connectStart, now);
        serverChannel.closeFuture().addListener(f -> {
            // One listener for the three (a second one per connection grows the listener array).
            target.state().release();
            b.sessionClosed();
            s.sessionClosed();
        });
        counters.connected(b, s);
        if (server.sendProxy() != Server.ProxyProtocol.NONE) {
            serverChannel.write(ProxyProtocolHeader.encode(server.sendProxy(), source, destination,
                    serverChannel.alloc()), serverChannel.voidPromise());
        }
        if (buffered != null) {
            counters.fromClient(buffered.readableBytes());
            serverChannel.write(buffered, serverChannel.voidPromise());
            buffered = null;
        }
        serverChannel.flush();
        Tunnel tunnel = new Tunnel(ctx.channel(), serverChannel, backend.timeouts().tunnel(), proxy.splices(),
                counters);
        ctx.pipeline().replace(this, "relay", new RelayHandler(tunnel, serverChannel));
        tunnel.start(clientEof);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            clientEof = true;
            if (state == State.INSPECTING) {
                decide();
            } else if (state == State.PROXY_HEADER) {
                closeClient();
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        cancelTimer();
        releaseBuffered();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (state != State.RELAYING) {
            releaseBuffered();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A bad PROXY header, a reset: nothing was relayed yet, so just close.
        closeClient();
    }

    private void arm(Duration d) {
        if (d.isZero()) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (state == State.INSPECTING) {
                decide();
            } else if (state == State.PROXY_HEADER) {
                closeClient();
            }
        }, d.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void closeClient() {
        state = State.CLOSED;
        cancelTimer();
        releaseBuffered();
        ctx.close();
    }

    private void releaseBuffered() {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
