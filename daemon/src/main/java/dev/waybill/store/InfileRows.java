package dev.waybill.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * Rows as {@code LOAD DATA} reads them by default: fields separated by tabs, rows ended by
 * newlines, {@code \N} for NULL, and a backslash before each tab, newline, carriage return, NUL
 * or backslash inside a value. Text is written as UTF-8 straight into one growing byte buffer
 * (an unpaired surrogate becomes '?', as the driver writes it); binary values byte for byte.
 * The statement names {@code CHARACTER SET binary}, so the server takes the bytes as they are.
 */
final class InfileRows {

    private byte[] buf = new byte[1 << 16];
    private int len;
    private boolean first = true;
    private int rows;

    /** Rows ended so far. */
    int rows() {
        return rows;
    }

    /** Bytes written so far. */
    int size() {
        return len;
    }

    void clear() {
        len = 0;
        rows = 0;
        first = true;
    }

    /** Clears, and lets go of a buffer grown past {@code keep} bytes by a very large row. */
    void release(int keep) {
        clear();
        if (buf.length > keep) {
            buf = new byte[1 << 16];
        }
    }

    /**
     * What was written, to be read once, at most {@link #PACKET} bytes a read: Connector/J sends
     * each read as one packet from a buffer of 8 KiB, which a read of 8 KiB would grow to 128 KiB
     * and drop again after the packet, allocating 17 bytes for each byte sent.
     */
    InputStream stream() {
        return new ByteArrayInputStream(buf, 0, len) {
            @Override
            public synchronized int read(byte[] b, int off, int n) {
                return super.read(b, off, Math.min(n, PACKET));
            }
        };
    }

    /** Bytes of a packet the driver's smallest buffer holds with its 4-byte header. */
    static final int PACKET = 8_192 - 4;

    InfileRows nul() {
        separate();
        room(2);
        buf[len++] = '\\';
        buf[len++] = 'N';
        return this;
    }

    InfileRows number(long v) {
        separate();
        room(20);
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return ascii(Long.toString(v));
            }
            buf[len++] = '-';
            v = -v;
        }
        int start = len;
        do {
            buf[len++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
        return this;
    }

    /** A value that is ASCII digits, signs and points only: no escaping. */
    private InfileRows ascii(String s) {
        room(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** A decimal number as written, or NULL. */
    InfileRows decimal(java.math.BigDecimal d) {
        if (d == null) {
            return nul();
        }
        separate();
        return ascii(d.toPlainString());
    }

    InfileRows text(String s) {
        return s == null ? nul() : text(s, s.length());
    }

    /**
     * The first {@code max} characters of {@code s} (one fewer if a surrogate pair would be cut),
     * as {@link #text(String)} writes them.
     */
    InfileRows text(CharSequence s, int max) {
        separate();
        int n = Math.min(s.length(), max);
        if (n < s.length() && n > 0 && Character.isHighSurrogate(s.charAt(n - 1))) {
            n--;
        }
        room(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '\t' || c == '\n' || c == '\r' || c == '\\' || c == 0) {
                    escape(c);
                } else {
                    if (len == buf.length) {
                        room(n - i);
                    }
                    buf[len++] = (byte) c;
                }
            } else {
                room(4 + n - i);
                if (c < 0x800) {
                    buf[len++] = (byte) (0xC0 | c >> 6);
                    buf[len++] = (byte) (0x80 | c & 0x3F);
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    buf[len++] = (byte) (0xF0 | cp >> 18);
                    buf[len++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    buf[len++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    buf[len++] = (byte) (0x80 | cp & 0x3F);
                } else if (Character.isSurrogate(c)) {
                    buf[len++] = '?';
                } else {
                    buf[len++] = (byte) (0xE0 | c >> 12);
                    buf[len++] = (byte) (0x80 | c >> 6 & 0x3F);
                    buf[len++] = (byte) (0x80 | c & 0x3F);
                }
            }
        }
        return this;
    }

    InfileRows bytes(byte[] b) {
        separate();
        room(b.length);
        for (byte x : b) {
            if (x == '\t' || x == '\n' || x == '\r' || x == '\\' || x == 0) {
                escape((char) x);
            } else {
                if (len == buf.length) {
                    room(b.length);
                }
                buf[len++] = x;
            }
        }
        return this;
    }

    /** Ends the row. */
    void end() {
        room(1);
        buf[len++] = '\n';
        first = true;
        rows++;
    }

    private void escape(char c) {
        room(2);
        buf[len++] = '\\';
        buf[len++] = (byte) (c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == 0 ? '0' : '\\');
    }

    private void separate() {
        if (first) {
            first = false;
        } else {
            room(1);
            buf[len++] = '\t';
        }
    }

    private void room(int more) {
        if (len + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
