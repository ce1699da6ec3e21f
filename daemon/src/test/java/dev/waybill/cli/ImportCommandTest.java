package dev.waybill.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.waybill.ingest.LogFileInfo;
import dev.waybill.ingest.LogHead;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code waybill import} into a private MariaDB: what lands equals what {@code waybill parse} reports. */
@ExtendWith(PrivateMariaDb.class)
class ImportCommandTest {

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    private int run(String... args) {
        stdout.reset();
        stderr.reset();
        return Main.run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    private static String fixture() throws IOException {
        try (InputStream in = ImportCommandTest.class.getResourceAsStream("/fixtures/exim496-cpanel-like.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Path setUp(Path dir, TestDatabase db) throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("etc/valiases"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n*: nobody\n");
        Files.writeString(root.resolve("etc/trueuserowners"), "exampleco: resell1\nshopuser: root\n");
        Files.writeString(root.resolve("etc/valiases/example.com"),
                "sales@example.com: bob@example.com\nteam@example.com: carol@shop.test, ok-team@ok.sink.test\n");
        Path conf = dir.resolve("waybill.conf");
        Files.writeString(conf, "db.url = " + db.jdbcUrl() + "\ndb.user = " + db.user() + "\ndb.password = "
                + db.password() + "\ncpanel.root = " + root + "\nserver.id = test1\nlog.timezone = UTC\n"
                + "retention.days = 3650\n"); // the sample logs are from 2025
        Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return conf;
    }

    /** (msgid, recipient, type, deliveredto, router) of every outcome, sorted: what both must agree on. */
    private TreeSet<String> parsed(Path conf, Path log) {
        assertEquals(0, run("parse", "--config", conf.toString(), log.toString()), stderr.toString());
        TreeSet<String> rows = new TreeSet<>();
        for (String line : stdout.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            rows.add(String.join("|", str(o, "msgid"), str(o, "recipient"), str(o, "type"), str(o, "deliveredto"),
                    str(o, "router"), str(o, "user"), str(o, "deliveryuser"), str(o, "attempts")));
        }
        return rows;
    }

    private static String str(JsonObject o, String key) {
        return o.get(key).isJsonNull() ? "" : o.get(key).getAsString();
    }

    private static final String[] TYPES = {"success", "filtered", "failure", "defer", "rejected", "inprogress"};

    private static TreeSet<String> stored(TestDatabase db) throws SQLException {
        TreeSet<String> rows = new TreeSet<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT msgid, recipient, type, deliveredto, router, user, deliveryuser,"
                     + " attempts FROM delivery")) {
            while (rs.next()) {
                rows.add(String.join("|", n(rs.getString(1)), n(rs.getString(2)), TYPES[rs.getInt(3)],
                        n(rs.getString(4)), n(rs.getString(5)), n(rs.getString(6)), n(rs.getString(7)),
                        String.valueOf(rs.getInt(8))));
            }
        }
        return rows;
    }

    private static String n(String s) {
        return s == null ? "" : s;
    }

