package dev.waybill.pages;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * cpsrvd as the plugin's pages see it, on 127.0.0.1: a session is a security token
 * ({@code /cpsessNNNNNNNNNN}) bound to a cPanel user or a WHM user; a request whose path does
 * not start with its session's token is refused, as cpsrvd refuses it. The cPanel page
 * ({@code /frontend/jupiter/waybill/index.live.pl}) runs as a CGI under the cPanel user's uid and
 * gid (setpriv, no other groups), the WHM page ({@code /cgi/waybill/waybill.cgi}) as root, each
 * with cPanel's environment: {@code REMOTE_USER}, {@code cp_security_token},
 * {@code QUERY_STRING}, {@code REQUEST_METHOD}, {@code SCRIPT_NAME}, {@code HTTP_COOKIE}, ...
 * The CGI's header block ({@code Status:}, {@code Content-type:}, ...) becomes the response's.
 */
final class CpsrvdEmulator implements AutoCloseable {

    enum Kind { CPANEL, WHM }

    /** A logged-in user: which side, who, and (for tests of a stopped daemon) the socket its pages use. */
    record Session(String token, Kind kind, String user, Path socket) {
    }

    static final String CPANEL_PAGE = "/frontend/jupiter/waybill/index.live.pl";
    static final String WHM_PAGE = "/cgi/waybill/waybill.cgi";

    private final HttpServer http;
    private final Path cpanelPage;
    private final Path whmPage;
    private final Path socket;
    private final Path cpanelRoot;
    private final Path emulatedPerlLib;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final List<String> log = new ArrayList<>();

    /**
     * @param cpanelPage      the installed cPanel page (a copy of plugin/cpanel/index.live.pl)
     * @param whmPage         the installed WHM CGI (a copy of plugin/whm/waybill.cgi)
     * @param socket          the daemon's socket
     * @param cpanelRoot      the fake cPanel root (for the emulated Whostmgr::ACLS)
     * @param emulatedPerlLib where the emulated cPanel Perl modules are (Whostmgr::ACLS)
     */
    CpsrvdEmulator(Path cpanelPage, Path whmPage, Path socket, Path cpanelRoot, Path emulatedPerlLib) throws IOException {
        this.cpanelPage = cpanelPage;
        this.whmPage = whmPage;
        this.socket = socket;
        this.cpanelRoot = cpanelRoot;
        this.emulatedPerlLib = emulatedPerlLib;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.createContext("/", this::handle);
        http.start();
    }

    /** Logs {@code user} in; returns its session (the token starts every URL). */
    Session login(Kind kind, String user) {
        return login(kind, user, socket);
    }

    Session login(Kind kind, String user, Path socketForPages) {
        String token = String.format("/cpsess%010d", random.nextLong(10_000_000_000L));
        Session s = new Session(token, kind, user, socketForPages);
        sessions.put(token, s);
        return s;
    }

    /** The page's URL in {@code session}, with a query string or none. */
    String url(Session s, String query) {
        String page = s.kind() == Kind.CPANEL ? CPANEL_PAGE : WHM_PAGE;
        return "http://127.0.0.1:" + http.getAddress().getPort() + s.token() + page + (query == null ? "" : "?" + query);
    }

    String origin() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            int slash = path.indexOf('/', 1);
            Session s = slash > 0 ? sessions.get(path.substring(0, slash)) : null;
            if (s == null || !path.matches("/cpsess\\d{10}/.*")) {
                reply(ex, 401, "text/plain", "Access denied: the security token is missing or not this session's");
                return;
            }
            String rest = path.substring(slash);
            String expected = s.kind() == Kind.CPANEL ? CPANEL_PAGE : WHM_PAGE;
            if (!rest.equals(expected)) {
                reply(ex, 404, "text/plain", "Not found: " + rest);
                return;
            }
            runCgi(ex, s, rest);
        }
    }

    private void runCgi(HttpExchange ex, Session s, String scriptName) throws IOException {
        List<String> command = new ArrayList<>();
        Path script = s.kind() == Kind.CPANEL ? cpanelPage : whmPage;
        if (s.kind() == Kind.CPANEL) {
            command.addAll(List.of("/usr/bin/setpriv", "--reuid=" + s.user(), "--regid=" + s.user(), "--clear-groups"));
        }
        command.addAll(List.of("/usr/bin/perl", script.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(script.getParent().toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("SERVER_PROTOCOL", "HTTP/1.1");
        env.put("SERVER_SOFTWARE", "cpsrvd/11.120 (emulated)");
        env.put("SERVER_NAME", "127.0.0.1");
        env.put("SERVER_PORT", String.valueOf(http.getAddress().getPort()));
        env.put("HTTP_HOST", "127.0.0.1:" + http.getAddress().getPort());
        env.put("REQUEST_METHOD", ex.getRequestMethod());
        env.put("REQUEST_URI", ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
        env.put("SCRIPT_NAME", scriptName);
        env.put("QUERY_STRING", ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery());
        env.put("REMOTE_ADDR", "127.0.0.1");
        env.put("REMOTE_USER", s.user());
        env.put("cp_security_token", s.token());
        env.put("HTTP_COOKIE", "cpsession=" + s.user() + "%3aemulated");
        String agent = ex.getRequestHeaders().getFirst("User-Agent");
        env.put("HTTP_USER_AGENT", agent == null ? "" : agent);
        env.put("WAYBILL_SOCKET", s.socket().toString());
        if (s.kind() == Kind.WHM) {
            env.put("PERL5LIB", emulatedPerlLib.toString());
            env.put("WAYBILL_EMU_CPANEL_ROOT", cpanelRoot.toString());
            env.put("HOME", "/root");
            env.put("USER", "root");
        } else {
            env.put("HOME", "/home/" + s.user());
            env.put("USER", s.user());
        }
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        p.getOutputStream().close();
        try (InputStream in = p.getInputStream()) {
            int status = 200;
            String type = "text/html";
            String disposition = null;
            String line;
            while ((line = headerLine(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim().toLowerCase();
                String value = line.substring(colon + 1).trim();
                switch (name) {
                    case "status" -> status = Integer.parseInt(value.split(" ")[0]);
                    case "content-type" -> type = value;
                    case "content-disposition" -> disposition = value;
                    default -> ex.getResponseHeaders().add(line.substring(0, colon).trim(), value);
                }
            }
            if (line == null) {
                reply(ex, 500, "text/plain", "Internal Server Error: the page printed no headers");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", type);
            if (disposition != null) {
                ex.getResponseHeaders().set("Content-Disposition", disposition);
            }
            ex.sendResponseHeaders(status, 0);
            try (OutputStream out = ex.getResponseBody()) {
                in.transferTo(out);
            }
        } finally {
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (log) {
                log.add(s.kind() + " " + s.user() + " " + ex.getRequestURI() + " exit " + (p.isAlive() ? "?" : p.exitValue()));
            }
        }
    }

    /** One CGI header line without its CR LF (or LF); null at end of output. */
    private static String headerLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
            if (b.size() > 8192) {
                throw new IOException("CGI header line longer than 8 KiB");
            }
        }
        return null;
    }

    private static void reply(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    List<String> requests() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
}
