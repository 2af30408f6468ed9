package dev.lb.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The responses lb generates itself, with the bodies of HAProxy's built-in error pages
 * (HAProxy's {@code http_err_msgs}), so that clients and monitoring see what they saw before.
 * Each carries {@code Connection: close}; the caller removes it when it keeps the connection
 * (a refused well-formed request without a body, as HAProxy does).
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    /** The body HAProxy sends with {@code status}. */
    public static String body(int status) {
        String text = switch (status) {
            case 200 -> "200 OK</h1>\nService ready.";
            case 400 -> "400 Bad request</h1>\nYour browser sent an invalid request.";
            case 401 -> "401 Unauthorized</h1>\nYou need a valid user and password to access this content.";
            case 404 -> "404 Not Found</h1>\nThe resource could not be found.";
            case 405 -> "405 Method Not Allowed</h1>\nA request was made of a resource using a request method"
                    + " not supported by that resource";
            // "407 Unauthorized" and the dot before "The server" (501) are HAProxy's text as sent.
            case 407 -> "407 Unauthorized</h1>\nYou need a valid user and password to access this content.";
            case 410 -> "410 Gone</h1>\nThe resource is no longer available and will not be available again.";
            case 413 -> "413 Payload Too Large</h1>\nThe request entity exceeds the maximum allowed.";
            case 425 -> "425 Too Early</h1>\nYour browser sent early data.";
            case 429 -> "429 Too Many Requests</h1>\n"
                    + "You have sent too many requests in a given amount of time.";
            case 501 -> "501 Not Implemented</h1>\n.The server does not support the functionality required"
                    + " to fulfill the request.";
            case 403 -> "403 Forbidden</h1>\nRequest forbidden by administrative rules.";
            case 408 -> "408 Request Time-out</h1>\nYour browser didn't send a complete request in time.";
            case 431 -> "431 Request Header Fields Too Large</h1>\n"
                    + "Your browser sent too large request headers.";
            case 500 -> "500 Internal Server Error</h1>\nAn internal server error occurred.";
            case 502 -> "502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.";
            case 503 -> "503 Service Unavailable</h1>\nNo server is available to handle this request.";
            case 504 -> "504 Gateway Time-out</h1>\nThe server didn't respond in time.";
            default -> status + " " + HttpResponseStatus.valueOf(status).reasonPhrase()
                    + "</h1>\nThe request was refused.";
        };
        return "<html><body><h1>" + text + "\n</body></html>\n";
    }

    /** A fresh full response for {@code status}, marked {@code Connection: close}. */
    public static FullHttpResponse response(int status) {
        return response(status, null);
    }

    /**
     * As {@link #response(int)}, with {@code WWW-Authenticate: Basic realm="REALM"} when
     * {@code realm} is not null (the answer of {@code http-request auth}, RFC 7617).
     */
    public static FullHttpResponse response(int status, String realm) {
        ByteBuf content = Unpooled.copiedBuffer(body(status), StandardCharsets.US_ASCII);
        HttpResponseStatus st = status == 408
                ? new HttpResponseStatus(408, "Request Time-out")
                : HttpResponseStatus.valueOf(status);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st, content);
        r.headers()
                .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_HTML)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (realm != null) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + realm + "\"");
        }
        return r;
    }
}
