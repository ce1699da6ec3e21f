package dev.waybill.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.render.Pages;
import dev.waybill.render.Templates;
import dev.waybill.testing.InterceptedDataSource;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin page over real HTTP (a bare socket where a client would not send it), its database refusing every connection. */
class AdminServerTest {

    private static final String TOKEN = "Db0wnTokenForTheAdminPage42";

    private final List<String> logged = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private AdminServer server;

    private String start() throws Exception {
        Templates templates = Templates.load(null);
        Pages pages = Pages.forStore(InterceptedDataSource.away(), null, templates, "web1", 30);
        server = new AdminServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), AdminToken.of(TOKEN),
                Path.of("/etc/waybill/admin.token"), pages, templates, logged::add);
        server.start();
        return server.url();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void export_databaseDown_is503PageNotAnEmptyCsv() throws Exception {
        String url = start();
        HttpResponse<String> r = get(url + "?view=export");
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), r.headers().toString());
        assertFalse(r.headers().firstValue("Content-Disposition").isPresent(), "no file to save");
        assertTrue(r.body().contains("Mail history unavailable"), r.body());
    }

    @Test
    void views_databaseDown_are503WithRetryAfter() throws Exception {
        String url = start();
        for (String query : List.of("", "?view=stats", "?view=message&msgid=1vD9xY-000A1b-C2")) {
            HttpResponse<String> r = get(url + query);
            assertEquals(503, r.statusCode(), query + ": " + r.body());
            assertEquals("60", r.headers().firstValue("Retry-After").orElse(null), query + ": " + r.headers());
            assertTrue(r.body().contains("Mail history unavailable"), r.body());
        }
        assertEquals("60", get(url + "?view=export").headers().firstValue("Retry-After").orElse(null));
    }

    /** Sends {@code request} as raw bytes on a new connection and returns all the server answers before it closes. */
    private static String raw(String url, String request) throws Exception {
        try (Socket so = new Socket(InetAddress.getLoopbackAddress(), URI.create(url).getPort())) {
            so.setSoTimeout(5000);
            OutputStream out = so.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(so.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void tokenInAnAddressWithAControlCharacter_is400NotASilentClose() throws Exception {
        String url = start();
        String answer = raw(url, "GET /?token=" + TOKEN + "&view=he\u0001lp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), "an answer, not a closed connection: " + answer);
        assertFalse(answer.contains("Set-Cookie") || answer.contains("set-cookie"), answer);
        assertTrue(logged.isEmpty(), logged.toString());
    }

    @Test
    void requestHeadSentAByteAtATime_orNotAtAll_is408AfterTheDeadline() throws Exception {
        String url = start();
        int port = URI.create(url).getPort();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AdminHandler.HEAD_SECONDS + 5);
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port);
             Socket slow = new Socket(InetAddress.getLoopbackAddress(), port)) {
            // each byte comes well inside the 30 s of silence a connection is allowed
            slow.setSoTimeout(500);
            byte[] head = ("GET /?view=help HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "s".repeat(1000))
                    .getBytes(StandardCharsets.ISO_8859_1);
            StringBuilder answer = new StringBuilder();
            int i = 0;
            while (System.nanoTime() < deadline) {
                try {
                    slow.getOutputStream().write(head[i++ % head.length]);
                    int n = slow.getInputStream().read();
                    if (n < 0) {
                        break;
                    }
                    answer.append((char) n);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (SocketException e) {
                    break; // closed by the server while writing
                }
            }
            assertTrue(System.nanoTime() < deadline, "the slow request head is still being read after "
                    + (AdminHandler.HEAD_SECONDS + 5) + " s (" + i + " bytes)");
            answer.append(new String(slow.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
            assertTrue(answer.toString().startsWith("HTTP/1.1 408 "), answer.toString());
            silent.setSoTimeout(1000);
            String quiet = new String(silent.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(quiet.startsWith("HTTP/1.1 408 "), "a connection that sends nothing: " + quiet);
        }
        assertTrue(logged.isEmpty(), logged.toString());
    }

    @Test
    void twoHostHeaders_orNoneInHttp11_is400() throws Exception {
        String url = start();
        String auth = "Authorization: Bearer " + TOKEN + "\r\n";
        String two = raw(url, "GET /?view=help HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\n" + auth + "\r\n");
        assertTrue(two.startsWith("HTTP/1.1 400 "), "a second Host that may disagree: " + two);
        String twoSame = raw(url, "GET /?view=help HTTP/1.1\r\nhost: 127.0.0.1\r\nHOST: 127.0.0.1\r\n" + auth + "\r\n");
        assertTrue(twoSame.startsWith("HTTP/1.1 400 "), "two Hosts, whatever they say: " + twoSame);
        String none = raw(url, "GET /?view=help HTTP/1.1\r\n" + auth + "\r\n");
        assertTrue(none.startsWith("HTTP/1.1 400 "), "HTTP/1.1 without a Host: " + none);
        String old = raw(url, "GET /?view=help HTTP/1.0\r\n" + auth + "\r\n");
        assertTrue(old.startsWith("HTTP/1.1 200 "), "HTTP/1.0 needs no Host: " + old);
        String one = raw(url, "GET /?view=help HTTP/1.1\r\nHost: 127.0.0.1:8470\r\n" + auth + "\r\n");
        assertTrue(one.startsWith("HTTP/1.1 200 "), one);
    }
}
