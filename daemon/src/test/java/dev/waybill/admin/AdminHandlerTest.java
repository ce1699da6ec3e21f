package dev.waybill.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.render.Pages;
import dev.waybill.render.Templates;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The admin page's checks, driven through an {@link EmbeddedChannel}: method, Host, token,
 * cookie, and the headers. The one view used, {@code help}, needs no database.
 */
class AdminHandlerTest {

    private static final String TOKEN = "Xq3vR8mK2pL9sT4wY7zA1bC5";
    private static final Path TOKEN_FILE = Path.of("/etc/waybill/admin.token");
    private static final Templates TEMPLATES = Templates.load(null);
    private static final Pages PAGES = new Pages(null, null, null, null, TEMPLATES, "web1", 30);

    private final List<String> logged = new ArrayList<>();

    private FullHttpResponse send(HttpMethod method, String uri, Map<String, String> headers) {
        EmbeddedChannel ch = new EmbeddedChannel(new AdminHandler(AdminToken.of(TOKEN), TOKEN_FILE, PAGES,
                new SecurityHeaders(TEMPLATES), Runnable::run, logged::add));
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        req.headers().set("Host", "127.0.0.1:8470");
        headers.forEach((k, v) -> req.headers().set(k, v));
        ch.writeInbound(req);
        ch.runPendingTasks();
        FullHttpResponse r = ch.readOutbound();
        assertNotNull(r, "an answer");
        assertFalse(ch.isOpen(), "one request per connection");
        return r;
    }

    private FullHttpResponse get(String uri, Map<String, String> headers) {
        return send(HttpMethod.GET, uri, headers);
    }

    private static String body(FullHttpResponse r) {
        return r.content().toString(StandardCharsets.UTF_8);
    }

    private String cookie() {
        FullHttpResponse r = get("/?token=" + TOKEN, Map.of());
        return r.headers().get("Set-Cookie").split(";")[0];
    }

    private static void assertSecurityHeaders(FullHttpResponse r) {
        assertTrue(r.headers().get("Content-Security-Policy").startsWith("default-src 'none'; script-src 'sha256-"));
        assertEquals("DENY", r.headers().get("X-Frame-Options"));
        assertEquals("no-referrer", r.headers().get("Referrer-Policy"));
        assertEquals("no-store", r.headers().get("Cache-Control"));
        assertEquals("nosniff", r.headers().get("X-Content-Type-Options"));
    }

    @Test
    void noToken_is401SayingWhereTheTokenIs() {
        FullHttpResponse r = get("/", Map.of());
        assertEquals(401, r.status().code());
        assertTrue(body(r).contains("/etc/waybill/admin.token"), body(r));
        assertTrue(body(r).contains("Token needed"), body(r));
        assertSecurityHeaders(r);
    }

    @Test
    void wrongToken_is401AndNoCookie() {
        FullHttpResponse r = get("/?token=" + TOKEN.substring(1) + "x", Map.of());
        assertEquals(401, r.status().code());
        assertTrue(body(r).contains("Wrong token"), body(r));
        assertFalse(r.headers().contains("Set-Cookie"));
    }

