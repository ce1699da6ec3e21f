package dev.waybill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineFramerTest {

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static String line(EmbeddedChannel ch) {
        Object o = ch.readInbound();
        assertTrue(o instanceof ByteBuf, "a line, got " + o);
        ByteBuf b = (ByteBuf) o;
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    @Test
    void decode_splitInput_makesWholeLines() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFramer(16));
        ch.writeInbound(bytes("ab"));
        assertNull(ch.readInbound());
        ch.writeInbound(bytes("c\r"));
        ch.writeInbound(bytes("\nde\nf"));
        assertEquals("abc", line(ch));
        assertEquals("de", line(ch));
        assertNull(ch.readInbound());
        assertTrue(((LineFramer) ch.pipeline().first()).holdsPartialLine());
        ch.writeInbound(bytes("\n"));
        assertEquals("f", line(ch));
        assertFalse(((LineFramer) ch.pipeline().first()).holdsPartialLine());
        assertFalse(ch.finish());
    }

    @Test
    void decode_emptyLines_passAsEmptyLines() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFramer(16));
        ch.writeInbound(bytes("\n\r\nx\n"));
        assertEquals("", line(ch));
        assertEquals("", line(ch));
        assertEquals("x", line(ch));
    }

    @Test
    void decode_overLongLineInOnePiece_isOneMarkerInItsPlace() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFramer(8));
        ch.writeInbound(bytes("one\n123456789\ntwo\n12345678\r\n"));
        assertEquals("one", line(ch));
        assertSame(LineFramer.TOO_LONG, ch.readInbound());
        assertEquals("two", line(ch));
        assertEquals("12345678", line(ch), "exactly the limit passes; the \\r does not count");
    }

    @Test
    void decode_overLongLineInPieces_isRefusedAtOnceAndSkippedToItsEnd() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFramer(8));
        ch.writeInbound(bytes("12345"));
        assertNull(ch.readInbound());
        ch.writeInbound(bytes("67890"));
        assertSame(LineFramer.TOO_LONG, ch.readInbound(), "as soon as the limit is passed");
        ch.writeInbound(bytes("more of the same line without end"));
        assertNull(ch.readInbound(), "one marker per line");
        ch.writeInbound(bytes("...end\nnext\n"));
        assertEquals("next", line(ch));
        assertNull(ch.readInbound());
    }

    @Test
    void decodeLast_inputEndsInsideALine_makesItALine() {
        EmbeddedChannel ch = new EmbeddedChannel(new LineFramer(16));
        ch.writeInbound(bytes("ab\ncd"));
        assertEquals("ab", line(ch));
        ch.finish();
        assertEquals("cd", line(ch));
    }
}
