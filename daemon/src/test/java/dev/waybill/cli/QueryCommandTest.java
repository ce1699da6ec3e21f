package dev.waybill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.server.LiveAccounts;
import dev.waybill.server.MethodRegistry;
import dev.waybill.server.QueryMethods;
import dev.waybill.server.ScopeResolver;
import dev.waybill.server.ServerSettings;
import dev.waybill.server.SocketServer;
import dev.waybill.server.SystemUsers;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import dev.waybill.trace.AddressTracer;
import dev.waybill.trace.JndiMxResolver;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code waybill search|message|trace|stats|export} against a real server over the real Exim
 * fixture stored in a private MariaDB (the test runs as root, which sees everything).
 */
@ExtendWith(PrivateMariaDb.class)
class QueryCommandTest {

    /**
     * A message whose subject and remote reply (Exim's escapes decoded) hold what a terminal acts
     * on: a title change (OSC), a screen clear (CSI), a right-to-left override, and text in
     * wide characters and with a combining mark.
     */
    static final String HOSTILE_ID = "1xXhos-0000AA-01";
    static final String HOSTILE = """
            2026-11-28 05:00:00 1xXhos-0000AA-01 <= mallory@evil.test H=(evil.test) [192.0.2.9]:4000 P=esmtp \
            S=900 id=h@evil.test T="\\033]0;owned\\007\\033[2JCaf\\303\\251 \\345\\240\\261\\345\\221\\212" \
            for nosuch@remote.test \u5831\u544ae\u0301@remote.test
            2026-11-28 05:00:01 1xXhos-0000AA-01 ** nosuch@remote.test R=dnslookup T=remote_smtp H=mx.remote.test \
            [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<nosuch@remote.test>: 550 \
            \\033]0;owned\\007\\033[2J\\342\\200\\256\\345\\240\\261\\345\\221\\212 e\\314\\201 no such user
            2026-11-28 05:00:01 1xXhos-0000AA-01 ** \u5831\u544ae\u0301@remote.test: \
            \\033]0;owned\\007\\342\\200\\256\\345\\240\\261 unrouteable
            2026-11-28 05:00:01 1xXhos-0000AA-01 Completed""";

    @TempDir
    static Path dir;
    static HikariDataSource ds;
    static SocketServer server;
    static Path socket;
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeAll
    static void start(TestDatabase db) throws Exception {
        Path root = dir.resolve("cpanel");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n*: nobody\n");
        ds = db.pool(4);
        DeliveryStore store = new DeliveryStore(ds, "cli-test");
        store.prepare();
        Ingester ingester = new Ingester("cli-test", CpanelAccounts.read(root), 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        try (InputStream in = QueryCommandTest.class.getResourceAsStream("/fixtures/exim496-cpanel-like.log")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                ingester.accept(parser.parse(line), -1);
            }
        }
        for (String line : HOSTILE.split("\n")) {
            ingester.accept(parser.parse(line), -1);
        }
        store.write(ingester.takeBatch());
        socket = dir.resolve("waybill.sock");
        AddressTracer tracer = new AddressTracer(root,
                JndiMxResolver.forServer(new InetSocketAddress("127.0.0.1", 9), Duration.ofMillis(200), 1));
        server = new SocketServer(ServerSettings.defaults(socket),
                new QueryMethods(ds, "cli-test", tracer).registerAll(new MethodRegistry()),
                new ScopeResolver(LiveAccounts.fixed(CpanelAccounts.read(root)), SystemUsers.system()), l -> { })
                .registerBuiltins(Map::of);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        ds.close();
    }

