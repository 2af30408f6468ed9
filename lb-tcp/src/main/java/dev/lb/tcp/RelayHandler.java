package dev.lb.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Relays what one channel reads to its peer; installed on both channels of a {@link Tunnel}.
 * Backpressure as in Netty's proxy example, by autoRead: a side stops reading while its peer
 * is not writable, and reads again when the peer drains, so memory stays bounded by the write
 * buffer watermark whatever the speed difference between the two sides.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final Tunnel tunnel;
    private final Channel peer;

    RelayHandler(Tunnel tunnel, Channel peer) {
        this.tunnel = tunnel;
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf bytes) {
            tunnel.arrived(ctx.channel(), bytes.readableBytes());
        }
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (!tunnel.splice() && !peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This channel drained: its peer may read again (unless the peer already sent FIN).
        if (!tunnel.splice() && ctx.channel().isWritable() && !tunnel.eofFrom(peer)) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (tunnel.splice()) {
                SpliceTail.drain(ctx.channel(), peer);
                SpliceTail.stopReading(ctx.channel());
            }
            tunnel.eof(ctx.channel());
        }
        // Anything else (the listener's drain notice included) changes nothing: a tunnel ends
        // when one of its sides closes, or at the drain timeout.
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        tunnel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Reset by peer and the like: closing reaches the other side through channelInactive.
        ctx.close();
    }
}
