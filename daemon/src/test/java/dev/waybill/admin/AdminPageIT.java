package dev.waybill.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.io.File;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The admin page end to end: {@code packaging/waybill run} as a real process with a private
 * MariaDB, the listener on a free loopback port, Exim lines written into its log, and every check
 * over real HTTP — the token, the cookie, the views, the CSV, escaping, the headers, the refusals,
 * and a daemon that refuses a non-loopback {@code admin.listen}.
 */
@ExtendWith(PrivateMariaDb.class)
class AdminPageIT {

    private static final Path LAUNCHER = Path.of("..", "packaging", "waybill").toAbsolutePath().normalize();
    private static final String TOKEN = "T0kenForTheAdminPageIT0123";
    private static final String HOSTILE = "<script>alert(\\\"x\\\")</script>";
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** Deliveries the log below makes: five successes, one failure, one deferral, the hostile one. */
    private static final int ROWS = 8;

    private final List<Process> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void stopDaemons() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private Process daemon(Path dir, Path conf, Path out) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "run", "--config", conf.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("WAYBILL_JAR", System.getProperty("waybill.jar"));
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static Path config(Path dir, TestDatabase db, String listen) throws IOException {
        Path token = dir.resolve("admin.token");
        Files.writeString(token, TOKEN + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(dir.resolve("root"));
        Path conf = dir.resolve("waybill.conf");
        Files.writeString(conf, "db.url = " + db.jdbcUrl() + "\ndb.user = " + db.user() + "\ndb.password = "
                + db.password() + "\nlog.path = " + dir.resolve("mainlog") + "\ncpanel.root = " + dir.resolve("root")
                + "\nserver.id = admin-it\nlog.timezone = UTC\nsocket.path = " + dir.resolve("waybill.sock")
                + "\nadmin.listen = " + listen + "\nadmin.token.file = " + token + "\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        return conf;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A plain Exim's main log (Debian exim4, no cPanel): shapes as in fixtures/exim496-cpanel-like.log. */
    private static String eximLog(long now) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 7; i++) {
            String id = "1wAdm" + i + "-00000" + i + "-0" + i;
            String ts = TS.format(Instant.ofEpochSecond(now - 3600 + i * 60));
            String rcpt = "rcpt" + i + "@remote.test";
            String subject = i == 7 ? HOSTILE : "Report " + i;
            sb.append(ts).append(' ').append(id).append(" <= alice@plain.example H=(laptop) [192.0.2.1]:4100").append(i)
                    .append(" P=esmtpsa A=plain:alice S=").append(1000 + i).append(" id=").append(i)
                    .append("@laptop T=\"").append(subject).append("\" for ").append(rcpt).append('\n');
            if (i == 6) {
                sb.append(ts).append(' ').append(id).append(" == ").append(rcpt).append(" R=dnslookup T=remote_smtp")
                        .append(" defer (-44) H=mx.remote.test [192.0.2.10]: SMTP error from remote mail server after")
                        .append(" RCPT TO:<").append(rcpt).append(">: 451 4.7.1 Greylisted, try again later\n");
                continue;
            }
            if (i == 5) {
                sb.append(ts).append(' ').append(id).append(" ** ").append(rcpt).append(" R=dnslookup T=remote_smtp")
                        .append(" H=mx.remote.test [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<")
                        .append(rcpt).append(">: 550 5.1.1 <").append(rcpt).append(">: User unknown\n");
            } else {
                sb.append(ts).append(' ').append(id).append(" => ").append(rcpt).append(" R=dnslookup T=remote_smtp")
                        .append(" H=mx.remote.test [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no")
                        .append(" C=\"250 2.0.0 Ok: queued as ").append(i).append("\"\n");
            }
            sb.append(ts).append(' ').append(id).append(" Completed\n");
        }
        // a second recipient of the first message, delivered in the same connection
        return sb.toString().replaceFirst("for rcpt1@remote.test\n", "for rcpt1@remote.test extra@remote.test\n")
                .replaceFirst("(1wAdm1-000001-01 => rcpt1@remote.test[^\n]*\n)",
                        "$1" + TS.format(Instant.ofEpochSecond(now - 3600 + 60))
                                + " 1wAdm1-000001-01 -> extra@remote.test R=dnslookup T=remote_smtp H=mx.remote.test"
                                + " [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no C=\"250 2.0.0 Ok\"\n");
    }

    private static long storedRows(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM delivery")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            return -1; // no tables yet
        }
    }

