package dev.lb.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** The SNI of ClientHellos that the JDK's own TLS client writes, whole and cut short. */
class ClientHelloTest {

    @Test
    void readsTheServerNameOfARealClientHello() throws Exception {
        ByteBuf hello = clientHello("db.example.com");
        ClientHello h = ClientHello.parse(hello);
        assertTrue(h.complete());
        assertEquals(1, h.helloType(), "ClientHello");
        assertEquals("db.example.com", h.sni());
        assertEquals(0, hello.readerIndex(), "the buffer is not consumed: it is replayed to the server");
    }

    @Test
    void waitsForTheRestOfARecordCutShort() throws Exception {
        ByteBuf hello = clientHello("db.example.com");
        for (int cut : new int[] {0, 1, 5, 6, 40, hello.readableBytes() - 1}) {
            ClientHello h = ClientHello.parse(hello.slice(0, cut));
            assertFalse(h.complete(), "incomplete after " + cut + " bytes");
            assertNull(h.sni());
        }
    }

    @Test
    void aClientHelloWithoutSniHasNone() throws Exception {
        ClientHello h = ClientHello.parse(clientHello(null));
        assertTrue(h.complete());
        assertEquals(1, h.helloType());
        assertNull(h.sni());
    }

    @Test
    void plainTextIsNotTls() {
        ClientHello h = ClientHello.parse(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n",
                StandardCharsets.US_ASCII));
        assertTrue(h.complete(), "decided at the first byte");
        assertEquals(-1, h.helloType());
        assertNull(h.sni());
    }

    private static ByteBuf clientHello(String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, null, null);
        SSLEngine engine = ctx.createSSLEngine(sni == null ? null : sni, 443);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        engine.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        return Unpooled.wrappedBuffer(out);
    }
}
