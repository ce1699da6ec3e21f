package dev.waybill.ingest;

import java.io.IOException;
import java.util.List;

/**
 * Cuts the bytes of one {@link OpenLog} into whole lines, the way {@link LogLineReader} does
 * (split on {@code \n}, {@code \r} dropped, invalid UTF-8 as U+FFFD, over-long lines cut), except
 * that the end of the bytes read so far is not the end of a line: a line is only complete at its
 * {@code \n}, and until then its bytes wait here for the rest.
 *
 * <p>One buffer, reused; memory is bounded by {@code maxLineBytes} plus one read, whatever the
 * file: the tail of an over-long line is counted and dropped as it arrives.
 */
final class LineCutter {

    /** {@link #cut} stopped because the batch is full. */
    static final int FULL = 1;
    /** {@link #cut} stopped because the file has no more bytes now. */
    static final int DRY = 0;
    /** {@link #cut} stopped because a compressed file ended: there will be no more. */
    static final int ENDED = -1;

    private static final int READ_BYTES = 1 << 16;

    private final int maxLineBytes;
    private final byte[] buf;
    /** Unconsumed bytes are buf[start, end); buf[start] is the first byte of the next line. */
    private int start;
    private int end;
    /** How many bytes after start are known to hold no '\n'. */
    private int scanned;
    /** The OR of those bytes: negative if any is 0x80 or above. */
    private int highBits;
    /** The file offset of buf[start], which is also where the next line starts. */
    private long lineStart;
    /** Cutting an over-long line: its kept prefix is buf[start, start+maxLineBytes). */
    private boolean overlong;
    /** Bytes of the over-long line dropped so far, after its prefix. */
    private long dropped;
    private long truncatedLines;

    LineCutter(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
        this.buf = new byte[maxLineBytes + READ_BYTES];
    }

    /** Forgets any unfinished line; the next file is read from {@code offset}. */
    void reset(long offset) {
        start = 0;
        end = 0;
        scanned = 0;
        highBits = 0;
        overlong = false;
        dropped = 0;
        lineStart = offset;
    }

    /** The offset of the next line, which is the offset just after the last line cut. */
    long lineStart() {
        return lineStart;
    }

    /** The offset just after the last byte read: {@link #lineStart()} plus the unfinished line. */
    long readEnd() {
        return lineStart + (end - start) + dropped;
    }

    /** Lines cut at {@code maxLineBytes} so far. */
    long truncatedLines() {
        return truncatedLines;
    }

    /**
     * Reads from {@code log} and appends its whole lines to {@code out} until {@code out} holds
     * {@code maxLines} lines, or {@code maxBytes} bytes of lines were cut in this call, or the
     * file has nothing more.
     *
     * @return {@link #FULL}, {@link #DRY} or {@link #ENDED}
     */
    int cut(OpenLog log, List<LogLine> out, int maxLines, long maxBytes) throws IOException {
        long stopAt = lineStart + maxBytes;
        byte[] b = buf;
        while (true) {
            // The hot loop: find the next '\n', noting on the way whether the line is plain ASCII.
            int e = end;
            int i = start + scanned;
            int hb = highBits;
            while (i < e) {
                byte x = b[i];
                if (x == '\n') {
                    break;
                }
                hb |= x;
                i++;
            }
            if (i < e) {
                String text;
                long length;
                if (overlong) {
                    text = LineText.prefix(b, start, maxLineBytes);
                    length = maxLineBytes + dropped + (i - (start + maxLineBytes)) + 1;
                    overlong = false;
                    dropped = 0;
                    truncatedLines++;
                } else if (LineText.length(b, start, i) > maxLineBytes) {
                    // Over-long, but it arrived whole with its '\n': cut as if it had come in pieces.
                    text = LineText.prefix(b, start, maxLineBytes);
                    length = i + 1 - start;
                    truncatedLines++;
                } else {
                    text = LineText.decode(b, start, i, hb < 0);
                    length = i + 1 - start;
                }
                lineStart += length;
                start = i + 1;
                scanned = 0;
                highBits = 0;
                out.add(new LogLine(text, log.position(lineStart)));
                if (out.size() >= maxLines || lineStart >= stopAt) {
                    return FULL;
                }
                continue;
            }
            scanned = e - start;
            highBits = hb;
            if (scanned > maxLineBytes + 1) { // too long even if the last byte is a '\r' before the '\n'
                // Keep the prefix; count and drop what follows it until the '\n' turns up.
                overlong = true;
                dropped += scanned - maxLineBytes;
                end = start + maxLineBytes;
                scanned = maxLineBytes;
            }
            if (b.length - end < READ_BYTES / 4 && start > 0) {
                System.arraycopy(b, start, b, 0, end - start);
                end -= start;
                start = 0;
            }
            int r = log.read(b, end, b.length - end);
            if (r <= 0) {
                return r == 0 ? DRY : ENDED;
            }
            end += r;
        }
    }

    /**
     * The unfinished line, as a line, when its file is finished and will never complete it (a
     * writer died mid-line, or a copy was taken mid-line); null if there is none.
     */
    LogLine takeRest(OpenLog log) {
        if (end == start && !overlong) {
            return null;
        }
        String text;
        if (overlong || LineText.length(buf, start, end) > maxLineBytes) {
            text = LineText.prefix(buf, start, maxLineBytes);
            truncatedLines++;
        } else {
            text = LineText.decode(buf, start, end, highBits < 0);
        }
        long next = readEnd();
        reset(next);
        return new LogLine(text, log.position(next));
    }
}
