package dev.lb.http;

import static dev.lb.http.PhaseTimer.after;

import dev.lb.core.action.HttpRequestAction;
import dev.lb.core.match.RequestFacts;
import dev.lb.core.table.Backend;
import dev.lb.core.table.Frontend;
import dev.lb.core.table.Server;
import dev.lb.core.table.Timeouts;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: reads a request, routes it with the table current at that moment,
 * forwards it to a server connection opened on (or pooled by) this same event loop, and relays
 * the response; then the next request. All state lives on the connection's event loop, so
 * nothing here is locked.
 *
 * <p>Backpressure follows Netty's proxy example: both channels have autoRead off and a
 * {@link OneMessagePerRead} that hands over one message per read; the next message from one
 * side is read only when the previous one has been written to the other. Pipelined requests
 * therefore wait in the client's socket until the response before them is complete.
 *
 * <p>The handler is also the {@link RequestFacts} rules and log formats read, over the
 * request at hand, so routing copies nothing.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements RequestFacts, PhaseTimer.Phase {

    /** How long a server that refused a connection is avoided by balancers. */
    static final long FAILED_SERVER_NANOS = TimeUnit.SECONDS.toNanos(2);

    private enum State {
        /** Between requests, nothing received yet. */
        IDLE,
        /** Some bytes of a request header arrived. */
        HEADER,
        /** Routed; waiting for the first body piece so that a malformed body never reaches a server. */
        PREFETCH,
        /** Waiting for a server connection. */
        CONNECTING,
        /** Request and response flowing. */
        EXCHANGE,
        /** After 101: raw bytes both ways. */
        TUNNEL,
        /** A final response is on its way; the connection closes when it is written. */
        CLOSING
    }

    // Header names as AsciiString: hashed once, written without re-encoding.
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    private final HttpProxy proxy;
    private final InetSocketAddress bind;
    private final ClientResponseEncoder encoder;
    private final ExchangeCounters stats = new ExchangeCounters();

    private ChannelHandlerContext ctx;
    private InetAddress source;
    /** The client's address and the local port as header values, made once per connection. */
    private String sourceText;
    private AsciiString localPortText;
    private int localPort;
    private boolean ssl;
    private State state = State.IDLE;
    private boolean firstRequest = true;
    private boolean drainRequested;
    private boolean clientReadPending;

    // The exchange in progress.
    private HttpRequest request;
    private String path;
    private Frontend frontend;
    /** The frontend at accept time: serves requests still arriving after a reload removed it. */
    private Frontend acceptedBy;
    private Backend backend;
    private Server server;
    private int attempts;
    private boolean requestHasBody;
    private boolean requestDone;
    private HttpContent pendingContent;
    private boolean clientKeepAlive;
    private boolean upgradeRequested;
    private Channel serverChannel;
    private BackendHandler serverHandler;
    private boolean reusedConnection;
    private boolean retriedStale;
    private boolean responseStarted;
    private boolean informational;
    private boolean switching;
    private boolean serverReusable;
    private boolean closeAfterResponse;
    /** A response head was written to the client and not flushed yet. */
    private boolean clientFlushPending;

    // Timeouts: the deadline of each phase is computed from these; PhaseTimer enforces it.
    private Timeouts clientTimeouts = Timeouts.DEFAULTS;
    private long phaseStart;
    private long lastClient;
    private long lastServer;
    private PhaseTimer timer;

    /** After a piece of the request reached the server: read the next piece. */
    private final ChannelFutureListener afterServerWrite = f -> {
        lastServer = System.nanoTime();
        if (!f.isSuccess()) {
            f.channel().close();
        } else if ((state == State.EXCHANGE && !requestDone) || state == State.TUNNEL) {
            readClient();
        }
    };

    /** After a piece of the response reached the client: read the next piece from the server. */
    private final ChannelFutureListener afterClientWrite = f -> {
        lastClient = System.nanoTime();
        if (!f.isSuccess()) {
            f.channel().close();
        } else if ((state == State.EXCHANGE || state == State.TUNNEL) && serverHandler != null
                && f.channel() == ctx.channel()) {
            serverHandler.read();
        }
    };

    FrontendHandler(HttpProxy proxy, InetSocketAddress bind, ClientResponseEncoder encoder) {
        this.proxy = proxy;
        this.bind = bind;
        this.encoder = encoder;
    }

    // ---- client side ----------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timer = new PhaseTimer(ctx.executor(), this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (ch.remoteAddress() instanceof InetSocketAddress remote) {
            source = remote.getAddress();
            sourceText = source.getHostAddress();
        }
        if (ch.localAddress() instanceof InetSocketAddress local) {
            localPort = local.getPort();
        }
        localPortText = AsciiString.of(Integer.toString(localPort));
        ssl = ch.pipeline().get(SslHandler.class) != null;
        Frontend f = proxy.tables().get().frontendAt(bind);
        if (f != null) {
            clientTimeouts = f.timeouts();
            acceptedBy = f;
        }
        stats.connectionOpened(f);
        enterIdle();
        ctx.fireChannelActive();
        readClient();
    }

    /** Any bytes from the client (called by {@link ClientBytesTap}). */
    void onClientBytes(int n) {
        stats.bytesIn(n);
        lastClient = System.nanoTime();
        if (state == State.IDLE) {
            // timeout http-request runs from the first byte of a request header.
            state = State.HEADER;
            phaseStart = lastClient;
            timer.arm();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        clientReadPending = false;
        switch (state) {
            case TUNNEL -> serverChannel.writeAndFlush(msg).addListener(afterServerWrite);
            case IDLE, HEADER -> {
                if (msg instanceof HttpRequest req) {
                    onRequest(req);
                } else {
                    // Stray content after an error, or bytes we no longer want.
                    ReferenceCountUtil.release(msg);
                    readClient();
                }
            }
            case PREFETCH -> onFirstContent(msg);
            case EXCHANGE, CONNECTING -> onRequestContent(msg);
            default -> ReferenceCountUtil.release(msg);
        }
    }

    /** Bytes on their way to the client (called by {@link ClientBytesTap}). */
    void onClientBytesOut(int n) {
        stats.bytesOut(n);
    }

    private void readClient() {
        if (!clientReadPending && ctx.channel().isActive()) {
            clientReadPending = true;
            ctx.read();
        }
    }

    private void onRequest(HttpRequest req) {
        stats.request(phaseStart);
        if (req.decoderResult().isFailure()) {
            stats.badRequest();
            Throwable cause = req.decoderResult().cause();
            fail(cause instanceof TooLongHttpHeaderException ? 431
                    : cause instanceof TooLongFrameException ? 400 : 400);
            return;
        }
        HttpHeaders h = req.headers();
        int bad = validate(req);
        if (bad != 0) {
            stats.badRequest();
            fail(bad);
            return;
        }
        request = req;
        path = null;
        attempts = 0;
        retriedStale = false;
        responseStarted = false;
        informational = false;
        switching = false;
        closeAfterResponse = false;
        serverReusable = true;
        // One table per request: a reload during the exchange does not affect it (SPEC §3).
        frontend = proxy.tables().get().frontendAt(bind);
        if (frontend == null) {
            // A reload removed the listener while this connection drains: it finishes on the
            // frontend it was accepted by (SPEC §3), then closes (drainRequested is set).
            frontend = acceptedBy;
        }
        if (frontend == null) {
            fail(503);
            return;
        }
        stats.frontend(frontend);
        clientTimeouts = frontend.timeouts();
        clientKeepAlive = HttpUtil.isKeepAlive(req) && !drainRequested;
        upgradeRequested = HopByHopHeaders.isUpgrade(h);
        HttpRequestAction stop = RequestRewriter.apply(frontend.actions(), req, this, this::uriChanged);
        if (stop != null) {
            refuse(stop);
            return;
        }
        backend = frontend.select(this);
        if (backend == null) {
            refuse(503);
            return;
        }
        stats.routed(backend);
        stop = RequestRewriter.apply(backend.actions(), req, this, this::uriChanged);
        if (stop != null) {
            refuse(stop);
            return;
        }
        addForwardingHeaders(h);
        HopByHopHeaders.strip(h, upgradeRequested);
        if (backend.httpServerClose() || frontend.httpServerClose()) {
            serverReusable = false;
            if (!upgradeRequested) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        } else if (req.protocolVersion().equals(HttpVersion.HTTP_1_0) && !upgradeRequested) {
            // As HAProxy: an HTTP/1.0 server closes after its answer unless asked to keep alive.
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        encoder.headRequest(HttpMethod.HEAD.equals(req.method()));
        requestHasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        requestDone = false;
        if (requestHasBody && HttpUtil.is100ContinueExpected(req)) {
            // The client waits for "100 Continue" before sending the body: connect now and let
            // the server decide (RFC 9110 §10.1.1).
            connect();
        } else {
            // Take the first body piece (the decoder's empty last content when there is no body)
            // before choosing a server: a bad chunk there is answered 400 with nothing sent.
            state = State.PREFETCH;
            timer.arm();
            readClient();
        }
    }

    /** RFC 9112 §6.1, §6.3 and §3.2 checks Netty's decoder leaves to us; 0 when fine. */
    private static int validate(HttpRequest req) {
        HttpHeaders h = req.headers();
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            // Only "chunked" alone is accepted: with another coding last the length is unknown
            // (§6.3 item 4), and with Content-Length too the message is a smuggling attempt.
            if (te.size() != 1 || !"chunked".equalsIgnoreCase(te.get(0).trim())
                    || h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return 400;
            }
        }
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || (hosts.isEmpty() && req.protocolVersion().equals(HttpVersion.HTTP_1_1))) {
            return 400;
        }
        return 0;
    }

    private void addForwardingHeaders(HttpHeaders h) {
        if ((frontend.forwardFor() || backend.forwardFor()) && source != null) {
            // option forwardfor appends a header line with the client address (HAProxy manual 4.2).
            h.add(X_FORWARDED_FOR, sourceText);
        }
        h.set(X_FORWARDED_PROTO, ssl ? HTTPS : HTTP);
        h.set(X_FORWARDED_PORT, localPortText);
    }

    private void uriChanged() {
        path = null;
    }

    private void onFirstContent(Object msg) {
        if (!(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            stats.badRequest();
            fail(400);
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            stats.badRequest();
            fail(400);
            return;
        }
        pendingContent = content;
        requestDone = content instanceof LastHttpContent;
        connect();
    }

    private void onRequestContent(Object msg) {
        if (!(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            stats.badRequest();
            if (responseStarted) {
                abort();
            } else {
                fail(400);
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestDone = true;
        }
        if (serverChannel == null) {
            // Still connecting (100-continue): keep it; only one piece is read ahead.
            pendingContent = content;
            return;
        }
        serverChannel.writeAndFlush(content).addListener(afterServerWrite);
    }

    // ---- server connection ------------------------------------------------------------------

    private void connect() {
        state = State.CONNECTING;
        if (server == null) {
            server = backend.balancer().choose(source, null);
            if (server == null) {
                refuse(503);
                return;
            }
            server.state().acquire();
            stats.serverChosen(server);
        }
        Channel pooled = proxy.pool().poll(server.address());
        if (pooled != null) {
            attach(pooled, true);
        } else {
            openConnection();
        }
    }

    private void openConnection() {
        Server target = server;
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, backend.timeouts().connect().toMillis());
        long start = System.nanoTime();
        ChannelFuture cf = proxy.pool().connect(ctx.channel().eventLoop(), target.address(), connectMillis);
        cf.addListener((ChannelFutureListener) f -> {
            if (state != State.CONNECTING || server != target) {
                // The client went away (or failed) meanwhile.
                f.channel().close();
            } else if (f.isSuccess()) {
                long now = System.nanoTime();
                stats.connected(target, now - start, now);
                attach(f.channel(), false);
            } else {
                onConnectFailed();
            }
        });
    }

    /**
     * A connect attempt failed: the server is marked failing for a while (lb's passive check),
     * and the request goes to another server when the balancer has one, to the same one
     * otherwise, up to {@code retries} more attempts (HAProxy manual 4.2, "retries",
     * "option redispatch"); then 503.
     */
    private void onConnectFailed() {
        Server failed = server;
        failed.state().markFailed(FAILED_SERVER_NANOS);
        attempts++;
        stats.connectFailed(failed, attempts <= backend.retries());
        if (attempts > backend.retries()) {
            refuse(503);
            return;
        }
        Server next = backend.balancer().choose(source, failed);
        if (next != null && next != failed) {
            stats.redispatched(failed);
            failed.state().release();
            stats.serverLeft(failed, false);
            next.state().acquire();
            stats.serverChosen(next);
            server = next;
        }
        openConnection();
    }

    private void attach(Channel ch, boolean reused) {
        serverChannel = ch;
        serverHandler = ch.pipeline().get(BackendHandler.class);
        serverHandler.owner(this);
        reusedConnection = reused;
        state = State.EXCHANGE;
        lastServer = System.nanoTime();
        stats.sent(lastServer);
        timer.arm();
        ChannelFuture written = ch.write(request);
        HttpContent first = pendingContent;
        pendingContent = null;
        if (first != null) {
            written = ch.write(first);
        }
        ch.flush();
        if (!requestDone) {
            written.addListener(afterServerWrite);
        }
        serverHandler.read();
    }

    /** A message from the server of the current exchange (called by {@link BackendHandler}). */
    void onServerMessage(Object msg) {
        lastServer = System.nanoTime();
        if (state == State.TUNNEL) {
            ctx.writeAndFlush(msg).addListener(afterClientWrite);
            return;
        }
        if (state != State.EXCHANGE) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse resp) {
            onResponse(resp);
        } else if (msg instanceof HttpContent content) {
            onResponseContent(content);
        } else {
            ReferenceCountUtil.release(msg);
            abort();
        }
    }

    private void onResponse(HttpResponse resp) {
        if (resp.decoderResult().isFailure()) {
            ReferenceCountUtil.release(resp);
            serverReusable = false;
            stats.serverFailed(server);
            if (responseStarted) {
                abort();
            } else {
                fail(502);
            }
            return;
        }
        int code = resp.status().code();
        HttpHeaders h = resp.headers();
        if (code == 101) {
            if (!upgradeRequested) {
                stats.serverFailed(server);
                fail(502);
                return;
            }
            stats.responseHead(server, lastServer);
            stats.response(code, server);
            // The codecs come out once this response and its empty last content are written.
            switching = true;
            responseStarted = true;
            HopByHopHeaders.strip(h, true);
            ctx.writeAndFlush(resp).addListener(afterClientWrite);
            return;
        }
        if (code >= 100 && code < 200) {
            // 100 Continue and other interim responses pass through; the final one follows.
            informational = true;
            HopByHopHeaders.strip(h, false);
            ctx.writeAndFlush(resp).addListener(afterClientWrite);
            return;
        }
        responseStarted = true;
        stats.responseHead(server, lastServer);
        stats.response(code, server);
        if (!HttpUtil.isKeepAlive(resp)) {
            serverReusable = false;
        }
        boolean framed = HttpUtil.isContentLengthSet(resp) || HttpUtil.isTransferEncodingChunked(resp)
                || code == 204 || code == 304 || HttpMethod.HEAD.equals(request.method());
        if (!requestDone || !clientKeepAlive || drainRequested) {
            // An early response (the body is still coming) ends this connection: the rest of
            // the body cannot be told apart from a next request without reading it all.
            closeAfterResponse = true;
        }
        // A proxy sends its own HTTP version (RFC 9110 §6.2), whatever the server spoke.
        resp.setProtocolVersion(HttpVersion.HTTP_1_1);
        HopByHopHeaders.strip(h, false);
        if (!framed) {
            // The body ends when the server closes (RFC 9112 §6.3 item 8), as from an HTTP/1.0
            // server. An HTTP/1.1 client gets it chunked and keeps its connection, as HAProxy
            // does; an HTTP/1.0 one cannot parse chunks, so its body ends with a close too.
            serverReusable = false;
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(resp, true);
            } else {
                closeAfterResponse = true;
            }
        }
        if (closeAfterResponse) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        // The head is not flushed alone: when the body was decoded from the same server read,
        // it goes out with it in one write (one syscall per response, as HAProxy); otherwise
        // the flush comes at the end of that read, or now when no socket read is under way.
        // A failed write reaches exceptionCaught, which closes the client connection.
        ctx.write(resp, ctx.voidPromise());
        clientFlushPending = true;
        BackendHandler sh = serverHandler;
        sh.read();
        if (clientFlushPending && !sh.inSocketRead()) {
            flushClient();
        }
    }

    /** The end of a read on the server connection: whatever it produced goes out now. */
    void onServerReadComplete() {
        if (clientFlushPending) {
            flushClient();
        }
    }

    private void flushClient() {
        clientFlushPending = false;
        ctx.flush();
    }

    private void onResponseContent(HttpContent content) {
        clientFlushPending = false; // each write below flushes
        if (content.decoderResult().isFailure()) {
            content.release();
            serverReusable = false;
            stats.serverFailed(server);
            abort();
            return;
        }
        if (!(content instanceof LastHttpContent)) {
            ctx.writeAndFlush(content).addListener(afterClientWrite);
            return;
        }
        if (switching) {
            ctx.writeAndFlush(content).addListener(f -> {
                if (f.isSuccess()) {
                    enterTunnel();
                } else {
                    ctx.close();
                }
            });
            return;
        }
        if (informational) {
            informational = false;
            ctx.writeAndFlush(content).addListener(afterClientWrite);
            return;
        }
        if (closeAfterResponse) {
            state = State.CLOSING;
            ctx.writeAndFlush(content).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(content, ctx.voidPromise());
        }
        finishExchange();
    }

    /** The response is complete: give the server connection back and go on with the next request. */
    private void finishExchange() {
        stats.finished(server, System.nanoTime());
        releaseServer(serverReusable && requestDone);
        request = null;
        if (state == State.CLOSING) {
            return;
        }
        firstRequest = false;
        enterIdle();
        readClient();
    }

    private void releaseServer(boolean keepConnection) {
        if (server != null) {
            server.state().release();
            stats.serverLeft(server, true);
        }
        Channel ch = serverChannel;
        if (ch != null) {
            serverHandler.owner(null);
            if (keepConnection) {
                proxy.pool().release(ch, server.address());
            } else {
                ch.close();
            }
        }
        server = null;
        serverChannel = null;
        serverHandler = null;
    }

    /** The server connection of the exchange closed (called by {@link BackendHandler}). */
    void onServerClosed(Channel ch) {
        if (ch != serverChannel) {
            return;
        }
        serverChannel = null;
        serverHandler = null;
        if (state == State.TUNNEL) {
            closeOnFlush(ctx.channel());
            return;
        }
        if (state != State.EXCHANGE) {
            return;
        }
        if (!responseStarted && reusedConnection && !retriedStale && !requestHasBody) {
            // A pooled connection the server had already decided to close (its keep-alive
            // timeout raced our request). Nothing was answered and the request has no body, so
            // sending it again on a fresh connection is safe (RFC 9112 §9.3.1).
            retriedStale = true;
            pendingContent = LastHttpContent.EMPTY_LAST_CONTENT;
            state = State.CONNECTING;
            openConnection();
            return;
        }
        if (!responseStarted) {
            stats.serverFailed(server);
            fail(502);
        } else {
            stats.serverAborted(server);
            abort();
        }
    }

    private void enterTunnel() {
        if (serverChannel == null || !ctx.channel().isActive()) {
            abort();
            return;
        }
        state = State.TUNNEL;
        var p = ctx.pipeline();
        // Removing the decoder hands bytes it already buffered to the next handler as ByteBufs.
        p.remove(StrictRequestDecoder.class);
        p.remove(ClientResponseEncoder.class);
        serverChannel.pipeline().remove("codec");
        server.state().release();
        stats.serverLeft(server, true);
        server = null;
        lastClient = lastServer = System.nanoTime();
        timer.arm();
        readClient();
        serverHandler.read();
    }

    // ---- endings ------------------------------------------------------------------------------

    /**
     * Answers a request an http-request rule stopped: a deny counts as denied; an auth challenge
     * does not (HAProxy 2.6 counts it only as a 401 answer).
     */
    private void refuse(HttpRequestAction stop) {
        if (stop instanceof HttpRequestAction.Deny) {
            stats.denied();
        }
        refuse(RequestRewriter.status(stop), RequestRewriter.realm(stop));
    }

    /** Answers {@code status} itself, forwards nothing more and closes the client connection. */
    private void fail(int status) {
        fail(status, null);
    }

    /** As {@link #fail(int)}, with a Basic challenge for {@code realm} when it is not null. */
    private void fail(int status, String realm) {
        stats.response(status, server);
        state = State.CLOSING;
        releasePending();
        releaseServer(false);
        if (ctx.channel().isActive()) {
            encoder.headRequest(false);
            ctx.writeAndFlush(ErrorResponses.response(status, realm)).addListener(ChannelFutureListener.CLOSE);
        }
        timer.cancel();
    }

    /**
     * An answer lb gives in place of a server's to a well-formed request (no route, deny, no
     * server left). As HAProxy does, the client connection stays open when the client wants
     * keep-alive and the request has no body (so nothing of it is left to skip); the request's
     * empty last content, still to be read, is dropped as stray content once idle. Otherwise,
     * as {@link #fail}.
     */
    private void refuse(int status) {
        refuse(status, null);
    }

    /** As {@link #refuse(int)}, with a Basic challenge for {@code realm} when it is not null. */
    private void refuse(int status, String realm) {
        HttpRequest req = request;
        boolean bodyless = req != null && !HttpUtil.isTransferEncodingChunked(req)
                && HttpUtil.getContentLength(req, 0L) == 0;
        if (!clientKeepAlive || drainRequested || !bodyless || !ctx.channel().isActive()) {
            fail(status, realm);
            return;
        }
        stats.response(status, server);
        releasePending();
        releaseServer(false);
        FullHttpResponse answer = ErrorResponses.response(status, realm);
        if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            answer.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            answer.headers().remove(HttpHeaderNames.CONNECTION);
        }
        encoder.headRequest(HttpMethod.HEAD.equals(req.method()));
        ctx.writeAndFlush(answer, ctx.voidPromise());
        request = null;
        firstRequest = false;
        enterIdle();
        readClient();
    }

    /** Ends both connections without a response: one had already begun. */
    private void abort() {
        state = State.CLOSING;
        releasePending();
        releaseServer(false);
        closeOnFlush(ctx.channel());
        timer.cancel();
    }

    private void releasePending() {
        if (pendingContent != null) {
            ReferenceCountUtil.release(pendingContent);
            pendingContent = null;
        }
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.CONNECTING || state == State.EXCHANGE || state == State.PREFETCH) {
            stats.clientAborted(server);
        }
        stats.connectionClosed();
        state = State.CLOSING;
        releasePending();
        releaseServer(false);
        timer.cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == HttpProxy.DRAIN) {
            drainRequested = true;
            // A keep-alive connection between requests closes now (its client retries on a new
            // one). A connection that has not sent its first request yet was accepted a moment
            // ago: its client is sending one, and closing would fail it, so it is served once.
            if (state == State.IDLE && !firstRequest) {
                state = State.CLOSING;
                ctx.close();
            }
            // Otherwise the exchange ends with "Connection: close" (see onResponse).
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection reset and the like; nothing useful can be sent any more.
        ctx.close();
    }

    // ---- timeouts --------------------------------------------------------------------------

    private void enterIdle() {
        stats.idle();
        state = State.IDLE;
        phaseStart = System.nanoTime();
        timer.arm();
    }

    /** When the current phase times out, or {@link Long#MAX_VALUE} for never. */
    @Override
    public long deadline() {
        return switch (state) {
            case IDLE -> after(phaseStart, firstRequest || clientTimeouts.httpKeepAlive().isZero()
                    ? clientTimeouts.httpRequest().toNanos() : clientTimeouts.httpKeepAlive().toNanos());
            case HEADER -> after(phaseStart, clientTimeouts.httpRequest().toNanos());
            case PREFETCH -> after(lastClient, clientTimeouts.client().toNanos());
            case CONNECTING -> Long.MAX_VALUE; // the connect timeout is the channel's own
            case EXCHANGE -> Math.min(
                    requestDone ? Long.MAX_VALUE : after(lastClient, clientTimeouts.client().toNanos()),
                    after(lastServer, backend.timeouts().server().toNanos()));
            case TUNNEL -> after(Math.max(lastClient, lastServer), backend.timeouts().tunnel().toNanos());
            case CLOSING -> Long.MAX_VALUE;
        };
    }

    /** The deadline of the current phase has passed. */
    @Override
    public void expired() {
        switch (state) {
            case IDLE -> {
                if (firstRequest) {
                    stats.badRequest();
                    fail(408); // HAProxy answers 408 unless "option http-ignore-probes"
                } else {
                    state = State.CLOSING;
                    ctx.close(); // timeout http-keep-alive: close quietly
                }
            }
            case HEADER, PREFETCH -> {
                stats.badRequest();
                fail(408);
            }
            case EXCHANGE -> {
                long clientDeadline = requestDone ? Long.MAX_VALUE
                        : after(lastClient, clientTimeouts.client().toNanos());
                boolean clientSlow = clientDeadline != Long.MAX_VALUE
                        && System.nanoTime() - clientDeadline >= 0;
                if (clientSlow) {
                    stats.badRequest();
                } else {
                    stats.serverFailed(server);
                }
                if (responseStarted) {
                    abort();
                } else {
                    fail(clientSlow ? 408 : 504);
                }
            }
            case TUNNEL -> abort();
            default -> {
            }
        }
    }

    // ---- RequestFacts over the current request -------------------------------------------

    @Override
    public String host() {
        return request.headers().get(HttpHeaderNames.HOST);
    }

    @Override
    public String path() {
        if (path == null) {
            path = pathOf(request.uri());
        }
        return path;
    }

    /** The path of a request target in origin or absolute form (RFC 9112 §3.2). */
    static String pathOf(String uri) {
        int start = 0;
        int scheme = uri.indexOf("://");
        if (scheme > 0 && uri.charAt(0) != '/') {
            int slash = uri.indexOf('/', scheme + 3);
            if (slash < 0) {
                return "/";
            }
            start = slash;
        }
        int q = uri.indexOf('?', start);
        return q < 0 ? (start == 0 ? uri : uri.substring(start)) : uri.substring(start, q);
    }

    @Override
    public String uri() {
        return request.uri();
    }

    @Override
    public String header(String name) {
        return request.headers().get(name);
    }

    @Override
    public InetAddress source() {
        return source;
    }

    @Override
    public boolean ssl() {
        return ssl;
    }

    @Override
    public int destinationPort() {
        return localPort;
    }
}
