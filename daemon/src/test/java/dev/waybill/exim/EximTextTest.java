package dev.waybill.exim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EximTextTest {

    private static String unescape(String s) {
        return EximText.unescape(s, 0, s.length());
    }

    @Test
    void unescape_plainText_isUnchanged() {
        assertEquals("plain text", unescape("plain text"));
    }

    @Test
    void unescape_namedEscapesQuotesAndBackslashes() {
        assertEquals("a\nb\tc\rd \"q\" \\ end", unescape("a\\nb\\tc\\rd \\\"q\\\" \\\\ end"));
    }

    @Test
    void unescape_octalBytesAreReadAsUtf8() {
        assertEquals("Café 日本", unescape("Caf\\303\\251 \\346\\227\\245\\346\\234\\254"));
        assertEquals("\u0001x", unescape("\\1x"), "one to three octal digits");
    }

    @Test
    void unescape_mixesEscapesWithRawNonAscii() {
        assertEquals("Grüße 📧\n", unescape("Grüße 📧\\n"));
    }

    @Test
    void unescape_invalidOctalUtf8_becomesReplacementNotAnError() {
        assertEquals("bad \uFFFD end", unescape("bad \\377 end"));
    }

    @Test
    void unescape_trailingBackslash_isKept() {
        assertEquals("ends with \\", unescape("ends with \\"));
    }

    @Test
    void unescape_rangeInsideLongerString() {
        String s = "xx\\tyy";
        assertEquals("\ty", EximText.unescape(s, 2, 5));
    }
}
