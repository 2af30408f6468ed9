package dev.lb.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * The response encoder of a client connection. It must know when the response answers a
 * {@code HEAD}: such a response has no body whatever its framing headers say (RFC 9110 §9.3.2),
 * so no chunk terminator may be written. {@link FrontendHandler} sets the flag per request.
 */
final class ClientResponseEncoder extends HttpResponseEncoder {

    private boolean headRequest;

    void headRequest(boolean head) {
        this.headRequest = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        return headRequest || super.isContentAlwaysEmpty(msg);
    }
}
