package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.AccountFiles;
import dev.waybill.cli.Main;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's live tail against a real database, through a rotation. */
@ExtendWith(PrivateMariaDb.class)
class LogIngestionTest {

    static List<String> lines;

    @BeforeAll
    static void generate(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sample.log");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"sample-log", "--lines", "3000", "--seed", "5", "--out",
                out.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)), err.toString());
        lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    static String text(int from, int to) {
        return String.join("\n", lines.subList(from, to)) + "\n";
    }

    private final List<String> said = Collections.synchronizedList(new ArrayList<>());

    @Test
    void aRotatedFileTheTailReadToItsEnd_isRecorded_soThatAnImportOfItCompressedPassesOverIt(@TempDir Path dir,
            TestDatabase db) throws Exception {
        // A rotated generation and the live log: the tail replays the one from its start.
        Path live = dir.resolve("exim_mainlog");
        Path rotated = dir.resolve("exim_mainlog.1");
        Files.writeString(rotated, text(0, 600));
        Files.writeString(live, text(600, 1000));
        try (HikariDataSource ds = db.pool(2)) {
            DeliveryStore store = new DeliveryStore(ds, "tail");
            store.prepare();
            LogIngestion ingestion = new LogIngestion(live, ZoneOffset.UTC, store,
                    new AccountFiles(Files.createDirectories(dir.resolve("cpanel-root"))), 30, said::add);
            Thread tail = start(ingestion);
            try {
                // A first start: the backfill stores the history up to the hand-over, the tail the rest.
                await(() -> said.stream().anyMatch(l -> l.startsWith("backfill done")), "the backfill");
                Files.writeString(live, text(1000, 1500), StandardOpenOption.APPEND);
                await(() -> committedOffset(db) == Files.size(live), "the tail reading the appended lines");
                // logrotate shifts the generations and renames the live log; Exim, still writing to
                // it, adds a few lines, then opens a new one.
                Files.move(rotated, dir.resolve("exim_mainlog.2"));
                Files.move(live, rotated);
                Files.writeString(rotated, text(1500, 1600), StandardOpenOption.APPEND);
                Files.writeString(live, text(1600, 3000));
                String record = rotated + " " + Files.size(rotated);
                await(() -> records(db).contains(record), "a record of the rotated file");
                assertEquals(2, records(db).size(), "the backfill's record of the older file, and the tail's: "
                        + records(db));
                assertFalse(said.stream().anyMatch(l -> l.startsWith("run failed")), String.join("\n", said));
            } finally {
                ingestion.stop();
                tail.join(30_000);
            }
            assertFalse(tail.isAlive());

            // A restart from the end of the rotated file (where the tail committed when it moved on):
            // it moves on again at once, and leaves that file's record as it was.
            List<String> recorded = recordDetails(db);
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                    "UPDATE log_position SET position = ?, resume = NULL WHERE source = ?")) {
                ps.setString(1, LogPosition.at(FileKey.of(rotated), Files.size(rotated), LogHead.read(rotated)).encode());
                ps.setString(2, live.toString());
                assertEquals(1, ps.executeUpdate());
            }
            restartUntilRead(new Tail(live, store, new AccountFiles(dir.resolve("cpanel-root"))), db);
            assertEquals(recorded, recordDetails(db), "the record of the rotated file, unchanged");

            // logrotate compresses it; an import of the history and the live log reads only the live log.
            Path gz = dir.resolve("exim_mainlog.1.gz");
            compress(rotated, gz);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = Main.run(new String[] {"import", "--config", config(dir, db).toString(),
                    dir.resolve("exim_mainlog.2").toString(), gz.toString(), live.toString()},
                    new PrintStream(out), new PrintStream(err));
            String all = out + "\n" + err;
            assertEquals(0, exit, all);
            assertTrue(all.contains(gz + ": imported before, skipped"), all);
            assertTrue(all.contains(dir.resolve("exim_mainlog.2") + ": imported before, skipped"), all);
            assertTrue(all.contains(String.format("%,d lines", 1400)), "only the live log is read: " + all);
        }
    }

    @Test
    void restart_afterTheCommittedFileWasRotatedAndCompressedWhileDown_goesOnStoringNewMail(@TempDir Path dir,
            TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        try (HikariDataSource ds = db.pool(2)) {
            Tail tail = firstRun(dir, db, ds, () -> { });
            // While the daemon is down, logrotate renames and compresses the log; Exim starts a new one.
            compress(live, dir.resolve("exim_mainlog.1.gz"));
            Files.writeString(live, text(1500, 2000));
            restartUntilRead(tail, db);
            assertReferenceRows(dir, db, text(0, 2000));
        }
    }

    @Test
    void restart_afterANewEmptyLogWasWrittenRotatedAndCompressedWhileDown_storesEveryMessageOnce(@TempDir Path dir,
            TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        try (HikariDataSource ds = db.pool(2)) {
            Tail tail = firstRun(dir, db, ds, () -> rotateToAnEmptyLog(live));
            assertTrue(committed(db).headLength() > 0, "a committed position has first bytes to be found by again: "
                    + committed(db));
            // While it is down: Exim writes to the new log, logrotate renames and compresses it.
            Files.writeString(live, text(1500, 2000));
            Files.move(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2"));
            compress(live, dir.resolve("exim_mainlog.1.gz"));
            Files.writeString(live, text(2000, 2500));
            restartUntilRead(tail, db);
            assertReferenceRows(dir, db, text(0, 2500));
        }
    }

    @Test
    void aReplayEndedByAGapWhileTheLiveLogIsEmpty_neverMovesTheCommittedPositionBack(@TempDir Path dir,
            TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Path rotated = dir.resolve("exim_mainlog.1");
        try (HikariDataSource ds = db.pool(2)) {
            Tail tail = firstRun(dir, db, ds, () -> rotateToAnEmptyLog(live));
            String committed = tail.store().position(live.toString())[0];
            // The file of the saved position cannot be found for one run: the replay ends at a gap,
            // in a live log with no text yet.
            Path away = Files.createDirectories(dir.resolve("elsewhere")).resolve("exim_mainlog.1");
            Files.move(rotated, away);
            LogIngestion second = new LogIngestion(live, ZoneOffset.UTC, tail.store(), tail.accounts(), 30, said::add);
            Thread t = start(second);
            try {
                await(() -> said.stream().anyMatch(l -> l.contains("the file of the saved position")), "the gap");
                Thread.sleep(1500); // several commits' time
            } finally {
                second.stop();
                t.join(30_000);
            }
            assertEquals(committed, tail.store().position(live.toString())[0], "the committed position stays where it was");
        }
    }

    /** What a test does while the first run goes on. */
    private interface Step {
        void run() throws Exception;
    }

    /** The tail under test: its log, its store, and the accounts it sees. */
    private record Tail(Path live, DeliveryStore store, AccountFiles accounts) {
    }

    /** A live log of 1,000 lines, a first start over it, 500 lines appended and stored, then {@code more}; then it stops. */
    private Tail firstRun(Path dir, TestDatabase db, HikariDataSource ds, Step more) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Files.writeString(live, text(0, 1000));
        DeliveryStore store = new DeliveryStore(ds, "tail");
        store.prepare();
        Tail tail = new Tail(live, store, new AccountFiles(Files.createDirectories(dir.resolve("cpanel-root"))));
        LogIngestion first = new LogIngestion(live, ZoneOffset.UTC, store, tail.accounts(), 30, said::add);
        Thread thread = start(first);
        try {
            await(() -> said.stream().anyMatch(l -> l.startsWith("backfill done")), "the backfill");
            Files.writeString(live, text(1000, 1500), StandardOpenOption.APPEND);
            await(() -> committedOffset(db) == Files.size(live), "the tail reading the appended lines");
            more.run();
        } finally {
            first.stop();
            thread.join(30_000);
        }
        return tail;
    }

    /** Starts the tail again and stops it once it has stored the whole live log. */
    private void restartUntilRead(Tail tail, TestDatabase db) throws Exception {
        LogIngestion again = new LogIngestion(tail.live(), ZoneOffset.UTC, tail.store(), tail.accounts(), 30, said::add);
        Thread restarted = start(again);
        try {
            await(() -> committedOffset(db) == Files.size(tail.live()), "the restarted tail storing the new log");
        } finally {
            again.stop();
            restarted.join(30_000);
        }
    }

    /** logrotate's create: the log renamed to .1, and a new empty one the tail moves to and commits in for a while. */
    private void rotateToAnEmptyLog(Path live) throws Exception {
        Files.move(live, live.resolveSibling("exim_mainlog.1"));
        Files.createFile(live);
        await(() -> said.stream().anyMatch(l -> l.contains(live + " was rotated")), "the rotation");
        Thread.sleep(1500); // several commits' time
    }

    /** logrotate's compress without delaycompress: {@code file} becomes {@code gz}. */
    private static void compress(Path file, Path gz) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(file, o);
        }
        Files.delete(file);
    }

    /** The rows of server "tail" are those an import of {@code text} stores: nothing lost, nothing twice. */
    private static void assertReferenceRows(Path dir, TestDatabase db, String text) throws Exception {
        Path whole = dir.resolve("reference").resolve("whole.log");
        Files.createDirectories(whole.getParent());
        Files.writeString(whole, text);
        Path conf = config(dir, db, "reference");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"import", "--config", conf.toString(), whole.toString()},
                new PrintStream(out), new PrintStream(out)), out.toString());
        assertEquals(BackfillTest.rows(db, "reference"), BackfillTest.rows(db, "tail"));
    }

    private Thread start(LogIngestion ingestion) {
        Thread t = new Thread(() -> {
            try {
                ingestion.run();
            } catch (Exception e) {
                said.add("run failed: " + e);
            }
        }, "tail");
        t.start();
        return t;
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    private void await(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!c.met()) {
            assertTrue(System.nanoTime() < deadline && said.stream().noneMatch(l -> l.startsWith("run failed")),
                    "waited for " + what + ": " + String.join("\n", said));
            Thread.sleep(50);
        }
    }

    /** The offset of the tail's committed position, or -1 before it commits one. */
    private static long committedOffset(TestDatabase db) throws SQLException {
        LogPosition p = committed(db);
        return p == null ? -1 : p.offset();
    }

    /** The tail's committed position, or null before it commits one. */
    private static LogPosition committed(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT position FROM log_position WHERE source NOT LIKE 'backfill:%'")) {
            return rs.next() ? LogPosition.parse(rs.getString(1)) : null;
        }
    }

    private static List<String> records(TestDatabase db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, byte_count FROM imported_file ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getLong(2));
            }
        }
        return out;
    }

    private static List<String> recordDetails(TestDatabase db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT name, byte_count, line_count, first_time, last_time FROM imported_file ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getLong(3) + " " + rs.getLong(4) + " "
                        + rs.getLong(5));
            }
        }
        return out;
    }

    private static Path config(Path dir, TestDatabase db) throws IOException {
        return config(dir, db, "tail");
    }

    private static Path config(Path dir, TestDatabase db, String server) throws IOException {
        Path conf = dir.resolve(server + ".conf");
        Files.writeString(conf, "db.url = " + db.jdbcUrl() + "\ndb.user = " + db.user() + "\ndb.password = "
                + db.password() + "\ncpanel.root = " + dir.resolve("cpanel-root") + "\nserver.id = " + server
                + "\nlog.timezone = UTC\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        return conf;
    }
}
