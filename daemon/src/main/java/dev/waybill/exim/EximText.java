package dev.waybill.exim;

import java.io.ByteArrayOutputStream;
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
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= to) {
                appendUtf8(out, s, i);
                i += Character.charCount(s.codePointAt(i));
                continue;
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case 'f' -> out.write('\f');
                case 'b' -> out.write('\b');
                case 'v' -> out.write(0x0b);
                case 'a' -> out.write(0x07);
                case 'e' -> out.write(0x1b);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < to && s.charAt(i) >= '0' && s.charAt(i) <= '7'; k++, i++) {
                            v = v * 8 + (s.charAt(i) - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        appendUtf8(out, s, i - 1); // \" \\ and anything unexpected: the char itself
                        i += Character.charCount(s.codePointAt(i - 1)) - 1;
                    }
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void appendUtf8(ByteArrayOutputStream out, String s, int i) {
        int cp = s.codePointAt(i);
        if (cp < 0x80) {
            out.write(cp);
        } else {
            byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
        }
    }
}
