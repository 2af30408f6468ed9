package dev.lb.tcp;

import dev.lb.core.table.Server;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol header lb sends first on a server connection ({@code send-proxy},
 * {@code send-proxy-v2}), in the formats of HAProxy's proxy-protocol.txt (sections 2.1, 2.2).
 */
final class ProxyProtocolHeader {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49,
        0x54, 0x0A};

    private ProxyProtocolHeader() {
    }

    /** The header telling the server that {@code source} connected to {@code destination}. */
    static ByteBuf encode(Server.ProxyProtocol version, InetSocketAddress source, InetSocketAddress destination,
            ByteBufAllocator alloc) {
        byte[] s = source.getAddress().getAddress();
        byte[] d = destination.getAddress().getAddress();
        boolean v4 = s.length == 4 && d.length == 4;
        if (version == Server.ProxyProtocol.V1) {
            String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + text(source.getAddress(), v4) + " "
                    + text(destination.getAddress(), v4) + " " + source.getPort() + " " + destination.getPort()
                    + "\r\n";
            return alloc.buffer(line.length()).writeBytes(line.getBytes(StandardCharsets.US_ASCII));
        }
        if (!v4) {
            // Mixed families are sent as IPv6, an IPv4 address mapped into it (RFC 4291 2.5.5.2).
            s = mapped(s);
            d = mapped(d);
        }
        ByteBuf b = alloc.buffer(16 + 2 * s.length + 4);
        b.writeBytes(V2_SIGNATURE);
        b.writeByte(0x21); // version 2, PROXY command
        b.writeByte(v4 ? 0x11 : 0x21); // AF_INET or AF_INET6, STREAM
        b.writeShort(2 * s.length + 4);
        b.writeBytes(s).writeBytes(d);
        b.writeShort(source.getPort()).writeShort(destination.getPort());
        return b;
    }

    private static String text(InetAddress a, boolean v4) {
        if (v4 || a instanceof Inet6Address) {
            return a.getHostAddress();
        }
        return "::ffff:" + a.getHostAddress();
    }

    private static byte[] mapped(byte[] a) {
        if (a.length == 16) {
            return a;
        }
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(a, 0, v6, 12, 4);
        return v6;
    }
}
