package dev.lb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Handler-level checks of the pieces the proxy tests rely on. */
class HeaderHandlingTest {

    @Test
    void connectionNamedHeadersAndFixedHopByHopHeadersAreStripped() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "close, X-A").add("Connection", "x-b").add("X-A", "1").add("X-B", "2")
                .add("Keep-Alive", "5").add("TE", "trailers").add("Trailer", "X").add("Upgrade", "h2c")
                .add("Proxy-Connection", "keep-alive").add("Content-Length", "3").add("X-Keep", "y");
        HopByHopHeaders.strip(h, false);
        for (String gone : new String[] {"Connection", "X-A", "X-B", "Keep-Alive", "TE", "Trailer", "Upgrade",
            "Proxy-Connection"}) {
            assertNull(h.get(gone), gone + " after strip");
        }
        assertEquals("3", h.get("Content-Length"), "Content-Length survives");
        assertEquals("y", h.get("X-Keep"), "end-to-end header survives");
    }

    @Test
    void upgradeIsKeptWhenTunnelling() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "Upgrade").add("Upgrade", "websocket");
        assertTrue(HopByHopHeaders.isUpgrade(h), "upgrade detected");
        HopByHopHeaders.strip(h, true);
        assertEquals("websocket", h.get("Upgrade"), "Upgrade header");
        assertEquals("upgrade", h.get("Connection"), "Connection header");
    }

    @Test
    void pathOfOriginAndAbsoluteForm() {
        assertEquals("/a/b", FrontendHandler.pathOf("/a/b?x=1"), "origin form");
        assertEquals("/a", FrontendHandler.pathOf("http://h:80/a?q"), "absolute form");
        assertEquals("/", FrontendHandler.pathOf("http://h"), "absolute form without path");
    }

    @Test
    void replacePathExpandsHaproxyAndJavaGroupReferences() {
        Matcher m = Pattern.compile("^/old/(.*)").matcher("/old/x/y");
        assertTrue(m.find());
        assertEquals("/new/x/y", RequestRewriter.expand("/new/\\1", m), "\\1 reference");
        assertEquals("/new/x/y", RequestRewriter.expand("/new/$1", m), "$1 reference");
    }

    @Test
    void decoderKeepsContentLengthNextToChunkedSoTheRequestCanBeRejected() {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder());
        ch.writeInbound(Unpooled.copiedBuffer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", StandardCharsets.US_ASCII));
        HttpRequest req = ch.readInbound();
        assertFalse(req.decoderResult().isFailure(), "decoded");
        assertEquals("3", req.headers().get("Content-Length"), "Content-Length kept beside Transfer-Encoding");
        ch.finishAndReleaseAll();
    }

    @Test
    void errorBodiesAreHaproxys() {
        assertEquals("<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this "
                + "request.\n</body></html>\n", ErrorResponses.body(503), "503 body");
        assertEquals("no-cache", ErrorResponses.response(502).headers().get("cache-control"), "cache-control");
    }
}
