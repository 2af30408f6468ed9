package dev.lb.http;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * Keeps a relayed epoll channel in its event loop's epoll set until it closes: a workaround
 * for Netty 4.2.18. When a channel's interest set becomes empty, Netty deletes its descriptor
 * from the epoll set ({@code EPOLL_CTL_DEL}) but still believes it is there, so the next
 * interest it asks for ({@code EPOLL_CTL_MOD}) fails with ENOENT. A half-closed side gets
 * there as soon as its peer's FIN is read (EPOLLIN and EPOLLRDHUP cleared) while nothing waits
 * to be written to it; the next write that fills its socket buffer asks for EPOLLOUT, fails,
 * and Netty shuts the output down: the peer got a FIN in the middle of the stream, the rest
 * was dropped (the lost tail of TcpRelayTest's two-way transfer on busy machines, where the
 * client reads slower than the echo comes back; and a runtime API answer longer than the socket
 * buffer, after socat's FIN). Asking for EPOLLERR as well, which epoll
 * reports whether asked or not, keeps the interest set non-empty at no cost. Remove this class
 * once {@code HalfClosedEpollWriteTest#nettyStillDropsTheRegistration} fails.
 */
public final class EpollRegistration {

    private static final System.Logger LOG = System.getLogger(EpollRegistration.class.getName());
    /** {@code AbstractEpollChannel.setFlag(int)}, protected; null when this Netty has no such method. */
    private static final MethodHandle SET_FLAG = findSetFlag();

    private EpollRegistration() {
    }

    /**
     * Adds EPOLLERR to {@code ch}'s interest set; free (no system call) before registration.
     * Does nothing for channels of other transports.
     */
    public static void keep(Channel ch) {
        if (SET_FLAG != null && ch instanceof AbstractEpollStreamChannel epoll) {
            try {
                SET_FLAG.invokeExact(epoll, Native.EPOLLERR);
            } catch (Throwable e) {
                // Closed meanwhile: nothing left to keep.
            }
        }
    }

    private static MethodHandle findSetFlag() {
        try {
            Method m = AbstractEpollStreamChannel.class.getSuperclass().getDeclaredMethod("setFlag", int.class);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m)
                    .asType(MethodType.methodType(void.class, AbstractEpollStreamChannel.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "epoll: cannot keep half-closed TCP connections registered ("
                    + e + "); a write to a half-closed connection may then cut it short");
            return null;
        }
    }
}
