package dev.lb.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 server on a loopback address for proxy tests. It answers with its name in
 * the {@code X-Backend} header and the body, and records what it received. Paths:
 * <ul>
 * <li>{@code /echo}: streams the request body back, chunked;
 * <li>{@code /upload}: reads the body and answers {@code <bytes> <sha-256 hex>};
 * <li>{@code /download?size=N}: N bytes of {@link TestData} (Content-Length, or chunked with
 *     {@code &chunked=1});
 * <li>{@code /delay?ms=N}: answers after N ms;
 * <li>{@code /garbage}: answers bytes that are not HTTP; {@code /close}: closes without answer;
 * <li>{@code /stale}: answers the first request of a connection, closes on any later one;
 * <li>{@code /ws}: answers 101 to an {@code Upgrade} request, then echoes raw bytes;
 * <li>{@code /check}: answers the status set with {@link #checkStatus(int)} (200 at first), for
 *     health checks;
 * <li>anything else: 200 with the name.
 * </ul>
 */
public final class HttpBackend implements AutoCloseable {

    /** What the backend saw of one request. */
    public record Received(String method, String uri, HttpHeaders headers) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final String name;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final io.netty.channel.group.ChannelGroup children = new io.netty.channel.group.DefaultChannelGroup(
            io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private volatile int checkStatus = 200;

    private HttpBackend(String name, String host, int port, EventLoopGroup group, Transport transport)
            throws InterruptedException {
        this.name = name;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        children.add(ch);
                        ch.pipeline().addLast("codec", new HttpServerCodec())
                                .addLast(new HttpServerExpectContinueHandler())
                                .addLast(new ChunkedWriteHandler())
                                .addLast("app", new App());
                    }
                })
                .bind(host, port).sync().channel();
    }

    /** Starts a backend named {@code name} on {@code host} (a 127.0.0.x address), on a free port. */
    public static HttpBackend start(String name, String host, EventLoopGroup group, Transport transport)
            throws InterruptedException {
        return new HttpBackend(name, host, 0, group, transport);
    }

    /** Starts a backend on exactly {@code address}: a server restarted on its old port. */
    public static HttpBackend start(String name, InetSocketAddress address, EventLoopGroup group,
            Transport transport) throws InterruptedException {
        return new HttpBackend(name, address.getHostString(), address.getPort(), group, transport);
    }

    /** The status {@code /check} answers from now on. */
    public void checkStatus(int status) {
        this.checkStatus = status;
    }

    /** Requests received on {@code /check}. */
    public long checkRequests() {
        return received.stream().filter(r -> r.uri().startsWith("/check")).count();
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** TCP connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** TCP connections open now (the group drops a connection when it closes). */
    public int openConnections() {
        return children.size();
    }

    /** Request headers received so far (complete header blocks). */
    public int requests() {
        return requests.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The last request received, or {@code null}. */
    public Received last() {
        Received r = null;
        for (Received x : received) {
            r = x;
        }
        return r;
    }

    /** Stops listening and closes every open connection, as a server process that exits. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        children.close().awaitUninterruptibly();
    }

    /** The request handler; one per connection. */
    private final class App extends SimpleChannelInboundHandler<HttpObject> {
        private String route = "";
        private MessageDigest digest;
        private long bytes;
        private boolean echoing;
        private int served;

        App() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest req) {
                requests.incrementAndGet();
                served++;
                
                received.add(new Received(req.method().name(), req.uri(), req.headers().copy()));
                onRequest(ctx, req);
            }
            if (msg instanceof HttpContent content) {
                onContent(ctx, content);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            route = q.path();
            bytes = 0;
            switch (route) {
                case "/echo" -> {
                    echoing = true;
                    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    HttpUtil.setTransferEncodingChunked(r, true);
                    r.headers().set("X-Backend", name);
                    ctx.writeAndFlush(r);
                }
                case "/upload" -> digest = sha256();
                case "/garbage" -> ctx.pipeline().firstContext()
                        .writeAndFlush(Unpooled.copiedBuffer("SSH-2.0-not-http\r\n\r\n", StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
                case "/close" -> ctx.close();
                case "/stale" -> {
                    if (served > 1) {
                        ctx.close(); // as a server whose keep-alive timeout struck just now
                    }
                }
                case "/ws" -> upgrade(ctx, req);
                default -> {
                }
            }
        }

        private void onContent(ChannelHandlerContext ctx, HttpContent content) {
            bytes += content.content().readableBytes();
            boolean last = content instanceof LastHttpContent;
            if (echoing) {
                ByteBuf data = content.content().retain();
                content.release();
                ctx.write(last ? new io.netty.handler.codec.http.DefaultLastHttpContent(data)
                        : new DefaultHttpContent(data));
                ctx.flush();
                if (!ctx.channel().isWritable()) {
                    // Backpressure: stop reading the upload until the echo drains.
                    ctx.channel().config().setAutoRead(false);
                }
                if (last) {
                    echoing = false;
                }
                return;
            }
            if (digest != null) {
                digest.update(content.content().nioBuffer());
            }
            content.release();
            if (!last) {
                return;
            }
            Map<String, List<String>> params = null;
            switch (route) {
                case "/upload" -> {
                    String hex = HexFormat.of().formatHex(digest.digest());
                    digest = null;
                    respond(ctx, HttpResponseStatus.OK, bytes + " " + hex);
                }
                case "/download" -> download(ctx);
                case "/delay" -> {
                    params = new QueryStringDecoder(ctx.channel().attr(URI).get()).parameters();
                    long ms = Long.parseLong(params.get("ms").get(0));
                    ctx.executor().schedule(() -> respond(ctx, HttpResponseStatus.OK, name), ms, TimeUnit.MILLISECONDS);
                }
                case "/garbage", "/close", "/ws" -> {
                }
                case "/check" -> respond(ctx, HttpResponseStatus.valueOf(checkStatus), name);
                default -> respond(ctx, HttpResponseStatus.OK, name);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void download(ChannelHandlerContext ctx) {
            QueryStringDecoder q = new QueryStringDecoder(ctx.channel().attr(URI).get());
            long size = Long.parseLong(q.parameters().get("size").get(0));
            boolean chunked = q.parameters().containsKey("chunked");
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set("X-Backend", name);
            if (chunked) {
                HttpUtil.setTransferEncodingChunked(r, true);
            } else {
                HttpUtil.setContentLength(r, size);
            }
            ctx.write(r);
            ctx.writeAndFlush(new HttpChunkedInput(new Generated(size)));
        }

        private void upgrade(ChannelHandlerContext ctx, HttpRequest req) {
            HttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
            r.headers().set(HttpHeaderNames.UPGRADE, req.headers().get(HttpHeaderNames.UPGRADE, "websocket"))
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, accept(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY)))
                    .set("X-Backend", name);
            ctx.writeAndFlush(r).addListener(f -> {
                ctx.pipeline().remove("codec");
                ctx.pipeline().replace("app", "raw-echo", new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext c, Object m) {
                        if (m instanceof ByteBuf) {
                            c.writeAndFlush(m);
                        } else {
                            io.netty.util.ReferenceCountUtil.release(m);
                        }
                    }
                });
            });
        }

        private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set("X-Backend", name)
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                    .set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            ctx.writeAndFlush(r);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HttpRequest req) {
                ctx.channel().attr(URI).set(req.uri());
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final io.netty.util.AttributeKey<String> URI =
            io.netty.util.AttributeKey.valueOf(HttpBackend.class, "uri");

    /** RFC 6455 §4.2.2: base64(SHA-1(key + GUID)). */
    static String accept(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return java.util.Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A body of {@link TestData} generated 64 KiB at a time, so memory stays flat. */
    private static final class Generated implements ChunkedInput<ByteBuf> {
        private final long size;
        private long offset;

        Generated(long size) {
            this.size = size;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= size;
        }

        @Override
        public void close() {
        }

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator alloc) {
            int n = (int) Math.min(65536, size - offset);
            if (n <= 0) {
                return null;
            }
            ByteBuf buf = alloc.buffer(n);
            TestData.fill(buf, offset, n);
            offset += n;
            return buf;
        }

        @Override
        public long length() {
            return size;
        }

        @Override
        public long progress() {
            return offset;
        }
    }
}
