package dev.waybill.pages;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Headless Firefox driven through Marionette, the remote protocol built into Firefox, without
 * geckodriver. {@link #start} runs {@code firefox-esr --headless --marionette --no-remote} on a
 * fresh profile whose {@code user.js} asks for Marionette on a port of Firefox's choosing
 * ({@code marionette.port} 0; Firefox writes the port it took to {@code MarionetteActivePort} in
 * the profile) and keeps Firefox quiet (no first-run pages, telemetry, updates or background
 * requests). It then connects, reads the server's hello and opens a WebDriver session.
 *
 * <p>The wire format: every message is {@code <length in bytes>:<JSON>}. A command is
 * {@code [0, id, "Name", {params}]}; its reply is {@code [1, id, error, result]}, where error is
 * null or {@code {"error", "message", "stacktrace"}}. Commands go one at a time, each waiting for
 * its reply at most {@link #COMMAND_TIMEOUT}. {@link #close()} ends the session, asks Firefox to
 * quit, kills it and the processes it started (by PID) if it has not, and removes the profile.
 */
final class Marionette implements AutoCloseable {

    /** The key of a web element reference in WebDriver's JSON. */
    static final String ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    static final Duration PAGE_LOAD_TIMEOUT = Duration.ofSeconds(30);

    /** An element of the current page, as Marionette refers to it. */
    record Element(String id) {
    }

    /** A reply carrying an error: its WebDriver error code ({@code "no such element"}, ...) and message. */
    static final class CommandFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String error;

        CommandFailed(String command, String error, String message) {
            super(command + ": " + error + (message == null || message.isEmpty() ? "" : ": " + message));
            this.error = error;
        }
    }

    private static final Gson GSON = new Gson();

    private final Process firefox;
    private final Path home;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int lastId;

    private Marionette(Process firefox, Path home, Socket socket) throws IOException {
        this.firefox = firefox;
        this.home = home;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Starts {@code firefox} (the program) headless, connects, opens a session and sizes the
     * viewport to {@code width} x {@code height}. Fails with Firefox's own output if it does not
     * offer Marionette in time. {@code --remote-allow-system-access} lets the client run one
     * script in Firefox's chrome: the one of {@link #setViewport}; pages get nothing more.
     */
    static Marionette start(Path firefox, int width, int height) throws IOException, InterruptedException {
        Path home = Files.createTempDirectory("waybill-firefox");
        Path profile = Files.createDirectory(home.resolve("profile"));
        Path log = home.resolve("firefox.log");
        Files.writeString(profile.resolve("user.js"), String.join("\n",
                pref("marionette.port", "0"),
                pref("browser.shell.checkDefaultBrowser", "false"),
                pref("browser.startup.page", "0"),
                pref("browser.startup.homepage_override.mstone", "\"ignore\""),
                pref("startup.homepage_welcome_url", "\"about:blank\""),
                pref("browser.aboutwelcome.enabled", "false"),
                pref("trailhead.firstrun.didSeeAboutWelcome", "true"),
                pref("datareporting.policy.dataSubmissionEnabled", "false"),
                pref("datareporting.healthreport.uploadEnabled", "false"),
                pref("toolkit.telemetry.enabled", "false"),
                pref("toolkit.telemetry.server", "\"\""),
                pref("app.update.disabledForTesting", "true"),
                pref("app.update.auto", "false"),
                pref("app.normandy.enabled", "false"),
                pref("extensions.update.enabled", "false"),
                pref("browser.safebrowsing.malware.enabled", "false"),
                pref("browser.safebrowsing.phishing.enabled", "false"),
                pref("network.captive-portal-service.enabled", "false"),
                pref("network.connectivity-service.enabled", "false"),
                pref("browser.newtabpage.enabled", "false"),
                pref("dom.disable_beforeunload", "true"),
                "") + "\n");
        Process process = null;
        Socket socket = null;
        try {
            ProcessBuilder pb = new ProcessBuilder(firefox.toString(), "--headless", "--marionette",
                    "--remote-allow-system-access", "--no-remote", "--profile", profile.toString(), "about:blank")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("TZ", "UTC");
            pb.environment().put("MOZ_CRASHREPORTER_DISABLE", "1");
            process = pb.start();
            int port = awaitPort(process, profile.resolve("MarionetteActivePort"), log);
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            socket.setSoTimeout((int) COMMAND_TIMEOUT.toMillis());
            Marionette m = new Marionette(process, home, socket);
            JsonObject hello = m.read().getAsJsonObject();
            if (!hello.has("marionetteProtocol") || hello.get("marionetteProtocol").getAsInt() != 3) {
                throw new IOException("not Marionette protocol 3: " + hello);
            }
            JsonObject caps = new JsonObject();
            caps.addProperty("unhandledPromptBehavior", "ignore"); // an alert stays open, to be seen
            caps.addProperty("pageLoadStrategy", "normal");
            JsonObject timeouts = new JsonObject();
            timeouts.addProperty("pageLoad", PAGE_LOAD_TIMEOUT.toMillis());
            timeouts.addProperty("script", 10_000);
            timeouts.addProperty("implicit", 0);
            caps.add("timeouts", timeouts);
            m.command("WebDriver:NewSession", caps);
            m.setViewport(width, height);
            return m;
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (socket != null) {
                socket.close();
            }
            if (process != null) {
                kill(process, Duration.ZERO);
            }
            deleteTree(home);
            throw e;
        }
    }

    private static String pref(String name, String jsValue) {
        return "user_pref(\"" + name + "\", " + jsValue + ");";
    }

    /** The port Firefox wrote to its profile once Marionette listens. */
    private static int awaitPort(Process process, Path portFile, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Firefox exited (" + process.exitValue() + ") before Marionette listened: "
                        + tail(log));
            }
            if (Files.exists(portFile)) {
                String text = Files.readString(portFile).strip();
                if (text.matches("\\d{1,5}") && Integer.parseInt(text) > 0) {
                    return Integer.parseInt(text);
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("Marionette did not listen within " + START_TIMEOUT.toSeconds() + " s: " + tail(log));
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    // ---- the protocol --------------------------------------------------------------------------

    /** Sends one command and returns its result (the {@code value} member when there is one); throws {@link CommandFailed}. */
    synchronized JsonElement command(String name, JsonObject params) throws IOException {
        int id = ++lastId;
        JsonArray msg = new JsonArray();
        msg.add(0);
        msg.add(id);
        msg.add(name);
        msg.add(params == null ? new JsonObject() : params);
        byte[] body = msg.toString().getBytes(StandardCharsets.UTF_8);
        out.write((body.length + ":").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        while (true) {
            JsonElement reply;
            try {
                reply = read();
            } catch (SocketTimeoutException e) {
                throw new IOException(name + ": no reply within " + COMMAND_TIMEOUT.toSeconds() + " s", e);
            }
            JsonArray r = reply.getAsJsonArray();
            if (r.size() != 4 || r.get(0).getAsInt() != 1) {
                throw new IOException(name + ": not a reply: " + reply);
            }
            if (r.get(1).getAsInt() != id) {
                continue; // the late reply of a command that timed out before
            }
            if (!r.get(2).isJsonNull()) {
                JsonObject err = r.get(2).getAsJsonObject();
                throw new CommandFailed(name, string(err, "error"), string(err, "message"));
            }
            JsonElement result = r.get(3);
            if (result.isJsonObject() && result.getAsJsonObject().has("value") && result.getAsJsonObject().size() == 1) {
                return result.getAsJsonObject().get("value");
            }
            return result;
        }
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    /** One message: decimal length, a colon, that many bytes of JSON. */
    private JsonElement read() throws IOException {
        int length = 0;
        int digits = 0;
        int c;
        while ((c = in.read()) != ':') {
            if (c < 0) {
                throw new EOFException("Marionette closed the connection");
            }
            if (c < '0' || c > '9' || ++digits > 9) {
                throw new IOException("bad Marionette message length");
            }
            length = length * 10 + (c - '0');
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("Marionette closed the connection mid-message");
        }
        return JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
    }

    private static JsonObject params(Object... keyValues) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < keyValues.length; i += 2) {
            o.add((String) keyValues[i], json(keyValues[i + 1]));
        }
        return o;
    }

    private static JsonElement json(Object v) {
        if (v instanceof Element e) {
            JsonObject ref = new JsonObject();
            ref.addProperty(ELEMENT_KEY, e.id());
            return ref;
        }
        if (v instanceof JsonElement j) {
            return j;
        }
        return v == null ? JsonNull.INSTANCE : GSON.toJsonTree(v);
    }

    private static Element element(JsonElement ref) {
        return new Element(ref.getAsJsonObject().get(ELEMENT_KEY).getAsString());
    }

    // ---- the commands the tests use ------------------------------------------------------------

    /** Loads {@code url} and waits for the page's load event. */
    void navigate(String url) throws IOException {
        command("WebDriver:Navigate", params("url", url));
    }

    void refresh() throws IOException {
        command("WebDriver:Refresh", null);
    }

    String url() throws IOException {
        return command("WebDriver:GetCurrentURL", null).getAsString();
    }

    Element find(String css) throws IOException {
        return element(command("WebDriver:FindElement", params("using", "css selector", "value", css)));
    }

    List<Element> findAll(String css) throws IOException {
        List<Element> all = new ArrayList<>();
        for (JsonElement ref : command("WebDriver:FindElements", params("using", "css selector", "value", css)).getAsJsonArray()) {
            all.add(element(ref));
        }
        return all;
    }

    /** The first element under {@code parent} matching {@code css}. */
    Element find(Element parent, String css) throws IOException {
        return element(command("WebDriver:FindElement", params("using", "css selector", "value", css, "element", parent.id())));
    }

    /** Waits until {@code css} matches an element (the page may be loading meanwhile); fails after {@code timeout}. */
    Element await(String css, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                List<Element> found = findAll(css);
                if (!found.isEmpty()) {
                    return found.get(0);
                }
            } catch (CommandFailed e) {
                // a navigation under way can refuse the search; try again
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing matched " + css + " within " + timeout.toSeconds() + " s at " + url());
            }
            Thread.sleep(100);
        }
    }

    /** The rendered text, as a user sees it (hidden text left out). */
    String text(Element e) throws IOException {
        return command("WebDriver:GetElementText", params("id", e.id())).getAsString();
    }

    String attribute(Element e, String name) throws IOException {
        JsonElement v = command("WebDriver:GetElementAttribute", params("id", e.id(), "name", name));
        return v.isJsonNull() ? null : v.getAsString();
    }

    boolean displayed(Element e) throws IOException {
        return command("WebDriver:IsElementDisplayed", params("id", e.id())).getAsBoolean();
    }

    /**
     * Clicks {@code e} and waits until another document has replaced the current one and loaded:
     * the old one is marked, and the wait ends when the page in the window no longer carries the mark.
     */
    void clickToNewPage(Element e, Duration timeout) throws IOException, InterruptedException {
        script("window.waybillOldPage = true;");
        click(e);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (script("return window.waybillOldPage !== true && document.readyState === 'complete';").getAsBoolean()) {
                    return;
                }
            } catch (CommandFailed retry) {
                // the document went away under the script: the navigation is under way
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no new page within " + timeout.toSeconds() + " s of the click, at " + url());
            }
            Thread.sleep(100);
        }
    }

    /** Types {@code text} into the element, as keystrokes. */
    void type(Element e, String text) throws IOException {
        command("WebDriver:ElementSendKeys", params("id", e.id(), "text", text));
    }

    /** Clicks the element's centre, as a user would (scrolled into view; refused if something covers it). */
    void click(Element e) throws IOException {
        command("WebDriver:ElementClick", params("id", e.id()));
    }

    /** Runs {@code script} (a function body: {@code arguments}, {@code return}) in the page; its result. */
    JsonElement script(String script, Object... args) throws IOException {
        JsonArray a = new JsonArray();
        for (Object arg : args) {
            a.add(json(arg));
        }
        return command("WebDriver:ExecuteScript", params("script", script, "args", a));
    }

    String pageSource() throws IOException {
        return command("WebDriver:GetPageSource", null).getAsString();
    }

    /** The text of an open alert, confirm or prompt; null when there is none. */
    String alertText() throws IOException {
        try {
            return command("WebDriver:GetAlertText", null).getAsString();
        } catch (CommandFailed e) {
            if ("no such alert".equals(e.error)) {
                return null;
            }
            throw e;
        }
    }

    /** Closes an open alert, confirm or prompt as its Cancel button would. */
    void dismissAlert() throws IOException {
        command("WebDriver:DismissAlert", null);
    }

    /** A PNG of the viewport. */
    byte[] screenshot() throws IOException {
        return Base64.getDecoder().decode(command("WebDriver:TakeScreenshot", params("full", false)).getAsString());
    }

    /**
     * Sizes the window so that the page's viewport is {@code width} CSS pixels wide (headless
     * Firefox has no toolbars, so the window is the viewport). Firefox keeps a browser window at
     * least 500 px wide, a limit set by the stylesheet of its own window: for a phone's width the
     * client lifts it first, in Firefox's chrome context, then asks through
     * {@code WebDriver:SetWindowRect} like any other size. Returns the viewport's width.
     */
    int setViewport(int width, int height) throws IOException {
        command("Marionette:SetContext", params("value", "chrome"));
        try {
            script("document.documentElement.style.minWidth = '0px';");
        } finally {
            command("Marionette:SetContext", params("value", "content"));
        }
        command("WebDriver:SetWindowRect", params("width", width, "height", height));
        return script("return window.innerWidth;").getAsInt();
    }

    // ---- the end -------------------------------------------------------------------------------

    /** Ends the session and Firefox, whatever state they are in, and removes the profile. */
    @Override
    public void close() throws IOException {
        try {
            try {
                command("WebDriver:DeleteSession", null);
                command("Marionette:Quit", params("flags", List.of("eForceQuit")));
            } catch (IOException | RuntimeException e) {
                // Firefox is killed below either way
            }
            socket.close();
        } finally {
            kill(firefox, Duration.ofSeconds(10));
            deleteTree(home);
        }
    }

    /** Waits up to {@code grace} for {@code p} to exit, then kills it and whatever processes it started, by PID. */
    private static void kill(Process p, Duration grace) {
        List<ProcessHandle> children = p.descendants().toList();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
