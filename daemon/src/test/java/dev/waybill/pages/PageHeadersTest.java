package dev.waybill.pages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.render.PageQuery;
import dev.waybill.render.Pages;
import dev.waybill.server.ErrorCode;
import dev.waybill.server.LiveAccounts;
import dev.waybill.server.MethodRegistry;
import dev.waybill.server.RequestException;
import dev.waybill.server.ScopeResolver;
import dev.waybill.server.ServerSettings;
import dev.waybill.server.SocketServer;
import dev.waybill.server.SystemUsers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The headers the cPanel page and the WHM CGI print, run as CGIs (real Perl) against a real
 * socket server whose {@code render} stands in for the daemon's: every answer shows someone's
 * mail (or, for the CSV export, all of it), so none may be kept in a browser's or proxy's cache.
 * The stand-in tells the export from the other views as the daemon does ({@link Pages#viewOf}).
 */
class PageHeadersTest {

    private static final Path PLUGIN = Path.of("../plugin").toAbsolutePath().normalize();
    private static final String[] PAGES = {"cpanel/index.live.pl", "whm/waybill.cgi"};

    @TempDir
    static Path dir;
    private static SocketServer server;
    private static Path socket;

    @BeforeAll
    static void start() throws IOException {
        socket = dir.resolve("waybill.sock");
        MethodRegistry methods = new MethodRegistry();
        methods.register("render", (req, scope, reply) -> {
            PageQuery q = PageQuery.parse(req.params().string("query", ""));
            if (Pages.viewOf(q).equals("export")) {
                if (q.get("user") != null) {
                    throw RequestException.forbidden("account " + q.get("user") + " is not yours");
                }
                reply.chunk("sent_utc,type\r\n2026-11-28T10:00:00Z,success\r\n");
                JsonObject done = new JsonObject();
                done.addProperty("rows", 1);
                reply.result(done);
            } else if (q.get("error") != null) {
                throw new RequestException(ErrorCode.valueOf(q.get("error").toUpperCase(Locale.ROOT)),
                        "the daemon says " + q.get("error"));
            } else {
                // an error view as the daemon answers it: its status first, then its page
                String status = q.get("status");
                JsonObject page = new JsonObject();
                page.addProperty("status", status == null ? 200 : Integer.parseInt(status));
                page.addProperty("html", status == null ? "<p>the mail of an account</p>" : "<p>error view " + status + "</p>");
                reply.result(page);
            }
        });
        server = new SocketServer(ServerSettings.defaults(socket), methods,
                new ScopeResolver(LiveAccounts.fixed(CpanelAccounts.none()), SystemUsers.system()), l -> { });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void cpanelPage_report_isNeverCached() throws Exception {
        assertNoStore(run("cpanel/index.live.pl", "view=report"));
    }

    @Test
    void cpanelPage_csvExport_isNeverCached() throws Exception {
        assertCsvNeverCached("cpanel/index.live.pl");
    }

    @Test
    void whmPage_report_isNeverCached() throws Exception {
        assertNoStore(run("whm/waybill.cgi", "view=report"));
    }

    @Test
    void whmPage_csvExport_isNeverCached() throws Exception {
        assertCsvNeverCached("whm/waybill.cgi");
    }

    /** The export of {@code script}: a CSV download, neither kept nor sniffed. */
    private static void assertCsvNeverCached(String script) throws Exception {
        Map<String, String> h = run(script, "view=export");
        assertTrue(h.get("content-type").startsWith("text/csv"), h.toString());
        assertNoStore(h);
        assertEquals("nosniff", h.get("x-content-type-options"), h.toString());
    }

    @Test
    void cpanelPage_csvExport_withTheFeatureDisabled_isRefused() throws Exception {
        String out = output("cpanel/index.live.pl", "view=export", Map.of("WAYBILL_EMU_FEATURES_OFF", "waybill"));
        Map<String, String> h = headers(out);
        assertTrue(h.get("content-type").startsWith("text/html"), h.toString());
        assertTrue(!h.containsKey("content-disposition"), h.toString());
        assertTrue(out.contains("not enabled for this account") && !out.contains("2026-11-28T10:00:00Z"), out);
    }

    @Test
    void bothPages_viewNamedOddly_answerAsTheDaemonDecides() throws Exception {
        for (String page : new String[] {"cpanel/index.live.pl", "whm/waybill.cgi"}) {
            // the daemon decodes and trims the view's name: each of these is the export
            for (String query : new String[] {"view=%65xport", "view=export%20", "view=&view=export", "view=+export"}) {
                Map<String, String> h = run(page, query);
                assertTrue(h.get("content-type").startsWith("text/csv"), page + "?" + query + ": " + h);
            }
            // and here the first view named wins: the report, not an empty CSV file
            Map<String, String> h = run(page, "view=report&view=export");
            assertTrue(h.get("content-type").startsWith("text/html"), page + ": " + h);
        }
    }

    @Test
    void bothPages_exportTheDaemonRefuses_showTheReasonAsAPage() throws Exception {
        for (String page : new String[] {"cpanel/index.live.pl", "whm/waybill.cgi"}) {
            String out = output(page, "view=export&user=nobody", Map.of());
            Map<String, String> h = headers(out);
            assertTrue(h.get("content-type").startsWith("text/html") && !h.containsKey("content-disposition"),
                    page + ": " + h);
            assertTrue(out.contains("account nobody is not yours") && out.contains("role=\"alert\""), out);
            assertEquals("403 Forbidden", h.get("status"), page + ": " + h);
        }
    }

    @Test
    void bothPages_errorView_hasItsStatus_andItsPage() throws Exception {
        for (String page : PAGES) {
            assertEquals(null, headers(output(page, "view=report", Map.of())).get("status"), page + ": a page is a 200");
            for (String status : new String[] {"400 Bad Request", "403 Forbidden", "404 Not Found", "503 Service Unavailable"}) {
                String out = output(page, "view=message&status=" + status.substring(0, 3), Map.of());
                Map<String, String> h = headers(out);
                assertEquals(status, h.get("status"), page + ": " + h);
                assertEquals(status.startsWith("503") ? "60" : null, h.get("retry-after"), page + ": " + h);
                assertTrue(h.get("content-type").startsWith("text/html"), page + ": " + h);
                assertNoStore(h);
                assertTrue(out.contains("<p>error view " + status.substring(0, 3) + "</p>"), out);
            }
        }
    }

    @Test
    void bothPages_daemonError_hasTheStatusOfItsCode() throws Exception {
        Map<String, String> expected = Map.of("bad_request", "400 Bad Request", "forbidden", "403 Forbidden",
                "not_found", "404 Not Found", "unavailable", "503 Service Unavailable",
                "internal", "500 Internal Server Error");
        for (String page : PAGES) {
            for (Map.Entry<String, String> e : expected.entrySet()) {
                String out = output(page, "error=" + e.getKey(), Map.of());
                assertEquals(e.getValue(), headers(out).get("status"), page + ": " + out);
                assertTrue(out.contains("the daemon says " + e.getKey()) && out.contains("role=\"alert\""), out);
            }
            assertEquals("60", headers(output(page, "error=unavailable", Map.of())).get("retry-after"));
        }
    }

    @Test
    void bothPages_daemonNotRunning_is503WithRetryAfter() throws Exception {
        // no socket at all, and a socket file nobody listens on (connection refused)
        Path refused = dir.resolve("refused.sock");
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(refused));
        }
        for (Path socketFile : new Path[] {dir.resolve("absent.sock"), refused}) {
            for (String page : PAGES) {
                // the CSV export too: a page saying so, not a file
                for (String query : new String[] {"view=report", "view=export"}) {
                    String out = output(page, query, Map.of("WAYBILL_SOCKET", socketFile.toString()));
                    Map<String, String> h = headers(out);
                    assertEquals("503 Service Unavailable", h.get("status"), page + " " + socketFile + ": " + out);
                    assertEquals("60", h.get("retry-after"), h.toString());
                    assertTrue(h.get("content-type").startsWith("text/html") && out.contains("not running"), out);
                }
            }
        }
    }

    @Test
    void cpanelPage_featureDisabled_is403() throws Exception {
        String out = output("cpanel/index.live.pl", "view=report", Map.of("WAYBILL_EMU_FEATURES_OFF", "waybill"));
        assertEquals("403 Forbidden", headers(out).get("status"), out);
    }

    @Test
    void bothPages_daemonThatNeverAnswers_is503AfterTheTimeout_notAHungPage() throws Exception {
        try (FakeDaemon silent = new FakeDaemon("silent.sock", ch -> Thread.sleep(60_000))) {
            for (String page : PAGES) {
                for (String query : new String[] {"view=report", "view=export"}) {
                    long start = System.nanoTime();
                    String out = output(page, query, silent.env());
                    Map<String, String> h = headers(out);
                    assertEquals("503 Service Unavailable", h.get("status"), page + "?" + query + ": " + out);
                    assertEquals("60", h.get("retry-after"), h.toString());
                    assertTrue(h.get("content-type").startsWith("text/html") && out.contains("did not answer"), out);
                    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "about the 2 s asked for");
                }
            }
        }
    }

    /** A daemon too stuck to accept: once its queue of connections is full, a page's connect would wait for ever. */
    @Test
    void bothPages_daemonNotAccepting_is503NotAHungPage() throws Exception {
        Path full = dir.resolve("full.sock");
        Files.deleteIfExists(full);
        List<SocketChannel> queued = new ArrayList<>();
        try (ServerSocketChannel wedged = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            wedged.bind(UnixDomainSocketAddress.of(full), 1);
            for (int i = 0; i < 2; i++) { // Linux queues one more than the backlog
                queued.add(SocketChannel.open(UnixDomainSocketAddress.of(full)));
            }
            for (String page : PAGES) {
                String out = output(page, "view=report", Map.of("WAYBILL_SOCKET", full.toString(),
                        "WAYBILL_PAGE_TIMEOUT", "2"));
                Map<String, String> h = headers(out);
                assertEquals("503 Service Unavailable", h.get("status"), page + ": " + out);
                assertEquals("60", h.get("retry-after"), h.toString());
                assertTrue(out.contains("did not answer"), out);
            }
        } finally {
            for (SocketChannel c : queued) {
                c.close();
            }
        }
    }

    @Test
    void bothPages_daemonClosingMidReply_is503() throws Exception {
        try (FakeDaemon half = new FakeDaemon("half.sock",
                ch -> write(ch, "{\"id\":1,\"result\":{\"status\":200,\"html\":\"<p>the mail of"))) {
            for (String page : PAGES) {
                String out = output(page, "view=report", half.env());
                assertEquals("503 Service Unavailable", headers(out).get("status"), page + ": " + out);
                assertTrue(out.contains("did not answer") && !out.contains("the mail of"), out);
            }
        }
    }

    /** A line longer than any reply (65 MiB, no end) is not read to its end, nor waited on. */
    @Test
    void bothPages_replyLineLargerThanAnyPage_is502AtOnce() throws Exception {
        try (FakeDaemon endless = new FakeDaemon("endless.sock", ch -> {
            write(ch, "{\"id\":1,\"result\":{\"status\":200,\"html\":\"" + "x".repeat(65 << 20));
            Thread.sleep(60_000);
        })) {
            for (String page : PAGES) {
                long start = System.nanoTime();
                String out = output(page, "view=report", Map.of("WAYBILL_SOCKET", endless.socket.toString()));
                assertEquals("502 Bad Gateway", headers(out).get("status"), page + ": " + out.substring(0, 300));
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "before the 90 s timeout");
            }
        }
    }

    /** A CSV export the daemon stops sending (closed or stuck) ends with a line saying so, not as if complete. */
    @Test
    void bothPages_csvExportCutShort_saysSoInItsLastLine() throws Exception {
        String first = "{\"id\":1,\"chunk\":\"sent_utc,type\\r\\n2026-11-28T10:00:00Z,success\\r\\n\"}\n";
        try (FakeDaemon closed = new FakeDaemon("csv-closed.sock", ch -> write(ch, first + "{\"id\":1,\"chu"));
             FakeDaemon stuck = new FakeDaemon("csv-stuck.sock", ch -> {
                 write(ch, first);
                 Thread.sleep(60_000);
             })) {
            for (FakeDaemon daemon : List.of(closed, stuck)) {
                for (String page : PAGES) {
                    String out = output(page, "view=export", daemon.env());
                    assertTrue(headers(out).get("content-type").startsWith("text/csv"), out);
                    assertTrue(out.contains("2026-11-28T10:00:00Z,success\r\n"), out);
                    assertTrue(out.endsWith("\n# export stopped: the Waybill service stopped answering;"
                            + " this file is incomplete\n"), page + " " + daemon.socket + ": " + out);
                }
            }
        }
    }

    private static void write(SocketChannel ch, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** What a stand-in daemon does with a connection once it has read the request line. */
    interface Answer {
        void answer(SocketChannel ch) throws IOException, InterruptedException;
    }

    /** A daemon that misbehaves as {@code answer} says, on a socket of its own, each connection on a thread. */
    static final class FakeDaemon implements AutoCloseable {
        final Path socket;
        private final ServerSocketChannel server;
        private final ExecutorService threads = Executors.newCachedThreadPool();

        FakeDaemon(String name, Answer answer) throws IOException {
            socket = dir.resolve(name);
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            threads.execute(() -> {
                try {
                    while (true) {
                        SocketChannel accepted = server.accept();
                        threads.execute(() -> {
                            try (SocketChannel ch = accepted) {
                                ByteBuffer one = ByteBuffer.allocate(1);
                                while (ch.read(one) > 0 && one.get(0) != '\n') {
                                    one.clear();
                                }
                                answer.answer(ch);
                            } catch (IOException | InterruptedException e) {
                                // the page went away, or the test is over
                            }
                        });
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
        }

        /** The pages' environment for this daemon, with a short reply timeout. */
        Map<String, String> env() {
            return Map.of("WAYBILL_SOCKET", socket.toString(), "WAYBILL_PAGE_TIMEOUT", "2");
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }

    private static void assertNoStore(Map<String, String> headers) {
        String cache = headers.get("cache-control");
        assertTrue(cache != null && cache.contains("no-store"), headers.toString());
    }

    /** Runs a page as cpsrvd runs a CGI (root's WHM user for the WHM page); its headers, names in lower case. */
    private static Map<String, String> run(String page, String query) throws Exception {
        String out = output(page, query, Map.of());
        Map<String, String> headers = headers(out);
        String body = out.substring(out.indexOf("\r\n\r\n"));
        assertTrue(body.contains("success") || body.contains("the mail of an account"),
                () -> page + " did not show the daemon's answer: " + out);
        return headers;
    }

    /**
     * Everything a page prints, run as cpsrvd runs it: the cPanel page with cPanel's LiveAPI at
     * hand (emulated), the WHM page with Whostmgr::ACLS; {@code extra} adds to the environment.
     */
    private static String output(String page, String query, Map<String, String> extra) throws Exception {
        Path script = PLUGIN.resolve(page);
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/perl", script.toString())
                .directory(script.getParent().toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("REQUEST_METHOD", "GET");
        env.put("QUERY_STRING", query);
        env.put("REMOTE_USER", "root");
        env.put("cp_security_token", "/cpsess0123456789");
        env.put("WAYBILL_SOCKET", socket.toString());
        env.put("PERL5LIB", Path.of("src/test/resources/cpanel-emu").toAbsolutePath().toString());
        env.put("WAYBILL_EMU_CPANEL_ROOT", dir.toString());
        if (page.startsWith("cpanel/")) {
            env.put("CPANEL_CONNECT_SOCKET", "emulated");
        }
        env.putAll(extra);
        Process p = pb.start();
        p.getOutputStream().close();
        // read apart, so that a page that never finishes fails the test instead of holding it
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out;
        try {
            out = read.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError(page + "?" + query + " did not finish within 30 s");
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), page + " did not finish");
        assertTrue(out.indexOf("\r\n\r\n") > 0, () -> page + " printed no headers: " + out);
        return out;
    }

    /** The header block of a page's output, names in lower case. */
    private static Map<String, String> headers(String out) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : out.substring(0, out.indexOf("\r\n\r\n")).split("\r\n")) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return headers;
    }
}
