package dev.waybill.pages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The cPanel and WHM pages in headless Chromium, through {@link CpsrvdEmulator}: the cPanel page
 * runs as a real non-root cPanel user (its uid, via setpriv), the WHM page as root for root and
 * for a reseller. Screenshots go to {@code target/screenshots/}. Runs as root, as CI does.
 */
@ExtendWith(PrivateMariaDb.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
class PagesIT {

    static final String ALICE = "waybill-p-alice";
    static final String BOB = "waybill-p-bob";
    static final String RESELLER = "waybill-p-res";
    static final String NOBODY_WHM = "waybill-p-plain";
    static final Path SHOTS = Path.of("target/screenshots");

    static PageFixture fixture;
    static CpsrvdEmulator cpsrvd;
    static Path dir;
    static Path downloads;
    static WebDriver browser;

    @BeforeAll
    static void setUp(TestDatabase db) throws Exception {
        fixture = PageFixture.start(db, new PageFixture.Names(ALICE, BOB, RESELLER, NOBODY_WHM), "/usr/bin/chromium",
                "/usr/bin/chromedriver", "/usr/bin/perl");
        cpsrvd = fixture.cpsrvd;
        dir = fixture.dir;
        downloads = dir.resolve("downloads");
        Files.createDirectories(downloads);
        Files.createDirectories(SHOTS);
        browser = chromium("UTC");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    // ---- the cPanel page -----------------------------------------------------------------------

    @Test
    void cpanel01_report_showsTheAccountsMailNewestFirst() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, null));
        List<WebElement> rows = reportRows();
        assertEquals(100, rows.size(), "a first page of 100 rows");
        String summary = browser.findElement(By.id("wb-summary")).getText();
        assertTrue(summary.startsWith("Showing 1\u2013100 of "), summary);
        assertFalse(browser.getPageSource().contains("Hello Bob"), "another account's mail is never shown");
        // the event column says what happened in words, beside its icon
        assertTrue(rows.get(0).findElement(By.cssSelector(".c-event")).getText().matches(
                "\\S+ (Delivered|Deferred|In progress|Failed|Rejected|Filtered)"), rows.get(0).getText());
        for (WebElement a : browser.findElements(By.cssSelector("#waybill a[href]"))) {
            String href = a.getDomProperty("href");
            assertTrue(href.startsWith(cpsrvd.origin() + alice.token() + "/"), "every link carries the token: " + href);
        }
        shot("cpanel-report");
        browser.manage().window().setSize(new Dimension(390, 844));
        browser.navigate().refresh();
        shot("cpanel-report-phone");
        browser.manage().window().setSize(new Dimension(1400, 1000));
    }

    @Test
    void cpanel02_quickFilters_blockedAndFailedThenAll() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, null));
        browser.findElement(By.id("wb-show-problems")).click();
        List<WebElement> rows = reportRows();
        assertFalse(rows.isEmpty());
        Set<String> types = new HashSet<>();
        for (WebElement r : rows) {
            types.add(r.getDomAttribute("class"));
        }
        assertTrue(Set.of("wb-r-failure", "wb-r-rejected").containsAll(types), types.toString());
        assertTrue(types.contains("wb-r-rejected"), "the SMTP-time rejection to the account's domain is there: " + types);
        shot("cpanel-blocked-and-failed");
        browser.findElement(By.id("wb-show-all")).click();
        assertEquals(100, reportRows().size());
        // one toggle, through the form
        browser.findElement(By.cssSelector("input[name=type][value=success]")).click();
        browser.findElement(By.id("wb-run")).click();
        for (WebElement r : reportRows()) {
            assertNotEquals("wb-r-success", r.getDomAttribute("class"));
        }
    }

    @Test
    void cpanel03_paging_reachesEveryRowWithoutACap() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, "limit=50"));
        String summary = browser.findElement(By.id("wb-summary")).getText();
        int total = Integer.parseInt(summary.replaceAll(".* of ", "").replace(",", ""));
        Set<String> seen = new HashSet<>();
        int pages = 0;
        while (true) {
            pages++;
            for (WebElement r : reportRows()) {
                assertTrue(seen.add(r.getDomAttribute("data-href")), "a row shown twice: " + r.getDomAttribute("data-href"));
            }
            List<WebElement> next = browser.findElements(By.id("wb-next"));
            if (next.isEmpty()) {
                break;
            }
            next.get(0).click();
            assertTrue(browser.findElement(By.id("wb-summary")).getText().startsWith("Showing " + (pages * 50 + 1)));
        }
        assertEquals(total, seen.size(), "every row of the count was reached by paging");
        assertTrue(pages >= 3, "pages: " + pages);
        browser.findElement(By.id("wb-first")).click();
        assertTrue(browser.findElement(By.id("wb-summary")).getText().startsWith("Showing 1\u201350"));
    }

    @Test
    void cpanel04_hiddenColumn_staysHiddenAfterReload() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, null));
        assertTrue(browser.findElement(By.cssSelector("th.c-auth")).isDisplayed());
        browser.findElement(By.cssSelector("#wb-columns summary")).click();
        browser.findElement(By.cssSelector("input[data-col=auth]")).click();
        browser.findElement(By.cssSelector("input[data-col=route]")).click();
        assertFalse(browser.findElement(By.cssSelector("th.c-auth")).isDisplayed());
        shot("cpanel-columns");
        browser.navigate().refresh();
        assertFalse(browser.findElement(By.cssSelector("th.c-auth")).isDisplayed(), "hidden after a reload");
        assertFalse(browser.findElement(By.cssSelector("td.c-route")).isDisplayed());
        assertTrue(browser.findElement(By.cssSelector("th.c-recipient")).isDisplayed());
        browser.findElement(By.cssSelector("#wb-columns summary")).click();
        browser.findElement(By.cssSelector("input[data-col=auth]")).click();
        browser.findElement(By.cssSelector("input[data-col=route]")).click();
        assertTrue(browser.findElement(By.cssSelector("th.c-auth")).isDisplayed());
    }

    @Test
    void cpanel05_sentTime_isInTheBrowsersZone() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        WebDriver tokyo = chromium("Asia/Tokyo");
        try {
            tokyo.get(cpsrvd.url(alice, null));
            WebElement time = tokyo.findElement(By.cssSelector("td.c-time time"));
            long t = Long.parseLong(time.getDomAttribute("data-t"));
            String expected = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.of("Asia/Tokyo"))
                    .format(Instant.ofEpochSecond(t));
            assertTrue(time.getText().startsWith(expected), time.getText() + " should be Tokyo time " + expected);
            assertTrue(time.getText().matches(".* (GMT\\+9|JST)"), "the zone is shown: " + time.getText());
            assertTrue(tokyo.findElement(By.cssSelector("[data-tzname]")).getText().startsWith("Asia/Tokyo"));
            shot(tokyo, "cpanel-report-tokyo");
        } finally {
            tokyo.quit();
        }
        browser.get(cpsrvd.url(alice, null));
        assertTrue(browser.findElement(By.cssSelector("td.c-time time")).getText().endsWith(" UTC"));
    }

    /**
     * A date range across the end of summer time: the browser sends each end's own offset (New
     * York is 4 hours behind UTC on 20 October, 5 on 10 November), so the range ends at local
     * midnight, not an hour early.
     */
    @Test
    void cpanel05b_dateRangeAcrossAClockChange_sendsEachEndsOffset() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        WebDriver newYork = chromium("America/New_York");
        try {
            newYork.get(cpsrvd.url(alice, null));
            ((org.openqa.selenium.JavascriptExecutor) newYork).executeScript(
                    "document.getElementById('wb-from').value = '2026-10-20T00:00';"
                            + "document.getElementById('wb-to').value = '2026-11-10T00:00';"
                            + "document.getElementById('wb-from').form.requestSubmit();");
            new WebDriverWait(newYork, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("from="));
            String url = newYork.getCurrentUrl();
            assertTrue(url.contains("tzo=240"), url);
            assertTrue(url.contains("tzo_to=300"), url);
        } finally {
            newYork.quit();
        }
    }

    /**
     * A statistics link gives its range in unix seconds. The form shows it in the browser's zone,
     * so that running the report again from the form keeps the range rather than widening to all
     * the mail there is.
     */
    @Test
    void cpanel05c_rangeOfAStatisticsLink_isKeptWhenTheFormRunsAgain() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        WebDriver newYork = chromium("America/New_York");
        try {
            newYork.get(cpsrvd.url(alice, null));
            String everything = newYork.findElement(By.id("wb-summary")).getText();
            long newest = Long.parseLong(newYork.findElement(By.cssSelector("td.c-time time")).getDomAttribute("data-t"));
            newYork.get(cpsrvd.url(alice, "since=" + newest + "&until=" + (newest + 1)));
            String ranged = newYork.findElement(By.id("wb-summary")).getText();
            assertNotEquals(everything, ranged, "the range leaves out older mail");
            ((org.openqa.selenium.JavascriptExecutor) newYork).executeScript(
                    "document.getElementById('wb-from').form.requestSubmit();");
            new WebDriverWait(newYork, Duration.ofSeconds(10)).until(d -> !d.getCurrentUrl().contains("since="));
            assertTrue(newYork.getCurrentUrl().contains("from="), newYork.getCurrentUrl());
            assertEquals(ranged, newYork.findElement(By.id("wb-summary")).getText(), newYork.getCurrentUrl());
        } finally {
            newYork.quit();
        }
    }

    @Test
    void cpanel06_detail_showsAttemptsRouteLogLinesAndTheFix() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, "show=problems"));
        WebElement failure = browser.findElement(By.cssSelector("tr.wb-r-failure td.c-recipient"));
        failure.click(); // a click anywhere on the row
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("wb-message")).isEmpty());
        String page = browser.findElement(By.id("waybill")).getText();
        assertTrue(page.contains("Probable cause:"), page);
        assertTrue(page.contains("What to do:"), page);
        assertTrue(page.contains("Remote server said:") || page.contains("550"), page);
        assertTrue(browser.findElement(By.cssSelector(".wb-raw pre")).getText().contains(" <= info@" + ALICE + ".example"));
        assertFalse(browser.findElements(By.cssSelector(".wb-timeline li")).isEmpty());
        shot("cpanel-message-failure");
        // a deferral then a delivery: both attempts in order
        browser.get(cpsrvd.url(alice, "view=message&msgid=" + PageFixtureLog.id(5)));
        List<WebElement> steps = browser.findElements(By.cssSelector(".wb-timeline li"));
        List<String> kinds = new ArrayList<>();
        for (WebElement s : steps) {
            kinds.add(s.getDomAttribute("class"));
        }
        assertEquals(List.of("wb-k-arrival", "wb-k-defer", "wb-k-success", "wb-k-done"), kinds);
        assertTrue(browser.getPageSource().contains("Greylisted"));
        // the keyboard way: the Event cell is a link
        browser.get(cpsrvd.url(alice, null));
        WebElement link = browser.findElement(By.cssSelector("tr[data-href] td.c-event a"));
        link.sendKeys(org.openqa.selenium.Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("wb-message")).isEmpty());
    }

    @Test
    void cpanel07_trace_drawsTheRouteAndMarksTheFailingStep() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, "view=trace"));
        WebElement address = browser.findElement(By.id("wb-address"));
        address.sendKeys("sales@" + ALICE + ".example");
        address.submit();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("wb-route")).isEmpty());
        List<WebElement> steps = browser.findElements(By.cssSelector("#wb-route .wb-step"));
        assertTrue(steps.size() >= 3, "this server, the forwarder and its destinations: " + steps.size()
                + browser.findElement(By.tagName("body")).getText());
        // (the kind is shown in capitals by the stylesheet)
        assertTrue(steps.get(0).getText().toLowerCase().contains("this server"), steps.get(0).getText());
        assertTrue(browser.findElement(By.cssSelector("#wb-route")).getText().toLowerCase().contains("forwarder"));
        shot("cpanel-trace");
        List<WebElement> failing = browser.findElements(By.cssSelector("#wb-route .wb-s-failing"));
        assertEquals(1, failing.size(), browser.findElement(By.id("wb-route")).getText());
        assertTrue(failing.get(0).getText().contains("fails here"), failing.get(0).getText());
        assertTrue(failing.get(0).getText().contains("No such person here"), failing.get(0).getText());
        assertFalse(browser.findElements(By.cssSelector("p.wb-alert")).isEmpty());
        shot("cpanel-trace");
    }

    @Test
    void cpanel08_csvExport_downloadsTheCurrentSearch() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, "show=problems"));
        String summary = browser.findElement(By.id("wb-summary")).getText();
        int total = Integer.parseInt(summary.replaceAll(".* of ", "").replace(",", ""));
        try (var files = Files.list(downloads)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        browser.findElement(By.id("wb-export")).click();
        Path csv = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (csv == null && System.nanoTime() < deadline) {
            try (var files = Files.list(downloads)) {
                csv = files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElse(null);
            }
            Thread.sleep(100);
        }
        assertTrue(csv != null, "a .csv was downloaded");
        Thread.sleep(300);
        byte[] bytes = Files.readAllBytes(csv);
        // Excel reads a CSV as UTF-8 only when it starts with the byte order mark; else non-ASCII subjects are garbled
        assertTrue(bytes.length > 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF,
                "the CSV starts with UTF-8's byte order mark");
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertTrue(lines.get(0).startsWith("\uFEFFsent_utc,") && lines.get(0).contains("msgid"), lines.get(0));
        assertEquals(total, lines.size() - 1, "one line per row of the search, and the header");
        assertTrue(csv.getFileName().toString().matches("waybill-\\d{4}-\\d\\d-\\d\\d\\.csv"), csv.toString());
    }

    @Test
    void cpanel09_hostileSubjectAndReply_showAsText() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, "q=victim%40remote.test"));
        List<WebElement> rows = reportRows();
        assertEquals(1, rows.size());
        assertEquals(PageFixtureLog.HOSTILE_SUBJECT, rows.get(0).findElement(By.cssSelector("td.c-subject")).getText());
        assertTrue(rows.get(0).findElement(By.cssSelector("td.c-result")).getText().contains(PageFixtureLog.HOSTILE_REPLY));
        assertTrue(browser.findElements(By.cssSelector("#waybill img, #waybill td script")).isEmpty());
        assertNoAlert();
        shot("cpanel-hostile-subject");
        rows.get(0).findElement(By.cssSelector("td.c-event a")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("wb-message")).isEmpty());
        assertEquals(PageFixtureLog.HOSTILE_SUBJECT, browser.findElement(By.cssSelector(".wb-subject")).getText());
        assertTrue(browser.findElement(By.cssSelector(".wb-raw pre")).getText().contains(PageFixtureLog.HOSTILE_SUBJECT));
        assertTrue(browser.findElements(By.cssSelector("#waybill img")).isEmpty());
        assertNoAlert();
        // and in the window title of a whole document
        assertFalse(browser.getTitle().contains("<"), browser.getTitle());
    }

    @Test
    void cpanel10_emptyAndErrorStates_sayWhatToDo() throws Exception {
        CpsrvdEmulator.Session alice = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE);
        browser.get(cpsrvd.url(alice, "q=nobody-like-this&match=contains"));
        assertTrue(browser.findElement(By.id("wb-empty")).getText().contains("Nothing matches"));
        shot("cpanel-nothing-matches");
        browser.get(cpsrvd.url(alice, "view=message&msgid=1zzzzz-zzzzzz-zz"));
        assertTrue(browser.findElement(By.id("wb-error")).getText().contains("Message not found"));
        // and each error page has the status it means, its page the same
        assertStatus(404, "Message not found", cpsrvd.url(alice, "view=message&msgid=1zzzzz-zzzzzz-zz"));
        assertStatus(404, "No such page", cpsrvd.url(alice, "view=nosuch"));
        assertStatus(400, "Cannot read that date", cpsrvd.url(alice, "from=yesterday"));
        assertStatus(400, "is not a date and time", cpsrvd.url(alice, "view=export&from=yesterday"));
        assertStatus(200, "wb-summary", cpsrvd.url(alice, null));
        CpsrvdEmulator.Session stopped = cpsrvd.login(CpsrvdEmulator.Kind.CPANEL, ALICE, dir.resolve("run/absent.sock"));
        browser.get(cpsrvd.url(stopped, null));
        assertTrue(browser.findElement(By.id("wb-error")).getText().contains("not running"));
        shot("cpanel-daemon-stopped");
        assertEquals("60", assertStatus(503, "not running", cpsrvd.url(stopped, null)).headers()
                .firstValue("Retry-After").orElse(null));
        // cpsrvd refuses a request without this session's token
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(cpsrvd.origin() + "/cpsess0000000001" + CpsrvdEmulator.CPANEL_PAGE)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
    }

    // ---- the WHM page --------------------------------------------------------------------------

    @Test
    void whm01_root_seesEveryAccountAndFiltersByAccount() throws Exception {
        CpsrvdEmulator.Session root = cpsrvd.login(CpsrvdEmulator.Kind.WHM, "root");
        browser.get(cpsrvd.url(root, "q=bob%40" + BOB + ".example"));
        assertEquals(20, reportRows().size(), "root sees the other account's mail");
        browser.get(cpsrvd.url(root, "account=" + BOB));
        assertEquals(20, reportRows().size());
        browser.get(cpsrvd.url(root, null));
        assertTrue(browser.findElement(By.id("waybill")).getText().contains("every account on this server"));
        shot("whm-root-report");
        browser.get(cpsrvd.url(root, "view=stats"));
        List<WebElement> bars = browser.findElements(By.cssSelector("#wb-chart svg rect"));
        assertTrue(bars.size() >= 24, "bars of the chart: " + bars.size() + browser.findElement(By.id("waybill")).getText());
        assertTrue(browser.findElement(By.id("wb-accounts")).getText().contains(ALICE));
        shot("whm-stats");
        browser.get(cpsrvd.url(root, "view=trace&address=gone%40" + ALICE + ".example"));
        assertEquals(1, browser.findElements(By.cssSelector("#wb-route .wb-s-failing")).size());
    }

    /**
     * The 30-day chart has a bar per UTC day: west of UTC, each bar's label is still that day's
     * date, not the browser's date at its midnight (the day before), and the chart says so.
     */
    @Test
    void whm01b_dayBars_westOfUtc_areLabelledWithTheirOwnDay() throws Exception {
        CpsrvdEmulator.Session root = cpsrvd.login(CpsrvdEmulator.Kind.WHM, "root");
        WebDriver newYork = chromium("America/New_York");
        try {
            newYork.get(cpsrvd.url(root, "view=stats&range=30d"));
            List<WebElement> labels = newYork.findElements(By.cssSelector("#wb-chart text[data-fmt=day]"));
            assertFalse(labels.isEmpty(), newYork.findElement(By.id("waybill")).getText());
            DateTimeFormatter day = DateTimeFormatter.ofPattern("MM-dd").withZone(ZoneOffset.UTC);
            for (WebElement label : labels) {
                long t = Long.parseLong(label.getDomAttribute("data-t"));
                assertEquals(day.format(Instant.ofEpochSecond(t)), label.getText(), "the bar of the UTC day at " + t);
            }
            assertTrue(newYork.findElement(By.id("wb-chart")).getText().contains("per day (UTC)"));
        } finally {
            newYork.quit();
        }
    }

    @Test
    void whm02_reseller_seesOnlyItsAccounts() throws Exception {
        CpsrvdEmulator.Session reseller = cpsrvd.login(CpsrvdEmulator.Kind.WHM, RESELLER);
        browser.get(cpsrvd.url(reseller, null));
        assertTrue(browser.findElement(By.id("waybill")).getText().contains("reseller " + RESELLER));
        assertFalse(reportRows().isEmpty());
        assertFalse(browser.getPageSource().contains("Hello Bob"), "bob's account is root's, not the reseller's");
        shot("whm-reseller-report");
        browser.get(cpsrvd.url(reseller, "account=" + BOB));
        assertTrue(browser.findElement(By.id("wb-error")).getText().contains(BOB), "another's account is refused");
        assertStatus(403, BOB, cpsrvd.url(reseller, "account=" + BOB));
        browser.get(cpsrvd.url(reseller, "view=stats"));
        assertFalse(browser.findElement(By.id("wb-accounts")).getText().contains(BOB));
    }

    @Test
    void whm03_userWithoutResellerRights_isRefused() throws Exception {
        CpsrvdEmulator.Session plain = cpsrvd.login(CpsrvdEmulator.Kind.WHM, NOBODY_WHM);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(cpsrvd.url(plain, null)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("Access denied"));
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static List<WebElement> reportRows() {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(
                d -> !d.findElements(By.id("wb-summary")).isEmpty() || !d.findElements(By.id("wb-error")).isEmpty());
        return browser.findElements(By.cssSelector("#wb-report tbody tr"));
    }

    /** Gets {@code url} as a script would: its status is {@code status} and its page says {@code text}. */
    private static HttpResponse<String> assertStatus(int status, String text, String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), url + ": " + r.body());
        assertTrue(r.body().contains(text), url + ": " + r.body());
        return r;
    }

    private static void assertNoAlert() {
        try {
            browser.switchTo().alert();
            fail("a script from the mail ran");
        } catch (NoAlertPresentException expected) {
            // as it should be
        }
    }

    private static void shot(String name) throws IOException {
        shot(browser, name);
    }

    private static void shot(WebDriver driver, String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Headless Chromium with {@code TZ} set, downloads going to {@link #downloads}. */
    private static WebDriver chromium(String timeZone) {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .withEnvironment(Map.of("TZ", timeZone))
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--lang=en-US");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        options.setExperimentalOption("prefs", prefs);
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return driver;
    }
}