    /** The stored raw lines of one message, in order. */
    private static List<String> lines(TestDatabase db, String msgid) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT log_lines FROM message_log WHERE msgid = '" + msgid
                     + "' ORDER BY first_time")) {
            while (rs.next()) {
                lines.addAll(List.of(rs.getString(1).split("\n")));
            }
        }
        return lines;
    }

    private static long count(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void import_realEximLog_storesWhatParseReports(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        Files.writeString(log, fixture());
        TreeSet<String> expected = parsed(conf, log);
        assertEquals(26, expected.size());

        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        assertTrue(stdout.toString(StandardCharsets.UTF_8).startsWith("imported 1 file, 138 lines"), stdout.toString());
        assertEquals(expected, stored(db));

        // Every line of a message is kept, and the account sees its rows through the owner index.
        assertEquals(6, lines(db, "1xX9eC-0000L7-2g").size(), "the six lines that carry its id");
        assertTrue(lines(db, "1xX9eC-0000L7-2g").get(4).startsWith("2026-11-28 04:02:54 1xX9eC-0000L7-2g => tempfail-once@"));
        assertTrue(count(db, "SELECT COUNT(*) FROM delivery_owner WHERE owner = 'shopuser'") >= 2);
        assertTrue(count(db, "SELECT COUNT(*) FROM delivery_owner WHERE owner = '@resell1'") > 0,
                "the reseller of exampleco sees its rows");
        assertEquals(0, count(db, "SELECT COUNT(*) FROM delivery_owner WHERE owner = '@root'"));
    }

    /**
     * Rows the database refuses (here, subjects longer than an altered column holds) are left out
     * and said one by one; the summary counts them apart from the rows stored, and the import
     * ends with status 1, since not everything read was stored.
     */
    @Test
    void import_rowsTheDatabaseRefuses_areCountedApartFromTheRowsStored(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path empty = Files.createFile(dir.resolve("exim_mainlog"));
        assertEquals(0, run("import", "--config", conf.toString(), empty.toString()), stderr.toString());
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE delivery MODIFY subject VARCHAR(8) NULL");
        }
        Path log = dir.resolve("exim_mainlog.1");
        Files.writeString(log, fixture());
        assertEquals(1, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        String err = stderr.toString(StandardCharsets.UTF_8);
        long said = err.lines().filter(l -> l.contains("could not be stored and was left out")
                && l.contains("the row of ")).count();
        long stored = count(db, "SELECT COUNT(*) FROM delivery");
        assertTrue(said > 0 && stored > 0, err);
        assertEquals(26, stored + said);
        String summary = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(summary.startsWith("imported 1 file, 138 lines, " + stored + " rows stored and " + said
                + " left out (said above) in "), summary);
    }

    /**
     * A .gz holding 5 GiB of text in 400 MB, whose trailer keeps 1 GiB (the length modulo 4 GiB),
     * then a plain 1 GiB file: halfway through the first, what reading it shows (2.5 GiB of text
     * for 200 MB of it) is the measure, so the share done is 2.5 of 6 GiB, not 0.5 of 2. A file
     * that large takes minutes to make, so the sizes are given here; the files are named only.
     */
    @Test
    void progress_aGzHoldingMoreThan4GiB_isWeighedByTheTextReadingItShows(@TempDir Path dir)
            throws InterruptedException {
        long gib = 1L << 30;
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        ImportCommand.Progress progress = new ImportCommand.Progress(new PrintStream(shown, true,
                StandardCharsets.UTF_8), true, 80);
        LogHead head = LogHead.of(new byte[0], 0);
        LogFileInfo big = new LogFileInfo(dir.resolve("exim_mainlog-20261101.gz"), 400L << 20, 0, head, true, gib);
        LogFileInfo plain = new LogFileInfo(dir.resolve("exim_mainlog"), gib, 0, head, false, gib);
        progress.total(2 * gib);
        progress.file(1, 2, big);
        progress.update(1_000, 200L << 20, 5 * gib / 2);
        assertTrue(shown.toString(StandardCharsets.UTF_8).contains(" 42%  "), shown.toString(StandardCharsets.UTF_8));
        progress.update(2_000, 400L << 20, 5 * gib); // its end, within the same quarter second: not drawn
        progress.file(2, 2, plain);
        Thread.sleep(300); // the line is drawn at most four times a second
        shown.reset();
        progress.update(3_000, gib / 2, gib / 2);
        assertTrue(shown.toString(StandardCharsets.UTF_8).contains(" 92%  "), shown.toString(StandardCharsets.UTF_8));
    }

    /**
     * On a terminal narrower than the progress line, a line that wrapped would leave a row behind
     * at every redraw: it is cut to one column less than the terminal has, and so is its clearing.
     */
    @Test
    void progress_onANarrowTerminal_neverWraps(@TempDir Path dir) throws InterruptedException {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        ImportCommand.Progress progress = new ImportCommand.Progress(new PrintStream(shown, true,
                StandardCharsets.UTF_8), true, 40);
        LogHead head = LogHead.of(new byte[0], 0);
        progress.total(1L << 30);
        progress.file(1, 1, new LogFileInfo(dir.resolve("exim_mainlog-20261101.gz"), 1L << 26, 0, head, true, 1L << 30));
        progress.update(1_234_567, 1L << 25, 1L << 29);
        Thread.sleep(300);
        progress.held(System.currentTimeMillis() - 125_000);
        progress.clear();
        String drawn = shown.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("[1/1]"), drawn);
        for (String row : drawn.split("\r")) {
            assertTrue(row.length() <= 39, "'" + row + "' is " + row.length() + " columns");
        }
    }

    /**
     * On a real terminal (a pty from {@code script}, 50 columns wide): a file imported before and
     * replayed, for the messages going on from it into the next, shows on the progress line while
     * it is read (a week of them may take minutes), and no progress line is wider than the terminal.
     */
    @Test
    void import_onANarrowTerminal_showsTheReplayOfAFileReadBefore(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        String[] lines = fixture().split("\n");
        Path older = dir.resolve("exim_mainlog.1.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(older))) {
            o.write((String.join("\n", Arrays.copyOfRange(lines, 0, 60)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, run("import", "--config", conf.toString(), older.toString()), stderr.toString());
        Path newer = dir.resolve("exim_mainlog");
        Files.writeString(newer, String.join("\n", Arrays.copyOfRange(lines, 60, lines.length)) + "\n");

        String java = ProcessHandle.current().info().command().orElseThrow();
        String command = "stty cols 50; exec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' dev.waybill.cli.Main import --config '" + conf + "' '" + older + "' '" + newer + "'";
        Process p = new ProcessBuilder("script", "-qec", command, "/dev/null")
                .redirectErrorStream(true).redirectOutput(dir.resolve("tty.out").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the import on a terminal ended");
        String tty = Files.readString(dir.resolve("tty.out"));
        assertEquals(0, p.exitValue(), tty);
        assertTrue(tty.contains("[1/2] …og.1.gz  read before, replaying it"), tty); // the name cut to fit
        for (String row : tty.split("[\r\n]")) { // the messages between are ordinary lines, which may wrap
            assertTrue(!row.contains("] exim_mainlog") || row.length() <= 49, "'" + row + "' is " + row.length()
                    + " columns");
        }
    }

    /** A log written in Latin-1 (not UTF-8) is imported; one row is "1 row" in the summary. */
    @Test
    void import_aLatin1Log_isStored_andOneRowIsSaidSo(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        Files.write(log, ("2026-11-28 04:00:00 1xX9eC-0000AA-2g <= caf\u00e9@example.com H=x [192.0.2.1] P=esmtp S=1"
                + " T=\"Caf\u00e9 \u00fcber\"\n"
                + "2026-11-28 04:00:01 1xX9eC-0000AA-2g => a@b.test R=r T=t H=h [192.0.2.2] C=\"250 ok\"\n"
                + "2026-11-28 04:00:01 1xX9eC-0000AA-2g Completed\n").getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        String summary = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(summary.startsWith("imported 1 file, 3 lines, 1 row in "), summary);
        assertEquals(1, count(db, "SELECT COUNT(*) FROM delivery WHERE recipient = 'a@b.test'"));
    }

    @Test
    void import_manyBatchesOnTwoWriters_storesWhatParseReports(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("big.log");
        // Six batches' worth, so that messages straddle batches written by different writers.
        assertEquals(0, run("sample-log", "--lines", "60000", "--seed", "4", "--out", log.toString()), stderr.toString());
        TreeSet<String> expected = parsed(conf, log);
        assertTrue(expected.size() > 10_000, "rows: " + expected.size());
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        assertEquals(expected, stored(db));
        assertEquals(1, count(db, "SELECT COUNT(*) FROM imported_file"));
    }

    /**
     * A log cut in three, each piece imported by a run of its own (as rotated logs are, a day at a
     * time), in either order, then the middle one again: every outcome as a reading of the whole
     * log reports it, and every account's owner entries (with the type its counts read) are those
     * of one reading of the whole log. Messages straddle the cuts, so a run reads some without
     * their arrival, and others still open at its end. Only the count of attempts is a run's own:
     * each counts the attempts in the lines it read.
     */
    @Test
    void import_piecesInRunsOfTheirOwn_eitherOrder_equalsTheWholeLog(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path whole = dir.resolve("whole.log");
        Path accounts = dir.resolve("sample-accounts");
        assertEquals(0, run("sample-log", "--lines", "30000", "--seed", "7", "--cpanel-root", accounts.toString(),
                "--out", whole.toString()), stderr.toString());
        Files.writeString(conf, Files.readString(conf).replaceAll("cpanel.root = .*", "cpanel.root = " + accounts));
        TreeSet<String> expected = withoutAttempts(parsed(conf, whole));
        assertEquals(0, run("import", "--config", conf.toString(), whole.toString()), stderr.toString());
        TreeSet<String> expectedOwners = ownerEntries(db);
        assertTrue(expectedOwners.size() > 1000, "owner entries: " + expectedOwners.size());
        emptyTables(db);
        List<String> lines = Files.readAllLines(whole);
        List<Path> pieces = new ArrayList<>();
        int[] cuts = {0, 9_001, 19_999, lines.size()};
        for (int i = 0; i < 3; i++) {
            Path piece = dir.resolve("exim_mainlog-" + (i + 1));
            Files.write(piece, lines.subList(cuts[i], cuts[i + 1]));
            pieces.add(piece);
        }
        for (List<Path> order : List.of(pieces, List.of(pieces.get(2), pieces.get(1), pieces.get(0)))) {
            for (Path piece : order) {
                assertEquals(0, run("import", "--config", conf.toString(), piece.toString()), stderr.toString());
            }
            assertSame(expected, withoutAttempts(stored(db)), "pieces imported in the order " + order);
            assertSame(expectedOwners, ownerEntries(db), "owner entries, pieces imported in the order " + order);
            assertEquals(0, run("import", "--force", "--config", conf.toString(), pieces.get(1).toString()));
            assertSame(expected, withoutAttempts(stored(db)), "the middle piece again, after " + order);
            assertSame(expectedOwners, ownerEntries(db), "owner entries, the middle piece again, after " + order);
            emptyTables(db);
        }
    }

    /** (owner, row, its time, its type) of every owner entry. */
    private static TreeSet<String> ownerEntries(TestDatabase db) throws SQLException {
        TreeSet<String> entries = new TreeSet<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT owner, HEX(row_key), sendtime, type FROM delivery_owner")) {
            while (rs.next()) {
                entries.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3) + "|" + TYPES[rs.getInt(4)]);
            }
        }
        return entries;
    }

    private static void emptyTables(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String table : List.of("delivery", "delivery_owner", "message_log", "imported_file")) {
                st.execute("DELETE FROM " + table);
            }
        }
    }

    /** Equal sets, or a failure that lists what differs. */
    private static void assertSame(TreeSet<String> expected, TreeSet<String> actual, String what) {
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), what + ": missing " + missing + ", extra " + extra);
    }

    private static TreeSet<String> withoutAttempts(TreeSet<String> rows) {
        TreeSet<String> out = new TreeSet<>();
        for (String r : rows) {
            out.add(r.substring(0, r.lastIndexOf('|')));
        }
        return out;
    }

    @Test
    void import_again_isSkipped_andForcedIsHarmless(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        Files.writeString(log, fixture());
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()));
        TreeSet<String> first = stored(db);
        long chunks = count(db, "SELECT COUNT(*) FROM message_log");

        assertEquals(0, run("import", "--config", conf.toString(), log.toString()));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("imported before, skipped"), stderr.toString());
        assertEquals(0, run("import", "--force", "--config", conf.toString(), log.toString()));
        assertEquals(first, stored(db), "the same lines land on the same rows");
        assertEquals(chunks, count(db, "SELECT COUNT(*) FROM message_log"), "the same lines make the same chunks");
    }

    @Test
    void import_rotatedPiecesInAnyOrder_equalsTheWholeLog(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        String[] lines = fixture().split("\n");
        Path whole = dir.resolve("whole.log");
        Files.writeString(whole, fixture());
        TreeSet<String> expected = parsed(conf, whole);
        // Three pieces, as logrotate leaves them: .2.gz is the oldest; messages straddle the cuts.
        Path oldest = dir.resolve("exim_mainlog.2.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(oldest))) {
            o.write((String.join("\n", Arrays.copyOfRange(lines, 0, 40)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path middle = dir.resolve("exim_mainlog.1");
        Files.writeString(middle, String.join("\n", Arrays.copyOfRange(lines, 40, 95)) + "\n");
        Path newest = dir.resolve("exim_mainlog");
        Files.writeString(newest, String.join("\n", Arrays.copyOfRange(lines, 95, lines.length)) + "\n");

        assertEquals(0, run("import", "--config", conf.toString(), newest.toString(), oldest.toString(),
                middle.toString()), stderr.toString());
        assertTrue(stdout.toString(StandardCharsets.UTF_8).startsWith("imported 3 files, 138 lines"));
        assertEquals(expected, stored(db));
    }

    /**
     * A log rotated within the second it began (rotated twice in a row, or by size on a busy
     * server): the newer file begins in that second too, and holds more. The older is read
     * first all the same, as its earlier modification time says, so a message that straddles
     * the two is one.
     */
    @Test
    void import_twoFilesBeginningInTheSameSecond_areReadOldestFirst(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        String[] lines = fixture().split("\n");
        assertTrue(lines[15].startsWith("2026-11-28 04:02:49 ") && lines[35].startsWith("2026-11-28 04:02:49 "));
        Path whole = dir.resolve("whole.log");
        Files.writeString(whole, String.join("\n", Arrays.copyOfRange(lines, 15, lines.length)) + "\n");
        TreeSet<String> expected = parsed(conf, whole);
        Path older = dir.resolve("exim_mainlog.1");
        Files.writeString(older, String.join("\n", Arrays.copyOfRange(lines, 15, 35)) + "\n");
        Path newer = dir.resolve("exim_mainlog");
        Files.writeString(newer, String.join("\n", Arrays.copyOfRange(lines, 35, lines.length)) + "\n");
        Files.setLastModifiedTime(older, FileTime.fromMillis(Files.getLastModifiedTime(newer).toMillis() - 60_000));

        assertEquals(0, run("import", "--config", conf.toString(), older.toString(), newer.toString()),
                stderr.toString());
        assertSame(expected, stored(db), "the two files");
        String straddling = "1xX9eD-0000Lh-1p";
        assertEquals(Arrays.stream(lines).filter(l -> l.contains(" " + straddling + " ")).toList(),
                lines(db, straddling), "its lines, in the log's order");
    }

    @Test
    void import_withoutDatabaseSettings_saysWhichKey(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("waybill.conf");
        Files.writeString(conf, "server.id = x\n");
        assertEquals(2, run("import", "--config", conf.toString(), "some.log"));
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("db.url is not set"), stderr.toString());
    }

    /**
     * Starts importing {@code log} on a thread of its own (its exit status to {@code status}) and
     * returns once its first rows are stored, or it has ended.
     */
    private Thread importUntilRowsStored(Path conf, Path log, TestDatabase db, int[] status) throws Exception {
        Thread importing = new Thread(() -> status[0] = run("import", "--config", conf.toString(), log.toString()));
        importing.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (importing.isAlive()) {
            try {
                if (count(db, "SELECT COUNT(*) FROM delivery") > 0) {
                    break;
                }
            } catch (SQLException tablesNotYetMade) {
                // the import creates them first
            }
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(5);
        }
        return importing;
    }

    /**
     * logrotate's copytruncate empties the file while it is read: what was read is stored, the
     * import says the rest is in the rotated copy, and the file is not recorded as read.
     */
    @Test
    void import_fileEmptiedWhileRead_saysSo_andIsNotRecordedAsRead(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog");
        assertEquals(0, run("sample-log", "--lines", "600000", "--seed", "3", "--out", log.toString()), stderr.toString());
        int[] status = {-1};
        Thread importing = importUntilRowsStored(conf, log, db, status);
        assertTrue(importing.isAlive(), "the import was still reading when the file was emptied");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(log,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        importing.join();
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertEquals(1, status[0], err);
        assertTrue(err.contains("was emptied while being read") && err.contains("import its rotated copy"), err);
        assertEquals(0, count(db, "SELECT COUNT(*) FROM imported_file"));
        assertTrue(count(db, "SELECT COUNT(*) FROM delivery") > 0, "what was read is stored");
        assertTrue(stdout.toString(StandardCharsets.UTF_8).startsWith("imported part of 1 file, "), stdout.toString());
    }

    /**
     * The same rejection twice in one second (a client repeating a refused RCPT) is two rows, as
     * parse reports it, and importing the file again adds none.
     */
    @Test
    void import_theSameRejectionTwiceInOneSecond_isTwoRows_once(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog");
        String reject = " H=(helo) [203.0.113.9]:4444 F=<s@e.test> rejected RCPT <r@example.com>: relay not permitted\n";
        Files.writeString(log, "2026-11-28 10:00:03" + reject + "2026-11-28 10:00:03" + reject
                + "2026-11-28 10:00:04" + reject);
        assertEquals(0, run("parse", "--config", conf.toString(), log.toString()), stderr.toString());
        assertEquals(3, stdout.toString(StandardCharsets.UTF_8).lines().count(), "parse reports three");
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        assertEquals(3, count(db, "SELECT COUNT(*) FROM delivery"));
        assertEquals(0, run("import", "--force", "--config", conf.toString(), log.toString()), stderr.toString());
        assertEquals(3, count(db, "SELECT COUNT(*) FROM delivery"), "read again: the same rows");
    }

    /**
     * A file that is not a main log is said and not recorded; an empty one is nothing to import; a
     * file named twice, or by a link, is read once.
     */
    /** A rotated file and its compressed copy, given together the first time: one is read, and none was "imported before". */
    @Test
    void import_aFileAndItsGzCopyTogether_isReadOnce_andNotSaidImportedBefore(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        Files.writeString(log, fixture());
        Path gz = dir.resolve("exim_mainlog.1.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(fixture().getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, run("import", "--config", conf.toString(), log.toString(), gz.toString()), stderr.toString());
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertFalse(err.contains("imported before"), err);
        assertTrue(err.contains(gz + ": the same text as " + log + "; read once"), err);
        String summary = stdout.toString(StandardCharsets.UTF_8);
        assertTrue(summary.startsWith("imported 1 file, 138 lines"), summary);
        assertFalse(summary.contains("already imported"), summary);
        assertEquals(26, stored(db).size());
    }

    /**
     * A file imported before, given again with its compressed copy and the file after it: both are
     * passed over, and its text is replayed once for the messages going on into the next file, so
     * that their attempts and lines are counted once.
     */
    @Test
    void import_aFileImportedBefore_givenWithItsGzCopy_isReplayedOnce(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path whole = dir.resolve("whole.log");
        assertEquals(0, run("sample-log", "--lines", "6000", "--seed", "5", "--out", whole.toString()),
                stderr.toString());
        List<String> lines = Files.readAllLines(whole, StandardCharsets.UTF_8);
        TreeSet<String> expected = parsed(conf, whole);
        Path older = dir.resolve("exim_mainlog.1");
        Files.write(older, lines.subList(0, 3000));
        Path newer = dir.resolve("exim_mainlog");
        Files.write(newer, lines.subList(3000, lines.size()));
        assertEquals(0, run("import", "--config", conf.toString(), older.toString()), stderr.toString());
        Path gz = dir.resolve("exim_mainlog.1.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(older));
        }
        assertEquals(0, run("import", "--config", conf.toString(), older.toString(), gz.toString(), newer.toString()),
                stderr.toString());
        assertSame(expected, stored(db), "the file after the two copies");
    }

    /**
     * A log and an earlier copy of it (a snapshot taken while it was shorter), given together: the
     * lines they share are read once, so every row, its count of attempts included, is what
     * {@code waybill parse} reports of the log.
     */
    @Test
    void import_aLogAndAnEarlierCopyOfItTogether_countsEachAttemptOnce(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog");
        assertEquals(0, run("sample-log", "--lines", "6000", "--seed", "5", "--out", log.toString()), stderr.toString());
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Path copy = dir.resolve("exim_mainlog.copy");
        Files.write(copy, lines.subList(0, 4000));
        TreeSet<String> expected = parsed(conf, log);
        assertEquals(0, run("import", "--config", conf.toString(), copy.toString(), log.toString()), stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains(copy + ": the same text as " + log + "; read once"),
                stderr.toString());
        assertSame(expected, stored(db), "the copy named first");
        emptyTables(db);
        assertEquals(0, run("import", "--config", conf.toString(), log.toString(), copy.toString()), stderr.toString());
        assertSame(expected, stored(db), "the log named first");
    }

    /** {@code --force} reads files read before again, but a file and its compressed copy still once. */
    @Test
    void import_forced_aFileAndItsGzCopy_countsEachAttemptOnce(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        assertEquals(0, run("sample-log", "--lines", "6000", "--seed", "5", "--out", log.toString()), stderr.toString());
        Path gz = dir.resolve("exim_mainlog.1.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(log, out);
        }
        TreeSet<String> expected = parsed(conf, log);
        assertEquals(0, run("import", "--force", "--config", conf.toString(), log.toString(), gz.toString()),
                stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains(gz + ": the same text as " + log + "; read once"),
                stderr.toString());
        assertSame(expected, stored(db), "forced");
    }

    @Test
    void import_notALog_empty_andNamedTwice(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        Files.writeString(log, fixture());
        Path link = Files.createSymbolicLink(dir.resolve("latest"), log);
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "remember to renew the certificate\nand the domain\n");
        Path empty = Files.createFile(dir.resolve("exim_mainlog"));
        assertEquals(1, run("import", "--config", conf.toString(), log.toString(), notes.toString(), empty.toString(),
                link.toString(), log.toString()));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains(notes + ": not an Exim main log (no line of its first 64 KB begins with a date and"
                + " time); skipped"), err);
        assertTrue(err.contains(empty + ": empty, nothing to import"), err);
        assertTrue(err.contains(link + ": the same file as " + log + "; read once"), err);
        assertEquals(2, err.lines().filter(l -> l.contains("; read once")).count(), err);
        assertFalse(err.contains("imported before"), err);
        assertTrue(stdout.toString(StandardCharsets.UTF_8).startsWith("imported 1 file, "), stdout.toString());
        assertEquals(1, count(db, "SELECT COUNT(*) FROM imported_file"), "only the log is recorded as read");
        assertEquals(26, stored(db).size());
    }

    /** A directory is said to be one, and fails the run, however long ago it changed. */
    @Test
    void import_aDirectory_saysSo(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path sub = Files.createDirectories(dir.resolve("logs"));
        Path old = Files.createDirectories(dir.resolve("archive"));
        Files.setLastModifiedTime(old, FileTime.fromMillis(0));
        assertEquals(1, run("import", "--config", conf.toString(), sub.toString(), old.toString()));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains(sub + ": a directory, not a log file"), err);
        assertTrue(err.contains(old + ": a directory, not a log file"), err);
    }

    @Test
    void import_unreachableDatabase_isOneClearLine(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("waybill.conf");
        // A loopback port nothing listens on.
        Files.writeString(conf, "db.url = jdbc:mariadb://127.0.0.1:9/waybill\ndb.user = w\n");
        Path log = dir.resolve("l");
        Files.writeString(log, "x\n");
        assertEquals(1, run("import", "--config", conf.toString(), log.toString()));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.startsWith("waybill import: cannot use the database at jdbc:mariadb://127.0.0.1:9/waybill"), err);
        assertTrue(err.contains("Socket fail to connect"), "the driver's reason, not only the pool's timeout: " + err);
        assertEquals(1, err.lines().filter(l -> l.startsWith("waybill")).count(), err);
    }

    /** A wrong password or database: the server's answer and the settings to check, not a timeout. */
    @Test
    void import_refusedByTheDatabase_saysWhyAndWhichKeys(@TempDir Path dir, TestDatabase db) throws IOException {
        Path conf = setUp(dir, db);
        String good = Files.readString(conf);
        Path log = dir.resolve("l");
        Files.writeString(log, "x\n");
        Files.writeString(conf, good.replace("db.password = " + db.password(), "db.password = wrong"));
        assertEquals(1, run("import", "--config", conf.toString(), log.toString()));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("Access denied for user") && err.contains("(check db.user and db.password)"), err);
        assertFalse(err.contains("Connection is not available"), err);
        Files.writeString(conf, good.replace(db.jdbcUrl(), db.jdbcUrl().replace("/" + db.name(), "/nosuchdb")));
        assertEquals(1, run("import", "--config", conf.toString(), log.toString()));
        err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("nosuchdb") && err.contains("check the database named in db.url"), err);
        assertEquals(1, err.lines().count(), err);
    }

    /**
     * A .gz cut short (a disk filled while logrotate compressed it): the import stores what
     * {@code waybill parse} reads of it, every whole line before the damage — not a buffer of
     * them less, as when the buffered reader in front lost what it had copied when the damage
     * was met. A small one, which fails before the first 64 KB of text, too: those are where its
     * first time is looked for, and what it does hold is stored all the same.
     */
    @ParameterizedTest
    @ValueSource(ints = {20_000, 300})
    void import_aGzCutShort_storesWhatParseReadsOfIt(int lineCount, @TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path whole = dir.resolve("whole.log");
        assertEquals(0, run("sample-log", "--lines", String.valueOf(lineCount), "--seed", "11", "--out",
                whole.toString()), stderr.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bytes)) {
            o.write(Files.readAllBytes(whole));
        }
        Path cut = dir.resolve("exim_mainlog-20261127.gz");
        Files.write(cut, Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));
        run("parse", "--config", conf.toString(), cut.toString());
        TreeSet<String> expected = new TreeSet<>();
        for (String line : stdout.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            expected.add(String.join("|", str(o, "msgid"), str(o, "recipient"), str(o, "type"), str(o, "deliveredto"),
                    str(o, "router"), str(o, "user"), str(o, "deliveryuser"), str(o, "attempts")));
        }
        assertTrue(expected.size() > lineCount / 20, "rows parse reads: " + expected.size());
        assertEquals(1, run("import", "--config", conf.toString(), cut.toString()));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).startsWith("imported part of 1 file, "),
                stdout.toString() + stderr);
        assertSame(expected, stored(db), "the import of the damaged file");
    }

    @Test
    void import_missingAndCorruptFiles_areReportedAndTheRestImported(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path good = dir.resolve("good.log");
        Files.writeString(good, fixture());
        Path broken = dir.resolve("broken.gz");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bytes)) {
            o.write(fixture().repeat(50).getBytes(StandardCharsets.UTF_8));
        }
        Files.write(broken, Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));
        List<String> args = new ArrayList<>(List.of("import", "--config", conf.toString(), good.toString(),
                broken.toString(), dir.resolve("missing.log").toString()));
        assertEquals(1, run(args.toArray(String[]::new)));
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("missing.log: no such file; skipped"), err);
        assertTrue(err.contains("broken.gz: corrupt or truncated gzip data"), err);
        assertTrue(stdout.toString(StandardCharsets.UTF_8).startsWith("imported 1 file and part of 1 more, "),
                stdout.toString());
        assertEquals(26, stored(db).size(), "the good file (and the readable part of the broken one) is in");
    }

    /**
     * A live log imported while Exim is half way through writing a line: that line (here an
     * address cut short) is not stored as if it were whole; once the file has grown, importing it
     * again stores exactly what {@code waybill parse} reports of the finished file.
     */
    @Test
    void import_aLastLineStillBeingWritten_isLeftForLater(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path whole = dir.resolve("whole.log");
        assertEquals(0, run("sample-log", "--lines", "6000", "--seed", "5", "--out", whole.toString()), stderr.toString());
        List<String> lines = Files.readAllLines(whole, StandardCharsets.UTF_8);
        int cut = -1;
        for (int i = 3000; cut < 0; i++) {
            cut = lines.get(i).contains(" => ") ? i : -1;
        }
        String half = lines.get(cut).substring(0, lines.get(cut).indexOf(" => ") + 10);
        Path log = dir.resolve("exim_mainlog");
        Files.writeString(log, String.join("\n", lines.subList(0, cut)) + "\n" + half, StandardCharsets.UTF_8);
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("its last line has no newline yet"), stderr.toString());
        TreeSet<String> first = stored(db);
        // Not grown since (a rotated file whose writer died mid-line never will): not read again.
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("imported before, skipped"), stderr.toString());
        assertEquals(first, stored(db));
        Files.copy(whole, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        assertEquals(parsed(conf, whole), stored(db));
        // The finished line is stored once, and what was there of it before never.
        String msgid = lines.get(cut).split(" ")[2];
        List<String> stored = lines(db, msgid);
        assertEquals(1, stored.stream().filter(lines.get(cut)::equals).count(), String.join("\n", stored));
        assertFalse(stored.contains(half), String.join("\n", stored));
    }

    /** A pipe is refused at once (it would be read up to its end by the first look, then waited on). */
    @Test
    void import_aPipe_isRefused_neverWaitedOn(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path good = dir.resolve("good.log");
        Files.writeString(good, fixture(), StandardCharsets.UTF_8);
        int status = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> run("import", "--config", conf.toString(), fifo.toString(), good.toString()));
        assertEquals(1, status, stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains(fifo + ": not a regular file"), stderr.toString());
        assertEquals(parsed(conf, good), stored(db), "the other file is imported");
    }

    /**
     * Files whose mail is all past {@code retention.days} are not imported only for the daemon's
     * retention to remove them: one last written before the window is skipped; one written to
     * since (a copy) but whose lines are all older is not recorded as read, so that importing it
     * again, once retention.days is raised, stores it. Both are said.
     */
    @Test
    void import_filesOlderThanRetention_areSaid_andNotRecordedAsRead(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Files.writeString(conf, Files.readString(conf).replace("retention.days = 3650", "retention.days = 30"));
        Path old = dir.resolve("exim_mainlog-old");
        assertEquals(0, run("sample-log", "--lines", "3000", "--seed", "6", "--out", old.toString()), stderr.toString());
        Path copy = dir.resolve("exim_mainlog-copy");
        Files.copy(old, copy);
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 40L * 86_400_000L));
        assertEquals(0, run("import", "--config", conf.toString(), old.toString()), stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains(old + ": all of its mail is older than"
                + " retention.days (30 days") && stderr.toString(StandardCharsets.UTF_8).contains("skipped"),
                stderr.toString());
        assertEquals(0, count(db, "SELECT COUNT(*) FROM delivery"));
        assertEquals(0, run("import", "--config", conf.toString(), copy.toString()), stderr.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains(copy + ": all of its mail is older than"),
                stderr.toString());
        assertEquals(0, count(db, "SELECT COUNT(*) FROM imported_file"));
        Files.writeString(conf, Files.readString(conf).replace("retention.days = 30", "retention.days = 3650"));
        emptyTables(db);
        assertEquals(0, run("import", "--config", conf.toString(), copy.toString()), stderr.toString());
        assertFalse(stderr.toString(StandardCharsets.UTF_8).contains("imported before"), stderr.toString());
        assertEquals(parsed(conf, copy), stored(db));
        assertEquals(1, count(db, "SELECT COUNT(*) FROM imported_file"));
    }

    /**
     * logrotate renaming the file while it is read (its default, not copytruncate) loses nothing:
     * the file read is read to its end and recorded, and the import succeeds.
     */
    @Test
    void import_fileRenamedWhileRead_isReadWhole_andRecorded(@TempDir Path dir, TestDatabase db) throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog");
        assertEquals(0, run("sample-log", "--lines", "400000", "--seed", "3", "--out", log.toString()), stderr.toString());
        Path whole = dir.resolve("whole.log");
        Files.copy(log, whole);
        int[] status = {-1};
        Thread importing = importUntilRowsStored(conf, log, db, status);
        assertTrue(importing.isAlive(), "the import was still reading when the file was renamed");
        Files.move(log, dir.resolve("exim_mainlog.1"));
        Files.writeString(log, "");
        importing.join();
        String err = stderr.toString(StandardCharsets.UTF_8);
        assertEquals(0, status[0], err);
        assertFalse(err.contains("emptied"), err);
        assertEquals(1, count(db, "SELECT COUNT(*) FROM imported_file"));
        assertEquals(parsed(conf, whole), stored(db));
    }

    /**
     * A file just before the retention window may hold the start of a message that ends inside
     * it (a deferral, then the delivery days later): it is still read, or replayed when it was
     * read before, so that the message is stored whole, as {@code waybill parse} reports it.
     */
    @Test
    void import_aFileJustBeforeTheWindow_isStillReadForTheMessagesEndingInIt(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        java.time.format.DateTimeFormatter clock = java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC);
        long now = System.currentTimeMillis() / 1000;
        String before = clock.format(java.time.Instant.ofEpochSecond(now - 31 * 86_400L));
        String inside = clock.format(java.time.Instant.ofEpochSecond(now - 29 * 86_400L));
        String id = "1vAbcd-000001-AA";
        Path older = dir.resolve("exim_mainlog-1");
        Path newer = dir.resolve("exim_mainlog-2");
        Files.writeString(older, before + " " + id + " <= ann@a.test H=mx [192.0.2.1] P=esmtp S=10 for sales@example.com\n"
                + before + " " + id + " => bob <sales@example.com> R=virtual_user T=local_delivery\n"
                + before + " " + id + " == carol@shop.test <sales@example.com> R=dnslookup T=remote_smtp defer (-44):"
                + " try later\n");
        Files.writeString(newer, inside + " " + id + " => carol@shop.test <sales@example.com> R=dnslookup"
                + " T=remote_smtp H=mx.shop.test [198.51.100.1] C=\"250 OK\"\n" + inside + " " + id + " Completed\n");
        Files.setLastModifiedTime(older, java.nio.file.attribute.FileTime.fromMillis((now - 31 * 86_400L) * 1000));
        assertEquals(0, run("import", "--config", conf.toString(), older.toString()), stderr.toString());
        Files.writeString(conf, Files.readString(conf).replace("retention.days = 3650", "retention.days = 30"));
        assertEquals(0, run("import", "--config", conf.toString(), older.toString(), newer.toString()),
                stderr.toString());
        Path both = dir.resolve("both.log");
        Files.writeString(both, Files.readString(older) + Files.readString(newer));
        assertEquals(parsed(conf, both), stored(db));
    }

    /**
     * Killed (kill -9) after the last file's record was committed and before the messages still
     * open at its end were written: the same import run again must store them, as parse reports
     * them, rather than skip the file as read.
     */
    @Test
    void import_killedWhileWritingTheOpenMessages_thenRunAgain_storesThem(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path conf = setUp(dir, db);
        Path log = dir.resolve("exim_mainlog.1");
        // Arrivals with no delivery yet: every one is still open at the end, written last.
        StringBuilder text = new StringBuilder();
        String digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int i = 0; i < 60_000; i++) {
            String id = "1xX9eC-00" + digits.charAt(i / 62 / 62 % 62) + digits.charAt(i / 62 % 62)
                    + digits.charAt(i % 62) + "0-2g";
            text.append("2026-11-28 04:02:48 ").append(id).append(" <= alice@example.com H=(laptop.example.com)"
                    + " [127.0.0.1]:41482 P=esmtpa A=dovecot_login:alice@example.com S=493 for ok-")
                    .append(i).append("@ok.sink.test\n");
        }
        Files.writeString(log, text);
        TreeSet<String> expected = parsed(conf, log);
        assertEquals(60_000, expected.size());

        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.waybill.cli.Main",
                "import", "--config", conf.toString(), log.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("first.out").toFile()).start();
        boolean killed = false;
        while (p.isAlive()) {
            if (count(db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                    + " AND table_name = 'imported_file'") > 0
                    && count(db, "SELECT COUNT(*) FROM imported_file") > 0) {
                p.destroyForcibly(); // SIGKILL: no hook, no last write
                killed = true;
                break;
            }
            Thread.sleep(5);
        }
        p.waitFor();
        assertTrue(killed, "the first run ended before its record was seen: " + Files.readString(dir.resolve("first.out")));

        assertEquals(0, run("import", "--config", conf.toString(), log.toString()), stderr.toString());
        TreeSet<String> stored = stored(db);
        assertEquals(expected.size(), stored.size(), "rows after the run again: " + stdout + stderr);
        assertEquals(expected, stored);
    }
}
