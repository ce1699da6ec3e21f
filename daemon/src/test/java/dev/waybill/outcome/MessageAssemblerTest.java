package dev.waybill.outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per assembly rule, fed with real-shaped main-log lines. */
class MessageAssemblerTest {

    private static final String ID = "1xX9XS-0001jY-04";

    private final List<Outcome> out = new ArrayList<>();

    private List<Outcome> assemble(CpanelAccounts accounts, long horizon, int maxOpen, String... lines) {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        MessageAssembler a = new MessageAssembler(accounts, horizon, maxOpen, out::add);
        for (String l : lines) {
            a.accept(parser.parse(l));
        }
        a.finish();
        assertEquals(0, a.openMessages());
        return out;
    }

    private List<Outcome> assemble(String... lines) {
        return assemble(CpanelAccounts.none(), MessageAssembler.DEFAULT_HORIZON_SECONDS,
                MessageAssembler.DEFAULT_MAX_OPEN, lines);
    }

    private static Outcome only(List<Outcome> outcomes) {
        assertEquals(1, outcomes.size(), outcomes.toString());
        return outcomes.get(0);
    }

    /**
     * A recipient's row is the same whichever of the message's lines are read: the whole message,
     * or only what follows its arrival (a rotated file imported on its own), whatever the order of
     * the recipients' attempts (the branches of one recipient keep theirs). A reading without the
     * arrival also gives back the anonymous placeholder an earlier reading may have stored.
     */
    @Test
    void rows_areTheRecipientsOwn_whicheverLinesAreRead() {
        String arrival = "2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=100 for x@example.net"
                + " y@example.org z@example.com";
        String x = "2024-03-01 10:00:01 " + ID + " => x@example.net R=lookuphost T=remote_smtp H=mx [192.0.2.7]";
        String y = "2024-03-01 10:00:02 " + ID + " == y@example.org R=lookuphost T=remote_smtp defer (-44): busy";
        String z = "2024-03-01 10:00:03 " + ID + " => fwd@example.net <z@example.com> R=lookuphost T=remote_smtp"
                + " H=mx [192.0.2.7]";
        String zCopy = "2024-03-01 10:00:03 " + ID + " -> z@example.com R=virtual_user T=virtual_userdelivery";
        java.util.Map<String, Integer> whole = rows(assemble(arrival, x, y, z, zCopy));
        assertEquals(4, whole.size(), whole.toString());
        assertEquals(MessageAssembler.rowOf("x@example.net"), whole.get("x@example.net|x@example.net"));
        out.clear();
        assertEquals(MessageAssembler.rowOf("z@example.com"), whole.get("z@example.com|fwd@example.net"),
                "a recipient's first branch: its own row");
        assertEquals(MessageAssembler.rowOf("z@example.com\nz"), whole.get("z@example.com|z@example.com"),
                "its second: a row from where it went");
        out.clear();
        assertEquals(whole, rows(assemble(y, z, zCopy, x)), "without the arrival, other recipients first");
        out.clear();
        assertEquals(whole, rows(assemble(arrival, z, zCopy, y, x)));

        List<Outcome> retracted = new ArrayList<>();
        MessageAssembler a = new MessageAssembler(CpanelAccounts.none(), MessageAssembler.DEFAULT_HORIZON_SECONDS,
                MessageAssembler.DEFAULT_MAX_OPEN, o -> { }).onRetract(retracted::add);
        a.accept(new LineParser(ZoneOffset.UTC).parse(x));
        a.finish();
        assertEquals(1, retracted.size());
        assertEquals(MessageAssembler.rowOf(""), retracted.get(0).row(), "the anonymous placeholder's row");
        assertEquals(OutcomeType.INPROGRESS, retracted.get(0).type());
    }

    /** recipient|deliveredto → row. */
    /**
     * An open message keeps at most {@link MessageAssembler#KEPT_TEXT} characters of a subject or
     * a remote answer, so that a spam run of many-kilobyte subjects cannot fill the heap with
     * messages still open (the raw lines keep every byte).
     */
    @Test
    void assemble_longSubjectAndAnswer_areKeptCut() {
        String subject = "s".repeat(8_000);
        String answer = "a".repeat(9_000);
        Outcome o = only(assemble(
                "2026-11-28 12:00:00 1wBIG0-00000000BIG-0001 <= big@example.com H=h [192.0.2.1]:1 P=esmtp S=10"
                        + " T=\"" + subject + "\" for r@example.org",
                "2026-11-28 12:00:01 1wBIG0-00000000BIG-0001 == r@example.org R=dnslookup T=remote_smtp defer (-44):"
                        + " " + answer));
        assertEquals(MessageAssembler.KEPT_TEXT, o.subject().length());
        assertTrue(o.message().length() <= MessageAssembler.KEPT_TEXT + 100, o.message().length() + " characters");
        assertTrue(o.message().length() >= MessageAssembler.KEPT_TEXT, o.message().length() + " characters");
    }

