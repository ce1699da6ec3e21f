package dev.waybill.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;
import java.util.List;

/**
 * Cuts the byte stream into request lines ending in {@code \n} (a {@code \r} before it is
 * dropped), at most {@code maxLength} bytes each. A longer line becomes one
 * {@link #TOO_LONG} marker, in its place among the other lines, and its remaining bytes are
 * skipped up to the next {@code \n}: the connection stays usable and the replies stay in order.
 * The marker goes out as soon as the limit is passed, so a client that sends a huge line and then
 * waits is told at once.
 */
final class LineFramer extends ByteToMessageDecoder {

    /** Stands for a line that was too long; its bytes are gone. */
    static final Object TOO_LONG = new Object() {
        @Override
        public String toString() {
            return "TOO_LONG";
        }
    };

    private final int maxLength;
    /** Skipping the rest of an over-long line. */
    private boolean discarding;
    /** How far the buffer has been searched for {@code \n} already, relative to its reader index. */
    private int scanned;

    LineFramer(int maxLength) {
        this.maxLength = maxLength;
    }

    /** True if part of a line has arrived without its end. */
    boolean holdsPartialLine() {
        return discarding || actualReadableBytes() > 0;
    }

    /** At the end of the input (the client shut down its side), a last line may lack its end. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        if (in.isReadable() && !discarding) {
            out.add(in.readRetainedSlice(in.readableBytes()));
        }
        scanned = 0;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int eol = in.forEachByte(start + scanned, in.readableBytes() - scanned, ByteProcessor.FIND_LF);
            if (eol < 0) {
                if (discarding) {
                    in.skipBytes(in.readableBytes());
                    scanned = 0;
                } else if (in.readableBytes() > maxLength && !crAfterFullLine(in)) {
                    in.skipBytes(in.readableBytes());
                    scanned = 0;
                    discarding = true;
                    out.add(TOO_LONG);
                } else {
                    scanned = in.readableBytes();
                }
                return;
            }
            scanned = 0;
            int length = eol - start;
            if (discarding) {
                in.readerIndex(eol + 1);
                discarding = false;
                continue;
            }
            int content = length > 0 && in.getByte(eol - 1) == '\r' ? length - 1 : length;
            if (content > maxLength) {
                in.readerIndex(eol + 1);
                out.add(TOO_LONG);
                continue;
            }
            out.add(in.retainedSlice(start, content));
            in.readerIndex(eol + 1);
        }
    }

    /**
     * A line of exactly the limit whose {@code \r} came without the {@code \n} yet: still within
     * the limit (the {@code \r\n} is not counted), so wait for its end.
     */
    private boolean crAfterFullLine(ByteBuf in) {
        return in.readableBytes() == maxLength + 1 && in.getByte(in.writerIndex() - 1) == '\r';
    }
}