    int run(String command, String... args) {
        stdout.reset();
        stderr.reset();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--socket";
        all[args.length + 1] = socket.toString();
        return QueryCommand.run(command, all, Map.of(), new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    @Test
    void search_failed_printsATableOfFailuresWithCounts() {
        assertEquals(0, run("search", "--failed"), stderr.toString());
        String out = out();
        assertTrue(out.startsWith("SENT"), out);
        assertTrue(out.contains("reject-1@bad.sink.test"), out);
        assertFalse(out.contains(" success "), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("matches: failure ")), out);
    }

    @Test
    void search_sent_countsTheAccountsSentMail_asStatsDo() {
        assertEquals(0, run("stats", "--json", "--since", "2026-11-27", "--until", "2026-11-29"), stderr.toString());
        JsonObject counted = null;
        for (var g : JsonParser.parseString(out()).getAsJsonObject().getAsJsonArray("accounts")) {
            if (g.getAsJsonObject().get("name").getAsString().equals("exampleco")) {
                counted = g.getAsJsonObject().getAsJsonObject("counts");
            }
        }
        assertNotNull(counted, out());
        assertEquals(0, run("search", "--json", "--user", "exampleco", "--sent", "--since", "2026-11-27",
                "--until", "2026-11-29"), stderr.toString());
        JsonObject searched = JsonParser.parseString(out()).getAsJsonObject().getAsJsonObject("counts");
        assertEquals(counted, searched);
        assertEquals(0, run("search", "--json", "--user", "exampleco", "--since", "2026-11-27",
                "--until", "2026-11-29"), stderr.toString());
        assertNotEquals(counted, JsonParser.parseString(out()).getAsJsonObject().getAsJsonObject("counts"),
                "the account's mail, sent and received, is more");
        assertEquals(1, run("search", "--sent"));
        assertTrue(stderr.toString().contains("bad_request"), stderr.toString());
    }

    @Test
    void search_json_isTheDaemonsPage_andCursorPagesOn() {
        assertEquals(0, run("search", "--json", "--limit", "2"));
        JsonObject page = JsonParser.parseString(out()).getAsJsonObject();
        assertEquals(2, page.getAsJsonArray("rows").size());
        String next = page.get("next").getAsString();
        assertEquals(0, run("search", "--json", "--limit", "2", "--cursor", next));
        JsonObject second = JsonParser.parseString(out()).getAsJsonObject();
        assertFalse(second.getAsJsonArray("rows").get(0).equals(page.getAsJsonArray("rows").get(0)));
    }

    @Test
    void message_failure_printsDiagnosisAndLogLines() {
        assertEquals(0, run("search", "--json", "--recipient", "reject-1@bad.sink.test"));
        String msgid = JsonParser.parseString(out()).getAsJsonObject().getAsJsonArray("rows").get(0)
                .getAsJsonObject().get("msgid").getAsString();
        assertEquals(0, run("message", msgid), stderr.toString());
        assertTrue(out().contains("FAILURE"), out());
        assertTrue(out().contains("cause:") && out().contains("fix:"), out());
        assertTrue(out().contains(msgid + " <= "), out());
        assertEquals(1, run("message", "1aaaaa-000000-00"));
        assertTrue(stderr.toString().contains("not_found"), stderr.toString());
    }

    @Test
    void statsTraceExport_answer() {
        assertEquals(0, run("stats", "--since", "2026-11-27", "--until", "2026-11-29", "--by-day"), stderr.toString());
        assertTrue(out().contains("accounts with the most failures"), out());
        assertEquals(0, run("trace", "nobody@nowhere.invalid"), stderr.toString());
        assertTrue(out().contains("nowhere.invalid"), out());
        assertEquals(0, run("export", "--failed"), stderr.toString());
        assertTrue(out().startsWith("sent_utc,type,"), out());
        assertTrue(stderr.toString().contains("rows"), stderr.toString());
    }

    @Test
    void badArguments_exitTwoWithAReason() {
        assertEquals(2, run("search", "--limit", "many"));
        assertTrue(stderr.toString().contains("--limit"), stderr.toString());
        assertEquals(2, run("search", "--bogus", "x"));
        assertEquals(2, run("message"));
        assertEquals(1, run("search", "--limit", "5000"));
        assertTrue(stderr.toString().contains("bad_request"), stderr.toString());
        assertThrows(IllegalArgumentException.class, () -> QueryCommand.when("yesterday", "--since"));
        assertEquals(1795824000L, QueryCommand.when("1795824000", "--since"));
    }

    /** Nothing an attacker wrote moves the cursor, clears the screen, retitles the terminal or turns text around. */
    static void assertNothingATerminalActsOn(String out) {
        out.codePoints().filter(c -> c != '\n').forEach(c -> {
            int type = Character.getType(c);
            assertFalse(type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR, String.format("U+%04X in %s", c, out));
        });
    }

    /**
     * Wide characters take two columns and combining marks none, so the table's columns line up
     * only when their widths are counted in columns, not characters.
     */
    @Test
    void search_hostileSubjectAndReply_staySafeAndTheColumnsLineUp() {
        assertEquals(0, run("search", "--msgid", HOSTILE_ID), stderr.toString());
        String out = out();
        assertNothingATerminalActsOn(out);
        assertTrue(out.contains("\u5831\u544ae\u0301@remote.test"), out);
        List<String> lines = out.lines().toList();
        int msgidColumn = TerminalText.columns(lines.get(0).substring(0, lines.get(0).indexOf("MSGID")));
        for (String line : lines.subList(1, 3)) {
            assertEquals(msgidColumn, TerminalText.columns(line.substring(0, line.indexOf(HOSTILE_ID))), out);
        }
        assertEquals(0, run("message", HOSTILE_ID), stderr.toString());
        assertNothingATerminalActsOn(out());
        assertTrue(out().contains("Caf\u00e9 \u5831\u544a"), out());
    }

    /** An admin's Turkish locale does not make FAILURE "FAİLURE" (Java's upper case of i there is İ). */
    @Test
    void message_underATurkishLocale_namesTheOutcomeInAscii() {
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
            assertEquals(0, run("message", HOSTILE_ID), stderr.toString());
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertTrue(out().contains("  FAILURE  "), out());
    }

    @Test
    void terminalText_countsColumns_andCutsToThem() {
        assertEquals(5, TerminalText.columns("\u5831\u544ae\u0301"));
        assertEquals("\u5831\u544ae\u0301 ", TerminalText.column("\u5831\u544ae\u0301", 6));
        assertEquals("\u5831~", TerminalText.column("\u5831\u544ae\u0301", 3));
        assertEquals("\u5831 ~", TerminalText.column("\u5831\u544ae\u0301", 4), "a wide character does not fit in one");
        assertEquals(" ]0;x  [2J abc", TerminalText.printable("\u001b]0;x\u0007\u001b[2J\u202eabc"));
        assertEquals("\ud83d\udce7~", TerminalText.column("\ud83d\udce7\ud83d\udce7\ud83d\udce7", 3),
                "a character outside the BMP is never cut in half");
    }

    /** The CLI as a process of its own, with standard output to a pipe and the locale of {@code env}. */
    static Process cli(Map<String, String> env, String... args) throws java.io.IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("--socket", socket.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * {@code waybill export | head -1}: a reader that leaves the pipe early is no failure to
     * explain on the terminal; the command stops quietly (still exit status 1: the output is not
     * all there).
     */
    @Test
    void readerOfThePipeGone_stopsQuietly() throws Exception {
        for (String command : new String[] {"export", "search", "stats"}) {
            Process p = cli(Map.of(), command);
            p.getInputStream().close();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, p.waitFor(), command + ": " + err);
            assertEquals("", err, command);
        }
    }

    /**
     * JSON and CSV are UTF-8 whatever the locale: under a cron job's (LANG unset, or C) Java would
     * write every character outside ASCII as '?'.
     */
    @Test
    void jsonAndCsv_underTheCLocale_areUtf8() throws Exception {
        String[][] commands = {{"search", "--json", "--msgid", HOSTILE_ID}, {"export", "--msgid", HOSTILE_ID}};
        for (String[] command : commands) {
            Process p = cli(Map.of("LC_ALL", "C"), command);
            p.getErrorStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), command[0] + ": " + out);
            assertTrue(out.contains("Caf\u00e9 \u5831\u544a"), command[0] + ": " + out);
        }
    }

    /**
     * An option another command has, or none has, is a usage error naming the option (status 2),
     * not a question the daemon refuses with the name of a parameter (status 1).
     */
    @Test
    void optionsOfAnotherCommand_areUsageErrors() {
        assertEquals(2, run("stats", "--failed"), stderr.toString());
        assertTrue(stderr.toString().contains("'--failed'"), stderr.toString());
        assertEquals(2, run("message", "1aaaaa-000000-00", "--type", "failure"), stderr.toString());
        assertEquals(2, run("trace", "a@b.test", "--limit", "5"), stderr.toString());
        assertEquals(2, run("search", "--by-day"), stderr.toString());
        assertEquals(2, run("export", "--limit", "5"), stderr.toString());
        stderr.reset();
        assertEquals(2, QueryCommand.run("search", new String[] {"--bogus"}, Map.of(), new PrintStream(stdout),
                new PrintStream(stderr, true, StandardCharsets.UTF_8)));
        assertEquals("waybill search: unknown argument '--bogus'", stderr.toString().strip());
        assertEquals(0, run("export", "--oldest", "--msgid", HOSTILE_ID), stderr.toString());
        assertEquals(0, run("stats", "--by-day", "--server", "cli-test"), stderr.toString());
    }

    /** export writes CSV: --json is a usage error saying so, and its help does not offer it. */
    @Test
    void export_json_isAUsageError_notCsvUnderAJsonFlag() {
        assertEquals(2, run("export", "--failed", "--json"), stderr.toString());
        assertEquals("", out());
        assertTrue(stderr.toString().contains("--json") && stderr.toString().contains("CSV"), stderr.toString());
        assertEquals(0, run("export", "--help"), stderr.toString());
        assertFalse(out().contains("--json"), out());
        assertEquals(0, run("search", "--help"), stderr.toString());
        assertTrue(out().contains("--json"), out());
    }

    /** An option's line of a help text: the option (words with one space between) and the gap after it. */
    private static final Pattern OPTION_LINE = Pattern.compile("^  (-\\S*(?: \\S+)*?)( {2,})\\S");

    /** The options of every command's help start in one column, the shared ones included. */
    @Test
    void help_optionsLineUp() {
        for (String usage : List.of(QueryCommand.SEARCH_USAGE, QueryCommand.MESSAGE_USAGE, QueryCommand.TRACE_USAGE,
                QueryCommand.STATS_USAGE, QueryCommand.EXPORT_USAGE, StatusCommand.USAGE, WhoamiCommand.USAGE)) {
            for (String line : usage.lines().toList()) {
                Matcher m = OPTION_LINE.matcher(line);
                if (m.find() && m.group(1).length() < 20) {
                    assertEquals(22, m.end(1) + m.group(2).length(), "'" + line + "' in\n" + usage);
                }
            }
        }
    }

    /** A date alone is a whole day at either end, as on the pages: --since 28th --until 28th is the 28th. */
    @Test
    void when_aDateAlone_takesInThatWholeDay() {
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        long start = java.time.LocalDate.of(2026, 11, 28).atStartOfDay(zone).toEpochSecond();
        long next = java.time.LocalDate.of(2026, 11, 29).atStartOfDay(zone).toEpochSecond();
        assertEquals(start, QueryCommand.when("2026-11-28", "--since"));
        assertEquals(next, QueryCommand.when("2026-11-28", "--until"), "the search's until is exclusive");
        assertEquals(start + 14 * 3600, QueryCommand.when("2026-11-28 14:00", "--until"), "a time is that time");
    }

    /**
     * The times Waybill itself prints in UTC, the export's {@code sent_utc} and the status's ISO
     * 8601, may be given back as they are, and so may a time with its offset.
     */
    @Test
    void when_isoTimeWithZoneOrOffset_isThatInstant() {
        long t = java.time.Instant.parse("2026-11-28T14:00:00Z").getEpochSecond();
        assertEquals(t, QueryCommand.when("2026-11-28T14:00:00Z", "--since"));
        assertEquals(t, QueryCommand.when("2026-11-28T15:00+01:00", "--until"));
        assertEquals(t, QueryCommand.when("2026-11-28T14:00:00.250Z", "--since"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QueryCommand.when("2026-11-28T25:00Z", "--since"));
        assertTrue(e.getMessage().contains("not a date"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QueryCommand.when("28/11/2026", "--until"));
        assertTrue(e.getMessage().contains("2026-11-28"), "the error shows the forms taken: " + e.getMessage());
    }

    /**
     * Output that cannot be written (a full disk under {@code export > file.csv}, a reader gone
     * from the pipe) is a failure, said on standard error, and the export stops asking for rows.
     */
    @Test
    void outputThatCannotBeWritten_exitsOne_andSaysSo() {
        for (String command : new String[] {"export", "search", "stats"}) {
            stderr.reset();
            FullDisk full = new FullDisk();
            int status = QueryCommand.run(command, new String[] {"--socket", socket.toString()}, Map.of(),
                    new PrintStream(full, true, StandardCharsets.UTF_8),
                    new PrintStream(stderr, true, StandardCharsets.UTF_8));
            assertEquals(1, status, command + ": " + stderr);
            assertTrue(stderr.toString().contains("cannot write"), command + ": " + stderr);
            assertFalse(stderr.toString().contains(" rows"), command + ": " + stderr);
            if (command.equals("export")) {
                assertEquals(1, full.writes(), "the export stops at the first failed write");
            }
        }
    }
}
