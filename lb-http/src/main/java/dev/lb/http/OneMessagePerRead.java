package dev.lb.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Hands the next handler exactly one decoded message per {@code read()}, like Netty's
 * {@code FlowControlHandler}, whose 4.2 version lost a read requested from inside the
 * delivery of the previous message (a keep-alive server connection then stalled). A decoder
 * may produce several messages from one socket read; the extra ones wait here, and the
 * socket is read again only when nothing is waiting. Confined to the channel's event loop.
 */
final class OneMessagePerRead extends ChannelDuplexHandler {

    private final ArrayDeque<Object> queue = new ArrayDeque<>(4);
    private int wanted;
    private boolean delivering;
    private boolean inSocketRead;

    /**
     * Whether a socket read is being decoded now, so that {@code channelReadComplete} will
     * follow: a write made meanwhile can wait for it to be flushed together with the rest.
     */
    boolean inSocketRead() {
        return inSocketRead;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        wanted++;
        deliver(ctx);
        if (wanted > 0 && queue.isEmpty()) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inSocketRead = true;
        queue.add(msg);
        deliver(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inSocketRead = false;
        ctx.fireChannelReadComplete();
    }

    private void deliver(ChannelHandlerContext ctx) {
        if (delivering) {
            return; // the loop below goes on with the read just asked for
        }
        delivering = true;
        try {
            Object msg;
            while (wanted > 0 && (msg = queue.poll()) != null) {
                wanted--;
                ctx.fireChannelRead(msg);
            }
        } finally {
            delivering = false;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Messages decoded before the close still count (a body delimited by the close).
        wanted = Integer.MAX_VALUE / 2;
        deliver(ctx);
        inSocketRead = false;
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object msg;
        while ((msg = queue.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
