package dev.lb.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes a spliced channel still holds when its peer's FIN is seen. Netty 4.2.18 shuts the
 * input down as soon as epoll reports the FIN (EPOLLRDHUP) while splicing, even though the
 * bytes sent before the FIN may still be in the socket's receive queue, and then stops
 * reading: without this, the tail of a stream whose sender closes right after writing is lost
 * (seen in the 100 MiB download test). Everything before a FIN is already queued, so reading
 * until EOF takes it all; it is at most one receive buffer.
 */
final class SpliceTail {

    private static final int CHUNK = 65536;

    private SpliceTail() {
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
