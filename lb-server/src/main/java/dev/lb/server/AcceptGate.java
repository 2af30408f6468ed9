package dev.lb.server;

import dev.lb.core.table.Frontend;
import dev.lb.core.table.TableRef;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * A frontend's {@code maxconn} on one listener (HAProxy manual 4.2 "maxconn"): past the limit,
 * new connections wait without being read, as in HAProxy, until an admitted one closes. Sits in
 * the listening channel's pipeline, before the acceptor, so all its state is confined to that
 * channel's event loop.
 *
 * <p>Pausing {@code autoRead} alone is not enough: Netty applies it after the read already
 * requested, so one more connection is always accepted. That one, and any other, waits here.
 */
final class AcceptGate extends ChannelInboundHandlerAdapter {

    private final TableRef tables;
    private final InetSocketAddress bind;
    private final ArrayDeque<Channel> waiting = new ArrayDeque<>();
    private int admitted;

    AcceptGate(TableRef tables, InetSocketAddress bind) {
        this.tables = tables;
        this.bind = bind;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        int max = limit();
        if (max > 0 && (admitted >= max || !waiting.isEmpty())) {
            waiting.add(child);
            ctx.channel().config().setAutoRead(false); // leave the rest in the kernel's backlog
            return;
        }
        admit(ctx, child);
    }

    private void admit(ChannelHandlerContext ctx, Channel child) {
        admitted++;
        child.closeFuture().addListener(closed -> ctx.executor().execute(() -> released(ctx)));
        ctx.fireChannelRead(child);
    }

    private void released(ChannelHandlerContext ctx) {
        admitted--;
        int max = limit();
        while (!waiting.isEmpty() && (max == 0 || admitted < max)) {
            admit(ctx, waiting.poll());
        }
        if (waiting.isEmpty() && !ctx.channel().config().isAutoRead() && ctx.channel().isOpen()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private int limit() {
        Frontend f = tables.get().frontendAt(bind);
        return f == null ? 0 : f.maxconn();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The listener closed: nobody will serve the connections still waiting.
        for (Channel c : waiting) {
            c.unsafe().closeForcibly();
        }
        waiting.clear();
        ctx.fireChannelInactive();
    }
}
