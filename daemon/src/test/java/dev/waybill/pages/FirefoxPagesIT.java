package dev.waybill.pages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.waybill.pages.Marionette.Element;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cPanel page in headless Firefox (Debian's {@code firefox-esr}), driven through Marionette by
 * {@link Marionette} (there is no geckodriver), on the same fixture as {@link PagesIT}: the page
 * runs under a real non-root user's uid behind {@link CpsrvdEmulator}. Fails, never skips, when
 * Firefox is missing ({@code .ci/install-test-deps} installs it). Screenshots go to
 * {@code target/screenshots/firefox-*.png}.
 */
@ExtendWith(PrivateMariaDb.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
class FirefoxPagesIT {

    static final Path FIREFOX = Path.of("/usr/bin/firefox-esr");
    static final String ALICE = "waybill-f-alice";
    static final String BOB = "waybill-f-bob";
    static final Path SHOTS = Path.of("target/screenshots");
    static final Duration WAIT = Duration.ofSeconds(15);

    static PageFixture fixture;
    static CpsrvdEmulator cpsrvd;
    static Marionette firefox;

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        fixture = PageFixture.start(db, new PageFixture.Names(ALICE, BOB, "waybill-f-res", "waybill-f-plain"),
                FIREFOX.toString(), "/usr/bin/perl");
        cpsrvd = fixture.cpsrvd;
        Files.createDirectories(SHOTS);
        firefox = Marionette.start(FIREFOX, 1400, 1000);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (firefox != null) {
                firefox.close();
            }
        } finally {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    /** No test may leave an alert open (a script from the mail would have opened it); the next starts without. */
    @AfterEach
    void noAlertWasLeftOpen() throws IOException {
        String alert = firefox.alertText();
        if (alert != null) {
            firefox.dismissAlert();
            fail("an alert was open, saying \"" + alert + "\": a script from the mail ran");
        }
    }

    @Test
    void report01_listsTheAccountsRows_andTheCountMatches() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        firefox.navigate(cpsrvd.url(alice, null));
        List<Element> rows = reportRows();
        assertEquals(100, rows.size(), "a first page of 100 rows");
        int total = PageFixtureLog.aliceRows();
        assertEquals("Showing 1\u2013100 of " + total, summary());
        assertTrue(firefox.text(firefox.find(rows.get(0), ".c-event")).matches(
                "\\S+ (Delivered|Deferred|In progress|Failed|Rejected|Filtered)"), firefox.text(rows.get(0)));
        assertFalse(firefox.pageSource().contains("Hello Bob"), "another account's mail is never shown");
        JsonArray hrefs = firefox.script("return Array.from(document.querySelectorAll('#waybill a[href]'), a => a.href);")
                .getAsJsonArray();
        assertFalse(hrefs.isEmpty());
        for (JsonElement href : hrefs) {
            assertTrue(href.getAsString().startsWith(cpsrvd.origin() + alice.token() + "/"),
                    "every link carries the token: " + href);
        }
        shot("firefox-report");

        // every row of the account on one page: as many as the count says, each once
        firefox.navigate(cpsrvd.url(alice, "limit=500"));
        rows = reportRows();
        assertEquals("Showing 1\u2013" + total + " of " + total, summary());
        assertEquals(total, rows.size());
        Set<String> messages = new HashSet<>();
        for (Element r : rows) {
            messages.add(firefox.attribute(r, "data-href"));
        }
        assertEquals(total, messages.size(), "one row per delivery, each opening its own message");
    }

    @Test
    void report02_blockedAndFailed_thenShowAll() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        firefox.navigate(cpsrvd.url(alice, null));
        firefox.clickToNewPage(firefox.find("#wb-show-problems"), WAIT);
        List<Element> rows = reportRows();
        Set<String> types = new HashSet<>();
        for (Element r : rows) {
            types.add(firefox.attribute(r, "class"));
        }
        assertEquals(Set.of("wb-r-failure", "wb-r-rejected"), types, "only failures and the SMTP-time rejection");
        assertEquals(PageFixtureLog.aliceFailures() + 1, rows.size());
        assertEquals("true", firefox.attribute(firefox.find("#wb-show-problems"), "aria-current"));
        shot("firefox-blocked-and-failed");
        firefox.clickToNewPage(firefox.find("#wb-show-all"), WAIT);
        assertEquals(100, reportRows().size());
        assertEquals("Showing 1\u2013100 of " + PageFixtureLog.aliceRows(), summary());
    }

    @Test
    void report03_aRowOpensTheMessage_withTheDiagnosis() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        firefox.navigate(cpsrvd.url(alice, "show=problems"));
        reportRows();
        // a click anywhere on the row, here on the recipient's cell
        firefox.clickToNewPage(firefox.find("tr.wb-r-failure td.c-recipient"), WAIT);
        firefox.await("#wb-message", WAIT);
        String page = firefox.text(firefox.find("#waybill"));
        assertTrue(page.contains("Probable cause:"), page);
        assertTrue(page.contains("What to do:"), page);
        assertTrue(page.contains("550"), page);
        assertTrue(firefox.text(firefox.find(".wb-raw pre")).contains(" <= info@" + ALICE + ".example"));
        assertFalse(firefox.findAll(".wb-timeline li").isEmpty());
        shot("firefox-message-failure");
    }

    @Test
    void report04_trace_drawsTheRoute_andMarksTheFailingStep() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        firefox.navigate(cpsrvd.url(alice, "view=trace"));
        firefox.type(firefox.find("#wb-address"), "sales@" + ALICE + ".example");
        firefox.clickToNewPage(firefox.find("form.wb-search button[type=submit]"), WAIT);
        firefox.await("#wb-route", WAIT);
        List<Element> steps = firefox.findAll("#wb-route .wb-step");
        assertTrue(steps.size() >= 3, "this server, the forwarder and its destinations: " + steps.size());
        assertTrue(firefox.text(steps.get(0)).toLowerCase().contains("this server"), firefox.text(steps.get(0)));
        assertTrue(firefox.text(firefox.find("#wb-route")).toLowerCase().contains("forwarder"));
        List<Element> failing = firefox.findAll("#wb-route .wb-s-failing");
        assertEquals(1, failing.size(), firefox.text(firefox.find("#wb-route")));
        assertTrue(firefox.text(failing.get(0)).contains("fails here"), firefox.text(failing.get(0)));
        assertTrue(firefox.text(failing.get(0)).contains("No such person here"), firefox.text(failing.get(0)));

        // drawn: boxes one under the other, each deeper step further right, the failing one red-edged
        JsonArray boxes = firefox.script("""
                return Array.from(document.querySelectorAll('#wb-route .wb-step'), s => {
                  const r = s.querySelector('.wb-box').getBoundingClientRect();
                  return {depth: Number(s.style.getPropertyValue('--depth')), left: r.left, top: r.top,
                          width: r.width, height: r.height, failing: s.classList.contains('wb-s-failing'),
                          edge: getComputedStyle(s.querySelector('.wb-box')).borderLeftColor};
                });""").getAsJsonArray();
        double lastTop = -1;
        String okEdge = null;
        String failEdge = null;
        for (JsonElement b : boxes) {
            JsonObject box = b.getAsJsonObject();
            assertTrue(box.get("width").getAsDouble() > 40 && box.get("height").getAsDouble() > 20, box.toString());
            assertTrue(box.get("top").getAsDouble() > lastTop, "each step below the one before: " + boxes);
            lastTop = box.get("top").getAsDouble();
            for (JsonElement o : boxes) {
                JsonObject other = o.getAsJsonObject();
                if (other.get("depth").getAsInt() < box.get("depth").getAsInt()) {
                    assertTrue(other.get("left").getAsDouble() < box.get("left").getAsDouble(), "indented by depth: " + boxes);
                }
            }
            if (box.get("failing").getAsBoolean()) {
                failEdge = box.get("edge").getAsString();
            } else if (box.get("depth").getAsInt() == 0) {
                okEdge = box.get("edge").getAsString();
            }
        }
        assertTrue(failEdge != null && !failEdge.equals(okEdge), "the failing step is marked: " + boxes);
        assertFalse(firefox.findAll("p.wb-alert").isEmpty());
        shot("firefox-trace");
    }

    @Test
    void report05_hostileSubject_showsAsText() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        firefox.navigate(cpsrvd.url(alice, "q=victim%40remote.test"));
        List<Element> rows = reportRows();
        assertEquals(1, rows.size());
        Element subject = firefox.find(rows.get(0), "td.c-subject");
        assertEquals(PageFixtureLog.HOSTILE_SUBJECT, firefox.text(subject));
        assertTrue(firefox.script("return arguments[0].textContent;", subject).getAsString()
                .contains(PageFixtureLog.HOSTILE_SUBJECT), "the tag is the cell's text");
        assertTrue(firefox.text(firefox.find(rows.get(0), "td.c-result")).contains(PageFixtureLog.HOSTILE_REPLY));
        assertNoMarkupFromTheMail();
        shot("firefox-hostile-subject");

        firefox.clickToNewPage(firefox.find(rows.get(0), "td.c-event a"), WAIT);
        firefox.await("#wb-message", WAIT);
        assertEquals(PageFixtureLog.HOSTILE_SUBJECT, firefox.text(firefox.find(".wb-subject")));
        assertTrue(firefox.text(firefox.find(".wb-raw pre")).contains(PageFixtureLog.HOSTILE_SUBJECT));
        assertNoMarkupFromTheMail();
        String title = firefox.script("return document.title;").getAsString();
        assertFalse(title.contains("<"), title);
    }

    @Test
    void report06_hiddenColumn_isRememberedAcrossAReload() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        firefox.navigate(cpsrvd.url(alice, null));
        reportRows();
        firefox.script("localStorage.removeItem('waybill.hiddenColumns');");
        firefox.refresh();
        assertTrue(firefox.displayed(firefox.find("th.c-auth")));
        firefox.click(firefox.find("#wb-columns summary"));
        firefox.click(firefox.find("input[data-col=auth]"));
        assertFalse(firefox.displayed(firefox.find("th.c-auth")));
        assertEquals("[\"auth\"]", storedHiddenColumns());
        shot("firefox-columns");

        firefox.refresh();
        reportRows();
        assertFalse(firefox.displayed(firefox.find("th.c-auth")), "hidden after a reload");
        assertFalse(firefox.displayed(firefox.find("td.c-auth")));
        assertTrue(firefox.displayed(firefox.find("th.c-recipient")));
        assertFalse(firefox.script("return document.querySelector('input[data-col=auth]').checked;").getAsBoolean(),
                "its box is unticked after the reload");

        firefox.click(firefox.find("#wb-columns summary"));
        firefox.click(firefox.find("input[data-col=auth]"));
        assertTrue(firefox.displayed(firefox.find("th.c-auth")));
        assertEquals("[]", storedHiddenColumns());
    }

    @Test
    void report07_phoneWidth_fitsTheScreen() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        try {
            assertEquals(390, firefox.setViewport(390, 844), "the viewport is a phone's width");
            firefox.navigate(cpsrvd.url(alice, null));
            assertEquals(100, reportRows().size());
            JsonObject layout = firefox.script("""
                    const wrap = document.querySelector('.wb-table-wrap');
                    const run = document.getElementById('wb-run').getBoundingClientRect();
                    return {phone: matchMedia('(max-width: 640px)').matches, page: document.documentElement.scrollWidth,
                            view: window.innerWidth, wrapRight: wrap.getBoundingClientRect().right,
                            tableScrolls: wrap.scrollWidth > wrap.clientWidth, runLeft: run.left, runRight: run.right};
                    """).getAsJsonObject();
            assertTrue(layout.get("phone").getAsBoolean(), "the phone layout applies: " + layout);
            int view = layout.get("view").getAsInt();
            assertTrue(layout.get("page").getAsInt() <= view, "the page does not scroll sideways: " + layout);
            assertTrue(layout.get("wrapRight").getAsDouble() <= view, "the table's frame fits: " + layout);
            assertTrue(layout.get("runLeft").getAsDouble() >= 0 && layout.get("runRight").getAsDouble() <= view,
                    "the Run button is on screen: " + layout);
            shot("firefox-report-phone");
            // and at that width a row still opens its message
            firefox.clickToNewPage(firefox.find("#wb-report tbody tr td.c-event a"), WAIT);
            firefox.await("#wb-message", WAIT);
            assertTrue(firefox.script("return document.documentElement.scrollWidth <= window.innerWidth;").getAsBoolean(),
                    "the message page does not scroll sideways either");
        } finally {
            firefox.setViewport(1400, 1000);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static List<Element> reportRows() throws Exception {
        firefox.await("#wb-summary, #wb-error", WAIT);
        assertTrue(firefox.findAll("#wb-error").isEmpty(), () -> "the page shows an error: " + text("#wb-error"));
        return firefox.findAll("#wb-report tbody tr");
    }

    private static String summary() throws IOException {
        return firefox.text(firefox.find("#wb-summary"));
    }

    private static String text(String css) {
        try {
            return firefox.text(firefox.find(css));
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    private static String storedHiddenColumns() throws IOException {
        return firefox.script("return localStorage.getItem('waybill.hiddenColumns');").getAsString();
    }

    /** The mail's markup stayed text: no element of it in the page, no handler, no alert. */
    private static void assertNoMarkupFromTheMail() throws IOException {
        assertEquals(0, firefox.script("return document.querySelectorAll('#waybill img, #waybill td script, [onerror]').length;")
                .getAsInt());
        assertNull(firefox.alertText(), "a script from the mail opened an alert");
    }

    private static void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), firefox.screenshot());
    }
}