    private static java.util.Map<String, Integer> rows(List<Outcome> outcomes) {
        java.util.Map<String, Integer> rows = new java.util.HashMap<>();
        for (Outcome o : outcomes) {
            assertTrue(o.row() >= 1 && o.row() < MessageAssembler.ROWS, String.valueOf(o.row()));
            rows.put(o.recipient() + "|" + o.deliveredto(), o.row());
        }
        return rows;
    }

    @Test
    void rowOf_isCaseInsensitive_andInRange() {
        assertEquals(MessageAssembler.rowOf("Bob@Example.com"), MessageAssembler.rowOf("bob@example.com"));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            int r = MessageAssembler.rowOf("user" + i + "@example.com");
            assertTrue(r >= 1 && r < MessageAssembler.ROWS);
            seen.add(r);
        }
        assertTrue(seen.size() > 9_990, "spread: " + seen.size());
        assertEquals(MessageAssembler.rowOf("a") % (MessageAssembler.ROWS - 1) + 1,
                MessageAssembler.freeRow("a", r -> r == MessageAssembler.rowOf("a")), "taken: the next one");
    }

    @Test
    void assemble_deferralThenDelivery_isSuccessWithTwoAttempts() {
        Outcome o = only(assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=100 for grey@example.net",
                "2024-03-01 10:00:01 " + ID + " == grey@example.net R=lookuphost T=remote_smtp defer (-44) "
                        + "H=mx.example.net [192.0.2.7]: SMTP error from remote mail server after RCPT "
                        + "TO:<grey@example.net>: 451 4.7.1 Greylisted",
                "2024-03-01 10:15:00 " + ID + " => grey@example.net R=lookuphost T=remote_smtp "
                        + "H=mx.example.net [192.0.2.7] C=\"250 OK id=1\"",
                "2024-03-01 10:15:00 " + ID + " Completed"));
        assertEquals(OutcomeType.SUCCESS, o.type());
        assertEquals(2, o.attempts());
        assertEquals("Accepted", o.message());
        assertEquals("250 OK id=1", o.reply());
        assertEquals(1709287200L, o.sendunixtime());
        assertEquals(1709288100L, o.actionunixtime());
        assertTrue(o.transportIsRemote());
        assertEquals("-remote-", o.deliverydomain());
        assertEquals("mx.example.net", o.host());
        assertEquals("192.0.2.7", o.ip());
    }

    @Test
    void assemble_deferredLocalThenLocalPartDelivery_isOneSuccess() {
        // A real Exim logs the deferral with the full address and the success with the local part.
        Outcome o = only(assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.org H=(x) [192.0.2.1] P=esmtp S=5 for bob@example.com",
                "2024-03-01 10:00:01 " + ID + " == bob@example.com <bob@example.com> R=virtual_user "
                        + "T=dovecot_virtual_delivery defer (-52): Mailbox is full",
                "2024-03-01 10:30:00 " + ID + " => bob <bob@example.com> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:30:00 " + ID + " Completed"));
        assertEquals(OutcomeType.SUCCESS, o.type());
        assertEquals(2, o.attempts());
        assertEquals("bob@example.com", o.deliveredto(), "the domain comes from the top-level address");
        assertEquals("example.com", o.deliverydomain());
        assertFalse(o.transportIsRemote());
    }

    /**
     * A forwarder to the same local part at two remote domains (a real Exim 4.96's lines): one
     * target deferred, the other delivered. They are two deliveries, not one delivery retried.
     */
    @Test
    void assemble_forwarderToOneLocalPartAtTwoDomains_keepsTheDeferredTargetApart() {
        String arrival = "2026-11-28 22:55:59 " + ID + " <= stranger@outside.test H=(vm) [127.0.0.1]:46828 P=esmtp"
                + " S=494 for fan@example.com";
        String deferred = "2026-11-28 22:55:59 " + ID + " == info@temp.sink.test <fan@example.com> R=lookuphost"
                + " T=remote_smtp defer (-44) H=127.0.0.3 [127.0.0.3]: SMTP error from remote mail server after"
                + " RCPT TO:<info@temp.sink.test>: 451 4.3.0 Try later please";
        String delivered = "2026-11-28 22:55:59 " + ID + " => info@ok.sink.test <fan@example.com> R=lookuphost"
                + " T=remote_smtp H=127.0.0.2 [127.0.0.2] C=\"250 OK id=sink-queued\"";
        List<Outcome> os = assemble(arrival, deferred, delivered);
        assertEquals(2, os.size(), os.toString());
        assertEquals(OutcomeType.DEFER, os.get(0).type());
        assertNull(os.get(0).deliveredto(), "delivered to nowhere yet");
        assertEquals("127.0.0.3", os.get(0).ip());
        assertEquals(1, os.get(0).attempts());
        assertEquals(OutcomeType.SUCCESS, os.get(1).type());
        assertEquals("info@ok.sink.test", os.get(1).deliveredto());
        assertEquals(1, os.get(1).attempts());

        out.clear();
        List<Outcome> later = assemble(arrival, deferred, delivered, "2026-11-28 22:56:09 " + ID
                + " => info@temp.sink.test <fan@example.com> R=lookuphost T=remote_smtp H=127.0.0.3 [127.0.0.3]"
                + " C=\"250 OK id=sink-queued\"", "2026-11-28 22:56:09 " + ID + " Completed");
        assertEquals(2, later.size(), later.toString());
        assertEquals("info@temp.sink.test", later.get(0).deliveredto());
        assertEquals(2, later.get(0).attempts(), "the deferral and the delivery");
        assertEquals("info@ok.sink.test", later.get(1).deliveredto());
        assertEquals(1, later.get(1).attempts());
    }

    @Test
    void assemble_deferralOnlyAtEnd_isDeferWithTheReason() {
        Outcome o = only(assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=100 for x@example.net",
                "2024-03-01 10:00:01 " + ID + " == x@example.net R=lookuphost T=remote_smtp defer (110): "
                        + "Connection timed out"));
        assertEquals(OutcomeType.DEFER, o.type());
        assertEquals("Connection timed out", o.message());
        assertEquals(1, o.attempts());
        assertTrue(o.transportIsRemote(), "remote_smtp is remote even without H=");
    }

    @Test
    void assemble_arrivalOnly_isInProgressPerRecipient() {
        List<Outcome> os = assemble("2024-03-01 10:00:00 " + ID
                + " <= a@example.com U=a P=local S=100 T=\"Hi\" for x@example.net y@example.org");
        assertEquals(2, os.size());
        assertEquals(OutcomeType.INPROGRESS, os.get(0).type());
        assertEquals("x@example.net", os.get(0).recipient());
        assertEquals("y@example.org", os.get(1).recipient());
        assertEquals("Hi", os.get(1).subject());
    }

    @Test
    void assemble_arrivalWithoutRecipientList_isOneInProgress() {
        Outcome o = only(assemble("2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=100"));
        assertEquals(OutcomeType.INPROGRESS, o.type());
        assertNull(o.recipient());
    }

    @Test
    void assemble_blackholeDevNullAndBypassed_areFiltered() {
        List<Outcome> os = assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.org H=(x) [192.0.2.1] P=esmtp S=5 for t@example.com",
                "2024-03-01 10:00:00 " + ID + " => :blackhole: <t@example.com> R=virtual_aliases",
                "2024-03-01 10:00:00 " + ID + " => /dev/null <n@example.com> R=virtual_aliases T=address_file",
                "2024-03-01 10:00:00 " + ID + " => b@example.com <b@example.com> R=virtual_aliases T=**bypassed**",
                "2024-03-01 10:00:00 " + ID + " Completed");
        assertEquals(3, os.size());
        for (Outcome o : os) {
            assertEquals(OutcomeType.FILTERED, o.type(), o.toString());
            assertEquals("Filtered", o.message());
        }
    }

    @Test
    void assemble_suppressedDelivery_isFilteredNotSuccess() {
        Outcome o = only(assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=100 for x@example.net",
                "2024-03-01 10:00:00 " + ID + " *> x@example.net R=lookuphost T=remote_smtp",
                "2024-03-01 10:00:00 " + ID + " Completed"));
        assertEquals(OutcomeType.FILTERED, o.type());
    }

    @Test
    void assemble_failureAndBounce_areLinkedBothWays() {
        String bounce = "1xX9XY-0001oJ-1L";
        List<Outcome> os = assemble(
                "2026-11-28 03:55:56 " + ID + " <= alice@example.com H=(pc) [127.0.0.1]:5 P=esmtpa "
                        + "A=dovecot_login:alice@example.com S=472 for ghost@example.com",
                "2026-11-28 03:55:56 " + ID + " ** ghost@example.com: Unrouteable address",
                "2026-11-28 03:55:56 " + bounce + " <= <> R=" + ID + " U=Debian-exim P=local S=1882 "
                        + "T=\"Mail delivery failed: returning message to sender\" for alice@example.com",
                "2026-11-28 03:55:56 " + ID + " Completed",
                "2026-11-28 03:55:56 " + bounce + " => alice <alice@example.com> R=virtual_user "
                        + "T=dovecot_virtual_delivery",
                "2026-11-28 03:55:56 " + bounce + " Completed");
        assertEquals(2, os.size());
        Outcome failure = os.get(0);
        assertEquals(OutcomeType.FAILURE, failure.type());
        assertEquals("Unrouteable address", failure.message());
        assertEquals(bounce, failure.bounceMsgid());
        Outcome b = os.get(1);
        assertEquals(bounce, b.msgid());
        assertEquals(ID, b.bounceOf());
        assertEquals("<>", b.email());
    }

    /**
     * Real Exim 4.96 lines: one recipient fails at once (a bounce), the other defers, and the delay
     * warning Exim sends later names the message in {@code R=} too; then the deferred one fails (a
     * second bounce). Each failure links to the bounce that reported it, never to the warning.
     */
    @Test
    void assemble_delayWarningAndSecondBounce_linkEachFailureToItsOwnBounce() {
        String bounce = "1xXRLA-0004tN-1u";
        String warning = "1xXRLh-00053O-2C";
        String second = "1xXRLz-00059A-0b";
        List<Outcome> os = assemble(
                "2026-11-28 22:56:20 " + ID + " <= alice@example.com H=(vm) [127.0.0.1]:43372 P=esmtpa"
                        + " A=dovecot_login:alice@example.com S=434 T=\"warn test\" for reject-b@ok.sink.test"
                        + " a@temp.sink.test",
                "2026-11-28 22:56:20 " + ID + " ** reject-b@ok.sink.test R=lookuphost T=remote_smtp H=127.0.0.2"
                        + " [127.0.0.2]: SMTP error from remote mail server after RCPT TO:<reject-b@ok.sink.test>:"
                        + " 550 5.1.1 No such user here",
                "2026-11-28 22:56:20 " + ID + " == a@temp.sink.test R=lookuphost T=remote_smtp defer (-44)"
                        + " H=127.0.0.3 [127.0.0.3]: SMTP error from remote mail server after RCPT"
                        + " TO:<a@temp.sink.test>: 451 4.3.0 Try later please",
                "2026-11-28 22:56:20 " + bounce + " <= <> R=" + ID + " U=Debian-exim P=local S=1892"
                        + " T=\"Mail delivery failed: returning message to sender\" for alice@example.com",
                "2026-11-28 22:56:53 " + warning + " <= <> R=" + ID + " U=Debian-exim P=local S=2324"
                        + " T=\"Warning: message " + ID + " delayed 0 minutes\" for alice@example.com",
                "2026-11-28 22:57:30 " + ID + " ** a@temp.sink.test R=lookuphost T=remote_smtp H=127.0.0.3"
                        + " [127.0.0.3]: SMTP error from remote mail server after RCPT TO:<a@temp.sink.test>:"
                        + " 550 5.7.1 Rejected now",
                "2026-11-28 22:57:30 " + second + " <= <> R=" + ID + " U=Debian-exim P=local S=1900"
                        + " T=\"Mail delivery failed: returning message to sender\" for alice@example.com",
                "2026-11-28 22:57:30 " + ID + " Completed");
        Outcome first = os.stream().filter(o -> "reject-b@ok.sink.test".equals(o.recipient())).findFirst().orElseThrow();
        Outcome later = os.stream().filter(o -> "a@temp.sink.test".equals(o.recipient())).findFirst().orElseThrow();
        assertEquals(OutcomeType.FAILURE, first.type());
        assertEquals(bounce, first.bounceMsgid());
        assertEquals(OutcomeType.FAILURE, later.type());
        assertEquals(second, later.bounceMsgid());
    }

    @Test
    void assemble_forwarder_reportsWrittenToAndDeliveredTo() {
        List<Outcome> os = assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.org H=(x) [192.0.2.1] P=esmtp S=5 for team@example.com",
                "2024-03-01 10:00:00 " + ID + " => carol <team@example.com> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:00:01 " + ID + " => dave@elsewhere.example <team@example.com> R=lookuphost "
                        + "T=remote_smtp H=mx.elsewhere.example [192.0.2.9]",
                "2024-03-01 10:00:01 " + ID + " Completed");
        assertEquals(2, os.size());
        assertEquals("team@example.com", os.get(0).recipient());
        assertEquals("carol", os.get(0).deliveredto());
        assertEquals("team@example.com", os.get(1).recipient());
        assertEquals("dave@elsewhere.example", os.get(1).deliveredto());
        assertEquals("-remote-", os.get(1).deliveryuser());
    }

    @Test
    void assemble_forwarderIntoAnotherAccount_isResolvedThroughValiases(@TempDir Path root) throws IOException {
        CpanelAccounts accounts = accounts(root);
        List<Outcome> os = assemble(accounts, MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                "2024-03-01 10:00:00 " + ID + " <= a@example.org H=(x) [192.0.2.1] P=esmtp S=5 for team@example.com",
                // Real Exim 4.96 shape: the forwarder's target is logged by its local part only.
                "2024-03-01 10:00:00 " + ID + " => carol <team@example.com> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:00:00 " + ID + " => bob (sales@example.com) <chain@example.com> R=virtual_user "
                        + "T=dovecot_virtual_delivery",
                "2024-03-01 10:00:00 " + ID + " => dave <anything@example.com> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:00:01 " + ID + " Completed");
        assertEquals(3, os.size());
        assertEquals("carol@shop.test", os.get(0).deliveredto());
        assertEquals("shop.test", os.get(0).deliverydomain());
        assertEquals("shopuser", os.get(0).deliveryuser(), "the mailbox's account, not the forwarder's");
        assertEquals("bob@example.com", os.get(1).deliveredto(), "the nearest parent's forwarder names it");
        assertEquals("dave", os.get(2).deliveredto(), "no forwarder names it: left as logged, not guessed");
    }

    /**
     * Real Exim 4.96 lines: a message to a forwarder and to the mailbox it forwards to. Exim
     * delivers once and logs the delivery under the forwarder only; the mailbox, a recipient the
     * sender wrote to, received that same delivery.
     */
    @Test
    void assemble_recipientAlsoReachedThroughAForwarder_isDeliveredToo(@TempDir Path root) throws IOException {
        List<Outcome> os = assemble(accounts(root), MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                "2026-11-28 23:03:20 " + ID + " <= stranger@outside.test H=(vm) [127.0.0.1]:43082 P=esmtp S=429"
                        + " T=\"dup2\" for bob@example.com sales@example.com",
                "2026-11-28 23:03:20 " + ID + " => bob <sales@example.com> R=virtual_user T=dovecot_virtual_delivery",
                "2026-11-28 23:03:20 " + ID + " Completed");
        assertEquals(2, os.size(), os.toString());
        Outcome viaForwarder = os.stream().filter(o -> "sales@example.com".equals(o.recipient())).findFirst()
                .orElseThrow();
        Outcome direct = os.stream().filter(o -> "bob@example.com".equals(o.recipient())).findFirst().orElseThrow();
        assertEquals(OutcomeType.SUCCESS, direct.type());
        assertEquals("bob@example.com", direct.deliveredto());
        assertEquals("exampleco", direct.deliveryuser());
        assertEquals("virtual_user", direct.router());
        assertEquals(viaForwarder.actionunixtime(), direct.actionunixtime());
        assertEquals(MessageAssembler.rowOf("bob@example.com"), direct.row());
        assertEquals(OutcomeType.SUCCESS, viaForwarder.type());
    }

    @Test
    void assemble_forwarderToTheSameLocalPartInAnotherAccount_isThatAccountsDelivery(@TempDir Path root)
            throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/userdomains"), "alice.example: alice\nbob.example: bob\n*: nobody\n");
        Files.writeString(root.resolve("etc/valiases/alice.example"),
                "info@alice.example: info@bob.example\nsales@alice.example: sales@alice.example, sales@bob.example\n");
        List<Outcome> os = assemble(CpanelAccounts.read(root), MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                "2024-03-01 10:00:00 " + ID + " <= a@example.org H=(x) [192.0.2.1] P=esmtp S=5 for info@alice.example"
                        + " sales@alice.example",
                // Exim logs the local part of the local mailbox: "info", which is bob's.
                "2024-03-01 10:00:00 " + ID + " => info <info@alice.example> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:00:00 " + ID + " => sales <sales@alice.example> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:00:01 " + ID + " Completed");
        assertEquals(2, os.size());
        assertEquals("info@bob.example", os.get(0).deliveredto());
        assertEquals("bob", os.get(0).deliveryuser(), "the mailbox's account sees what it received");
        assertEquals("sales@alice.example", os.get(1).deliveredto(),
                "a forwarder that keeps a copy: which mailbox the line is cannot be told, so the parent");
    }

    /** A local delivery through the forwarder of an address written in Unicode (SMTPUTF8) lands on the mailbox's account. */
    @Test
    void assemble_forwarderOfAUnicodeAddress_isTheTargetAccountsDelivery(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/userdomains"), "xn--mnchen-3ya.example: muenchen\nbob.example: bob\n*: nobody\n");
        Files.writeString(root.resolve("etc/valiases/xn--mnchen-3ya.example"),
                "info@xn--mnchen-3ya.example: robert@bob.example\n");
        List<Outcome> os = assemble(CpanelAccounts.read(root), MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                "2024-03-01 10:00:00 " + ID + " <= a@example.org H=(x) [192.0.2.1] P=utf8esmtp S=5 for info@m\u00fcnchen.example",
                "2024-03-01 10:00:00 " + ID + " => robert <info@m\u00fcnchen.example> R=virtual_user T=dovecot_virtual_delivery",
                "2024-03-01 10:00:01 " + ID + " Completed");
        assertEquals(1, os.size());
        assertEquals("robert@bob.example", os.get(0).deliveredto());
        assertEquals("bob", os.get(0).deliveryuser());
    }

    @Test
    void assemble_cpanelLinesBeforeArrival_landOnTheMessage(@TempDir Path root) throws IOException {
        CpanelAccounts accounts = accounts(root);
        Outcome o = only(assemble(accounts, MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                "2026-11-28 03:55:50 " + ID + " Sender identification U=exampleco D=example.com S=alice@example.com",
                "2026-11-28 03:55:50 " + ID + " H=(pc) [127.0.0.1]:56782 Warning: \"SpamAssassin as "
                        + "cpaneleximscanner detected OUTGOING smtp message as NOT spam (0.4)\"",
                "2026-11-28 03:55:50 " + ID + " <= alice@example.com H=(pc) [127.0.0.1]:56782 P=esmtpa "
                        + "A=dovecot_login:alice@example.com S=483 for bob@example.com",
                "2026-11-28 03:55:50 " + ID + " => bob <bob@example.com> R=virtual_user T=dovecot_virtual_delivery",
                "2026-11-28 03:55:50 " + ID + " Completed"));
        assertEquals(0.4, o.spamscore());
        assertEquals("exampleco", o.user());
        assertEquals("example.com", o.domain());
        assertEquals("alice@example.com", o.sender());
        assertEquals("dovecot_login", o.senderauth());
        assertEquals("exampleco", o.deliveryuser());
    }

    @Test
    void assemble_senderUserAndAuth_followHowTheMessageCameIn(@TempDir Path root) throws IOException {
        CpanelAccounts accounts = accounts(root);
        List<Outcome> os = assemble(accounts, MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                // authenticated login whose domain belongs to an account, no cPanel identity line
                "2024-03-01 10:00:00 1RwtJa-0009RI-01 <= x@example.com H=(pc) [192.0.2.1] P=esmtpa "
                        + "A=dovecot_plain:x@example.com S=1 for r@example.net",
                // a local submission by the account's system user
                "2024-03-01 10:00:00 1RwtJa-0009RI-02 <= exampleco@host.example U=exampleco P=local S=1 for r@example.net",
                // mail from outside that claims a local sender address
                "2024-03-01 10:00:00 1RwtJa-0009RI-03 <= ceo@example.com H=bad.example [203.0.113.5] P=esmtp S=1 "
                        + "for bob@example.com",
                // mailman
                "2024-03-01 10:00:00 1RwtJa-0009RI-04 <= list-bounces@example.com U=mailman P=local S=1 for r@example.net");
        assertEquals(4, os.size());
        assertEquals("exampleco", os.get(0).user());
        assertEquals("dovecot_plain", os.get(0).senderauth());
        assertEquals("exampleco", os.get(1).user());
        assertEquals("localuser", os.get(1).senderauth());
        assertEquals("-remote-", os.get(2).user());
        assertEquals("unauthorized", os.get(2).senderauth());
        assertEquals("exampleco", os.get(2).deliveryuser(), "recipient side still belongs to the account");
        assertEquals("mailman", os.get(3).senderauth());
    }

    @Test
    void assemble_removedWhileDeferred_isFailureSayingSo() {
        Outcome o = only(assemble(
                "2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=100 for x@example.net",
                "2024-03-01 10:00:01 " + ID + " == x@example.net R=lookuphost T=remote_smtp defer (110): "
                        + "Connection timed out",
                "2024-03-02 09:00:00 " + ID + " removed by root",
                "2024-03-02 09:00:00 " + ID + " Completed"));
        assertEquals(OutcomeType.FAILURE, o.type());
        assertEquals("Message removed by root (last error: Connection timed out)", o.message());
    }

    /** Real Exim 4.96 lines: {@code exim -Mrm} on a message queued without a delivery attempt. */
    @Test
    void assemble_removedBeforeAnyAttempt_isAFailurePerRecipient() {
        String[] lines = {
            "2026-11-28 22:56:35 " + ID + " <= alice@example.com H=(vm) [127.0.0.1]:50888 P=esmtpa"
                    + " A=dovecot_login:alice@example.com S=437 T=\"to be removed\" for q1@later.sink.test"
                    + " q2@later.sink.test",
            "2026-11-28 22:56:35 " + ID + " no immediate delivery: queued by ACL",
            "2026-11-28 22:56:46 " + ID + " removed by root",
            "2026-11-28 22:56:46 " + ID + " Completed"};
        List<Outcome> os = assemble(lines);
        assertEquals(2, os.size(), os.toString());
        for (Outcome o : os) {
            assertEquals(OutcomeType.FAILURE, o.type(), o.toString());
            assertEquals("Message removed by root", o.message());
            assertEquals(1795906606L, o.actionunixtime());
            assertNull(o.bounceMsgid());
        }
        assertEquals(List.of("q1@later.sink.test", "q2@later.sink.test"), os.stream().map(Outcome::recipient).toList());

        // The daemon's way: the rows shown in progress are replaced by the failures, not retracted.
        LineParser parser = new LineParser(ZoneOffset.UTC);
        MessageAssembler live = new MessageAssembler(CpanelAccounts.none(), MessageAssembler.DEFAULT_HORIZON_SECONDS,
                MessageAssembler.DEFAULT_MAX_OPEN, o -> { }).live();
        List<Outcome> upserts = new ArrayList<>();
        List<Outcome> retracts = new ArrayList<>();
        MessageAssembler.Changes changes = new MessageAssembler.Changes() {
            @Override
            public void upsert(Outcome row) {
                upserts.add(row);
            }

            @Override
            public void retract(Outcome placeholder) {
                retracts.add(placeholder);
            }
        };
        for (String l : lines) {
            live.accept(parser.parse(l));
            live.drainChanges(changes);
        }
        assertEquals(List.of(), retracts);
        assertEquals(os, upserts.subList(upserts.size() - 2, upserts.size()));
    }

    /**
     * Real Exim 4.96 lines: {@code exim -Mg} gives up on a queued message; Exim logs no address,
     * only the cancellation, and sends a bounce, to which every recipient's failure links.
     */
    @Test
    void assemble_cancelledWhileQueued_isAFailurePerRecipientLinkedToTheBounce() {
        String bounce = "1xXRPS-00068V-2Y";
        List<Outcome> os = assemble(
                "2026-11-28 23:00:44 " + ID + " <= alice@example.com H=(vm) [127.0.0.1]:58888 P=esmtpa"
                        + " A=dovecot_login:alice@example.com S=430 T=\"give up\" for q3@later.sink.test"
                        + " t9@temp.sink.test",
                "2026-11-28 23:00:44 " + ID + " no immediate delivery: queued by ACL",
                "2026-11-28 23:00:46 " + ID + " cancelled by root",
                "2026-11-28 23:00:46 " + bounce + " <= <> R=" + ID + " U=Debian-exim P=local S=1778"
                        + " T=\"Mail delivery failed: returning message to sender\" for alice@example.com",
                "2026-11-28 23:00:46 " + ID + " Completed");
        List<Outcome> failures = os.stream().filter(o -> ID.equals(o.msgid())).toList();
        assertEquals(2, failures.size(), os.toString());
        for (Outcome o : failures) {
            assertEquals(OutcomeType.FAILURE, o.type(), o.toString());
            assertEquals("Message cancelled by root", o.message());
            assertEquals(bounce, o.bounceMsgid());
        }
    }

    @Test
    void assemble_rejections_areOneOutcomeEach_andAfterDataDropsTheMessage(@TempDir Path root) throws IOException {
        List<Outcome> os = assemble(accounts(root), MessageAssembler.DEFAULT_HORIZON_SECONDS, 10,
                "2024-03-01 10:00:01 H=(mx.outside.test) [127.0.0.1]:39368 F=<stranger@outside.test> "
                        + "rejected RCPT <nosuch@example.com>: Unrouteable address",
                "2024-03-01 10:00:02 " + ID + " H=mx.example.org [198.51.100.2] Warning: \"SpamAssassin as "
                        + "exampleco detected message as spam (12.5)\"",
                "2024-03-01 10:00:02 " + ID + " H=mx.example.org [198.51.100.2] F=<a@example.org> "
                        + "rejected after DATA: spam");
        assertEquals(2, os.size(), "the message rejected after DATA leaves nothing in progress");
        Outcome rcpt = os.get(0);
        assertEquals(OutcomeType.REJECTED, rcpt.type());
        assertNull(rcpt.msgid());
        assertEquals("stranger@outside.test", rcpt.email());
        assertEquals("nosuch@example.com", rcpt.recipient());
        assertEquals("exampleco", rcpt.deliveryuser());
        assertEquals("127.0.0.1", rcpt.senderip());
        assertEquals("Unrouteable address", rcpt.message());
        Outcome data = os.get(1);
        assertEquals(ID, data.msgid());
        assertEquals(12.5, data.spamscore());
        assertEquals("spam", data.message());
    }

    @Test
    void assemble_messageSilentPastHorizon_isLetGoAsItStands() {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        MessageAssembler a = new MessageAssembler(CpanelAccounts.none(), 3600, 100, out::add);
        a.accept(parser.parse("2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=1 for x@example.net"));
        a.accept(parser.parse("2024-03-01 10:00:01 " + ID + " == x@example.net R=l T=remote_smtp defer (111): "
                + "Connection refused"));
        assertEquals(1, a.openMessages());
        a.accept(parser.parse("2024-03-01 10:59:00 1RwtJa-0009RI-07 <= b@example.com U=b P=local S=1 for y@x.example"));
        assertEquals(2, a.openMessages(), "within the horizon: still held");
        a.accept(parser.parse("2024-03-01 11:00:02 1RwtJa-0009RI-08 <= c@example.com U=c P=local S=1 for z@x.example"));
        assertEquals(2, a.openMessages(), "the first message fell past the horizon");
        assertEquals(1, a.evicted());
        assertEquals(OutcomeType.DEFER, only(out).type());
    }

    /**
     * Regression: one line stamped four years ahead let go every message open at that moment as
     * silent past the horizon, so each came out twice: an inprogress row, then its outcome
     * without the sender.
     */
    @Test
    void assemble_oneLineStampedYearsAhead_letsNothingGoAndNothingComesTwice() {
        List<Outcome> outcomes = assemble(CpanelAccounts.none(), 3600, 100,
                "2026-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=1 for x@example.net",
                "2026-03-01 10:00:01 1RwtJa-0009RI-07 <= b@example.com U=b P=local S=1 for y@example.org",
                "2030-03-01 10:00:02 1RwtJa-0009RI-08 <= c@example.com U=c P=local S=1 for z@example.com",
                "2026-03-01 10:00:03 " + ID + " => x@example.net R=lookuphost T=remote_smtp H=mx [192.0.2.7]",
                "2026-03-01 10:00:03 " + ID + " Completed",
                "2026-03-01 10:00:04 1RwtJa-0009RI-07 => y@example.org R=lookuphost T=remote_smtp H=mx [192.0.2.8]",
                "2026-03-01 10:00:04 1RwtJa-0009RI-07 Completed");
        assertEquals(3, outcomes.size(), outcomes.toString());
        assertEquals(List.of(ID, "1RwtJa-0009RI-07", "1RwtJa-0009RI-08"),
                outcomes.stream().map(Outcome::msgid).toList());
        assertEquals(List.of(OutcomeType.SUCCESS, OutcomeType.SUCCESS, OutcomeType.INPROGRESS),
                outcomes.stream().map(Outcome::type).toList());
        assertEquals(List.of("a@example.com", "b@example.com", "c@example.com"),
                outcomes.stream().map(Outcome::email).toList(), "each with its sender");
    }

    @Test
    void assemble_logClockSetForwardForGood_stillLetsTheOpenMessagesGo() {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        MessageAssembler a = new MessageAssembler(CpanelAccounts.none(), 3600, 100, out::add);
        a.accept(parser.parse("2026-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=1 for x@example.net"));
        a.accept(parser.parse("2026-03-01 10:00:01 " + ID + " == x@example.net R=l T=remote_smtp defer (111): "
                + "Connection refused"));
        // From here on the server's clock says 2030; a message arrives every second.
        for (int i = 0; i < 2 * MessageAssembler.JUMP_LINES; i++) {
            a.accept(parser.parse(String.format("2030-03-01 10:00:%02d 1RwtJa-0009RI-%02d <= b@example.com U=b"
                    + " P=local S=1 for y@example.org", i, i)));
        }
        assertEquals(0, a.evicted(), "the jump itself counts as no time");
        assertEquals(1 + 2 * MessageAssembler.JUMP_LINES, a.openMessages());
        a.accept(parser.parse("2030-03-01 11:00:40 1RwtJa-0009RI-99 <= c@example.com U=c P=local S=1"
                + " for z@example.com"));
        assertEquals(1 + 2 * MessageAssembler.JUMP_LINES, a.evicted(), "silent for the horizon after the jump");
        assertEquals(1, a.openMessages());
        assertEquals(ID, out.get(0).msgid());
        assertEquals(OutcomeType.DEFER, out.get(0).type());
    }

    @Test
    void assemble_moreOpenMessagesThanTheCap_letsTheOldestGo() {
        LineParser parser = new LineParser(ZoneOffset.UTC);
        MessageAssembler a = new MessageAssembler(CpanelAccounts.none(), 3600, 2, out::add);
        for (int i = 0; i < 5; i++) {
            a.accept(parser.parse("2024-03-01 10:00:0" + i + " 1RwtJa-0009RI-0" + i
                    + " <= a@example.com U=a P=local S=1 for x@example.net"));
        }
        assertEquals(2, a.openMessages());
        assertEquals(3, out.size());
        assertEquals("1RwtJa-0009RI-00", out.get(0).msgid());
    }

    @Test
    void assemble_linesOfAMessageWhoseArrivalWasNotSeen_stillGiveOutcomes() {
        Outcome o = only(assemble(
                "2024-03-01 10:00:01 " + ID + " => x@example.net R=lookuphost T=remote_smtp H=mx [192.0.2.1]",
                "2024-03-01 10:00:01 " + ID + " Completed"));
        assertEquals(OutcomeType.SUCCESS, o.type());
        assertNull(o.email());
        assertEquals(1709287201L, o.sendunixtime(), "best known time when the arrival is not in the log");
    }

    @Test
    void assemble_mimeEncodedSubject_isDecoded() {
        Outcome o = only(assemble("2024-03-01 10:00:00 " + ID + " <= a@example.com U=a P=local S=1 "
                + "T=\"=?UTF-8?B?Q2Fmw6k=?= =?UTF-8?Q?_=E6=97=A5?=\" for x@example.net"));
        assertEquals("Café 日", o.subject());
    }

    @Test
    void constructor_rejectsNonsenseLimits() {
        assertThrows(IllegalArgumentException.class, () -> new MessageAssembler(CpanelAccounts.none(), 0, 1, o -> { }));
        assertThrows(IllegalArgumentException.class, () -> new MessageAssembler(CpanelAccounts.none(), 1, 0, o -> { }));
    }

    private static CpanelAccounts accounts(Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n*: nobody\n");
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/valiases/example.com"),
                "team@example.com: carol@shop.test, ok-team@ok.sink.test\nsales@example.com: bob@example.com\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: reseller1\n");
        return CpanelAccounts.read(root);
    }
}