    /** {@code health} over the daemon's socket. */
    private static JsonObject health(Path socket) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ch.write(ByteBuffer.wrap("{\"id\":1,\"method\":\"health\"}\n".getBytes(StandardCharsets.UTF_8)));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8)).readLine();
            return JsonParser.parseString(line).getAsJsonObject().getAsJsonObject("result");
        }
    }

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertSecurityHeaders(HttpResponse<?> r) {
        String csp = r.headers().firstValue("content-security-policy").orElse("");
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'sha256-")
                && csp.contains("frame-ancestors 'none'"), csp);
        assertFalse(csp.contains("script-src 'unsafe-inline'"), csp);
        assertEquals("DENY", r.headers().firstValue("x-frame-options").orElse(""));
        assertEquals("no-referrer", r.headers().firstValue("referrer-policy").orElse(""));
        assertEquals("no-store", r.headers().firstValue("cache-control").orElse(""));
    }

    /** Sends raw bytes and returns the status line of the answer. */
    private static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.isEmpty() ? "" : answer.substring(0, answer.indexOf("\r\n"));
        }
    }

    @Test
    void adminPage_overRealHttp(@TempDir Path dir, TestDatabase db) throws Exception {
        int port = freePort();
        Path conf = config(dir, db, "127.0.0.1:" + port);
        Files.writeString(dir.resolve("mainlog"), eximLog(System.currentTimeMillis() / 1000));
        Path out = dir.resolve("daemon.out");
        Process p = daemon(dir, conf, out);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (storedRows(db) < ROWS) {
            assertTrue(p.isAlive(), () -> "the daemon stopped: " + read(out));
            assertTrue(System.nanoTime() < deadline, () -> "rows not stored: " + read(out));
            Thread.sleep(200);
        }
        String base = "http://127.0.0.1:" + port + "/";
        assertEquals(base, health(dir.resolve("waybill.sock")).get("admin_url").getAsString(), "health's admin_url");
        assertTrue(read(out).contains("admin page on " + base), read(out));

        // No token: 401, saying where the token is; the headers on it too.
        HttpResponse<String> none = get(base);
        assertEquals(401, none.statusCode());
        assertTrue(none.body().contains(dir.resolve("admin.token").toString()), none.body());
        assertSecurityHeaders(none);
        assertEquals(401, get(base + "?token=not-the-token-at-all").statusCode());

        // The token: a cookie and a redirect to the address without it.
        HttpResponse<String> signIn = get(base + "?token=" + TOKEN + "&show=all");
        assertEquals(303, signIn.statusCode());
        assertEquals("/?show=all", signIn.headers().firstValue("location").orElse(""));
        String setCookie = signIn.headers().firstValue("set-cookie").orElse("");
        assertTrue(setCookie.contains("HTTPOnly") || setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
        String cookie = setCookie.split(";")[0];

        // The report lists every row, the hostile subject as text.
        HttpResponse<String> report = get(base + "?show=all", "Cookie", cookie);
        assertEquals(200, report.statusCode(), report.body());
        assertSecurityHeaders(report);
        for (int i = 1; i <= 7; i++) {
            assertTrue(report.body().contains("rcpt" + i + "@remote.test"), "row " + i);
        }
        assertTrue(report.body().contains("extra@remote.test"));
        assertTrue(report.body().contains("Mail of every account on this server"));
        assertFalse(report.body().contains("<script>alert("), "the hostile subject is not markup");
        assertTrue(report.body().contains("&lt;script&gt;alert("), "the hostile subject shows as text");

        // A message's story; a script uses the Bearer header.
        HttpResponse<String> message = get(base + "?view=message&msgid=1wAdm5-000005-05",
                "Authorization", "Bearer " + TOKEN);
        assertEquals(200, message.statusCode());
        assertTrue(message.body().contains("rcpt5@remote.test") && message.body().contains("User unknown"),
                message.body());
        assertEquals(200, get(base + "?view=trace&address=rcpt1%40remote.test", "Cookie", cookie).statusCode());
        HttpResponse<String> stats = get(base + "?view=stats", "Cookie", cookie);
        assertEquals(200, stats.statusCode());
        assertTrue(stats.body().contains("<svg"), "the chart");

        // The CSV of the report: a header and one line per row.
        HttpResponse<String> csv = get(base + "?view=export&show=all", "Cookie", cookie);
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("content-type").orElse("").startsWith("text/csv"));
        assertTrue(csv.headers().firstValue("content-disposition").orElse("").startsWith("attachment; filename=\"waybill-"));
        assertSecurityHeaders(csv);
        List<String> lines = csv.body().lines().toList();
        assertTrue(lines.get(0).startsWith("\uFEFFsent_utc,type,from"), "UTF-8's byte order mark, then the header: " + lines.get(0));
        assertEquals(ROWS, lines.size() - 1, csv.body());
        HttpResponse<String> failed = get(base + "?view=export&show=problems", "Cookie", cookie);
        assertEquals(2, failed.body().lines().count(), "the header and the one failure: " + failed.body());

        // Only GET and HEAD; the page's name only; limits; a client that goes silent.
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base)).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertSecurityHeaders(post);
        assertEquals("HTTP/1.1 421 Misdirected Request",
                raw(port, "GET / HTTP/1.1\r\nHost: attacker.example\r\nCookie: " + cookie + "\r\n\r\n"));
        assertEquals("HTTP/1.1 414 Request-URI Too Long",
                raw(port, "GET /?q=" + "a".repeat(40_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large",
                raw(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n"));
        assertEquals("HTTP/1.1 400 Bad Request", raw(port, "\u0001\u0002garbage\r\n\r\n"));
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < AdminServer.MAX_CONNECTIONS + 10; i++) {
                idle.add(new Socket(InetAddress.getLoopbackAddress(), port));
            }
            Thread.sleep(500);
            assertEquals("HTTP/1.1 503 Service Unavailable", raw(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                    "over the connection limit");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        HttpResponse<String> after;
        do {
            Thread.sleep(100);
            after = get(base, "Cookie", cookie);
        } while (after.statusCode() == 503 && System.nanoTime() < deadline);
        assertEquals(200, after.statusCode(), "the page answers again once the connections are gone");
        assertTrue(p.isAlive(), "the daemon lives on");
        assertFalse(read(out).contains("Exception in thread"), read(out));
    }

    @Test
    void nonLoopbackListen_refusesToStart(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = config(dir, db, "0.0.0.0:" + freePort());
        Path out = dir.resolve("daemon.out");
        Process p = daemon(dir, conf, out);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String said = read(out).strip();
        assertTrue(said.matches("waybill run: " + java.util.regex.Pattern.quote(conf.toString())
                + ":\\d+: admin.listen = '0\\.0\\.0\\.0:.*"), "file, line and key: " + said);
        assertTrue(said.contains("a loopback address"), said);
        assertEquals(1, said.lines().count(), "one line: " + said);
        assertFalse(Files.exists(dir.resolve("waybill.sock")), "nothing started");

        // A missing token file stops it too, saying what to do.
        Files.delete(dir.resolve("admin.token"));
        Path conf2 = config(dir, db, "127.0.0.1:" + freePort());
        Files.delete(dir.resolve("admin.token"));
        Process q = daemon(dir, conf2, out);
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, q.exitValue());
        assertTrue(read(out).contains("admin.token.file " + dir.resolve("admin.token") + " does not exist"), read(out));
    }

    /**
     * In headless Chromium (as PagesIT runs it): the printed address signs in and lands on the
     * report without the token, and the inline script runs under the page's CSP (it turns the
     * UTC times into the browser's zone), with no CSP complaint in the console. Saves the
     * README's screenshot.
     */
    @Test
    void adminPage_inABrowser(@TempDir Path dir, TestDatabase db) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromedriver"))
                && Files.isExecutable(Path.of("/usr/bin/chromium")), "no chromium: run .ci/install-test-deps");
        int port = freePort();
        Path conf = config(dir, db, "127.0.0.1:" + port);
        Files.writeString(dir.resolve("mainlog"), eximLog(System.currentTimeMillis() / 1000));
        Path out = dir.resolve("daemon.out");
        Process p = daemon(dir, conf, out);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (storedRows(db) < ROWS) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, () -> "rows not stored: " + read(out));
            Thread.sleep(200);
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .withEnvironment(Map.of("TZ", "Asia/Tokyo")).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            String base = "http://127.0.0.1:" + port + "/";
            browser.get(base + "?token=" + TOKEN);
            assertEquals(base, browser.getCurrentUrl(), "the token left the address bar");
            assertTrue(browser.findElement(By.tagName("body")).getText().contains("rcpt3@remote.test"));
            String zone = browser.findElement(By.cssSelector("[data-tzname]")).getText();
            assertFalse(zone.equals("UTC") || zone.isEmpty(), "the inline script ran: times in the browser's zone");
            for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
                assertFalse(e.getMessage().contains("Content Security Policy"), e.getMessage());
            }
            Path shots = Path.of("target", "screenshots");
            Files.createDirectories(shots);
            File f = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(f.toPath(), shots.resolve("admin-report.png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.quit();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
