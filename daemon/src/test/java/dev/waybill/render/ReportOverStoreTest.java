package dev.waybill.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.query.DeliveryQueries;
import dev.waybill.query.MessageQueries;
import dev.waybill.query.MessageStory;
import dev.waybill.query.SearchPage;
import dev.waybill.query.SearchParams;
import dev.waybill.query.StoredDelivery;
import dev.waybill.query.Viewer;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the report, the stories and the stats show of a small store written for them: a mailing
 * of 1,200 recipients in one second, a failure sent from the account, and mail from outside that
 * failed or was refused at its mailbox.
 */
@ExtendWith(PrivateMariaDb.class)
class ReportOverStoreTest {

    static final String SERVER = "web1";
    /** Two hours ago, on the hour: within every range of the stats page. */
    static final long T0 = (System.currentTimeMillis() / 1000 / 3600 - 2) * 3600;
    static final int MAILING = 1200;
    static final String MAILING_ID = id(T0, "000001");
    /** A message that bounced for a problem that passes by itself (a relay's daily quota). */
    static final String QUOTA_ID = id(T0 + 780, "000005");

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private static HikariDataSource ds;
    private static DeliveryQueries deliveries;
    private static Pages pages;

    @BeforeAll
    static void store(@TempDir Path root, TestDatabase db) throws Exception {
        ds = db.pool(4);
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nother.test: otherco\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: res\notherco: root\n");
        List<String> log = new ArrayList<>();
        log.add(at(0) + " " + MAILING_ID + " <= alice@example.com H=(laptop) [192.0.2.9]:41482 P=esmtpa"
                + " A=dovecot_login:alice@example.com S=900 id=list@example.com T=\"News\"");
        for (int i = 1; i <= MAILING; i++) {
            log.add(at(1) + " " + MAILING_ID + " " + (i == 1 ? "=>" : "->") + " " + reader(i)
                    + " R=dkim_lookuphost T=dkim_remote_smtp H=mx.remote.test [192.0.2.1] C=\"250 OK\"");
        }
        log.add(at(1) + " " + MAILING_ID + " Completed");
        String failed = id(T0 + 300, "000002");
        log.add(at(300) + " " + failed + " <= alice@example.com H=(laptop) [192.0.2.9]:41490 P=esmtpa"
                + " A=dovecot_login:alice@example.com S=500 id=x@example.com T=\"Hi\" for nobody@remote.test");
        log.add(at(301) + " " + failed + " ** nobody@remote.test R=dkim_lookuphost T=dkim_remote_smtp"
                + " H=mx.remote.test [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<nobody@remote.test>:"
                + " 550 5.1.1 <nobody@remote.test>: user unknown");
        log.add(at(301) + " " + failed + " Completed");
        String inbound = id(T0 + 600, "000003");
        log.add(at(600) + " " + inbound + " <= outsider@far.test H=mx.far.test [203.0.113.5]:5000 P=esmtps"
                + " S=1000 id=abc@far.test T=\"Hello\" for bob@example.com");
        log.add(at(600) + " " + inbound + " ** bob@example.com R=virtual_user T=virtual_userdelivery:"
                + " mailbox is full (MTA-imposed quota exceeded while writing to"
                + " /home/exampleco/mail/example.com/bob)");
        log.add(at(600) + " " + inbound + " Completed");
        log.add(at(660) + " H=(spammer) [198.51.100.7]:4000 F=<spam@junk.test> rejected RCPT"
                + " <bob@example.com>: Unrouteable address");
        String neighbour = id(T0 + 720, "000004");
        log.add(at(720) + " " + neighbour + " <= carol@other.test H=(pc) [192.0.2.10]:41500 P=esmtpa"
                + " A=dovecot_login:carol@other.test S=700 id=n@other.test T=\"Lunch\" for bob@example.com");
        log.add(at(720) + " " + neighbour + " => bob <bob@example.com> R=virtual_user T=virtual_userdelivery");
        log.add(at(720) + " " + neighbour + " Completed");
        log.add(at(780) + " " + QUOTA_ID + " <= carol@other.test H=(pc) [192.0.2.10]:41510 P=esmtpa"
                + " A=dovecot_login:carol@other.test S=700 id=q@other.test T=\"Invoice\" for dan@remote.test");
        log.add(at(781) + " " + QUOTA_ID + " ** dan@remote.test R=smart_route T=remote_smtp"
                + " H=smtp-relay.gmail.com [192.0.2.2]: SMTP error from remote mail server after MAIL"
                + " FROM:<carol@other.test>: 550 5.4.5 Daily sending quota exceeded.");
        log.add(at(781) + " " + QUOTA_ID + " Completed");
        StoredLog.store(new DeliveryStore(ds, SERVER), root, log);
        pages = Pages.forStore(ds, null, Templates.load(null), SERVER, 30);
        deliveries = new DeliveryQueries(ds, SERVER);
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    /** An Exim id (16 characters) of a message begun at {@code unix}. */
    static String id(long unix, String middle) {
        String digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        char[] t = new char[6];
        for (int i = 5; i >= 0; i--) {
            t[i] = digits.charAt((int) (unix % 62));
            unix /= 62;
        }
        return new String(t) + "-" + middle + "-00";
    }

    /** The log's time stamp {@code seconds} after {@link #T0}. */
    static String at(long seconds) {
        return STAMP.format(Instant.ofEpochSecond(T0 + seconds));
    }

    static String reader(int i) {
        return String.format("r%04d@remote.test", i);
    }

    static String render(Viewer viewer, Pages.Side side, String query) throws Exception {
        return rendered(viewer, side, query).html();
    }

    static Pages.Rendered rendered(Viewer viewer, Pages.Side side, String query) throws Exception {
        return pages.render(new Pages.Request(viewer, u -> true, side, "/cpsess1/waybill", PageQuery.parse(query),
                true, "test"));
    }

    /** Each error view has the status it means, the view shown 200: a script can tell the one from the other. */
    @Test
    void errorViews_haveTheStatusTheyMean_shownViews200() throws Exception {
        Viewer reseller = Viewer.reseller("res", Set.of("exampleco"));
        assertEquals(200, rendered(reseller, Pages.Side.WHM, "").status());
        assertEquals(200, rendered(reseller, Pages.Side.WHM, "view=message&msgid=" + MAILING_ID).status());
        assertEquals(404, rendered(reseller, Pages.Side.WHM, "view=nosuch").status());
        Pages.Rendered missing = rendered(reseller, Pages.Side.WHM, "view=message&msgid=" + id(T0, "999999"));
        assertEquals(404, missing.status());
        assertTrue(missing.html().contains("Message not found"), missing.html());
        assertEquals(400, rendered(reseller, Pages.Side.WHM, "view=message").status());
        assertEquals(400, rendered(reseller, Pages.Side.WHM, "from=yesterday").status());
        assertEquals(400, rendered(reseller, Pages.Side.WHM, "cursor=not-a-cursor").status());
        Pages.Rendered other = rendered(reseller, Pages.Side.WHM, "account=otherco");
        assertEquals(403, other.status(), other.html());
        assertTrue(other.html().contains("Cannot show that"), other.html());
    }

    @Test
    void search_pagesThroughOneSecondOfOneMessage_eachRowOnceBothWays() throws Exception {
        for (SearchParams.Order order : SearchParams.Order.values()) {
            SearchParams p = SearchParams.builder().recipient("remote.test").match(SearchParams.Match.CONTAINS)
                    .order(order).limit(7).build();
            Set<String> keys = new HashSet<>();
            int rows = 0;
            SearchPage page = deliveries.search(Viewer.account("exampleco"), p, true);
            assertEquals(MAILING + 1, page.total());
            while (true) {
                for (StoredDelivery r : page.rows()) {
                    assertTrue(keys.add(HexFormat.of().formatHex(r.key())), "a row shown twice");
                    rows++;
                }
                if (page.next() == null) {
                    break;
                }
                page = deliveries.search(Viewer.account("exampleco"), p.withCursor(page.next()), false);
            }
            assertEquals(MAILING + 1, rows, order.name());
        }
    }
    @Test
    void story_ofAMailingLargerThanASearchPage_showsEveryRecipient() throws Exception {
        MessageQueries messages = new MessageQueries(ds, deliveries);
        for (Viewer v : List.of(Viewer.all(), Viewer.account("exampleco"))) {
            MessageStory story = messages.story(v, MAILING_ID, null);
            assertNotNull(story);
            assertEquals(MAILING, story.rows().size());
            assertEquals(MAILING, story.rows().stream().map(r -> r.outcome().recipient()).distinct().count());
        }
    }

    @Test
    void report_ofSomeTypes_countsEveryTypeOnItsToggle() throws Exception {
        String html = render(Viewer.account("exampleco"), Pages.Side.CPANEL, "show=problems");
        // The account's mail: the mailing and a neighbour's message delivered, two failures (one
        // sent, one received) and a refusal.
        assertEquals(String.format("%,d", MAILING + 1), toggleCount(html, "success"));
        assertEquals("2", toggleCount(html, "failure"));
        assertEquals("1", toggleCount(html, "rejected"));
        assertTrue(html.contains("Showing 1\u20133 of 3"), html);
    }

    @Test
    void report_wholeRecipientAndPartOfTheSender_findsTheMailOfBoth() throws Exception {
        String html = render(Viewer.account("exampleco"), Pages.Side.CPANEL, "q=nobody%40remote.test&sender=alice");
        assertTrue(html.contains("Showing 1\u20131 of 1"), html);
        // both whole addresses: exact, as before
        html = render(Viewer.account("exampleco"), Pages.Side.CPANEL,
                "q=nobody%40remote.test&sender=alice%40example.com");
        assertTrue(html.contains("Showing 1\u20131 of 1"), html);
    }

    @Test
    void message_failedForAProblemThatPasses_doesNotSayTheServerKeepsRetrying() throws Exception {
        String html = render(Viewer.all(), Pages.Side.WHM, "view=message&msgid=" + QUOTA_ID);
        assertTrue(html.contains("wb-temporary"), html);
        // It bounced: nothing retries it, though sending it again later may work.
        assertFalse(html.contains("keeps retrying"), html);
        assertTrue(html.contains("sending it again later may work"), html);
    }

    /** The count the report's toggle of {@code type} shows. */
    static String toggleCount(String html, String type) {
        Matcher m = Pattern.compile("wb-toggle wb-t-" + type + "\">.*?(?:<span class=\"wb-count\">([^<]*)</span>)?</label>",
                Pattern.DOTALL).matcher(html);
        assertTrue(m.find(), html);
        return m.group(1);
    }

    @Test
    void stats_linksOnlyToReportsThatShowTheRowsCounted() throws Exception {
        for (Viewer v : List.of(Viewer.all(), Viewer.reseller("res", Set.of("exampleco")))) {
            String html = render(v, Pages.Side.WHM, "view=stats&range=30d");
            int table = html.indexOf("id=\"wb-accounts\"");
            assertTrue(table > 0, html);
            String accounts = html.substring(table, html.indexOf("</table>", table)).replace("&#61;", "=");
            // Mail from outside has no account: its row names "-remote-", which no report narrows to.
            assertTrue(accounts.contains("-remote-"), accounts);
            assertFalse(accounts.contains("account=-remote-"), accounts);
            assertTrue(accounts.contains("account=exampleco"), accounts);
            // Another reseller's account that wrote to this one's: named, but not a report it may open.
            assertTrue(accounts.contains(">otherco<"), accounts);
            assertEquals(v.everything(), accounts.contains("account=otherco"), accounts);
        }
    }

    @Test
    void stats_eachLinkedGroup_opensAReportOfTheRowsItCounted() throws Exception {
        List<Object[]> cases = List.of(new Object[] {Viewer.all(), Pages.Side.WHM},
                new Object[] {Viewer.reseller("res", Set.of("exampleco")), Pages.Side.WHM},
                new Object[] {Viewer.account("exampleco"), Pages.Side.CPANEL});
        Pattern row = Pattern.compile("<tr><td><a href=\"[^\"?]*\\?([^\"]*)\">([^<]*)</a></td><td>([^<]*)</td>"
                + "<td>([^<]*)</td><td>([^<]*)</td>");
        for (Object[] c : cases) {
            Viewer v = (Viewer) c[0];
            Pages.Side side = (Pages.Side) c[1];
            String html = render(v, side, "view=stats&range=24h");
            Matcher m = row.matcher(html);
            int linked = 0;
            while (m.find()) {
                String query = m.group(1).replace("&amp;", "&").replace("&#61;", "=");
                String report = render(v, side, query);
                String what = side + " " + m.group(2) + ": " + query;
                long failed = number(toggleCount(report, "failure")) + number(toggleCount(report, "rejected"));
                long all = 0;
                for (OutcomeType t : OutcomeType.values()) {
                    all += number(toggleCount(report, t.label()));
                }
                assertEquals(m.group(3), String.format("%,d", failed), what);
                assertEquals(m.group(4), toggleCount(report, "defer"), what);
                assertEquals(m.group(5), String.format("%,d", all), what);
                linked++;
            }
            assertTrue(linked >= 2, html);
        }
    }

    private static long number(String shown) {
        return Long.parseLong(shown.replace(",", ""));
    }

    @Test
    void stats_sendingDomainOnTheCpanelPage_opensThatDomainsReport() throws Exception {
        String html = render(Viewer.account("exampleco"), Pages.Side.CPANEL, "view=stats&range=24h");
        Matcher link = Pattern.compile("href=\"[^\"?]*\\?([^\"]*)\">far\\.test<").matcher(html);
        assertTrue(link.find(), html);
        String query = link.group(1).replace("&amp;", "&").replace("&#61;", "=");
        // far.test sent one message here, which failed: the report it opens shows that one.
        String report = render(Viewer.account("exampleco"), Pages.Side.CPANEL, query);
        assertTrue(report.contains("Showing 1\u20131 of 1"), report);
        assertTrue(report.contains("outsider@far.test"), report);
    }
}
