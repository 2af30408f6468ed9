package dev.lb.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a server connection: hands each response message to the
 * {@link FrontendHandler} that owns the connection for the current exchange. A pooled, idle
 * connection has no owner; it keeps one read pending so that the server closing it (or
 * sending anything unasked) is noticed, and then it is closed and leaves the pool.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private ChannelHandlerContext ctx;
    private OneMessagePerRead flow;
    private FrontendHandler owner;
    private boolean readPending;
    /** When the connection last went back to the pool ({@link System#nanoTime()}). */
    long idleSince;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.flow = ctx.pipeline().get(OneMessagePerRead.class);
    }

    /** Whether {@link FrontendHandler#onServerReadComplete} will be called after this read. */
    boolean inSocketRead() {
        return flow != null && flow.inSocketRead();
    }

    void owner(FrontendHandler owner) {
        this.owner = owner;
    }

    FrontendHandler owner() {
        return owner;
    }

    /** Asks for one more message, unless a request for one is already outstanding. */
    void read() {
        if (!readPending) {
            readPending = true;
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readPending = false;
        if (owner != null) {
            owner.onServerMessage(msg);
        } else {
            // A response nobody asked for on an idle connection: the stream is out of step.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        FrontendHandler o = owner;
        if (o != null) {
            o.onServerReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        FrontendHandler o = owner;
        owner = null;
        if (o != null) {
            o.onServerClosed(ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Reset by peer and the like: closing tells the owner through channelInactive.
        ctx.close();
    }
}
