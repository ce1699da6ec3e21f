package dev.waybill.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes Exim main-log lines as ASCII bytes into one reusable buffer.
 *
 * <p>This is the generator's hot path: every line goes through {@link #begin}, a chain of
 * {@code append} calls and {@link #end}, with no per-line allocation. The timestamp text is
 * recomputed only when the second changes. All text the generator writes is ASCII (subjects with
 * other characters are written RFC 2047-encoded, as mail clients send them), so a {@code char}
 * is narrowed to a byte without a charset encoder.
 */
final class LogWriter {

    /** Exim writes lines of up to 8 KiB; keep at least that much room before each line. */
    private static final int MAX_LINE = 8192;

    private final OutputStream out;
    private final byte[] buf = new byte[1 << 17];
    private int pos;
    private final byte[] scratch = new byte[20];
    private long lines;
    private long bytesFlushed;

    private long stampSecond = Long.MIN_VALUE;
    private final byte[] stamp = "0000-00-00 00:00:00 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    LogWriter(OutputStream out) {
        this.out = out;
    }

    /** Starts a line stamped with {@code epochMillis} (printed to the second, as cPanel's Exim does). */
    LogWriter begin(long epochMillis) {
        if (pos > buf.length - MAX_LINE) {
            flush();
        }
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != stampSecond) {
            formatStamp(second);
        }
        System.arraycopy(stamp, 0, buf, pos, stamp.length);
        pos += stamp.length;
        return this;
    }

    /** Ends the current line. */
    void end() {
        buf[pos++] = '\n';
        lines++;
    }

    /**
     * Appends an ASCII string. {@link String#getBytes(int, int, byte[], int)} is deprecated
     * because it drops the high byte of each char, which is harmless for ASCII, and it is a
     * plain array copy for the compact strings ASCII text is stored in: the fastest way in.
     */
    @SuppressWarnings("deprecation")
    LogWriter append(String s) {
        int n = s.length();
        s.getBytes(0, n, buf, pos);
        pos += n;
        return this;
    }

    LogWriter append(byte[] bytes) {
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    LogWriter append(char c) {
        buf[pos++] = (byte) c;
        return this;
    }

    /** Appends a decimal number. */
    LogWriter append(long v) {
        if (v < 0) {
            buf[pos++] = '-';
            v = -v;
        }
        if (v < 10) {
            buf[pos++] = (byte) ('0' + v);
            return this;
        }
        int p = scratch.length;
        while (v > 0) {
            scratch[--p] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        int n = scratch.length - p;
        System.arraycopy(scratch, p, buf, pos, n);
        pos += n;
        return this;
    }

    /** Appends {@code v} as exactly {@code width} decimal digits, zero-padded. */
    LogWriter appendPadded(long v, int width) {
        for (int i = pos + width - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        pos += width;
        return this;
    }

    /**
     * Appends {@code s} as the inside of an Exim quoted value ({@code T="..."}, {@code C="..."}):
     * a backslash and a double quote get a backslash in front, as Exim's
     * {@code string_printing} does, and a line break becomes {@code \n}.
     */
    LogWriter appendQuoted(String s) {
        buf[pos++] = '"';
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                buf[pos++] = '\\';
                buf[pos++] = (byte) c;
            } else if (c == '\n') {
                buf[pos++] = '\\';
                buf[pos++] = 'n';
            } else {
                buf[pos++] = (byte) c;
            }
        }
        buf[pos++] = '"';
        return this;
    }

    /**
     * Appends free text (an SMTP reply outside quotes) with newlines shown as {@code \n}: a
     * multi-line SMTP reply reaches the log on one line, its line breaks escaped.
     */
    LogWriter appendPrintable(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                buf[pos++] = '\\';
                buf[pos++] = 'n';
            } else {
                buf[pos++] = (byte) c;
            }
        }
        return this;
    }

    /** Appends an IPv4 address held as an int. */
    LogWriter appendIp(int ip) {
        append((ip >>> 24) & 0xff).append('.').append((ip >>> 16) & 0xff).append('.')
                .append((ip >>> 8) & 0xff).append('.').append(ip & 0xff);
        return this;
    }

    /** Appends a duration the way Exim prints {@code QT=} and {@code D=}: {@code 1d2h3m4s}. */
    LogWriter appendDuration(long seconds) {
        if (seconds <= 0) {
            return append("0s");
        }
        long d = seconds / 86400;
        long h = seconds / 3600 % 24;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        if (d > 0) {
            append(d).append('d');
        }
        if (h > 0) {
            append(h).append('h');
        }
        if (m > 0) {
            append(m).append('m');
        }
        if (s > 0) {
            append(s).append('s');
        }
        return this;
    }

    long lines() {
        return lines;
    }

    long bytes() {
        return bytesFlushed + pos;
    }

    void flush() {
        try {
            out.write(buf, 0, pos);
            bytesFlushed += pos;
            pos = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sample log", e);
        }
    }

    /** Fills {@link #stamp} with {@code YYYY-MM-DD HH:MM:SS } for a second since the epoch (UTC). */
    private void formatStamp(long epochSecond) {
        stampSecond = epochSecond;
        long days = Math.floorDiv(epochSecond, 86400);
        int secOfDay = Math.floorMod(epochSecond, 86400);
        // Civil date from a day count: shift the epoch to 0000-03-01 so leap days fall at the
        // end of each 400-year era, then split the era into years, months and days.
        long z = days + 719468;
        long era = Math.floorDiv(z, 146097);
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        put4(0, year);
        put2(5, month);
        put2(8, day);
        put2(11, secOfDay / 3600);
        put2(14, secOfDay / 60 % 60);
        put2(17, secOfDay % 60);
    }

    private void put4(int at, long v) {
        put2(at, v / 100);
        put2(at + 2, v % 100);
    }

    private void put2(int at, long v) {
        stamp[at] = (byte) ('0' + v / 10);
        stamp[at + 1] = (byte) ('0' + v % 10);
    }
}
