package dev.waybill.outcome;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that JSON is written into as UTF-8 directly, with no intermediate
 * {@code char[]} or encoder: the output path of {@code waybill parse} writes hundreds of
 * megabytes. String escaping follows RFC 8259 section 7; U+2028 and U+2029 are escaped too, so
 * that a line of output is safe to embed in JavaScript. Unpaired surrogates become {@code ?}
 * (the JDK encoder's replacement).
 */
public final class JsonBuffer {

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf;
    private int len;

    public JsonBuffer(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    /** Bytes written so far. */
    public int size() {
        return len;
    }

    /** Forgets what was written. */
    public void clear() {
        len = 0;
    }

    /** Writes the bytes to {@code out} and clears the buffer. */
    public void drainTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
        len = 0;
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    /** Appends ASCII text as it is (punctuation, keys known to need no escaping). */
    public JsonBuffer raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    /** Appends bytes that are already JSON, e.g. a key with its quotes and colon. */
    public JsonBuffer raw(byte[] json) {
        ensure(json.length);
        System.arraycopy(json, 0, buf, len, json.length);
        len += json.length;
        return this;
    }

    /** Appends one ASCII character. */
    public JsonBuffer raw(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /** Appends a decimal number. */
    public JsonBuffer number(long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return raw(Long.toString(v));
            }
            raw('-');
            v = -v;
        }
        ensure(20);
        int digits = 1;
        for (long t = v / 10; t != 0; t /= 10) {
            digits++;
        }
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        len += digits;
        return this;
    }

    /** Appends {@code s} as a JSON string literal, or {@code null}. */
    public JsonBuffer string(String s) {
        if (s == null) {
            return raw(NULL);
        }
        // The JDK's encoder is an intrinsic for ASCII and Latin-1; then one pass over bytes finds
        // whatever needs escaping, and the common case is a single array copy.
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int n = utf8.length;
        int clean = 0;
        while (clean < n) {
            byte b = utf8[clean];
            if (b >= 0 && b < 0x20 || b == '"' || b == '\\' || b == (byte) 0xe2) {
                break;
            }
            clean++;
        }
        ensure(n + 2);
        buf[len++] = '"';
        System.arraycopy(utf8, 0, buf, len, clean);
        len += clean;
        if (clean < n) {
            escapeFrom(utf8, clean);
        }
        buf[len++] = '"';
        return this;
    }

    /** The slow path: escapes quotes, backslashes, controls, U+2028 and U+2029. */
    private void escapeFrom(byte[] utf8, int from) {
        int n = utf8.length;
        for (int i = from; i < n; i++) {
            byte b = utf8[i];
            ensure(8 + n - i);
            if (b == '"' || b == '\\') {
                buf[len++] = '\\';
                buf[len++] = b;
            } else if (b >= 0 && b < 0x20) {
                escape((char) b);
            } else if (b == (byte) 0xe2 && i + 2 < n && utf8[i + 1] == (byte) 0x80
                    && (utf8[i + 2] == (byte) 0xa8 || utf8[i + 2] == (byte) 0xa9)) {
                escape(utf8[i + 2] == (byte) 0xa8 ? '\u2028' : '\u2029');
                i += 2;
            } else {
                buf[len++] = b;
            }
        }
        ensure(1);
    }

    private void escape(char c) {
        buf[len++] = '\\';
        switch (c) {
            case '\n' -> buf[len++] = 'n';
            case '\r' -> buf[len++] = 'r';
            case '\t' -> buf[len++] = 't';
            default -> {
                buf[len++] = 'u';
                buf[len++] = HEX[c >> 12 & 0xf];
                buf[len++] = HEX[c >> 8 & 0xf];
                buf[len++] = HEX[c >> 4 & 0xf];
                buf[len++] = HEX[c & 0xf];
            }
        }
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
