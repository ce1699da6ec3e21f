package dev.waybill.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MailAddressTest {

    @Test
    void parse_plainAddress_lowersTheDomainOnly() {
        MailAddress a = MailAddress.parse("  <Bob.Smith+tag@Example.COM> ");
        assertEquals("Bob.Smith+tag", a.localPart());
        assertEquals("example.com", a.domain());
        assertEquals("bob.smith+tag@example.com", a.key());
    }

    /** Exim (strip_trailing_dot unset, as on cPanel) refuses it: "domain missing or malformed". */
    @Test
    void parse_trailingDotOnTheDomain_isRefusedAsEximRefusesIt() {
        assertMessage("alice@example.com.", "domain missing or malformed");
        assertMessage("<alice@Example.COM.>", "ends with a dot");
    }

    @Test
    void parse_lastAtSplits() {
        assertThrows(InvalidAddressException.class, () -> MailAddress.parse("a@b@example.com"),
                "'@' needs quoting in a local part");
    }

    @Test
    void parse_internationalDomain_becomesAscii() {
        assertEquals("xn--bcher-kva.example", MailAddress.parse("x@Bücher.example").domain());
    }

    @Test
    void parse_pathsInTheDomain_areRefused() {
        assertMessage("a@../../etc", "empty label");
        assertMessage("a@etc/passwd", "'/'");
        assertMessage("a@..", "empty label");
        assertMessage("a@.", "empty label");
        assertMessage("a@x\\y", "'\\'");
    }

    @Test
    void parse_badShapes_sayWhatIsWrong() {
        assertMessage(null, "empty");
        assertMessage("", "empty");
        assertMessage("bob", "'@' is missing");
        assertMessage("@example.com", "before '@' is empty");
        assertMessage("bob@", "domain after '@' is empty");
        assertMessage("x".repeat(65) + "@example.com", "longer than 64");
        assertMessage("a@" + "x".repeat(330), "longer than 320");
        assertMessage("a@" + "x".repeat(64) + ".com", "longer than 63");
        assertMessage("jörg@example.com", "non-ASCII");
        assertMessage("a\tb@example.com", "U+0009");
        assertMessage("a@[192.0.2.1]", "address literals");
        assertMessage("a@exa mple.com", "U+0020");
        assertMessage("a@\u2603\u0000.example", "U+0000");
    }

    private static void assertMessage(String input, String expected) {
        InvalidAddressException e = assertThrows(InvalidAddressException.class, () -> MailAddress.parse(input));
        assertTrue(e.getMessage().contains(expected), input + " -> " + e.getMessage());
    }
}
