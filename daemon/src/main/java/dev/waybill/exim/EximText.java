package dev.waybill.exim;

import java.nio.charset.StandardCharsets;

/**
 * Exim's escaping of logged text: inside quoted values ({@code T=}, {@code C=}, {@code DN=})
 * {@code "} and {@code \} get a backslash, and non-printing bytes are written as {@code \n},
 * {@code \t}, ... or {@code \ooo} octal (spec, "Log files"; {@code string_printing}). Octal
 * escapes are raw bytes, so the decoded bytes are read back as UTF-8.
 */
final class EximText {

    private EximText() {
    }

    /** Decodes {@code s[from, to)}; the fast path is a plain substring when nothing is escaped. */
    static String unescape(String s, int from, int to) {
        int bs = s.indexOf('\\', from);
        if (bs < 0 || bs >= to) {
            return s.substring(from, to);
        }
        byte[] out = new byte[(to - from) * 3]; // a char is at most 3 UTF-8 bytes; an escape is fewer
        int len = 0;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(i + 1));
                out[len++] = (byte) (0xf0 | cp >> 18);
                out[len++] = (byte) (0x80 | cp >> 12 & 0x3f);
                out[len++] = (byte) (0x80 | cp >> 6 & 0x3f);
                out[len++] = (byte) (0x80 | cp & 0x3f);
                i += 2;
                continue;
            }
            if (c != '\\' || i + 1 >= to) {
                len = putUtf8(out, len, c);
                i++;
                continue;
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'n' -> out[len++] = '\n';
                case 't' -> out[len++] = '\t';
                case 'r' -> out[len++] = '\r';
                case 'f' -> out[len++] = '\f';
                case 'b' -> out[len++] = '\b';
                case 'v' -> out[len++] = 0x0b;
                case 'a' -> out[len++] = 0x07;
                case 'e' -> out[len++] = 0x1b;
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < to && s.charAt(i) >= '0' && s.charAt(i) <= '7'; k++, i++) {
                            v = v * 8 + (s.charAt(i) - '0');
                        }
                        out[len++] = (byte) v; // a raw byte: octal escapes spell out UTF-8
                    } else {
                        len = putUtf8(out, len, e); // \" \\ and anything unexpected: the char itself
                    }
                }
            }
        }
        return new String(out, 0, len, StandardCharsets.UTF_8);
    }

    /**
     * Writes one UTF-16 unit (not half of a pair) as UTF-8. A lone surrogate comes out as bytes
     * the decoder turns into U+FFFD.
     */
    private static int putUtf8(byte[] out, int len, char c) {
        if (c < 0x80) {
            out[len++] = (byte) c;
        } else if (c < 0x800) {
            out[len++] = (byte) (0xc0 | c >> 6);
            out[len++] = (byte) (0x80 | c & 0x3f);
        } else {
            out[len++] = (byte) (0xe0 | c >> 12);
            out[len++] = (byte) (0x80 | c >> 6 & 0x3f);
            out[len++] = (byte) (0x80 | c & 0x3f);
        }
        return len;
    }
}
