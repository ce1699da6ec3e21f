package dev.waybill.cli;

/**
 * Text from the daemon made fit for a terminal. Subjects, addresses and remote servers' replies
 * are the sender's to choose: an escape sequence among them could move the cursor, clear the
 * screen or retitle the admin's terminal, and a right-to-left override turn the rest of a line
 * around. Widths are counted in terminal columns: a wide (CJK, emoji) character takes two, a
 * combining mark none.
 */
final class TerminalText {

    private TerminalText() {
    }

    /**
     * {@code text} with each control or format character (escapes, bidi overrides) and each half
     * of a broken surrogate pair as a space.
     */
    static String printable(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int type = Character.getType(cp);
            boolean acts = type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
            if (acts && sb == null) {
                sb = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (acts) {
                sb.append(' ');
            } else if (sb != null) {
                sb.appendCodePoint(cp);
            }
            i += Character.charCount(cp);
        }
        return sb == null ? text : sb.toString();
    }

    /** {@link #printable} text cut to {@code width} columns, a cut marked with {@code ~}. */
    static String cell(String text, int width) {
        String t = printable(text);
        if (columns(t) <= width) {
            return t;
        }
        StringBuilder sb = new StringBuilder(width);
        int used = 0;
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            int w = columns(cp);
            if (used + w > width - 1) {
                break;
            }
            sb.appendCodePoint(cp);
            used += w;
            i += Character.charCount(cp);
        }
        // A wide character that would straddle the mark leaves a column to pad.
        sb.append(" ".repeat(width - 1 - used));
        return sb.append('~').toString();
    }

    /** {@link #cell} padded with spaces to {@code width} columns, for a table. */
    static String column(String text, int width) {
        String c = cell(text, width);
        return c + " ".repeat(Math.max(0, width - columns(c)));
    }

    /** The columns {@code text} takes on a terminal. */
    static int columns(String text) {
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            n += columns(cp);
            i += Character.charCount(cp);
        }
        return n;
    }

    /**
     * Columns of one code point, as wcwidth() counts them (Markus Kuhn's ranges of East Asian
     * wide and full-width characters, and the emoji blocks terminals draw two columns wide).
     */
    static int columns(int cp) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK) {
            return 0;
        }
        boolean wide = cp >= 0x1100 && (cp <= 0x115f || cp == 0x2329 || cp == 0x232a
                || cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f
                || cp >= 0xac00 && cp <= 0xd7a3
                || cp >= 0xf900 && cp <= 0xfaff
                || cp >= 0xfe10 && cp <= 0xfe19
                || cp >= 0xfe30 && cp <= 0xfe6f
                || cp >= 0xff00 && cp <= 0xff60
                || cp >= 0xffe0 && cp <= 0xffe6
                || cp >= 0x1f300 && cp <= 0x1f64f
                || cp >= 0x1f900 && cp <= 0x1f9ff
                || cp >= 0x20000 && cp <= 0x2fffd
                || cp >= 0x30000 && cp <= 0x3fffd);
        return wide ? 2 : 1;
    }
}
