package dev.lb.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits before the request decoder and tells the {@link FrontendHandler} that the client sent
 * bytes. The decoder is silent until a header block is complete, but {@code timeout
 * http-request} starts at the first byte of a request and {@code timeout client} counts any
 * byte as activity.
 */
final class ClientBytesTap extends ChannelInboundHandlerAdapter {

    private final FrontendHandler frontend;

    ClientBytesTap(FrontendHandler frontend) {
        this.frontend = frontend;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        frontend.onClientBytes();
        ctx.fireChannelRead(msg);
    }
}
