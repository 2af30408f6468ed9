package dev.lb.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lb.core.table.Server;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The headers lb sends decode, with Netty's own decoder, to the addresses they were made from. */
class ProxyProtocolHeaderTest {

    @Test
    void v1IsHaproxysTextLine() {
        ByteBuf b = ProxyProtocolHeader.encode(Server.ProxyProtocol.V1,
                new InetSocketAddress("192.0.2.7", 5555),
                new InetSocketAddress("127.0.0.1", 3306), ByteBufAllocator.DEFAULT);
        assertEquals("PROXY TCP4 192.0.2.7 127.0.0.1 5555 3306\r\n", b.toString(StandardCharsets.US_ASCII));
        b.release();
    }

    @Test
    void bothVersionsDecodeToTheSameAddresses() {
        for (Server.ProxyProtocol v : new Server.ProxyProtocol[] {Server.ProxyProtocol.V1,
                Server.ProxyProtocol.V2}) {
            HAProxyMessage m = decode(ProxyProtocolHeader.encode(v, new InetSocketAddress("192.0.2.7", 5555),
                    new InetSocketAddress("127.0.0.1", 3306), ByteBufAllocator.DEFAULT));
            assertEquals(HAProxyProxiedProtocol.TCP4, m.proxiedProtocol(), v.name());
            assertEquals("192.0.2.7", m.sourceAddress());
            assertEquals(5555, m.sourcePort());
            assertEquals("127.0.0.1", m.destinationAddress());
            assertEquals(3306, m.destinationPort());
            m.release();
        }
    }

    @Test
    void mixedFamiliesAreSentAsIpv6() {
        HAProxyMessage m = decode(ProxyProtocolHeader.encode(Server.ProxyProtocol.V2,
                new InetSocketAddress("2001:db8::1", 40000), new InetSocketAddress("127.0.0.1", 443),
                ByteBufAllocator.DEFAULT));
        assertEquals(HAProxyProxiedProtocol.TCP6, m.proxiedProtocol());
        assertEquals(40000, m.sourcePort());
        assertEquals(443, m.destinationPort());
        m.release();
    }

    private static HAProxyMessage decode(ByteBuf header) {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch.writeInbound(header);
        HAProxyMessage m = ch.readInbound();
        ch.finishAndReleaseAll();
        return m;
    }
}
