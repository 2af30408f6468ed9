package dev.lb.http.check;

import dev.lb.core.table.CheckStatus;
import dev.lb.core.table.HttpCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layer-7 half of an HTTP health check: sends the check request once connected, reads
 * only the status line and judges it with {@link HttpCheck#accepts} (configuration manual,
 * 4.2 "option httpchk", "http-check expect"). Headers and body are not needed, so no codec.
 */
final class StatusLineReader extends ChannelInboundHandlerAdapter {

    /** HAProxy's check buffer is one buffer; a status line longer than this is not HTTP. */
    private static final int MAX_STATUS_LINE = 8192;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d\\.\\d (\\d{3})(?: (.*))?");

    private final HttpCheck check;
    private final CheckProbe probe;
    private final StringBuilder line = new StringBuilder();

    StatusLineReader(HttpCheck check, CheckProbe probe) {
        this.check = check;
        this.probe = probe;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(check.request(), StandardCharsets.ISO_8859_1));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            while (buf.isReadable()) {
                char c = (char) buf.readUnsignedByte();
                if (c == '\n') {
                    judge(ctx);
                    return;
                }
                if (c != '\r') {
                    line.append(c);
                }
                if (line.length() > MAX_STATUS_LINE) {
                    probe.finish(CheckStatus.L7RSP, 0, "status line too long");
                    return;
                }
            }
        } finally {
            buf.release();
        }
    }

    private void judge(ChannelHandlerContext ctx) {
        Matcher m = STATUS_LINE.matcher(line);
        if (!m.matches()) {
            probe.finish(CheckStatus.L7RSP, 0, "invalid status line");
            return;
        }
        int code = Integer.parseInt(m.group(1));
        String reason = m.group(2) == null ? "" : m.group(2);
        probe.finish(check.accepts(code) ? CheckStatus.L7OK : CheckStatus.L7STS, code, reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Closed before a whole status line: HAProxy reports an invalid (empty) response.
        probe.finish(CheckStatus.L7RSP, 0, line.length() == 0 ? "empty response" : "incomplete status line");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        probe.finish(CheckStatus.L7RSP, 0, CheckProbe.reason(cause));
    }
}
