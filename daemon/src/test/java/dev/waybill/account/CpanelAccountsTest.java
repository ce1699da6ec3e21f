package dev.waybill.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpanelAccountsTest {

    @Test
    void read_userdomainsAndOwners(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"),
                "example.com: exampleco\nshop.example.com: exampleco\nOther.Example: other\n*: nobody\nbroken line\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: reseller1\nother: root\n");
        CpanelAccounts a = CpanelAccounts.read(root);
        assertEquals("exampleco", a.ownerOfDomain("shop.example.com"));
        assertEquals("other", a.ownerOfDomain("other.example"), "domains are matched without case");
        assertEquals("other", a.ownerOfAddress("Someone@OTHER.EXAMPLE"));
        assertNull(a.ownerOfDomain("*"), "the catch-all owns nothing");
        assertNull(a.ownerOfDomain("elsewhere.example"));
        assertTrue(a.isUser("exampleco"));
        assertFalse(a.isUser("nobody"));
        assertEquals("reseller1", a.ownerOfUser("exampleco"));
    }

    /**
     * cPanel keeps an internationalised domain in its ASCII form; a client using SMTPUTF8 writes it
     * in Unicode, which Exim logs as written. A final dot names the same domain. Forwarders are
     * found under the ASCII name too.
     */
    @Test
    void ownerOfDomain_unicodeFormAndFinalDot_findTheAccount(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/userdomains"), "xn--mnchen-3ya.example: muenchen\n*: nobody\n");
        Files.writeString(root.resolve("etc/valiases/xn--mnchen-3ya.example"), "info@xn--mnchen-3ya.example: bob@elsewhere.example\n");
        CpanelAccounts a = CpanelAccounts.read(root);
        assertEquals("muenchen", a.ownerOfDomain("münchen.example"));
        assertEquals("muenchen", a.ownerOfDomain("MÜNCHEN.example"));
        assertEquals("muenchen", a.ownerOfAddress("info@münchen.example"));
        assertEquals("muenchen", a.ownerOfDomain("xn--mnchen-3ya.example."));
        assertNull(a.ownerOfDomain("m\u00fcnchen..example"), "not a domain");
        assertNull(a.ownerOfDomain("."));
        assertEquals(List.of("bob@elsewhere.example"), a.forwarders("münchen.example").exact("info@xn--mnchen-3ya.example"));
    }

    /**
     * The forwarder's own entry, not the domain's default address, whatever form the address is
     * written in: the file names it in ASCII, without a final dot.
     */
    @Test
    void forwarderTargets_unicodeFormOrFinalDot_findTheAddressesOwnEntry(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/userdomains"), "xn--mnchen-3ya.example: muenchen\n*: nobody\n");
        Files.writeString(root.resolve("etc/valiases/xn--mnchen-3ya.example"),
                "info@xn--mnchen-3ya.example: bob@elsewhere.example\n*: muenchen\n");
        CpanelAccounts a = CpanelAccounts.read(root);
        assertEquals(List.of("bob@elsewhere.example"), a.forwarderTargets("info@xn--mnchen-3ya.example"));
        assertEquals(List.of("bob@elsewhere.example"), a.forwarderTargets("info@m\u00fcnchen.example"));
        assertEquals(List.of("bob@elsewhere.example"), a.forwarderTargets("Info@M\u00dcNCHEN.example"));
        assertEquals(List.of("bob@elsewhere.example"), a.forwarderTargets("info@xn--mnchen-3ya.example."));
        assertEquals(List.of("muenchen"), a.forwarderTargets("other@m\u00fcnchen.example"), "the default address");
    }

    @Test
    void read_systemUsersInTheAccountFiles_areNeverAccounts(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nweb.example: nobody\n"
                + "admin.example: root\nmail.example: mailnull\n*: nobody\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: root\nnobody: root\nroot: root\ncpanel: root\n"
                + "mail: root\n");
        CpanelAccounts a = CpanelAccounts.read(root);
        for (String name : new String[] {"nobody", "root", "mailnull", "cpanel", "mail"}) {
            assertFalse(a.isUser(name), name);
            assertFalse(a.isReseller(name), name);
        }
        assertNull(a.ownerOfDomain("web.example"), "a domain written against nobody owns nothing");
        assertNull(a.ownerOfDomain("admin.example"));
        assertNull(a.ownerOfDomain("mail.example"));
        assertNull(a.ownerOfUser("nobody"));
        assertTrue(a.isUser("exampleco"));
    }

    @Test
    void startDate_readFromTheAccountFile(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("var/cpanel/users"));
        Files.writeString(root.resolve("var/cpanel/users/exampleco"), "DNS=example.com\nSTARTDATE=1716200000\n");
        assertEquals(1716200000L, CpanelAccounts.read(root).startDate("exampleco"));
        assertEquals(0, CpanelAccounts.read(root).startDate("other"));
        assertEquals(0, CpanelAccounts.none().startDate("exampleco"));
    }

    @Test
    void read_bytesThatAreNotUtf8_spoilTheirLineOnly(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.write(root.resolve("etc/userdomains"), "caf\u00e9.example: cafe\nexample.com: exampleco\n*: nobody\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Files.write(root.resolve("etc/trueuserowners"), "exampleco: reseller1\n# by Jos\u00e9\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CpanelAccounts a = CpanelAccounts.read(root);
        assertEquals("exampleco", a.ownerOfDomain("example.com"));
        assertEquals("reseller1", a.ownerOfUser("exampleco"));
    }

    @Test
    void forwarderTargets_readValiasesWithTheDefaultAddress(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/valiases/example.com"),
                "sales@example.com: bob@example.com, ops@elsewhere.example\nold@example.com: :fail: Gone\n"
                        + "*: jobs@example.com\n");
        CpanelAccounts a = CpanelAccounts.read(root);
        assertEquals(java.util.List.of("bob@example.com", "ops@elsewhere.example"), a.forwarderTargets("Sales@Example.com"));
        assertEquals(java.util.List.of(":fail: Gone"), a.forwarderTargets("old@example.com"));
        assertEquals(java.util.List.of("jobs@example.com"), a.forwarderTargets("anyone@example.com"));
        assertEquals(java.util.List.of(), a.forwarderTargets("x@other.example"), "no file for that domain");
        assertEquals(java.util.List.of(), a.forwarderTargets("x@../../etc"), "a domain is never a path");
    }

    @Test
    void read_withoutCpanel_knowsNobody(@TempDir Path root) throws IOException {
        CpanelAccounts a = CpanelAccounts.read(root);
        assertNull(a.ownerOfAddress("a@example.com"));
        assertFalse(a.isUser("root"));
    }

    @Test
    void domainOf_handlesOddAddresses() {
        assertEquals("example.com", CpanelAccounts.domainOf("a@b@example.com"));
        assertNull(CpanelAccounts.domainOf("bob"));
        assertNull(CpanelAccounts.domainOf("bob@"));
        assertNull(CpanelAccounts.domainOf(null));
    }

    @Test
    void resellers_fromOwnersAndTheResellerList(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("var/cpanel"));
        Files.writeString(root.resolve("etc/trueuserowners"), "a: res1\nb: res1\nc: root\n");
        Files.writeString(root.resolve("var/cpanel/resellers"), "res2:list-accts,create-acct\nres3:\n");
        CpanelAccounts acc = CpanelAccounts.read(root);
        assertTrue(acc.isReseller("res1"));
        assertTrue(acc.isReseller("res2"));
        assertTrue(acc.isReseller("res3"));
        assertFalse(acc.isReseller("root"), "root is not a reseller");
        assertFalse(acc.isReseller("a"));
        assertEquals(java.util.Set.of("a", "b"), acc.usersOwnedBy("res1"));
        assertEquals(java.util.Set.of(), acc.usersOwnedBy("res2"));
    }
}
