package dev.waybill.admin;

import dev.waybill.query.BadQueryException;
import dev.waybill.query.ForbiddenException;
import dev.waybill.query.Viewer;
import dev.waybill.render.PageQuery;
import dev.waybill.render.Pages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One admin page connection, one request: checks the method, the Host, the token, then runs the
 * view on a worker and answers. The views are {@link Pages} with root's scope, exactly what the
 * socket's {@code render} method gives the WHM page with {@code page: "admin"}.
 *
 * <p>Authentication: {@code Authorization: Bearer TOKEN} (scripts) or the session cookie
 * {@value #COOKIE}; a first visit with {@code ?token=TOKEN} gets the cookie (HttpOnly,
 * SameSite=Strict) and a redirect to the same address without the token, so that the token
 * leaves the address bar and the history. Anything else gets 401 and a page saying where the
 * token is. Only GET and HEAD: the views are read-only, so a cross-site request can change
 * nothing (and SameSite=Strict keeps the cookie off it anyway).
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {

    static final String COOKIE = "waybill_admin";
    /** How long a client that stops reading a CSV export is waited for. */
    static final long WRITE_WAIT_SECONDS = 30;
    /**
     * How long a request's line and headers may take from the connection's opening: a client
     * that sends them a byte at a time would otherwise hold a connection for as long as it likes,
     * the idle timeout being reset by every byte. Longer than a browser keeps a connection it opened
     * ahead of time without using it (Chromium: 10 s), so that such a one is never told 408.
     */
    static final long HEAD_SECONDS = 20;
    /** When to try again after the database did not answer: its page says "in a minute". */
    static final String RETRY_AFTER_SECONDS = "60";
    private static final String WHO = "every account on this server";
    private static final String BASE = "/";
    /** Host headers that name this machine's loopback: anything else may be DNS rebinding. */
    private static final Pattern LOOPBACK_HOST = Pattern.compile(
            "(?i)(?:localhost|127(?:\\.\\d{1,3}){3}|\\[(?:0{0,4}:){2,7}0{0,3}1\\])(?::\\d{1,5})?");

    private final AdminToken token;
    private final Path tokenFile;
    private final Pages pages;
    private final SecurityHeaders headers;
    private final Executor workers;
    private final Consumer<String> log;
    private boolean answered;
    private ScheduledFuture<?> headDeadline;

    AdminHandler(AdminToken token, Path tokenFile, Pages pages, SecurityHeaders headers, Executor workers,
            Consumer<String> log) {
        this.token = token;
        this.tokenFile = tokenFile;
        this.pages = pages;
        this.headers = headers;
        this.workers = workers;
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        headDeadline = ctx.executor().schedule(() -> {
            if (!answered) {
                answered = true;
                sendText(ctx, false, HttpResponseStatus.REQUEST_TIMEOUT, "The request took too long to arrive.");
            }
        }, HEAD_SECONDS, TimeUnit.SECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        headDeadline.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req && !answered) {
                answered = true; // one request per connection; bodies and anything after are dropped
                headDeadline.cancel(false);
                handle(ctx, req);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void handle(ChannelHandlerContext ctx, HttpRequest req) {
        boolean head = req.method().equals(HttpMethod.HEAD);
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            sendText(ctx, head, status, "This request cannot be read (" + status.reasonPhrase() + ").");
            return;
        }
        if (!head && !req.method().equals(HttpMethod.GET)) {
            FullHttpResponse r = page(head, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed",
                    "The admin page only shows things: GET and HEAD, nothing else.");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, r);
            return;
        }
        // RFC 9112 section 3.2: one Host (HTTP/1.0 may leave it out), never two: a second could name another site
        List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || hosts.isEmpty() && !req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            sendText(ctx, head, HttpResponseStatus.BAD_REQUEST, "This request needs exactly one Host header.");
            return;
        }
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (host != null && !LOOPBACK_HOST.matcher(host).matches()) {
            sendText(ctx, head, HttpResponseStatus.MISDIRECTED_REQUEST, "Open the admin page as http://127.0.0.1:PORT/"
                    + " (through an SSH tunnel from another machine), not by another name.");
            return;
        }
        String uri = req.uri();
        // a control character cannot go back in the Location of the token's redirect: refuse it here
        if (!uri.startsWith("/") || uri.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            sendText(ctx, head, HttpResponseStatus.BAD_REQUEST, "This request cannot be read (Bad Request).");
            return;
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        List<String> given = queryValues(query, "token");
        if (!authorized(req)) {
            if (given.size() == 1 && token.matchesToken(given.get(0))) {
                redirectWithCookie(ctx, withoutToken(query));
            } else {
                unauthorized(ctx, head, !given.isEmpty());
            }
            return;
        }
        if (!given.isEmpty()) {
            // already signed in: still take the token out of the address bar
            redirectWithCookie(ctx, withoutToken(query));
            return;
        }
        if (!path.equals(BASE)) {
            send(ctx, page(head, HttpResponseStatus.NOT_FOUND, "Not found",
                    "The admin page is at /; every view is a query on it."));
            return;
        }
        Pages.Request view = new Pages.Request(Viewer.all(), user -> true, Pages.Side.ADMIN, BASE,
                PageQuery.parse(query), true, WHO);
        boolean export = Pages.viewOf(view.query()).equals("export");
        try {
            workers.execute(() -> {
                try {
                    if (export) {
                        exportCsv(ctx, head, view);
                    } else {
                        html(ctx, head, pages.renderOrUnavailable(view));
                    }
                } catch (RuntimeException e) {
                    log.accept("admin page: " + uri.replaceAll("token=[^&]*", "token=…") + " failed: " + e);
                    send(ctx, page(head, HttpResponseStatus.INTERNAL_SERVER_ERROR, "Something went wrong",
                            "Waybill could not show this page; its log says why."));
                }
            });
        } catch (RejectedExecutionException e) {
            FullHttpResponse r = page(head, HttpResponseStatus.SERVICE_UNAVAILABLE, "Busy",
                    "Waybill is answering other requests; try again in a moment.");
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "2");
            send(ctx, r);
        }
    }

    private boolean authorized(HttpRequest req) {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return token.matchesToken(auth.substring(7).strip());
        }
        String cookies = req.headers().get(HttpHeaderNames.COOKIE);
        if (cookies != null) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(cookies)) {
                if (c.name().equals(COOKIE) && token.matchesCookie(c.value())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Signs the browser in and sends it to the page (always {@code /}: never elsewhere, whatever the path). */
    private void redirectWithCookie(ChannelHandlerContext ctx, String rest) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
        DefaultCookie c = new DefaultCookie(COOKIE, token.cookieValue());
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        r.headers().set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(c));
        r.headers().set(HttpHeaderNames.LOCATION, rest.isEmpty() ? BASE : BASE + "?" + rest);
        send(ctx, r);
    }

    private void unauthorized(ChannelHandlerContext ctx, boolean head, boolean wrongToken) {
        FullHttpResponse r = page(head, HttpResponseStatus.UNAUTHORIZED,
                wrongToken ? "Wrong token" : "Token needed",
                (wrongToken ? "That is not this server's token. " : "")
                        + "Open the address install.sh printed, http://127.0.0.1:PORT/?token=… — the token is in "
                        + tokenFile + " on the server, readable by root only (sudo cat " + tokenFile + ").");
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"waybill\"");
        send(ctx, r);
    }

    /** The CSV of the report's search, streamed as it is read, at the pace the client reads. */
    private void exportCsv(ChannelHandlerContext ctx, boolean head, Pages.Request view) {
        Channel ch = ctx.channel();
        boolean[] started = {false};
        HttpResponse start = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders h = start.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
        h.set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"waybill-" + LocalDate.now() + ".csv\"");
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        headers.addTo(h);
        if (head) {
            try {
                pages.searchParams(view, true); // a search that cannot run has the status its GET has
            } catch (Pages.PageError e) {
                cannotExport(ctx, true, view, e.status(), e.getMessage());
                return;
            }
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            ch.writeAndFlush(start);
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        try {
            pages.exportCsv(view, text -> {
                if (!started[0]) {
                    started[0] = true;
                    await(ch.writeAndFlush(start));
                }
                await(ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))));
            });
        } catch (BadQueryException | ForbiddenException | Pages.PageError e) {
            if (!started[0]) {
                int status = e instanceof Pages.PageError p ? p.status() : e instanceof ForbiddenException ? 403 : 400;
                cannotExport(ctx, false, view, status, e.getMessage());
                return;
            }
            stopped(ch, e.getMessage());
        } catch (SQLException e) {
            if (!started[0]) {
                html(ctx, false, pages.renderError(view, HttpResponseStatus.SERVICE_UNAVAILABLE.code(),
                        "Mail history unavailable", "The database behind Waybill is not answering.",
                        "Try again in a minute."));
                return;
            }
            stopped(ch, "the database did not answer; try again shortly");
        } catch (IOException e) {
            ch.close(); // the client went away or stopped reading
            return;
        }
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    private void cannotExport(ChannelHandlerContext ctx, boolean head, Pages.Request view, int status, String why) {
        html(ctx, head, pages.renderError(view, status, "Cannot export that", why,
                "Change the search and export again."));
    }

    private static void stopped(Channel ch, String why) {
        String line = "# export stopped: " + why.replace('\n', ' ') + "\r\n";
        ch.write(new DefaultHttpContent(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8)));
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    private static void await(ChannelFuture f) throws IOException {
        try {
            if (!f.await(WRITE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the client stopped reading");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (!f.isSuccess()) {
            throw new IOException("the client went away", f.cause());
        }
    }

    /** A view with its status; the database away (503) says when to come back, as its page does. */
    private void html(ChannelHandlerContext ctx, boolean head, Pages.Rendered page) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(page.status());
        FullHttpResponse r = response(head, status, "text/html; charset=utf-8", page.html());
        if (status.equals(HttpResponseStatus.SERVICE_UNAVAILABLE)) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        send(ctx, r);
    }

    private void sendText(ChannelHandlerContext ctx, boolean head, HttpResponseStatus status, String text) {
        send(ctx, response(head, status, "text/plain; charset=utf-8", text + "\n"));
    }

    /** A small whole page of its own (no stylesheet, no script) for answers outside the views. */
    private FullHttpResponse page(boolean head, HttpResponseStatus status, String title, String text) {
        String html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + " · Waybill</title></head>\n<body><h1>" + escape(title) + "</h1>\n<p>" + escape(text)
                + "</p></body></html>\n";
        return response(head, status, "text/html; charset=utf-8", html);
    }

    private FullHttpResponse response(boolean head, HttpResponseStatus status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    /** Sends a whole response with the security headers, and closes the connection after it. */
    private void send(ChannelHandlerContext ctx, FullHttpResponse r) {
        headers.addTo(r.headers());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        }
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /** Every value of {@code name} in a raw query string (malformed escapes count as given). */
    static List<String> queryValues(String query, String name) {
        List<String> out = new ArrayList<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (name.equals(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
                out.add(eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    /** The raw query string without its {@code token} pairs, the others untouched and in order. */
    static String withoutToken(String query) {
        StringBuilder sb = new StringBuilder();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (pair.isEmpty() || "token".equals(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(pair);
        }
        return sb.toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
