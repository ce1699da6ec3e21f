package dev.waybill.exim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.exim.LogEvent.Arrival;
import dev.waybill.exim.LogEvent.Attempt;
import dev.waybill.exim.LogEvent.QueueChange;
import dev.waybill.exim.LogEvent.Rejection;
import dev.waybill.exim.LogEvent.SenderIdentity;
import dev.waybill.exim.LogEvent.SpamVerdict;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One test per line shape. Fixtures are real Exim 4.96 lines from the end-to-end run (a
 * cPanel-like configuration), lines in the shapes of Exim's own test suite, and shapes quoted in
 * the Exim specification's "Log files" chapter, with names and addresses changed.
 */
class LineParserTest {

    private final LineParser parser = new LineParser(ZoneOffset.UTC);

    @AfterEach
    void noInternalErrors() {
        assertEquals(0, parser.internalErrors(), "a field parser threw");
    }

    private ParsedLine parse(String line) {
        return parser.parse(line);
    }

    private <T extends LogEvent> T event(String line, LineClass expected, Class<T> type) {
        ParsedLine p = parse(line);
        assertEquals(expected, p.lineClass(), line);
        return assertInstanceOf(type, p.event(), line);
    }

    // ---- arrivals ----------------------------------------------------------------------------

    @Test
    void parse_cpanelAuthenticatedArrival_hasEveryField() {
        // Real Exim 4.96 line (end-to-end run).
        Arrival a = event("2026-11-28 03:55:50 1xX9XS-0001jY-04 <= alice@example.com H=(laptop.example.com) "
                + "[127.0.0.1]:56782 P=esmtpa A=dovecot_login:alice@example.com S=483 "
                + "id=20261128035550.006666@vm T=\"Quarterly report\" for bob@example.com carol@example.net",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals("alice@example.com", a.sender());
        assertNull(a.host().name());
        assertEquals("laptop.example.com", a.host().helo());
        assertEquals("127.0.0.1", a.host().ip());
        assertEquals(56782, a.host().port());
        assertEquals("esmtpa", a.protocol());
        assertEquals("dovecot_login", a.authenticator());
        assertEquals("alice@example.com", a.authId());
        assertEquals(483, a.size());
        assertEquals("20261128035550.006666@vm", a.headerId());
        assertEquals("Quarterly report", a.subject());
        assertEquals(List.of("bob@example.com", "carol@example.net"), a.recipients());
        assertNull(a.bounceOf());
    }

    @Test
    void parse_arrivalWithHostNameHeloPortAndTls_readsHostParts() {
        Arrival a = event("2024-03-01 10:00:00 1RwtJa-0009RI-07 <= news@shop.example H=mail.shop.example "
                + "(helo.shop.example) [203.0.113.9]:41234 I=[192.0.2.1]:25 P=esmtps "
                + "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=10240 id=abc@shop.example for x@example.com",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals("mail.shop.example", a.host().name());
        assertEquals("helo.shop.example", a.host().helo());
        assertEquals("203.0.113.9", a.host().ip());
        assertEquals(41234, a.host().port());
        assertEquals("TLS1.3:TLS_AES_256_GCM_SHA384:256", a.tls());
        assertEquals(10240, a.size());
        assertNull(a.subject(), "no T=: the message had no subject");
    }

    @Test
    void parse_subjectWithQuotesBackslashesAndHtml_isDecodedToText() {
        // Real Exim 4.96 line: T= escapes " and \ with a backslash.
        Arrival a = event("2026-11-28 03:55:50 1xX9XS-0001jY-04 <= alice@example.com U=alice P=local S=483 "
                + "T=\"<script>alert(\\\"x\\\")</script> \\\\ \\\"quoted\\\"\" for bob@example.com",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals("<script>alert(\"x\")</script> \\ \"quoted\"", a.subject());
        assertEquals("alice", a.ident());
        assertNull(a.host());
    }

    @Test
    void parse_subjectWithOctalUtf8Bytes_isDecodedAsUtf8() {
        // Real Exim 4.96 line: non-ASCII bytes are logged as \ooo octal escapes.
        Arrival a = event("2026-11-28 03:55:55 1xX9XX-0001mS-1L <= stranger@outside.test "
                + "H=(mx.outside.test) [127.0.0.1]:39358 P=esmtp S=482 "
                + "T=\"Caf\\303\\251 \\303\\251 \\346\\227\\245\\346\\234\\254\" for sales@example.com",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals("Café é 日本", a.subject());
    }

    @Test
    void parse_bounceArrival_readsRAsTheBouncedId() {
        Arrival a = event("2026-11-28 03:55:56 1xX9XY-0001oJ-1L <= <> R=1xX9XY-0001oH-1K U=Debian-exim P=local "
                + "S=1882 T=\"Mail delivery failed: returning message to sender\" for alice@example.com",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals("<>", a.sender());
        assertEquals("1xX9XY-0001oH-1K", a.bounceOf());
        assertEquals("Mail delivery failed: returning message to sender", a.subject());
    }

    @Test
    void parse_unterminatedSubject_runsToEndOfLine() {
        Arrival a = event("2024-03-01 10:00:00 1RwtJa-0009RI-07 <= a@b.example P=local T=\"cut off here",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals("cut off here", a.subject());
    }

    // ---- ids and timestamps ---------------------------------------------------------------------

    @Test
    void parse_sixteenAndTwentyThreeCharacterIds_areBothRecognised() {
        assertEquals("1RwtJa-0009RI-07", parse("2024-03-01 10:00:00 1RwtJa-0009RI-07 Completed").messageId());
        assertEquals("1rAbcD-00000000AbC-0000",
                parse("2024-03-01 10:00:00 1rAbcD-00000000AbC-0000 Completed").messageId());
        ParsedLine notAnId = parse("2024-03-01 10:00:00 1RwtJa-0009R-07 Completed");
        assertNull(notAnId.messageId());
        assertEquals(LineClass.NOTE, notAnId.lineClass());
    }

    @Test
    void parse_millisecondsZoneAndPid_areAllSkippedAndZoneApplied() {
        ParsedLine p = parse("2024-03-01 10:00:00.123 +0100 [4242] 1RwtJa-0009RI-07 Completed");
        assertEquals(LineClass.COMPLETED, p.lineClass());
        assertEquals("1RwtJa-0009RI-07", p.messageId());
        assertEquals(1709283600L, p.time(), "10:00 at +0100 is 09:00 UTC");
    }

    @Test
    void parse_timeWithoutZone_isReadInTheConfiguredZone() {
        LineParser tokyo = new LineParser(java.time.ZoneId.of("Asia/Tokyo"));
        assertEquals(1709254800L, tokyo.parse("2024-03-01 10:00:00 1RwtJa-0009RI-07 Completed").time());
        assertEquals(1709287200L, parse("2024-03-01 10:00:00 1RwtJa-0009RI-07 Completed").time());
    }

    /** Regression: the hour after the clocks went back was read an hour early, before the arrival. */
    @Test
    void parse_deliveryInTheSecondPassOfARepeatedHour_comesAfterItsArrival() {
        LineParser newYork = new LineParser(java.time.ZoneId.of("America/New_York"));
        long arrival = newYork.parse("2026-11-01 01:58:12 1vGx7b-000Abd-2Y <= carol@example.com U=carol P=local"
                + " S=640 for dan@example.org").time();
        long delivery = newYork.parse("2026-11-01 01:02:40 1vGx7b-000Abd-2Y => dan@example.org R=dnslookup"
                + " T=remote_smtp H=mx.example.org [192.0.2.9]").time();
        assertEquals(1793512692L, arrival, "01:58:12 EDT");
        assertEquals(1793512960L, delivery, "01:02:40 EST, 4 min 28 s later");
    }

    @ParameterizedTest
    @CsvSource({
        "2024-02-29 23:59:59, 1709251199",
        "2000-01-01 00:00:00, 946684800",
        "1999-03-02 09:44:33, 920367873",
        "2038-01-19 03:14:08, 2147483648",
    })
    void parse_timestamps_matchUnixTime(String stamp, long expected) {
        assertEquals(expected, parse(stamp + " Start queue run: pid=1").time());
    }

    @Test
    void parse_impossibleDate_isUnknownNotAnError() {
        ParsedLine p = parse("2023-02-30 10:00:00 1RwtJa-0009RI-07 Completed");
        assertEquals(LineClass.UNKNOWN, p.lineClass());
        assertEquals(ParsedLine.NO_TIME, p.time());
    }

    // ---- deliveries -----------------------------------------------------------------------------

    @Test
    void parse_remoteDelivery_readsHostTlsAndConfirmation() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 => bob@gmail.example R=dkim_lookuphost "
                + "T=dkim_remote_smtp H=gmail-smtp-in.l.google.example [142.250.1.27]:25* "
                + "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes K "
                + "C=\"250 2.0.0 OK \\\"queued\\\" 1709287202 x1-20020a\" QT=2s DT=1s",
                LineClass.DELIVERY, Attempt.class);
        assertEquals(AttemptKind.DELIVERED, a.kind());
        assertEquals("bob@gmail.example", a.address());
        assertEquals("bob@gmail.example", a.topLevel());
        assertEquals("dkim_lookuphost", a.router());
        assertEquals("dkim_remote_smtp", a.transport());
        assertEquals("gmail-smtp-in.l.google.example", a.host().name());
        assertEquals("142.250.1.27", a.host().ip());
        assertEquals(25, a.host().port());
        assertTrue(a.host().reused(), "'*' after the port: connection reused");
        assertEquals("TLS1.3:TLS_AES_256_GCM_SHA384:256", a.tls());
        assertEquals("250 2.0.0 OK \"queued\" 1709287202 x1-20020a", a.confirmation());
        assertNull(a.message());
    }

    @Test
    void parse_localDelivery_keepsLocalPartAndTopLevelAddress() {
        // Real Exim 4.96: a local delivery logs the local part and the top-level address.
        Attempt a = event("2026-11-28 03:55:50 1xX9XS-0001jY-04 => bob <bob@example.com> R=virtual_user "
                + "T=dovecot_virtual_delivery", LineClass.DELIVERY, Attempt.class);
        assertEquals("bob", a.address());
        assertEquals("bob@example.com", a.original());
        assertEquals("bob@example.com", a.topLevel());
        assertNull(a.host());
    }

    @Test
    void parse_forwardedDelivery_readsParentChain() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 => bob (fwd@example.com) (list@example.com) "
                + "<chain@example.com> R=virtual_user T=dovecot_virtual_delivery",
                LineClass.DELIVERY, Attempt.class);
        assertEquals(List.of("fwd@example.com", "list@example.com"), a.parents());
        assertEquals("chain@example.com", a.topLevel());
    }

    @Test
    void parse_blackholeDelivery_keepsTheWholeAddress() {
        // Real Exim 4.96 line: no T= for :blackhole:.
        Attempt a = event("2026-11-28 03:55:56 1xX9XY-0001oA-0W => :blackhole: <trash@example.com> R=virtual_aliases",
                LineClass.DELIVERY, Attempt.class);
        assertEquals(":blackhole:", a.address());
        assertEquals("trash@example.com", a.topLevel());
        assertNull(a.transport());
    }

    @Test
    void parse_pipeDeliveryWithArguments_keepsTheCommand() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 => |/usr/local/bin/ticket --queue support "
                + "(support@example.com) <support@example.com> R=virtual_aliases T=address_pipe",
                LineClass.DELIVERY, Attempt.class);
        assertEquals("|/usr/local/bin/ticket --queue support", a.address());
        assertEquals("address_pipe", a.transport());
    }

