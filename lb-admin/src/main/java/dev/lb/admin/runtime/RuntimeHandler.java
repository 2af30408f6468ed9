package dev.lb.admin.runtime;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One runtime API connection, in HAProxy's two modes: by default one line of commands
 * (separated by {@code ;}) is answered and the connection closed, as {@code socat} scripts
 * expect; after {@code prompt} the connection stays open and each answer is followed by
 * {@code "\n> "} (what {@code hatop} drives). Every answer ends with an empty line, as HAProxy's.
 * Commands run off the event loop (a reload waits for the reload thread), one after the other.
 */
final class RuntimeHandler extends SimpleChannelInboundHandler<String> {

    private final RuntimeCommands commands;
    private final Executor blocking;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    // Read and written only in the chain of commands, which runs one at a time.
    private volatile boolean prompt;
    private volatile boolean closing;
    /** The last answer's write: a close must wait for it, or the rest of a long answer is dropped. */
    private volatile ChannelFuture lastWrite;

    RuntimeHandler(RuntimeCommands commands, Executor blocking) {
        this.commands = commands;
        this.blocking = blocking;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) {
        tail = tail.thenRunAsync(() -> run(ctx, line), blocking);
    }

    private void run(ChannelHandlerContext ctx, String line) {
        if (closing) {
            return;
        }
        StringBuilder out = new StringBuilder();
        boolean quit = false;
        for (String cmd : line.split(";")) {
            String c = cmd.trim();
            if (c.isEmpty()) {
                continue;
            }
            if (c.equals("quit")) {
                quit = true;
                break;
            }
            if (c.equals("prompt")) {
                prompt = !prompt;
            } else {
                try {
                    out.append(commands.execute(c));
                } catch (RuntimeException e) {
                    out.append("Internal error: ").append(e.getMessage()).append('\n');
                }
            }
            // HAProxy ends every command's answer with an empty line, then "> " in interactive mode
            // (cli.c, CLI_ST_PROMPT): what hatop waits for and socat scripts see.
            out.append(prompt ? "\n> " : "\n");
        }
        ChannelFuture written = ctx.writeAndFlush(out.toString());
        lastWrite = written;
        if (quit || !prompt) {
            closing = true;
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client sent all it will (socat after its command): answer what is queued, and
            // close once the last answer is written. Closing at once would drop what the socket
            // had not taken yet: a 'show stat' of a large table came back cut at a few hundred KB.
            tail = tail.thenRun(() -> {
                ChannelFuture w = lastWrite;
                if (w == null) {
                    ctx.close();
                } else {
                    w.addListener(ChannelFutureListener.CLOSE);
                }
            });
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
