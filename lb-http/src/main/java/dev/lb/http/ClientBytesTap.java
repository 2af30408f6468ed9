package dev.lb.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Sits before the request decoder and tells the {@link FrontendHandler} that the client sent
 * bytes. The decoder is silent until a header block is complete, but {@code timeout
 * http-request} starts at the first byte of a request and {@code timeout client} counts any
 * byte as activity. It also counts the bytes both ways for the stats ({@code bin}, {@code bout}):
 * it is the handler nearest the socket, so it sees them as they are on the wire.
 */
final class ClientBytesTap extends ChannelDuplexHandler {

    private final FrontendHandler frontend;

    ClientBytesTap(FrontendHandler frontend) {
        this.frontend = frontend;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        frontend.onClientBytes(size(msg));
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        frontend.onClientBytesOut(size(msg));
        ctx.write(msg, promise);
    }

    private static int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        return msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
    }
}
