package dev.lb.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * A request decoder that leaves a smuggling attempt visible instead of repairing it.
 * Netty by default drops {@code Content-Length} when {@code Transfer-Encoding: chunked} is
 * also present (RFC 9112 §6.3 allows that); lb keeps both so that {@link FrontendHandler}
 * rejects the request with 400 and closes, as SPEC §9 asks (a proxy behind or in front of lb
 * might pick the other framing).
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    /** Longest request line, and the whole header block, in bytes (HAProxy's bufsize is 16 KiB). */
    static final int MAX_LINE = 8192;
    static final int MAX_HEADER = 16384;
    /** Body pieces are forwarded as they come, at most this many bytes each. */
    static final int MAX_CHUNK = 16384;

    StrictRequestDecoder() {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE)
                .setMaxHeaderSize(MAX_HEADER)
                .setMaxChunkSize(MAX_CHUNK)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true));
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        // Keep Content-Length: the handler sees both headers and answers 400.
    }
}
