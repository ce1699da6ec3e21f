package dev.waybill.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into lines, fast: one buffer, no per-byte calls, one String per line.
 *
 * <p>Lines end at {@code \n} (a preceding {@code \r} is dropped). Bytes are read as UTF-8, and
 * invalid sequences become U+FFFD rather than an error, because a log line is evidence and must
 * not be refused. A line longer than the limit keeps its first {@code maxLineBytes} bytes and the
 * rest is skipped (counted in {@link #truncatedLines()}), whether it arrived in one read or many.
 * The byte offset of each line is kept, so a reader can resume exactly where it stopped.
 */
public final class LogLineReader implements Closeable {

    /** Exim lines reach about 8 KiB; anything far longer is not a log line worth keeping whole. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private byte[] buf;
    private int start;
    private int end;
    private boolean eof;
    private long offset;
    private long lineOffset;
    private long truncated;
    private boolean unterminated;

    public LogLineReader(InputStream in) {
        this(in, DEFAULT_MAX_LINE_BYTES);
    }

    public LogLineReader(InputStream in, int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive, got " + maxLineBytes);
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.buf = new byte[Math.max(64 * 1024, Math.min(maxLineBytes + 1, 1 << 20))];
    }

    /** The byte offset where the line last returned by {@link #readLine()} starts. */
    public long lineOffset() {
        return lineOffset;
    }

    /** The byte offset just after the last line returned (with its terminator). */
    public long offset() {
        return offset;
    }

    /**
     * Whether the line last returned ended at the end of the stream without {@code \n}: a line
     * still being written, in a file that is still being written.
     */
    public boolean unterminated() {
        return unterminated;
    }

    /** Lines cut at the length limit so far. */
    public long truncatedLines() {
        return truncated;
    }

    /**
     * The next line without its terminator, or null at the end of the stream. A last line without
     * {@code \n} is returned too.
     */
    public String readLine() throws IOException {
        int scanned = 0; // bytes after start already searched for '\n'
        int highBits = 0; // any byte >= 0x80 seen: the line is not plain ASCII
        while (true) {
            for (int i = start + scanned; i < end; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    return LineText.length(buf, start, i) > maxLineBytes ? takeOverlong()
                            : take(i, i + 1, highBits < 0);
                }
                highBits |= b;
            }
            scanned = end - start;
            if (scanned > maxLineBytes + 1) {
                return takeOverlong(); // too long even if the last byte is a '\r' before the '\n'
            }
            if (eof) {
                unterminated = scanned > 0;
                if (LineText.length(buf, start, end) > maxLineBytes) {
                    return takeOverlong();
                }
                return scanned > 0 ? take(end, end, highBits < 0) : null;
            }
            fill();
        }
    }

    private String take(int lineEnd, int next, boolean nonAscii) {
        String line = LineText.decode(buf, start, lineEnd, nonAscii);
        lineOffset = offset;
        offset += next - start;
        start = next;
        return line;
    }

    /** Keeps the first maxLineBytes bytes of an over-long line and discards up to its end. */
    private String takeOverlong() throws IOException {
        String line = LineText.prefix(buf, start, maxLineBytes);
        lineOffset = offset;
        truncated++;
        long skipped = 0;
        while (true) {
            for (int i = start; i < end; i++) {
                if (buf[i] == '\n') {
                    skipped += i + 1 - start;
                    offset += skipped;
                    start = i + 1;
                    unterminated = false;
                    return line;
                }
            }
            skipped += end - start;
            start = end;
            if (eof) {
                offset += skipped;
                unterminated = true; // still being written, perhaps: it says so as a short one does
                return line;
            }
            fill();
        }
    }

    /** Moves unread bytes to the front of the buffer and reads more. */
    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) {
            byte[] bigger = new byte[buf.length * 2];
            System.arraycopy(buf, 0, bigger, 0, end);
            buf = bigger;
        }
        int r = in.read(buf, end, buf.length - end);
        if (r < 0) {
            eof = true;
        } else {
            end += r;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
