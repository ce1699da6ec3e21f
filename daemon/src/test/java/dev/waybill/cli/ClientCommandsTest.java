package dev.waybill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.server.LiveAccounts;
import dev.waybill.server.MethodRegistry;
import dev.waybill.server.ScopeResolver;
import dev.waybill.server.ServerSettings;
import dev.waybill.server.SocketServer;
import dev.waybill.server.SystemUsers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code waybill status} and {@code waybill whoami} against a real server. */
class ClientCommandsTest {

    @TempDir
    Path dir;
    private SocketServer server;
    private Path socket;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("waybill.sock");
        server = new SocketServer(ServerSettings.defaults(socket), new MethodRegistry(),
                new ScopeResolver(LiveAccounts.fixed(CpanelAccounts.none()), SystemUsers.system()), l -> { })
                .registerBuiltins(() -> Map.of("state", "following the log", "log", "/var/log/exim_mainlog"));
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int run(Map<String, String> env, String... args) {
        stdout.reset();
        stderr.reset();
        PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        return args[0].equals("status") ? StatusCommand.run(rest, env, out, err) : WhoamiCommand.run(rest, env, out, err);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void status_daemonRunning_printsVersionUptimeAndIngest() {
        assertEquals(0, run(Map.of(), "status", "--socket", socket.toString()), err());
        assertTrue(out().startsWith("waybill dev is running (pid " + ProcessHandle.current().pid() + "), up "), out());
        assertTrue(out().contains("socket:  " + socket + " (1 connections, limit 1024)"), out());
        assertTrue(out().contains("  state: following the log\n"), out());
    }

    @Test
    void status_json_printsOneObject() {
        assertEquals(0, run(Map.of(), "status", "--json", "--socket", socket.toString()));
        JsonObject h = JsonParser.parseString(out()).getAsJsonObject();
        assertEquals("following the log", h.getAsJsonObject("ingest").get("state").getAsString());
        assertEquals(1, out().strip().lines().count());
    }

    @Test
    void status_noDaemon_saysSoAndFails() {
        Path nowhere = dir.resolve("nowhere.sock");
        assertEquals(1, run(Map.of(), "status", "--socket", nowhere.toString()));
        assertEquals("waybill status: cannot connect to " + nowhere + ": is waybill running?\n", err());
    }

    @Test
    void status_socketFromTheEnvironment_isUsedUnlessTheFlagSaysOtherwise() {
        assertEquals(0, run(Map.of("WAYBILL_SOCKET", socket.toString()), "status"), err());
        assertEquals(1, run(Map.of("WAYBILL_SOCKET", socket.toString()), "status", "--socket", "/nonexistent/w.sock"));
        assertTrue(err().contains("/nonexistent/w.sock"), err());
    }

    @Test
    void status_socketFromTheConfiguration_isTheLastResort() throws Exception {
        Path conf = dir.resolve("waybill.conf");
        Files.writeString(conf, "socket.path = " + socket + "\ncpanel.root = " + dir + "\n");
        assertEquals(0, run(Map.of(), "status", "--config", conf.toString()), err());
        assertEquals(socket, ClientOptions.resolveSocket(null, "", conf, dir.resolve("none.conf"),
                dir.resolve("default.sock")).path());
        assertEquals(socket, ClientOptions.resolveSocket(null, null, null, conf, dir.resolve("default.sock")).path(),
                "the default configuration, readable");
    }

    /**
     * Regression: the installed configuration is root's alone (mode 0600: the database password),
     * and every client command of a user who may not read it, a cPanel account asking whoami,
     * failed on it. Then the default socket stands in for socket.path; an unreadable --config FILE,
     * or a default configuration that says something wrong, still stops the command.
     */
    @Test
    void clientCommand_defaultConfigurationUnreadable_triesTheDefaultSocket() throws Exception {
        List<Path> unreadable = new ArrayList<>();
        unreadable.add(Files.createDirectory(dir.resolve("a-directory.conf"))); // unreadable even for root
        Path secret = Files.writeString(dir.resolve("secret.conf"), "socket.path = /elsewhere.sock\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(secret)) {
            unreadable.add(secret); // permission denied, as a cPanel user meets it
        }
        for (Path conf : unreadable) {
            ClientOptions o = ClientOptions.parse("whoami", new String[0], true, System.err);
            o.defaultConfig = conf;
            o.defaultSocket = socket;
            assertEquals(0, call(o).status(), err());
            assertEquals(socket, call(o).socket());

            Path nowhere = dir.resolve("nowhere.sock");
            o.defaultSocket = nowhere;
            assertEquals(1, call(o).status());
            assertTrue(err().startsWith("waybill whoami: cannot connect to " + nowhere + ": is waybill running? (could"
                    + " not read the configuration, " + conf + ": "), err());
            assertTrue(err().endsWith(", so tried the default socket; --socket PATH or $WAYBILL_SOCKET names"
                    + " another)\n"), err());

            ClientOptions explicit = ClientOptions.parse("whoami", new String[] {"--config", conf.toString()}, true,
                    System.err);
            explicit.defaultSocket = socket;
            assertEquals(2, call(explicit).status());
            assertTrue(err().startsWith("waybill whoami: " + conf + ": "), err());
        }
        Path wrong = Files.writeString(dir.resolve("wrong.conf"), "retention.days = 0\n");
        ClientOptions o = ClientOptions.parse("whoami", new String[0], true, System.err);
        o.defaultConfig = wrong;
        o.defaultSocket = socket;
        assertEquals(2, call(o).status());
        assertTrue(err().contains(wrong + ":1: retention.days = '0' is not valid"), err());
    }

    private ClientOptions.Answer call(ClientOptions o) {
        stderr.reset();
        return o.call("whoami", Map.of(), "whoami", null, null, new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @Test
    void whoami_root_seesEveryAccount() {
        assertEquals(0, run(Map.of(), "whoami", "--socket", socket.toString()), err());
        assertEquals("uid 0 (root), root\nsees: every account\n", out());
        assertEquals(0, run(Map.of(), "whoami", "--json", "--socket", socket.toString()));
        assertEquals("root", JsonParser.parseString(out()).getAsJsonObject().get("role").getAsString());
    }

    @Test
    void whoami_asUnknownUser_isForbidden() {
        assertEquals(1, run(Map.of(), "whoami", "--as", "nosuch", "--socket", socket.toString()));
        assertEquals("waybill whoami: forbidden: 'nosuch' is neither root nor a reseller\n", err());
    }

    @Test
    void options_wrong_areUsageErrors() {
        assertEquals(2, run(Map.of(), "status", "--as", "x"));
        assertEquals(2, run(Map.of(), "whoami", "--socket"));
        assertEquals(0, run(Map.of(), "whoami", "--help"));
        assertTrue(out().contains("--as NAME"));
    }

    @Test
    void uptime_isShortAndReadable() {
        assertEquals("42s", ClientOptions.uptime(42));
        assertEquals("2m 05s", ClientOptions.uptime(125));
        assertEquals("2h 03m 10s", ClientOptions.uptime(7390));
        assertEquals("3d 04h 05m", ClientOptions.uptime(3 * 86400 + 4 * 3600 + 5 * 60 + 9));
    }
}
