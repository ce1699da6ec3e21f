package dev.waybill.ingest;

import java.nio.charset.StandardCharsets;

/** How the ingest readers turn the bytes of one line into text; internal to this package. */
final class LineText {

    private LineText() {
    }

    /**
     * The text of {@code buf[from, to)}, a line without its {@code \n}: a trailing {@code \r} is
     * dropped, and invalid UTF-8 becomes U+FFFD, because a log line is evidence and must not be
     * refused.
     *
     * @param nonAscii whether any byte in the range is 0x80 or above; the caller learns this while
     *     searching for the {@code \n}, and plain ASCII lines take a cheaper path
     */
    @SuppressWarnings("deprecation") // String(byte[], int hibyte, int, int): see below
    static String decode(byte[] buf, int from, int to, boolean nonAscii) {
        int len = to - from;
        if (len > 0 && buf[to - 1] == '\r') {
            len--;
        }
        // Most lines are ASCII. For them the old hibyte constructor is a plain copy into a compact
        // string, and small to compile; the UTF-8 constructor re-checks every byte and is large.
        return nonAscii ? new String(buf, from, len, StandardCharsets.UTF_8) : new String(buf, 0, from, len);
    }

    /**
     * How many bytes of text {@code buf[from, to)} holds, a line without its {@code \n}: a
     * trailing {@code \r} is not text. A line is over-long when this exceeds the limit, however
     * its bytes arrived.
     */
    static int length(byte[] buf, int from, int to) {
        return to > from && buf[to - 1] == '\r' ? to - from - 1 : to - from;
    }

    /** The first {@code len} bytes of an over-long line, kept as they are (no {@code \r} to drop). */
    static String prefix(byte[] buf, int from, int len) {
        return new String(buf, from, len, StandardCharsets.UTF_8);
    }
}
