package dev.waybill.pages;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A main log for the page tests, in the shapes of a real cPanel Exim (see
 * {@code fixtures/exim496-cpanel-like.log}): one account sending {@link #SENT} messages over the
 * last day with every outcome, a few with high spam scores, one with a hostile subject and a
 * hostile reply, another account receiving mail, and one SMTP-time rejection. Times end a few
 * minutes before {@code now}, so that "the last 24 hours" holds all of it.
 */
final class PageFixtureLog {

    static final int SENT = 140;
    static final String HOSTILE_SUBJECT = "<img src=x onerror=alert(1)>";
    static final String HOSTILE_REPLY = "<script>alert(2)</script>";
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private PageFixtureLog() {
    }

    /** The message id of the hostile message. */
    static String hostileId() {
        return id(SENT);
    }

    /**
     * How many rows the first account's report holds: one per message it sent (each has one
     * recipient, whatever happened to it, deferrals included) and the SMTP-time rejection.
     */
    static int aliceRows() {
        return SENT + 1 + 1;
    }

    /** How many of the first account's messages failed permanently (the hostile one among them). */
    static int aliceFailures() {
        int n = 1;
        for (int i = 0; i < SENT; i++) {
            n += i % 10 == 2 ? 1 : 0;
        }
        return n;
    }

    static String id(int n) {
        return String.format("1wPg%02d-0000%02d-%02d", n / 100, n % 100, n % 97);
    }

    static String build(long now, String alice, String bob) {
        StringBuilder sb = new StringBuilder();
        String aliceDomain = alice + ".example";
        String bobDomain = bob + ".example";
        long start = now - 23 * 3600;
        long step = (now - 600 - start) / (SENT + 30);
        for (int i = 0; i <= SENT; i++) {
            long t = start + i * step;
            String id = id(i);
            String from = "info@" + aliceDomain;
            String rcpt = i == SENT ? "victim@remote.test" : "customer" + i + "@remote.test";
            String subject = i == SENT ? HOSTILE_SUBJECT : "Invoice " + (1000 + i);
            double spam = i % 23 == 0 ? 7.5 : (i % 10) / 10.0;
            line(sb, t, id, "Sender identification U=" + alice + " D=" + aliceDomain + " S=" + from);
            line(sb, t, id, "H=(laptop) [127.0.0.1]:4" + (1000 + i) + " Warning: \"SpamAssassin as cpaneleximscanner detected"
                    + " OUTGOING smtp message as " + (spam >= 5 ? "spam" : "NOT spam") + " (" + spam + ")\"");
            line(sb, t, id, "<= " + from + " H=(laptop) [127.0.0.1]:4" + (1000 + i) + " P=esmtpa A=dovecot_login:" + from
                    + " S=" + (900 + i) + " id=" + i + "@laptop T=\"" + subject + "\" for " + rcpt);
            int kind = i == SENT ? 2 : i % 10;
            switch (kind) {
                case 2 -> {
                    // a permanent failure, with a reply that carries markup when it is the hostile one
                    String reply = i == SENT ? "550 5.7.1 " + HOSTILE_REPLY + " SPF check failed"
                            : "550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown";
                    line(sb, t + 2, id, "** " + rcpt + " R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.test [192.0.2.10]:"
                            + " SMTP error from remote mail server after RCPT TO:<" + rcpt + ">: " + reply);
                    line(sb, t + 2, id, "Completed");
                }
                case 5 -> {
                    // deferred, then delivered
                    line(sb, t + 2, id, "== " + rcpt + " R=dkim_lookuphost T=dkim_remote_smtp defer (-44) H=mx.remote.test"
                            + " [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<" + rcpt + ">: 451 4.7.1"
                            + " Greylisted, please try again later");
                    line(sb, t + 300, id, "=> " + rcpt + " R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.test [192.0.2.10]"
                            + " X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as ABC" + i + "\"");
                    line(sb, t + 300, id, "Completed");
                }
                case 7 -> line(sb, t + 2, id, "== " + rcpt + " R=dkim_lookuphost T=dkim_remote_smtp defer (-53) H=mx.remote.test"
                        + " [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<" + rcpt + ">: 452 4.2.2"
                        + " Mailbox full");
                case 9 -> {
                    // still in the queue: no delivery line yet
                }
                default -> {
                    line(sb, t + 1, id, "=> " + rcpt + " R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.test [192.0.2.10]"
                            + " X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as Q" + i + "\"");
                    line(sb, t + 1, id, "Completed");
                }
            }
        }
        for (int j = 0; j < 20; j++) {
            long t = start + j * step * 7 + 30;
            String id = String.format("1wPi%02d-0000%02d-in", j, j);
            line(sb, t, id, "H=(mx.outside.test) [192.0.2.77]:5" + (1000 + j) + " Warning: \"SpamAssassin as " + bob
                    + " detected message as NOT spam (1.0)\"");
            line(sb, t, id, "<= friend" + j + "@outside.test H=(mx.outside.test) [192.0.2.77]:5" + (1000 + j)
                    + " P=esmtps S=700 id=in" + j + "@outside T=\"Hello Bob " + j + "\" for bob@" + bobDomain);
            line(sb, t, id, "=> bob <bob@" + bobDomain + "> R=virtual_user T=dovecot_virtual_delivery");
            line(sb, t, id, "Completed");
        }
        sb.append(TS.format(Instant.ofEpochSecond(now - 900))).append(" H=(spammer.test) [203.0.113.5]:40000 F=<bulk@spammer.test>")
                .append(" rejected RCPT <nobody@").append(aliceDomain).append(">: Unrouteable address\n");
        return sb.toString();
    }

    private static void line(StringBuilder sb, long t, String id, String rest) {
        sb.append(TS.format(Instant.ofEpochSecond(t))).append(' ').append(id).append(' ').append(rest).append('\n');
    }
}