    @ParameterizedTest
    @CsvSource({
        "->, ADDITIONAL_DELIVERY, DELIVERED_MORE",
        ">>, CUTTHROUGH, CUTTHROUGH",
        "*>, SUPPRESSED, SUPPRESSED",
    })
    void parse_otherDeliveryMarkers_areClassified(String marker, LineClass cls, AttemptKind kind) {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 " + marker
                + " two@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.7]",
                cls, Attempt.class);
        assertEquals(kind, a.kind());
        assertEquals("two@example.net", a.address());
    }

    // ---- quoted local parts with spaces ------------------------------------------------------------

    @Test
    void parse_arrivalFromAndForQuotedLocalParts_keepsEachAddressWhole() {
        // Real Exim 4.96 lines: the sender and the "for" list keep the quotes, spaces and all.
        Arrival a = event("2026-11-28 22:56:35 1xXRLP-0004wM-2Y <= alice@example.com H=(vm) [127.0.0.1]:50898 "
                + "P=esmtpa A=dovecot_login:alice@example.com S=439 id=20261128225635.018992@vm "
                + "T=\"quoted remote\" for \"x y\"@ok.sink.test \"p q\"@temp.sink.test",
                LineClass.ARRIVAL, Arrival.class);
        assertEquals(List.of("\"x y\"@ok.sink.test", "\"p q\"@temp.sink.test"), a.recipients());
        Arrival from = event("2026-11-28 22:58:50 1xXRNa-0005fe-2J <= \"s t\"@outside.test H=(vm) "
                + "[127.0.0.1]:34872 P=esmtp S=426 T=\"qs\" for bob@example.com", LineClass.ARRIVAL, Arrival.class);
        assertEquals("\"s t\"@outside.test", from.sender());
        assertEquals("127.0.0.1", from.host().ip());
        assertEquals(426, from.size());
    }

    @Test
    void parse_attemptsToQuotedLocalParts_readTheAddressWithItsSpace() {
        // Real Exim 4.96 lines: the address is written without its quotes, the top-level one with them.
        Attempt delivered = event("2026-11-28 22:56:35 1xXRLP-0004wM-2Y => x y@ok.sink.test <\"x y\"@ok.sink.test> "
                + "R=lookuphost T=remote_smtp H=127.0.0.2 [127.0.0.2] C=\"250 OK id=sink-queued\"",
                LineClass.DELIVERY, Attempt.class);
        assertEquals("x y@ok.sink.test", delivered.address());
        assertEquals("\"x y\"@ok.sink.test", delivered.topLevel());
        assertEquals("remote_smtp", delivered.transport());
        Attempt deferred = event("2026-11-28 22:56:35 1xXRLP-0004wM-2Y == p q@temp.sink.test <\"p q\"@temp.sink.test> "
                + "R=lookuphost T=remote_smtp defer (-44) H=127.0.0.3 [127.0.0.3]: SMTP error from remote mail "
                + "server after RCPT TO:<\"p q\"@temp.sink.test>: 451 4.3.0 Try later please",
                LineClass.DEFERRAL, Attempt.class);
        assertEquals("p q@temp.sink.test", deferred.address());
        assertEquals("lookuphost", deferred.router());
        assertEquals("-44", deferred.errno());
        assertEquals("127.0.0.3", deferred.host().ip());
        assertEquals("SMTP error from remote mail server after RCPT TO:<\"p q\"@temp.sink.test>: 451 4.3.0 "
                + "Try later please", deferred.message());
    }

    // ---- failures and deferrals -------------------------------------------------------------------

    @Test
    void parse_remoteFailure_readsHostAndReason() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 ** nobody@example.net R=dnslookup T=remote_smtp "
                + "H=mx.example.net [198.51.100.7]:25: SMTP error from remote mail server after RCPT "
                + "TO:<nobody@example.net>: 550 5.1.1 <nobody@example.net>: Recipient address rejected: "
                + "User unknown", LineClass.FAILURE, Attempt.class);
        assertEquals(AttemptKind.FAILED, a.kind());
        assertEquals("nobody@example.net", a.address());
        assertEquals("mx.example.net", a.host().name());
        assertEquals(25, a.host().port());
        assertEquals("SMTP error from remote mail server after RCPT TO:<nobody@example.net>: 550 5.1.1 "
                + "<nobody@example.net>: Recipient address rejected: User unknown", a.message());
    }

    @Test
    void parse_failureWithoutRouter_readsReasonAfterAddressColon() {
        // Real Exim 4.96 line.
        Attempt a = event("2026-11-28 03:55:56 1xX9XY-0001oH-1K ** ghost@example.com: Unrouteable address",
                LineClass.FAILURE, Attempt.class);
        assertEquals("ghost@example.com", a.address());
        assertNull(a.router());
        assertEquals("Unrouteable address", a.message());
    }

    @Test
    void parse_failureWithRouterColon_readsReason() {
        // Real Exim 4.96 line: a :fail: forwarder.
        Attempt a = event("2026-11-28 03:55:56 1xX9XY-0001oH-1K ** nowhere@example.com R=virtual_aliases: "
                + "No such person at this address", LineClass.FAILURE, Attempt.class);
        assertEquals("virtual_aliases", a.router());
        assertEquals("No such person at this address", a.message());
    }

    @Test
    void parse_failureWithSpaceBeforeColon_readsReason() {
        // Exim's test-suite shape: "R=r1 T=t1 H=... [ip] : reason".
        Attempt a = event("1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** d@test.ex R=all T=smtp "
                + "H=127.0.0.1 [127.0.0.1] : SMTP error from remote mail server after RCPT TO:<d@test.ex>: "
                + "550 Recipient not OK", LineClass.FAILURE, Attempt.class);
        assertEquals("smtp", a.transport());
        assertEquals("127.0.0.1", a.host().ip());
        assertTrue(a.message().startsWith("SMTP error from remote mail server"));
    }

    @Test
    void parse_failureWithoutColon_keepsTheWholeReason() {
        Attempt a = event("1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** a@x.y mua_wrapper forced failure "
                + "for deferred delivery", LineClass.FAILURE, Attempt.class);
        assertEquals("a@x.y", a.address());
        assertEquals("mua_wrapper forced failure for deferred delivery", a.message());
    }

    @Test
    void parse_failureWithDeliveryTime_keepsTheTimeOutOfTheReason() {
        // Real Exim 4.96 line with log_selector = +all: +deliver_time writes DT= after the reason.
        Attempt a = event("2026-11-28 22:57:03.830 [19619] 1xXRLr-00056Q-2X ** reject-1@ok.sink.test "
                + "F=<alice@example.com> P=<alice@example.com> R=lookuphost T=remote_smtp H=127.0.0.2 [127.0.0.2]:2626 "
                + "I=[127.0.0.1]:38720: SMTP error from remote mail server after RCPT TO:<reject-1@ok.sink.test>: "
                + "550 5.1.1 No such user here DT=0.000s", LineClass.FAILURE, Attempt.class);
        assertEquals("SMTP error from remote mail server after RCPT TO:<reject-1@ok.sink.test>: 550 5.1.1 "
                + "No such user here", a.message());
        assertEquals("127.0.0.2", a.host().ip());
        Attempt slow = event("2026-11-28 22:57:03 1xXRLr-00056Q-2X ** x@example.net R=r T=t H=h [192.0.2.5]: "
                + "SMTP error from remote mail server after end of data: 554 5.7.1 Spam DT=1m3s",
                LineClass.FAILURE, Attempt.class);
        assertEquals("SMTP error from remote mail server after end of data: 554 5.7.1 Spam", slow.message());
    }

    @Test
    void parse_reasonWithEscapedNewlines_isDecoded() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 ** x@example.net R=r T=t H=h [192.0.2.5]: "
                + "SMTP error from remote mail server after DATA: 550-First line\\n550 Second line",
                LineClass.FAILURE, Attempt.class);
        assertEquals("SMTP error from remote mail server after DATA: 550-First line\n550 Second line",
                a.message());
    }

    @Test
    void parse_deferralWithErrnoAndHost_readsAll() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 == grey@example.net R=dkim_lookuphost "
                + "T=dkim_remote_smtp defer (-44) H=mx.example.net [198.51.100.7]: SMTP error from remote "
                + "mail server after RCPT TO:<grey@example.net>: 451 4.7.1 Greylisted, try again later",
                LineClass.DEFERRAL, Attempt.class);
        assertEquals(AttemptKind.DEFERRED, a.kind());
        assertEquals("-44", a.errno());
        assertEquals("198.51.100.7", a.host().ip());
        assertEquals("SMTP error from remote mail server after RCPT TO:<grey@example.net>: 451 4.7.1 "
                + "Greylisted, try again later", a.message());
    }

    @Test
    void parse_routingDeferral_readsErrnoAndReason() {
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 == u@example.org routing defer (-51): "
                + "retry time not reached", LineClass.DEFERRAL, Attempt.class);
        assertEquals("u@example.org", a.address());
        assertEquals("-51", a.errno());
        assertEquals("retry time not reached", a.message());
        assertNull(a.router());
    }

    @Test
    void parse_connectionRefusedDeferral_hasNoHost() {
        // Real Exim 4.96 line.
        Attempt a = event("2026-11-28 03:55:56 1xX9XY-0001pB-27 == ok-team@ok.sink.test <team@example.com> "
                + "R=lookuphost T=remote_smtp defer (111): Connection refused", LineClass.DEFERRAL, Attempt.class);
        assertEquals("team@example.com", a.topLevel());
        assertEquals("111", a.errno());
        assertEquals("Connection refused", a.message());
        assertNull(a.host());
    }

    // ---- queue states -------------------------------------------------------------------------

    @Test
    void parse_queueStates_areClassified() {
        assertEquals(LineClass.COMPLETED, parse("2024-03-01 10:00:02 1RwtJa-0009RI-07 Completed QT=2s").lineClass());
        QueueChange f = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 Frozen (delivery error message)",
                LineClass.FROZEN, QueueChange.class);
        assertEquals("Frozen (delivery error message)", f.text());
        event("2024-03-01 10:00:02 1RwtJa-0009RI-07 Unfrozen by root", LineClass.UNFROZEN, QueueChange.class);
        QueueChange r = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 removed by root", LineClass.REMOVED,
                QueueChange.class);
        assertEquals("removed by root", r.text());
        event("2024-03-01 10:00:02 1RwtJa-0009RI-07 cancelled by admin", LineClass.REMOVED, QueueChange.class);
    }

    // ---- rejections ---------------------------------------------------------------------------

    @Test
    void parse_rejectedRcpt_readsHostSenderRecipientAndReason() {
        // Real Exim 4.96 line.
        Rejection r = event("2026-11-28 03:55:55 H=(mx.outside.test) [127.0.0.1]:39368 F=<stranger@outside.test> "
                + "rejected RCPT <nosuch@example.com>: Unrouteable address", LineClass.REJECTION, Rejection.class);
        assertEquals("mx.outside.test", r.host().helo());
        assertEquals("127.0.0.1", r.host().ip());
        assertEquals("stranger@outside.test", r.sender());
        assertEquals("nosuch@example.com", r.recipient());
        assertEquals("RCPT", r.stage());
        assertEquals("Unrouteable address", r.reason());
        assertFalse(r.temporary());
    }

    @Test
    void parse_rejectedMail_takesSenderFromTheCommand() {
        Rejection r = event("2024-03-01 10:00:02 H=([203.0.113.50]) [203.0.113.50]:50123 rejected MAIL "
                + "<spam@bad.example>: Access denied", LineClass.REJECTION, Rejection.class);
        assertEquals("MAIL", r.stage());
        assertEquals("spam@bad.example", r.sender());
        assertEquals("Access denied", r.reason());
    }

    @Test
    void parse_temporarilyRejected_isMarkedTemporary() {
        Rejection r = event("2024-03-01 10:00:02 H=mail.example.org [198.51.100.2] F=<a@example.org> "
                + "temporarily rejected RCPT <b@example.com>: greylisted", LineClass.REJECTION, Rejection.class);
        assertTrue(r.temporary());
        assertEquals("b@example.com", r.recipient());
    }

    @Test
    void parse_rejectedAfterData_keepsTheMessageId() {
        ParsedLine p = parse("2024-03-01 10:00:02 1RwtJa-0009RI-07 H=mail.example.org [198.51.100.2]:4000 "
                + "F=<a@example.org> rejected after DATA: Your message looks like spam");
        assertEquals(LineClass.REJECTION, p.lineClass());
        assertEquals("1RwtJa-0009RI-07", p.messageId());
        Rejection r = assertInstanceOf(Rejection.class, p.event());
        assertEquals("DATA", r.stage());
        assertEquals("Your message looks like spam", r.reason());
    }

    @Test
    void parse_rejectionWithoutReason_hasEmptyReason() {
        Rejection r = event("1999-03-02 09:44:33 U=CALLER F=<x@y> rejected RCPT <a@b>", LineClass.REJECTION,
                Rejection.class);
        assertEquals("a@b", r.recipient());
        assertEquals("", r.reason());
    }

    // ---- cPanel's lines -----------------------------------------------------------------------

    @Test
    void parse_cpanelSpamScore_notSpam() {
        SpamVerdict v = event("2026-11-28 03:55:50 1xX9XS-0001jY-04 H=(laptop.example.com) [127.0.0.1]:56782 "
                + "Warning: \"SpamAssassin as cpaneleximscanner detected OUTGOING smtp message as NOT spam (0.4)\"",
                LineClass.SPAM_SCORE, SpamVerdict.class);
        assertEquals(0.4, v.score());
        assertFalse(v.spam());
    }

    @Test
    void parse_cpanelSpamScore_spam() {
        SpamVerdict v = event("2026-11-28 03:55:55 1xX9XX-0001mS-1L H=(mx.outside.test) [127.0.0.1]:39358 "
                + "Warning: \"SpamAssassin as exampleco detected message as spam (7.5)\"",
                LineClass.SPAM_SCORE, SpamVerdict.class);
        assertEquals(7.5, v.score());
        assertTrue(v.spam());
    }

    @Test
    void parse_eximSaLine_readsScoreAgainstRequired() {
        SpamVerdict v = event("2020-02-22 01:00:00 1j5F2a-0004Xb-Qa SA: Action: scanned but message isn't spam: "
                + "score=-0.2 required=5.0 (scanned in 2/2 secs | Message-Id: x@y)",
                LineClass.SPAM_SCORE, SpamVerdict.class);
        assertEquals(-0.2, v.score());
        assertFalse(v.spam());
    }

    @Test
    void parse_senderIdentification_readsUserDomainAddress() {
        SenderIdentity si = event("2026-11-28 03:55:50 1xX9XS-0001jY-04 Sender identification U=exampleco "
                + "D=example.com S=alice@example.com", LineClass.SENDER_IDENTIFICATION, SenderIdentity.class);
        assertEquals("exampleco", si.user());
        assertEquals("example.com", si.domain());
        assertEquals("alice@example.com", si.address());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2024-03-01 10:00:02 1RwtJa-0009RI-07 SMTP connection outbound 1709287202 1RwtJa-0009RI-07 example.com x@y.example | OUTBOUND_CONNECTION",
        "2024-03-01 10:00:02 Domain example.com has exceeded the max emails per hour (501/500 (100%)) allowed.  Message discarded. | SEND_LIMIT",
        "2024-03-01 10:00:02 1RwtJa-0009RI-07 check_mail_permissions Hit daily email notify limit for domain example.com | SEND_LIMIT",
    })
    void parse_cpanelContextLines_areClassified(String line, LineClass expected) {
        assertEquals(expected, parse(line).lineClass());
    }

    // ---- context lines ----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2023-04-23 03:47:39 SMTP connection from [127.0.0.1]:57766 (TCP/IP connection count = 1) | CONNECTION",
        "2023-04-23 03:47:39 SMTP connection from (localhost) [127.0.0.1]:57766 closed by QUIT | CONNECTION",
        "2023-04-23 03:50:45 SMTP connection from (localhost) [46.148.40.143]:59474 lost D=2s | CONNECTION",
        "2023-04-23 03:50:45 dovecot_login authenticator failed for (localhost) [46.148.40.143]:59474: 535 Incorrect authentication data (set_id=five) | AUTH_FAILURE",
        "2023-04-23 03:50:42 no host name found for IP address 46.148.40.143 | DNS",
        "2023-04-23 03:47:01 cwd=/var/spool/exim 2 args: /usr/sbin/exim -q | COMMAND",
        "2023-04-23 03:47:01 Start queue run: pid=22086 | QUEUE_RUN",
        "2023-04-23 03:47:01 End queue run: pid=22086 | QUEUE_RUN",
        "2023-04-23 03:47:01 exim 4.96 daemon started: pid=27421, -q15m, listening for SMTP on port 25 | DAEMON",
        "2023-04-23 03:47:01 pid 27421: SIGHUP received: re-exec daemon | DAEMON",
        "2023-04-23 03:47:01 TLS error on connection from (x) [192.0.2.1]:1234 (SSL_accept): error | TLS",
        "2020-02-22 00:48:43 H=([185.143.223.163]) [185.143.223.168] Warning: unknown recipient explain@example.se from x@y.example | WARNING",
        "2026-11-28 03:55:56 1xX9XY-0001pB-27 H=127.0.0.2 [127.0.0.2] Connection refused | CONNECTION",
        "2020-02-22 01:31:25 1j5IhX-0006pK-Rt gmail-smtp-in.l.google.com [2a00:1450:400c:c0c::1b] Network is unreachable | CONNECTION",
        "1999-03-02 09:44:33 10HmaX-000000005vi-0000 DKIM: d=test.ex s=sel c=simple/simple a=rsa-sha1 b=1024 [verification succeeded] | AUTHENTICATION_RESULT",
        "1999-03-02 09:44:33 10HmaX-000000005vi-0000 Spool file is locked (another process is handling this message) | QUEUE_NOTE",
        "1999-03-02 09:44:33 10HmaX-000000005vi-0000 dkim_status includes pass | NOTE",
        "2024-03-01 10:00:00 | NOTE",
        "   continued text of the entry above | CONTINUATION",
        "******** SERVER ******** | CONTINUATION",
        "2024-0x-01 garbage | UNKNOWN",
    })
    void parse_contextLines_areClassified(String line, LineClass expected) {
        ParsedLine p = parse(line);
        assertEquals(expected, p.lineClass(), line);
        assertNull(p.event(), "context lines carry no event");
    }

    @Test
    void parse_emptyLine_isContinuation() {
        assertEquals(LineClass.CONTINUATION, parse("").lineClass());
    }

    @Test
    void parse_eightKilobyteDelivery_isParsed() {
        String reply = "x".repeat(8 * 1024);
        Attempt a = event("2024-03-01 10:00:02 1RwtJa-0009RI-07 ** a@example.net R=r T=t H=h [192.0.2.5]: " + reply,
                LineClass.FAILURE, Attempt.class);
        assertEquals(reply, a.message());
    }
}
