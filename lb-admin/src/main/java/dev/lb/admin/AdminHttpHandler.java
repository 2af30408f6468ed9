package dev.lb.admin;

import dev.lb.core.table.TableRef;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The admin plane's routes (SPEC section 8) for one listener: {@code /health} open to all,
 * everything else behind the mount's Basic authentication, then {@code /api/routes},
 * {@code /api/reload}, {@code /metrics} and the stats pages under their prefixes.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String TEXT = "text/plain; charset=utf-8";

    private final Supplier<AdminMount> mount;
    private final TableRef tables;
    private final StatsView stats;
    private final AdminControl control;
    private final Executor blocking;

    AdminHttpHandler(Supplier<AdminMount> mount, TableRef tables, StatsView stats, AdminControl control,
            Executor blocking) {
        this.mount = mount;
        this.tables = tables;
        this.stats = stats;
        this.control = control;
        this.blocking = blocking;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            send(ctx, false, HttpResponseStatus.BAD_REQUEST, TEXT, "bad request\n");
            return;
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.equals("/health")) {
            // Never behind authentication: orchestrators probe it without credentials.
            send(ctx, keepAlive, HttpResponseStatus.OK, TEXT, "OK\n");
            return;
        }
        AdminMount m = mount.get();
        if (!m.allows(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            FullHttpResponse r = response(HttpResponseStatus.UNAUTHORIZED, "text/html",
                    "<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access "
                            + "this content.\n</body></html>\n");
            // HAProxy's header, so browsers and scripts prompt the same way.
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + m.realm() + "\"");
            write(ctx, keepAlive, r);
            return;
        }
        switch (path) {
            case "/api/routes" -> send(ctx, keepAlive, HttpResponseStatus.OK, "application/json",
                    RoutesJson.render(tables.get(), control.status()) + "\n");
            case "/api/reload" -> reload(ctx, keepAlive, req.method());
            case "/metrics" -> metrics(ctx, keepAlive);
            default -> statsPage(ctx, keepAlive, m, uri);
        }
    }

    /**
     * The exposition written straight into the response buffer: for 10,000 services it is about
     * 30 MB, and a string first, then its bytes, would put three copies of it on the heap.
     */
    private void metrics(ChannelHandlerContext ctx, boolean keepAlive) {
        ByteBuf body = ctx.alloc().buffer();
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            stats.prometheus(out);
        } catch (IOException | RuntimeException e) {
            body.release();
            send(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT, "metrics failed: " + e + "\n");
            return;
        }
        write(ctx, keepAlive,
                response(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8", body));
    }

    private void statsPage(ChannelHandlerContext ctx, boolean keepAlive, AdminMount m, String uri) {
        StatsPage page = m.page(uri);
        if (page == null) {
            send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, TEXT, "not found\n");
            return;
        }
        // HAProxy answers the CSV when ";csv" follows the stats URI (management guide 9.1).
        if (uri.indexOf(";csv", page.uri().length()) >= 0) {
            send(ctx, keepAlive, HttpResponseStatus.OK, "text/plain", stats.csv());
            return;
        }
        FullHttpResponse r = response(HttpResponseStatus.OK, "text/html", stats.html(page, control.status()));
        if (!page.refresh().isZero() && !uri.contains(";norefresh")) {
            r.headers().set("Refresh", Long.toString(Math.max(1, page.refresh().toSeconds())));
        }
        write(ctx, keepAlive, r);
    }

    private void reload(ChannelHandlerContext ctx, boolean keepAlive, HttpMethod method) {
        if (!method.equals(HttpMethod.POST)) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "use POST\n");
            r.headers().set(HttpHeaderNames.ALLOW, "POST");
            write(ctx, keepAlive, r);
            return;
        }
        // A reload waits for the reload thread: not on the admin event loop.
        CompletableFuture.supplyAsync(() -> control.reload("POST /api/reload"), blocking)
                .whenComplete((result, error) -> ctx.executor().execute(() -> {
                    if (error != null) {
                        send(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT,
                                "reload failed: " + error + "\n");
                        return;
                    }
                    JsonWriter w = new JsonWriter().beginObject().name("applied").value(result.applied())
                            .name("version").value(result.version()).name("errors").beginArray();
                    for (String e : result.errors()) {
                        w.value(e);
                    }
                    w.endArray().endObject();
                    send(ctx, keepAlive, result.applied() ? HttpResponseStatus.OK
                            : HttpResponseStatus.UNPROCESSABLE_ENTITY, "application/json", w + "\n");
                }));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, String body) {
        return response(status, type, Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, ByteBuf body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        HttpUtil.setContentLength(r, r.content().readableBytes());
        return r;
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
            String type, String body) {
        write(ctx, keepAlive, response(status, type, body));
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
