package dev.waybill.outcome;

import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Base64;

/**
 * Decodes RFC 2047 encoded-words ({@code =?UTF-8?B?...?=}, {@code =?iso-8859-1?Q?...?=}) in a
 * header value, so that a subject reads as its author wrote it. Anything malformed is left as it
 * was: a subject is shown, never rejected.
 */
final class MimeWords {

    private MimeWords() {
    }

    static String decode(String text) {
        if (text == null || !text.contains("=?")) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int lastWordEnd = -1;
        while (i < text.length()) {
            int start = text.indexOf("=?", i);
            if (start < 0) {
                out.append(text, i, text.length());
                break;
            }
            int q1 = text.indexOf('?', start + 2);
            int q2 = q1 < 0 ? -1 : text.indexOf('?', q1 + 1);
            int end = q2 < 0 ? -1 : text.indexOf("?=", q2 + 1);
            String decoded = end < 0 || q2 != q1 + 2 ? null
                    : word(text.substring(start + 2, q1), text.charAt(q1 + 1), text.substring(q2 + 1, end));
            if (decoded == null) {
                out.append(text, i, start + 2);
                i = start + 2;
                continue;
            }
            String between = text.substring(i, start);
            // White space between two adjacent encoded-words is not part of the text (RFC 2047 6.2).
            if (!(lastWordEnd == i && between.isBlank())) {
                out.append(between);
            }
            out.append(decoded);
            i = end + 2;
            lastWordEnd = i;
        }
        return out.toString();
    }

    private static String word(String charsetName, char encoding, String payload) {
        try {
            int star = charsetName.indexOf('*'); // RFC 2231 language suffix
            Charset charset = Charset.forName(star < 0 ? charsetName : charsetName.substring(0, star));
            byte[] bytes;
            if (encoding == 'B' || encoding == 'b') {
                bytes = Base64.getMimeDecoder().decode(payload);
            } else if (encoding == 'Q' || encoding == 'q') {
                bytes = quoted(payload);
            } else {
                return null;
            }
            return new String(bytes, charset);
        } catch (IllegalArgumentException e) {
            return null; // unknown charset or bad base64
        }
    }

    private static byte[] quoted(String payload) {
        byte[] out = new byte[payload.length()];
        int n = 0;
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c == '_') {
                out[n++] = ' ';
            } else if (c == '=' && i + 2 < payload.length()) {
                int hi = Character.digit(payload.charAt(i + 1), 16);
                int lo = Character.digit(payload.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad Q escape");
                }
                out[n++] = (byte) (hi * 16 + lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
