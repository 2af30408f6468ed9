package dev.lb.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes a spliced channel still holds when its peer's FIN is seen. Netty 4.2.18 shuts the
 * input down as soon as epoll reports the FIN (EPOLLRDHUP) while splicing, even though the
 * bytes sent before the FIN may still be in the socket's receive queue, and splices no more
 * of them: without this, the tail of a stream whose sender closes right after writing is lost
 * (seen in the 100 MiB download test). Everything before a FIN is already queued, so reading
 * until EOF takes it all; it is at most one receive buffer.
 */
final class SpliceTail {

    private static final int CHUNK = 65536;

    private SpliceTail() {
    }

    /**
     * Stops reading {@code from} for good once its input ended. Netty 4.2.18 leaves EPOLLIN set
     * on a spliced channel whose input it shut down, and a socket at end of stream is always
     * readable: level-triggered, the event loop spun at 100% of a core for as long as the other
     * side kept the tunnel open (3 s of CPU in 3 s for a client that half-closed before a
     * silent server). Netty turns autoRead back on when a pending splice to the peer
     * completes; that goes through the pipeline's {@code read()}, which is dropped here.
     */
    static void stopReading(Channel from) {
        from.pipeline().addFirst(NoMoreReads.INSTANCE);
        from.config().setAutoRead(false);
    }

    /** Drops every read request: nothing is left to read after the FIN. */
    @ChannelHandler.Sharable
    private static final class NoMoreReads extends ChannelOutboundHandlerAdapter {
        static final NoMoreReads INSTANCE = new NoMoreReads();

        @Override
        public void read(ChannelHandlerContext ctx) {
            // no-op
        }
    }

    /** Copies what {@code from} still has queued to {@code to}, after what was spliced. */
    static void drain(Channel from, Channel to) {
        if (!(from instanceof EpollSocketChannel epoll) || !to.isActive()) {
            return;
        }
        FileDescriptor fd = epoll.fd();
        try {
            while (true) {
                ByteBuf buf = to.alloc().directBuffer(CHUNK);
                ByteBuffer nio = buf.internalNioBuffer(0, CHUNK);
                int n = fd.read(nio, nio.position(), nio.limit());
                if (n <= 0) {
                    // -1: end of stream; 0: nothing more queued.
                    buf.release();
                    break;
                }
                buf.writerIndex(n);
                to.write(buf, to.voidPromise());
            }
        } catch (IOException e) {
            from.close();
        }
        to.flush();
    }
}
