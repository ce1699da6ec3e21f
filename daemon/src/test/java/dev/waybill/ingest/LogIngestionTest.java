package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.AccountFiles;
import dev.waybill.cli.Main;
import dev.waybill.outcome.OutcomeType;
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
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.regex.Pattern;
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

    private final List<String> said = new CopyOnWriteArrayList<>(); // read while the tail adds

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
    void restart_afterTheCommittedFileWasRotatedAwayWhileDown_readsTheGenerationsAfterIt(@TempDir Path dir,
            TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Path rotated = dir.resolve("exim_mainlog.1");
        try (HikariDataSource ds = db.pool(2)) {
            Tail tail = firstRun(dir, db, ds, () -> { });
            // While the daemon is down, two rotations with `rotate 1`: the file it stopped in is
            // deleted, and the generation written after it is the one rotated file left.
            Files.move(live, rotated);
            Files.writeString(live, text(1500, 2000));
            Files.delete(rotated);
            Files.move(live, rotated);
            Files.writeString(live, text(2000, 2500));
            long backfills = count("backfill done");
            restartUntilRead(tail, db, () -> count("backfill done") > backfills);
            assertTrue(said.stream().anyMatch(l -> l.startsWith("the file of the saved position (")
                    && l.contains("is gone") && l.contains("backfilling the rotated logs not read yet")),
                    String.join("\n", said));
            // What a restart can know: the lines before the lost file's end as they were stored, then
            // the rest read afresh, as two imports, one after the other, store them.
            assertReferenceRows(dir, db, text(0, 1500), text(1500, 2500));
        }
    }

    @Test
    void restart_afterTheResumeFileWasRotatedAwayWhileDown_goesOnFromTheCommittedPosition(@TempDir Path dir,
            TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Path first = dir.resolve("exim_mainlog.1");
        Path second = dir.resolve("exim_mainlog.2");
        try (HikariDataSource ds = db.pool(2)) {
            // Two rotations while the tail runs: lines 0-1500, 1500-2000, then the live log.
            Tail tail = firstRun(dir, db, ds, () -> {
                Files.move(live, first);
                Files.writeString(live, text(1500, 2000));
                await(() -> committedOffset(db) == Files.size(live), "the tail reading the second log");
                Files.move(first, second);
                Files.move(live, first);
                Files.writeString(live, text(2000, 2300));
                await(() -> committedOffset(db) == Files.size(live), "the tail reading the third log");
            });
            String[] saved = tail.store().position(live.toString());
            assertTrue(saved[1] != null && LogPosition.parse(saved[1]).sameInode(LogPosition.at(FileKey.of(second), 0,
                    LogHead.read(second))), "messages open since the oldest file: " + String.join(" ", saved));
            // While the daemon is down, Exim writes on, and a rotation with `rotate 2` deletes the
            // file the oldest open messages began in; the committed position's file is .1 now.
            Files.writeString(live, text(2300, 2400), StandardOpenOption.APPEND);
            Files.delete(second);
            Files.move(first, second);
            Files.move(live, first);
            Files.writeString(live, text(2400, 2500));
            String oldestLeft = "replayed from " + LogPosition.at(FileKey.of(second), 0, LogHead.read(second));
            restartUntilRead(tail, db);
            assertTrue(said.stream().anyMatch(l -> l.startsWith("the file where the messages open at the saved position"
                    + " began") && l.contains(oldestLeft)), "replayed from the oldest file left: " + String.join("\n", said));
            assertFalse(said.stream().anyMatch(l -> l.contains("log lines lost")), String.join("\n", said));
            // Messages that began after the deleted file come out whole, those written while the
            // daemon was down and those straddling into them included; only the ones open since the
            // deleted file may lack their beginning.
            List<Integer> compared = assertReferenceRowsFrom(dir, db, text(0, 2500), 1500, true);
            long downtime = compared.stream().filter(at -> at >= 2300 && at < 2400).count();
            assertTrue(downtime > 5, "messages written while the daemon was down: " + downtime);
        }
    }

    @Test
    void firstStart_withAnEmptyCompressedGenerationOldest_replaysFromTheOldestOneWithLines(@TempDir Path dir,
            TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        // logrotate's `ifempty` compressed an empty log once: it has nothing to replay.
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("exim_mainlog.2.gz")))) {
            o.flush();
        }
        Files.writeString(dir.resolve("exim_mainlog.1"), text(0, 1000));
        Files.writeString(live, text(1000, 1500));
        try (HikariDataSource ds = db.pool(2)) {
            DeliveryStore store = new DeliveryStore(ds, "tail");
            store.prepare();
            Tail tail = new Tail(live, store, new AccountFiles(Files.createDirectories(dir.resolve("cpanel-root"))));
            Files.writeString(live, text(1500, 2000), StandardOpenOption.APPEND);
            restartUntilRead(tail, db, () -> count("backfill done") > 0);
            assertFalse(said.stream().anyMatch(l -> l.contains("log lines lost")), String.join("\n", said));
            // The backfill stores what finished before the hand-over, the tail what was open there:
            // together, an import of the same text.
            assertReferenceRows(dir, db, text(0, 2000));
        }
    }

    @Test
    void restart_withTheCommittedFileGoneAndNoLiveLog_waitsForTheLog_andCommitsNothingUntilItHasLines(
            @TempDir Path dir, TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Path rotated = dir.resolve("exim_mainlog.1");
        try (HikariDataSource ds = db.pool(2)) {
            Tail tail = firstRun(dir, db, ds, () -> rotateToAnEmptyLog(live));
            String committed = tail.store().position(live.toString())[0];
            // The file of the saved position is gone, and so is the live log (`nocreate`: Exim makes
            // the next one when it next writes).
            Files.move(rotated, Files.createDirectories(dir.resolve("elsewhere")).resolve("exim_mainlog.1"));
            Files.delete(live);
            LogIngestion second = new LogIngestion(live, ZoneOffset.UTC, tail.store(), tail.accounts(), 30, said::add);
            Thread t = start(second);
            try {
                await(() -> said.stream().anyMatch(l -> l.contains("is gone") && l.contains("waiting for " + live)),
                        "the restart waiting for a log to start over in");
                assertTrue(second.waiting().startsWith("waiting for " + live), "what status shows: " + second.waiting());
                Files.createFile(live);
                await(() -> said.stream().anyMatch(l -> l.contains("is gone") && l.contains("from its end")),
                        "the restart starting over");
                assertNull(second.waiting(), "waiting no more");
                Thread.sleep(1500); // several commits' time
                assertEquals(committed, tail.store().position(live.toString())[0],
                        "nothing to commit in a log with no text yet: the committed position stays");
                Files.writeString(live, text(1500, 2000));
                await(() -> committedOffset(db) == Files.size(live), "the tail storing the new log");
            } finally {
                second.stop();
                t.join(30_000);
            }
            assertReferenceRows(dir, db, text(0, 1500), text(1500, 2000));
        }
    }

    @Test
    void aReplayThatNeverMeetsTheCommittedPosition_endsAtTheEndOfTheLiveLog(@TempDir Path dir, TestDatabase db)
            throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Path rotated = dir.resolve("exim_mainlog.1");
        try (HikariDataSource ds = db.pool(2)) {
            Tail tail = firstRun(dir, db, ds, () -> { });
            Files.move(live, rotated);
            Files.writeString(live, text(1500, 2000));
            // As a rotation racing a restart could leave it: the replay starts in a file after the
            // committed one, and cannot meet the committed position.
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                    "UPDATE log_position SET position = ?, resume = ? WHERE source = ?")) {
                ps.setString(1, LogPosition.at(FileKey.of(rotated), Files.size(rotated), LogHead.read(rotated)).encode());
                ps.setString(2, LogPosition.at(FileKey.of(live), 0, LogHead.read(live)).encode());
                ps.setString(3, live.toString());
                assertEquals(1, ps.executeUpdate());
            }
            LogIngestion again = new LogIngestion(live, ZoneOffset.UTC, tail.store(), tail.accounts(), 30, said::add);
            Thread t = start(again);
            try {
                await(() -> said.stream().anyMatch(l -> l.contains("without meeting the saved position")),
                        "the replay giving up");
                Files.writeString(live, text(2000, 2100), StandardOpenOption.APPEND);
                await(() -> committedOffset(db) == Files.size(live), "the tail storing new lines");
            } finally {
                again.stop();
                t.join(30_000);
            }
            // What comes after the replay is stored as an import stores it.
            int compared = assertReferenceRowsFrom(dir, db, text(0, 2100), 2000, false).size();
            assertTrue(compared > 5, "messages after the replay: " + compared);
            // Of the messages that arrived in what the replay read, those still open at its end are
            // stored as they stood, those that ended in it are not.
            Map<String, List<String>> stored = BackfillTest.rows(db, "tail");
            int open = 0;
            int ended = 0;
            for (Map.Entry<String, Integer> m : firstLines().entrySet()) {
                if (m.getValue() >= 1500 && m.getValue() < 2000 && lines.get(m.getValue()).contains(" <= ")) {
                    boolean completed = lines.subList(m.getValue(), 2000).stream()
                            .anyMatch(l -> l.contains(" " + m.getKey() + " Completed"));
                    assertEquals(!completed, stored.containsKey(m.getKey()), "message " + m.getKey());
                    open += completed ? 0 : 1;
                    ended += completed ? 1 : 0;
                }
            }
            assertTrue(open > 0 && ended > 0, open + " open, " + ended + " ended");
        }
    }

    /**
     * The daemon restarted inside the hour that happens twice when the clocks go back, with a
     * message still open that arrived in the hour's second pass: the replay begins at that
     * message's arrival, and the lines before it show the parser which pass it is in. Read as the
     * first pass, the delivery would be an hour older than the deferral stored before, and lose.
     */
    @Test
    void restart_insideTheRepeatedHour_readsTheSecondPassAsTheSecond(@TempDir Path dir, TestDatabase db)
            throws Exception {
        java.time.ZoneId newYork = java.time.ZoneId.of("America/New_York");
        Path live = dir.resolve("exim_mainlog");
        Files.writeString(live, String.join("\n",
                "2026-11-01 01:40:00 1vGx7a-000Abc-1X <= alice@example.com U=alice P=local S=812 for bob@example.net",
                "2026-11-01 01:40:01 1vGx7a-000Abc-1X => bob@example.net R=dnslookup T=remote_smtp H=mx [192.0.2.7]",
                "2026-11-01 01:40:01 1vGx7a-000Abc-1X Completed",
                "2026-11-01 01:05:00 1vGx7c-000Abe-3Z <= carol@example.com U=carol P=local S=640 for dan@example.org",
                "2026-11-01 01:05:01 1vGx7c-000Abe-3Z == dan@example.org R=dnslookup T=remote_smtp defer (-44): busy")
                + "\n");
        long arrival = java.time.ZonedDateTime.of(2026, 11, 1, 1, 5, 0, 0, newYork)
                .withLaterOffsetAtOverlap().toEpochSecond();
        try (HikariDataSource ds = db.pool(2)) {
            DeliveryStore store = new DeliveryStore(ds, "tail");
            store.prepare();
            AccountFiles accounts = new AccountFiles(Files.createDirectories(dir.resolve("cpanel-root")));
            LogIngestion first = new LogIngestion(live, newYork, store, accounts, 30, said::add);
            Thread thread = start(first);
            try {
                await(() -> typeOf(db, "1vGx7c-000Abe-3Z") == OutcomeType.DEFER.ordinal(), "the deferral stored");
            } finally {
                first.stop();
                thread.join(30_000);
            }
            LogIngestion again = new LogIngestion(live, newYork, store, accounts, 30, said::add);
            Thread restarted = start(again);
            try {
                Thread.sleep(500);
                Files.writeString(live, "2026-11-01 01:20:00 1vGx7c-000Abe-3Z => dan@example.org R=dnslookup"
                        + " T=remote_smtp H=mx [192.0.2.9]\n2026-11-01 01:20:00 1vGx7c-000Abe-3Z Completed\n",
                        StandardOpenOption.APPEND);
                await(() -> typeOf(db, "1vGx7c-000Abe-3Z") == OutcomeType.SUCCESS.ordinal(),
                        "the delivery after the restart stored");
            } finally {
                again.stop();
                restarted.join(30_000);
            }
        }
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT sendtime, actiontime FROM delivery WHERE msgid = '1vGx7c-000Abe-3Z'")) {
            assertTrue(rs.next());
            assertEquals(arrival, rs.getLong(1), "01:05 in the second pass (EST)");
            assertEquals(arrival + 15 * 60, rs.getLong(2), "01:20 in the second pass");
        }
    }

    /**
     * An account created (or a domain added) while the daemon runs owns the mail that comes for it
     * right after: what is stored is owned as the account files stood when its lines were read,
     * not as they stood up to several seconds before. An owner missing then stays missing.
     */
    @Test
    void anAccountCreatedWhileTailing_ownsTheMailThatFollowsAtOnce(@TempDir Path dir, TestDatabase db) throws Exception {
        Path root = Files.createDirectories(dir.resolve("cpanel-root/etc"));
        Files.writeString(root.resolve("userdomains"), "old.example: olduser\n*: nobody\n");
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
        String now = java.time.LocalDateTime.now(ZoneOffset.UTC).format(f);
        Path live = dir.resolve("exim_mainlog");
        Files.writeString(live, now + " 1vGx7a-000Abc-1X <= a@example.net H=mx [192.0.2.1] P=esmtp S=812"
                + " for bob@old.example\n" + now + " 1vGx7a-000Abc-1X => bob <bob@old.example> R=virtual_user"
                + " T=dovecot_virtual_delivery\n" + now + " 1vGx7a-000Abc-1X Completed\n");
        try (HikariDataSource ds = db.pool(2)) {
            DeliveryStore store = new DeliveryStore(ds, "tail");
            store.prepare();
            LogIngestion ingestion = new LogIngestion(live, ZoneOffset.UTC, store,
                    new AccountFiles(dir.resolve("cpanel-root")), 30, said::add);
            Thread tail = start(ingestion);
            try {
                await(() -> owners(db, "1vGx7a-000Abc-1X").equals(List.of("olduser")), "the first message stored");
                // WHM creates an account, and mail comes for it at once.
                Files.writeString(root.resolve("userdomains"), "old.example: olduser\nnew.example: newuser\n*: nobody\n");
                Files.writeString(live, now + " 1vGx7b-000Abd-2Y <= a@example.net H=mx [192.0.2.1] P=esmtp S=812"
                        + " for carol@new.example\n" + now + " 1vGx7b-000Abd-2Y => carol <carol@new.example>"
                        + " R=virtual_user T=dovecot_virtual_delivery\n" + now + " 1vGx7b-000Abd-2Y Completed\n",
                        StandardOpenOption.APPEND);
                await(() -> committedOffset(db) == Files.size(live), "the new message stored");
                assertEquals(List.of("newuser"), owners(db, "1vGx7b-000Abd-2Y"));
            } finally {
                ingestion.stop();
                tail.join(30_000);
            }
        }
    }

    private static List<String> owners(TestDatabase db, String msgid) throws SQLException {
        List<String> owners = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT o.owner FROM delivery_owner o"
                + " JOIN delivery d ON d.row_key = o.row_key AND d.sendtime = o.sendtime WHERE d.msgid = ? ORDER BY 1")) {
            ps.setString(1, msgid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    owners.add(rs.getString(1));
                }
            }
        }
        return owners;
    }

    private static int typeOf(TestDatabase db, String msgid) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT type FROM delivery WHERE msgid = '" + msgid + "'")) {
            return rs.next() ? rs.getInt(1) : -1;
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
        restartUntilRead(tail, db, () -> true);
    }

    /** Starts the tail again and stops it once it has stored the whole live log and {@code also} holds. */
    private void restartUntilRead(Tail tail, TestDatabase db, Condition also) throws Exception {
        LogIngestion again = new LogIngestion(tail.live(), ZoneOffset.UTC, tail.store(), tail.accounts(), 30, said::add);
        Thread restarted = start(again);
        try {
            await(() -> committedOffset(db) == Files.size(tail.live()) && also.met(),
                    "the restarted tail storing the new log");
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

    /**
     * The rows of server "tail" are those that imports of {@code texts}, one after the other, store:
     * nothing lost, nothing twice.
     */
    private static void assertReferenceRows(Path dir, TestDatabase db, String... texts) throws Exception {
        assertEquals(referenceRows(dir, db, texts), BackfillTest.rows(db, "tail"));
    }

    /** The rows that imports of {@code texts}, one after the other, store (as server "reference"). */
    private static Map<String, List<String>> referenceRows(Path dir, TestDatabase db, String... texts)
            throws Exception {
        Path conf = config(dir, db, "reference");
        for (int i = 0; i < texts.length; i++) {
            Path part = Files.createDirectories(dir.resolve("reference")).resolve("part" + i + ".log");
            Files.writeString(part, texts[i]);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, Main.run(new String[] {"import", "--config", conf.toString(), part.toString()},
                    new PrintStream(out), new PrintStream(out)), out.toString());
        }
        return BackfillTest.rows(db, "reference");
    }

    /**
     * The rows of server "tail" for the messages that begin at line {@code from} or later (and
     * for rejections, if {@code rejections}) are those an import of {@code text} stores.
     *
     * @return the first line of each message compared
     */
    private static List<Integer> assertReferenceRowsFrom(Path dir, TestDatabase db, String text, int from,
                                                         boolean rejections) throws Exception {
        Map<String, List<String>> expected = referenceRows(dir, db, text);
        Map<String, List<String>> stored = BackfillTest.rows(db, "tail");
        Map<String, Integer> firstLine = firstLines();
        List<Integer> compared = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            Integer at = firstLine.get(e.getKey());
            if (at == null ? rejections : at >= from) {
                assertEquals(e.getValue(), stored.get(e.getKey()), "message " + e.getKey());
                if (at != null) {
                    compared.add(at);
                }
            }
        }
        return compared;
    }

    /** The index of the first line of each message in the sample. */
    private static Map<String, Integer> firstLines() {
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ", 4);
            if (f.length > 3 && MESSAGE_ID.matcher(f[2]).matches()) {
                first.putIfAbsent(f[2], i);
            }
        }
        return first;
    }

    private static final Pattern MESSAGE_ID = Pattern.compile("[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}");

    private long count(String prefix) {
        return said.stream().filter(l -> l.startsWith(prefix)).count();
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
