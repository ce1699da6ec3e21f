package dev.waybill.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The end of every pipeline: whatever went wrong on a connection and was not answered already is
 * logged with who the peer was, and the connection is closed. A peer that simply went away
 * (reset, broken pipe) is not worth a log line.
 */
@Sharable
final class LastHandler extends ChannelInboundHandlerAdapter {

    private final Consumer<String> log;

    LastHandler(Consumer<String> log) {
        this.log = log;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            PeerIdentity peer = ctx.channel().attr(Dispatcher.PEER).get();
            log.accept("connection " + ctx.channel().id().asShortText() + " (" + (peer == null ? "unidentified" : peer)
                    + ") failed and is closed: " + cause);
        }
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        io.netty.util.ReferenceCountUtil.release(msg); // nothing should reach here
    }
}