    @Test
    void tokenInQuery_setsStrictHttpOnlyCookieAndRedirectsWithoutIt() {
        FullHttpResponse r = get("/?view=stats&token=" + TOKEN + "&range=7d", Map.of());
        assertEquals(303, r.status().code());
        assertEquals("/?view=stats&range=7d", r.headers().get("Location"));
        String setCookie = r.headers().get("Set-Cookie");
        assertTrue(setCookie.startsWith(AdminHandler.COOKIE + "="), setCookie);
        assertTrue(setCookie.contains("HTTPOnly") || setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
        assertFalse(setCookie.contains(TOKEN), "the cookie is not the token");
        assertSecurityHeaders(r);
    }

    @Test
    void tokenRedirect_goesToThePageOnly_neverElsewhere() {
        assertEquals("/", get("//attacker.example?token=" + TOKEN, Map.of()).headers().get("Location"));
        String cookie = cookie();
        assertEquals("/?a=1", get("//attacker.example/x?token=wrong&a=1", Map.of("Cookie", cookie))
                .headers().get("Location"), "signed in already: the stray token is dropped, the path too");
    }

    @Test
    void cookie_opensTheViewsWithTheirInlineScriptAllowedByHash() {
        FullHttpResponse r = get("/?view=help", Map.of("Cookie", "other=1; " + cookie()));
        assertEquals(200, r.status().code(), body(r));
        assertTrue(r.headers().get("Content-Type").startsWith("text/html"));
        String html = body(r);
        assertTrue(html.startsWith("<!DOCTYPE html>"), "a whole document");
        assertTrue(html.contains("Mail of every account on this server"), html);
        String csp = r.headers().get("Content-Security-Policy");
        for (String tag : List.of("script", "style")) {
            Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
            int n = 0;
            while (m.find()) {
                n++;
                assertTrue(csp.contains(SecurityHeaders.hash(m.group(1))), "the inline " + tag + " is allowed by its hash");
            }
            assertEquals(1, n, "one inline " + tag);
        }
        assertSecurityHeaders(r);
    }

    @Test
    void bearerHeader_opensTheViews_wrongBearerDoesNot() {
        assertEquals(200, get("/?view=help", Map.of("Authorization", "Bearer " + TOKEN)).status().code());
        assertEquals(401, get("/?view=help", Map.of("Authorization", "Bearer nope" + TOKEN)).status().code());
        assertEquals(401, get("/?view=help", Map.of("Cookie", AdminHandler.COOKIE + "=" + TOKEN)).status().code(),
                "the token itself is not a valid cookie");
    }

    @Test
    void post_is405EvenWithTheToken() {
        FullHttpResponse r = send(HttpMethod.POST, "/", Map.of("Authorization", "Bearer " + TOKEN));
        assertEquals(405, r.status().code());
        assertEquals("GET, HEAD", r.headers().get("Allow"));
        assertSecurityHeaders(r);
        assertEquals(405, send(HttpMethod.DELETE, "/?token=" + TOKEN, Map.of()).status().code());
    }

    @Test
    void head_hasTheHeadersAndNoBody() {
        FullHttpResponse r = send(HttpMethod.HEAD, "/?view=help", Map.of("Authorization", "Bearer " + TOKEN));
        assertEquals(200, r.status().code());
        assertEquals(0, r.content().readableBytes());
        assertTrue(Integer.parseInt(r.headers().get("Content-Length")) > 1000);
    }

    @Test
    void foreignHost_isRefused_beforeAnyToken() {
        FullHttpResponse r = get("/?token=" + TOKEN, Map.of("Host", "attacker.example:8470"));
        assertEquals(421, r.status().code());
        assertFalse(r.headers().contains("Set-Cookie"));
        for (String host : List.of("localhost:8470", "127.0.0.1", "[::1]:8470", "127.1.2.3:9")) {
            assertEquals(200, get("/?view=help", Map.of("Host", host, "Authorization", "Bearer " + TOKEN))
                    .status().code(), host);
        }
    }

    /** An error view keeps its page and has the status it means: no script or browser takes it for the view. */
    @Test
    void errorViews_haveTheirStatus_withTheirPage() {
        Map<String, String> bearer = Map.of("Authorization", "Bearer " + TOKEN);
        FullHttpResponse none = get("/?view=nosuch", bearer);
        assertEquals(404, none.status().code());
        assertTrue(body(none).contains("No such page") && body(none).startsWith("<!DOCTYPE html>"), body(none));
        assertSecurityHeaders(none);
        FullHttpResponse which = get("/?view=message", bearer);
        assertEquals(400, which.status().code());
        assertTrue(body(which).contains("Which message?"), body(which));
        assertEquals(400, get("/?from=yesterday", bearer).status().code());
        assertEquals(400, get("/?view=export&from=yesterday", bearer).status().code());
    }

    /** HEAD answers what GET would, status included: a script checking an export first is not told 200. */
    @Test
    void head_ofAnExportThatCannotRun_is400LikeItsGet() {
        FullHttpResponse r = send(HttpMethod.HEAD, "/?view=export&from=yesterday", Map.of("Authorization", "Bearer " + TOKEN));
        assertEquals(400, r.status().code());
        assertTrue(r.headers().get("Content-Type").startsWith("text/html"), r.headers().toString());
        assertEquals(0, r.content().readableBytes());
    }

    @Test
    void otherPath_is404AfterTheToken() {
        assertEquals(401, get("/etc/passwd", Map.of()).status().code());
        assertEquals(404, get("/favicon.ico", Map.of("Authorization", "Bearer " + TOKEN)).status().code());
    }

    @Test
    void withoutToken_keepsTheOtherPairsInOrder() {
        assertEquals("a=1&b=2", AdminHandler.withoutToken("a=1&token=x&b=2"));
        assertEquals("", AdminHandler.withoutToken("token=x"));
        assertEquals("q=%3C", AdminHandler.withoutToken("t%6Fken=x&q=%3C&token"));
        assertEquals(List.of("x", ""), AdminHandler.queryValues("token=x&a=1&token", "token"));
    }
}
