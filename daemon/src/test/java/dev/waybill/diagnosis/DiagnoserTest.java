package dev.waybill.diagnosis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.diagnosis.Diagnoser.Route;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.util.HashSet;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DiagnoserTest {

    private static final String GMAIL_NO_SUCH_USER = "SMTP error from remote mail server after RCPT "
            + "TO:<nobody@gmail.com>: 550-5.1.1 The email account that you tried to reach does not exist.";

    /** A row as the assembler makes it, with only the fields the diagnosis reads set. */
    private static Outcome row(OutcomeType type, String message, String router, String transport, boolean remote,
                               String deliveryUser) {
        return new Outcome(type, "1rAbcD-00000000AbC-0000", "alice@example.com", "alice@example.com", "exampleco",
                "example.com", 1234, null, null, "dovecot_login", null, 1_700_000_000L, "bob@example.net", null,
                deliveryUser, remote ? "-remote-" : "example.net", router, transport, null, null, message,
                1_700_000_100L, remote, "Hello", 1, null, null, null, null, 1);
    }

    private static Diagnosis diagnosis(OutcomeType type, String message, Route route) {
        return Diagnoser.diagnose(type, message, null, route).orElseThrow();
    }

    /** Cause and fix: non-empty sentences with nothing that could be markup. */
    static void assertSentences(Diagnosis d, String where) {
        for (String s : new String[] {d.cause(), d.fix()}) {
            assertFalse(s == null || s.isBlank(), where + ": empty text");
            assertTrue(Character.isUpperCase(s.charAt(0)), where + ": starts a sentence: " + s);
            assertTrue(s.endsWith("."), where + ": ends a sentence: " + s);
            assertTrue(s.length() <= 300, where + ": short: " + s);
            for (char c : new char[] {'<', '>', '&', '"', '\n'}) {
                assertTrue(s.indexOf(c) < 0, where + ": no '" + c + "' in: " + s);
            }
        }
        assertTrue(d.code().matches("[a-z_]+"), where + ": code " + d.code());
        assertTrue(d.replyCode() == null || d.replyCode().matches("[45][0-9][0-9]( [245]\\.[0-9]{1,3}\\.[0-9]{1,3})?"),
                where + ": reply code " + d.replyCode());
    }

    @Test
    void diagnose_successOrFiltered_isEmpty() {
        assertEquals(Optional.empty(), Diagnoser.diagnose(row(OutcomeType.SUCCESS, "Accepted", "dkim_lookuphost",
                "dkim_remote_smtp", true, "-remote-")));
        assertEquals(Optional.empty(), Diagnoser.diagnose(row(OutcomeType.FILTERED, "Filtered", "virtual_aliases",
                null, false, "exampleco")));
        assertEquals(Optional.empty(), Diagnoser.diagnose(OutcomeType.SUCCESS, GMAIL_NO_SUCH_USER, "250 OK", Route.REMOTE));
    }

    @Test
    void diagnose_inProgressNotFrozen_isEmpty() {
        assertEquals(Optional.empty(), Diagnoser.diagnose(OutcomeType.INPROGRESS, null, null, Route.UNKNOWN));
        assertEquals(Optional.empty(), Diagnoser.diagnose(OutcomeType.INPROGRESS, "", null, Route.UNKNOWN));
    }

    @Test
    void diagnose_inProgressFrozen_isFrozen() {
        assertEquals("frozen", diagnosis(OutcomeType.INPROGRESS, "Frozen (delivery error message)", null).code());
    }

    @Test
    void diagnose_nullOrEmptyInputs_neverThrow() {
        assertEquals(Optional.empty(), Diagnoser.diagnose(null));
        assertEquals(Optional.empty(), Diagnoser.diagnose(null, "550 5.1.1 user unknown", null, Route.REMOTE));
        for (OutcomeType type : OutcomeType.values()) {
            for (String text : new String[] {null, "", "   ", "\n", "550", "5", ":", ": 4"}) {
                Diagnoser.diagnose(type, text, text, null).ifPresent(d -> assertSentences(d, type + " " + text));
            }
        }
    }

    @Test
    void diagnose_failureWithoutReason_isUnknownPermanent() {
        Diagnosis d = diagnosis(OutcomeType.FAILURE, null, Route.REMOTE);
        assertEquals("unknown", d.code());
        assertFalse(d.temporary());
        assertNull(d.replyCode());
    }

    @Test
    void diagnose_deferWithoutReason_isUnknownTemporaryWithWaitingAdvice() {
        Diagnosis d = diagnosis(OutcomeType.DEFER, "", Route.REMOTE);
        assertEquals("unknown", d.code());
        assertTrue(d.temporary());
        assertEquals(DiagnosisCode.UNKNOWN_TEMPORARY_FIX, d.fix());
    }

    @Test
    void diagnose_longGarbageReply_isUnknownAndBounded() {
        Random random = new Random(42);
        StringBuilder b = new StringBuilder("SMTP error from remote mail server after end of data: 550 ");
        while (b.length() < 2_000_000) {
            b.append((char) random.nextInt(0x3000));
        }
        Diagnosis d = diagnosis(OutcomeType.FAILURE, b.toString(), Route.REMOTE);
        assertSentences(d, "garbage");
        assertEquals("550", d.replyCode());
    }

    @Test
    void diagnose_phraseBeyondTheBound_isNotRead() {
        String text = "550 " + "x".repeat(Diagnoser.MAX_CHARS) + " user unknown";
        assertEquals("unknown", diagnosis(OutcomeType.FAILURE, text, Route.REMOTE).code());
        assertEquals("no_such_user", diagnosis(OutcomeType.FAILURE, "550 " + "x".repeat(100) + " user unknown",
                Route.REMOTE).code());
    }

    @Test
    void diagnose_hostileReply_causeAndFixCarryNoneOfIt() {
        String hostile = "SMTP error from remote mail server after RCPT TO:<a@b.c>: 550 5.1.1 <script>alert('x')"
                + "</script> user unknown \"onmouseover=\" &amp; <img src=x>";
        Diagnosis d = diagnosis(OutcomeType.FAILURE, hostile, Route.REMOTE);
        assertEquals("no_such_user", d.code());
        assertSentences(d, "hostile");
        assertFalse((d.cause() + d.fix()).contains("script"));
        assertEquals("550 5.1.1", d.replyCode());
    }

    @Test
    void diagnose_replyFieldOnly_isRead() {
        Diagnosis d = Diagnoser.diagnose(OutcomeType.FAILURE, null, "550 5.2.2 mailbox full", Route.REMOTE).orElseThrow();
        assertEquals("mailbox_full", d.code());
        assertEquals("550 5.2.2", d.replyCode());
    }

    @Test
    void diagnose_quotaOnThisServerOrElsewhere_isLocalQuotaOrMailboxFull() {
        String quota = "LMTP error after end of data: 552 5.2.2 <bob@example.com> Quota exceeded (mailbox for user is full)";
        assertEquals("local_quota", diagnosis(OutcomeType.FAILURE, quota, Route.LOCAL).code());
        assertEquals("mailbox_full", diagnosis(OutcomeType.FAILURE,
                "SMTP error from remote mail server after RCPT TO:<b@x.y>: 552 5.2.2 mailbox full", Route.REMOTE).code());
    }

    @Test
    void diagnose_unrouteableAddressInHostedDomain_isNoSuchUser() {
        assertEquals("no_such_user", Diagnoser.diagnose(row(OutcomeType.FAILURE, "Unrouteable address", null, null,
                false, "exampleco")).orElseThrow().code());
        assertEquals("unrouteable_domain", Diagnoser.diagnose(row(OutcomeType.FAILURE, "Unrouteable address", null,
                null, false, null)).orElseThrow().code());
    }

    @Test
    void diagnose_failureFromForwarderRouter_isForwarderFailWhateverItsText() {
        Outcome o = row(OutcomeType.FAILURE, "This address retired in 2019, write to sales instead", "virtual_aliases",
                null, false, "exampleco");
        Diagnosis d = Diagnoser.diagnose(o).orElseThrow();
        assertEquals("forwarder_fail", d.code());
        assertFalse(d.temporary());
    }

    @Test
    void diagnose_removedByAdmin_winsOverTheLastError() {
        Diagnosis d = Diagnoser.diagnose(row(OutcomeType.FAILURE,
                "Message removed by root (last error: SMTP error from remote mail server after RCPT TO:<b@x.y>: "
                        + "451 4.7.1 Greylisted)", "dkim_lookuphost", "dkim_remote_smtp", true, "-remote-"))
                .orElseThrow();
        assertEquals("removed_by_admin", d.code());
    }

    @Test
    void diagnose_leftQueueAfterDeferral_diagnosesTheLastErrorAsTemporary() {
        Diagnosis d = diagnosis(OutcomeType.FAILURE,
                "Message left the queue undelivered (last error: host lookup did not complete)", Route.REMOTE);
        assertEquals("dns_failure", d.code());
        assertTrue(d.temporary());
    }

    @Test
    void diagnose_temporaryAndPermanentOfOnePhrase_followTheReplyClass() {
        String rate = "SMTP error from remote mail server after end of data: %s Our system has detected an unusual "
                + "rate of unsolicited mail originating from your IP address.";
        Diagnosis temp = diagnosis(OutcomeType.DEFER, rate.formatted("421-4.7.28"), Route.REMOTE);
        Diagnosis perm = diagnosis(OutcomeType.FAILURE, rate.formatted("550-5.7.1"), Route.REMOTE);
        assertEquals("rate_limited", temp.code());
        assertTrue(temp.temporary());
        assertEquals("blocklisted_ip", perm.code());
        assertFalse(perm.temporary());
    }

    @Test
    void diagnose_rejection_usesTheWordingForMailRefusedHere() {
        Diagnosis delivery = diagnosis(OutcomeType.FAILURE, "SMTP error from remote mail server after RCPT "
                + "TO:<b@x.y>: 550 5.7.1 SPF check failed", Route.REMOTE);
        Diagnosis rejection = diagnosis(OutcomeType.REJECTED, "SPF check failed.", Route.LOCAL);
        assertEquals("spf", rejection.code());
        assertEquals(DiagnosisCode.SPF.cause(true), rejection.cause());
        assertEquals(DiagnosisCode.SPF.cause(false), delivery.cause());
        assertTrue(delivery.fix().contains("Email Deliverability"));
    }

    @Test
    void diagnose_statusCodeOnly_fallsBackOnRfc3463() {
        assertEquals("too_large", diagnosis(OutcomeType.FAILURE, "554 5.3.4 nope", Route.REMOTE).code());
        assertEquals("mailbox_disabled", diagnosis(OutcomeType.FAILURE, "550 5.2.1 nope", Route.REMOTE).code());
        assertEquals("policy", diagnosis(OutcomeType.FAILURE, "550 5.7.99 nope", Route.REMOTE).code());
        assertEquals("unknown", diagnosis(OutcomeType.FAILURE, "550 nope", Route.REMOTE).code());
        Diagnosis temp = diagnosis(OutcomeType.DEFER, "451 4.7.1 nope", Route.REMOTE);
        assertEquals("policy", temp.code());
        assertTrue(temp.temporary());
    }

    @Test
    void codes_labelsAndTexts_areUniqueAndWellFormed() {
        Set<String> labels = new HashSet<>();
        for (DiagnosisCode code : DiagnosisCode.values()) {
            assertTrue(labels.add(code.label()), "unique " + code.label());
            for (boolean rejection : new boolean[] {false, true}) {
                assertSentences(new Diagnosis(code.label(), code.cause(rejection), code.fix(rejection), false, null),
                        code.label());
            }
        }
        assertSentences(new Diagnosis("unknown", DiagnosisCode.UNKNOWN_TEMPORARY_CAUSE,
                DiagnosisCode.UNKNOWN_TEMPORARY_FIX, true, null), "unknown temporary");
    }

    @Test
    void rules_everyPhrase_isLowerCaseAndNotBlank() {
        for (var rules : java.util.List.of(ReplyRules.STRONG, ReplyRules.WEAK)) {
            for (ReplyRules.Rule r : rules) {
                for (String p : r.phrases()) {
                    assertFalse(p.isBlank(), r.code() + " has a blank phrase");
                    assertEquals(p.toLowerCase(java.util.Locale.ROOT), p, r.code() + " phrase " + p);
                }
            }
        }
    }

    @Test
    void diagnose_recipientNotListedInADirectory_isNoSuchUser_notABlocklist() {
        // Lotus Domino's older wording of its "not listed in Domino Directory", and its like.
        for (String reply : new String[] {
                "SMTP error from remote mail server after RCPT TO:<jo@corp.example>: 550 5.1.1 User unknown;"
                        + " not listed in public Name & Address Book",
                "SMTP error from remote mail server after RCPT TO:<jo@corp.example>: 550 5.1.1 Recipient is not"
                        + " listed in the domain directory"}) {
            assertEquals("no_such_user", diagnosis(OutcomeType.FAILURE, reply, Route.REMOTE).code(), reply);
        }
        assertEquals("blocklisted_ip", diagnosis(OutcomeType.FAILURE, "SMTP error from remote mail server after"
                + " RCPT TO:<jo@corp.example>: 550 5.7.1 Your address 192.0.2.1 is listed in our RBL",
                Route.REMOTE).code());
        assertEquals("spf", diagnosis(OutcomeType.FAILURE, "SMTP error from remote mail server after end of data:"
                + " 550 5.7.1 The sending IP is not listed in the SPF record of example.com", Route.REMOTE).code());
    }
}
