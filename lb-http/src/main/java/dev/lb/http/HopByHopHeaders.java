package dev.lb.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Removes the headers that describe one connection rather than the message (RFC 9110 §7.6.1):
 * {@code Connection} and every header it names, plus {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code TE}, {@code Trailer} and {@code Upgrade}. {@code Transfer-Encoding} stays: lb forwards
 * bodies with their framing and Netty's encoders write it.
 */
final class HopByHopHeaders {

    private HopByHopHeaders() {
    }

    /** Whether the message asks to switch protocols ({@code Connection: upgrade} + {@code Upgrade}). */
    static boolean isUpgrade(HttpHeaders h) {
        return h.contains(HttpHeaderNames.UPGRADE)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Strips hop-by-hop headers; when {@code keepUpgrade}, {@code Upgrade} survives and the
     * result carries {@code Connection: upgrade} so that the next hop can switch too.
     */
    static void strip(HttpHeaders h, boolean keepUpgrade) {
        List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !(keepUpgrade && "upgrade".equalsIgnoreCase(name))
                        && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                    // Framing and Host are never connection options, whatever a client claims.
                    h.remove(name);
                }
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRAILER);
        if (keepUpgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            h.remove(HttpHeaderNames.UPGRADE);
        }
    }
}
