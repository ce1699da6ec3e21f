package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.cli.Main;
import dev.waybill.store.DeliveryStore;
import dev.waybill.testing.InterceptedDataSource;
import dev.waybill.testing.MariaDbServer;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first start's backfill against a real database: which files it reads and how far, whatever
 * rotation did while the daemon was down, and how it and {@code waybill import} know each other's
 * files.
 */
@ExtendWith(PrivateMariaDb.class)
class BackfillTest {

    /** A generated log, cut as logrotate would have left it: .2, .1, the live log up to the hand-over, and after. */
    static List<String> lines;
    static final int OLDEST_END = 8_000;
    static final int ROTATED_END = 13_500; // eleven messages begin before it and finish before the hand-over
    static final int HAND_OVER = 17_000;

    @BeforeAll
    static void generate(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sample.log");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"sample-log", "--lines", "20000", "--seed", "11", "--out",
                out.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)), err.toString());
        lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    static String text(int from, int to) {
        return String.join("\n", lines.subList(from, to)) + "\n";
    }

    static void gzip(Path file, String text) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Where the live log ends now, as a first start records it. */
    static LogPosition endOf(Path live) throws IOException {
        return LogPosition.at(FileKey.of(live), Files.size(live), LogHead.read(live));
    }

    /** .2 and .1 rotated, the live log up to the hand-over; returns the hand-over, then appends what the tail reads. */
    static LogPosition firstStart(Path dir) throws IOException {
        Files.writeString(dir.resolve("exim_mainlog.2"), text(0, OLDEST_END));
        Files.writeString(dir.resolve("exim_mainlog.1"), text(OLDEST_END, ROTATED_END));
        Path live = dir.resolve("exim_mainlog");
        Files.writeString(live, text(ROTATED_END, HAND_OVER));
        LogPosition until = endOf(live);
        Files.writeString(live, text(HAND_OVER, 18_500), StandardOpenOption.APPEND);
        return until;
    }

    private final List<String> said = new CopyOnWriteArrayList<>(); // read while the backfill adds

    private Backfill backfill(Path dir, LogPosition until, DeliveryStore store) {
        return new Backfill(dir.resolve("exim_mainlog"), until, ZoneOffset.UTC, store, CpanelAccounts.none(), 30,
                said::add);
    }

    private static DeliveryStore store(HikariDataSource ds, String server) throws SQLException {
        DeliveryStore store = new DeliveryStore(ds, server);
        store.prepare();
        return store;
    }

    /** Where {@link #rows} puts SMTP-time rejections, which belong to no message. */
    static final String REJECTIONS = "(rejections)";

    /** Every stored row of {@code server}, by message: what two runs must agree on. */
    static Map<String, List<String>> rows(TestDatabase db, String server) throws SQLException {
        Map<String, List<String>> byMessage = new TreeMap<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT d.msgid, d.recipient, d.type, d.deliveredto, d.router, d.transport, d.attempts, d.email,
                  d.senderip, d.size, d.sendtime, d.actiontime, d.message
                FROM delivery d JOIN server s ON s.id = d.server_id WHERE s.name = ?""")) {
            ps.setString(1, server);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 2; i <= 13; i++) {
                        row.append(rs.getString(i)).append('|');
                    }
                    String msgid = rs.getString(1);
                    byMessage.computeIfAbsent(msgid == null ? REJECTIONS : msgid, k -> new ArrayList<>())
                            .add(row.toString());
                }
            }
        }
        byMessage.values().forEach(Collections::sort);
        return byMessage;
    }

    /** The files {@code server} recorded as read, with the bytes read. */
    private static List<String> imported(TestDatabase db, String server) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT f.name, f.byte_count"
                + " FROM imported_file f JOIN server s ON s.id = f.server_id WHERE s.name = ? ORDER BY f.name, f.byte_count")) {
            ps.setString(1, server);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Path.of(rs.getString(1)).getFileName() + " " + rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** What a backfill of the unrotated layout stores: the reference every other run must match. */
    private Map<String, List<String>> reference(Path dir, TestDatabase db, HikariDataSource ds) throws Exception {
        Path ref = Files.createDirectories(dir.resolve("reference"));
        Backfill b = backfill(ref, firstStart(ref), store(ds, "reference"));
        b.run();
        assertTrue(b.done(), String.join("\n", said));
        Map<String, List<String>> rows = rows(db, "reference");
        assertTrue(rows.size() > 1000, "messages: " + rows.size());
        return rows;
    }

    @Test
    void sources_liveLogUnrotated_areTheRotatedFilesThenTheLiveOne(@TempDir Path dir) throws Exception {
        LogPosition until = firstStart(dir);
        Backfill.Sources s = backfill(dir, until, null).sources();
        assertEquals(List.of(dir.resolve("exim_mainlog.2"), dir.resolve("exim_mainlog.1")), s.older());
        assertEquals(dir.resolve("exim_mainlog"), s.handOver());
    }

    @Test
    void sources_aRotatedGenerationBeingCompressed_isReadOnce(@TempDir Path dir) throws Exception {
        LogPosition until = firstStart(dir);
        gzip(dir.resolve("exim_mainlog.1.gz"), text(OLDEST_END, ROTATED_END));
        assertEquals(List.of(dir.resolve("exim_mainlog.2"), dir.resolve("exim_mainlog.1")),
                backfill(dir, until, null).sources().older());
    }

    @Test
    void sources_handOverFileRotatedAndCompressedWhileDown_isFoundByItsFirstBytes(@TempDir Path dir)
            throws Exception {
        LogPosition until = firstStart(dir);
        rotateAndCompress(dir);
        Backfill.Sources s = backfill(dir, until, null).sources();
        assertEquals(List.of(dir.resolve("exim_mainlog.3"), dir.resolve("exim_mainlog.2")), s.older());
        assertEquals(dir.resolve("exim_mainlog.1.gz"), s.handOver());
    }

    /** logrotate while the daemon is down: .2 → .3, .1 → .2, the live log → .1.gz, a new live log. */
    private static void rotateAndCompress(Path dir) throws IOException {
        Path live = dir.resolve("exim_mainlog");
        Files.move(dir.resolve("exim_mainlog.2"), dir.resolve("exim_mainlog.3"));
        Files.move(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2"));
        gzip(dir.resolve("exim_mainlog.1.gz"), Files.readString(live));
        Files.delete(live); // its inode is free for the next file: only its first bytes can tell
        Files.writeString(live, text(18_500, lines.size()));
    }

    @Test
    void resumedBackfill_handOverFileRotatedAndCompressedWhileDown_storesExactlyWhatFinishedBeforeTheHandOver(
            @TempDir Path dir, TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            Map<String, List<String>> expected = reference(dir, db, ds);
            Path down = Files.createDirectories(dir.resolve("down"));
            LogPosition until = firstStart(down);
            // Killed during the backfill; rotated (and compressed) before the restart.
            rotateAndCompress(down);
            Backfill b = backfill(down, until, store(ds, "resumed"));
            b.run();
            assertTrue(b.done(), String.join("\n", said));
            assertEquals(expected, rows(db, "resumed"), "nothing past the hand-over, nothing missing before it");
        }
    }

    @Test
    void backfill_logRotatedWhileItRuns_readsTheHandOverFileWhereItWentAndStoresTheSameAsAlways(@TempDir Path dir,
            TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            Map<String, List<String>> expected = reference(dir, db, ds);
            Path run = Files.createDirectories(dir.resolve("run"));
            Path live = run.resolve("exim_mainlog");
            Files.writeString(live, text(0, HAND_OVER));
            LogPosition until = endOf(live);
            Files.writeString(live, text(HAND_OVER, 18_500), StandardOpenOption.APPEND);
            // A damaged older generation: what the backfill says of it is the moment to rotate,
            // after it listed the files and before it opens the hand-over file.
            Path damaged = run.resolve("exim_mainlog.1.gz");
            Files.write(damaged, new byte[] {0x1f, (byte) 0x8b, 0x63, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
            Backfill b = new Backfill(live, until, ZoneOffset.UTC, store(ds, "rotated"), CpanelAccounts.none(), 30,
                    line -> {
                        said.add(line);
                        if (line.startsWith("backfill: " + damaged)) {
                            try {
                                Files.move(damaged, run.resolve("exim_mainlog.2.gz"));
                                Files.move(live, run.resolve("exim_mainlog.1"));
                                Files.writeString(live, text(18_500, lines.size()));
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    });
            b.run();
            assertTrue(b.done(), String.join("\n", said));
            assertTrue(said.contains("backfill: " + live + " was rotated to " + run.resolve("exim_mainlog.1")
                    + " meanwhile; reading it there"), String.join("\n", said));
            assertEquals(expected, rows(db, "rotated"), "what finished before the hand-over, from where the file went");
        }
    }

    @Test
    void backfill_handOverFileDamagedPartWay_staysPendingForTheNextStart(@TempDir Path dir, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            LogPosition until = firstStart(dir);
            // Rotated and compressed while the daemon was down, and the copy cut short.
            rotateAndCompress(dir);
            Path gz = dir.resolve("exim_mainlog.1.gz");
            byte[] whole = Files.readAllBytes(gz);
            Files.write(gz, java.util.Arrays.copyOf(whole, whole.length / 2));
            DeliveryStore store = store(ds, "damaged");
            store.backfillPending(dir.resolve("exim_mainlog").toString(), until.encode());
            Backfill b = backfill(dir, until, store);
            b.run();
            assertFalse(b.done(), String.join("\n", said));
            assertTrue(said.contains("backfill stopped: the file the live tail took over in was not read whole;"
                    + " the next start reads it again"), String.join("\n", said));
            assertEquals(until.encode(), store.backfillUntil(dir.resolve("exim_mainlog").toString()), "still pending");
            assertFalse(rows(db, "damaged").isEmpty(), "what was read is kept");
        }
    }

    @Test
    void backfill_handOverFileGone_readsNothingAfterIt(@TempDir Path dir, TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            LogPosition until = firstStart(dir);
            Path live = dir.resolve("exim_mainlog");
            Files.delete(dir.resolve("exim_mainlog.2"));
            Files.move(dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog.2"));
            Files.delete(live);
            Files.writeString(dir.resolve("exim_mainlog.1"), text(18_500, 19_000));
            Files.writeString(live, text(19_000, lines.size()));
            Backfill b = backfill(dir, until, store(ds, "gone"));
            b.run();
            assertTrue(b.done());
            assertEquals(Map.of(), rows(db, "gone"));
            assertTrue(String.join("\n", said).contains("is no longer beside"), String.join("\n", said));
        }
    }

    @Test
    void until_emptyLiveLog_isTheWholeNewestRotatedFile_foundEvenOnceCompressed(@TempDir Path dir, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            Files.writeString(dir.resolve("exim_mainlog.2"), text(0, OLDEST_END));
            Files.writeString(dir.resolve("exim_mainlog.1"), text(OLDEST_END, ROTATED_END));
            Path live = dir.resolve("exim_mainlog");
            Files.writeString(live, "");
            LogPosition until = Backfill.until(live, endOf(live));
            assertEquals(FileKey.of(dir.resolve("exim_mainlog.1")).inode(), until.inode());
            assertEquals(Backfill.WHOLE_FILE, until.offset());
            // The tail writes to the live log; then, while the daemon is down, .1 → .2.gz and the live log → .1.
            Files.writeString(live, text(ROTATED_END, HAND_OVER));
            Files.move(dir.resolve("exim_mainlog.2"), dir.resolve("exim_mainlog.3"));
            gzip(dir.resolve("exim_mainlog.2.gz"), Files.readString(dir.resolve("exim_mainlog.1")));
            Files.delete(dir.resolve("exim_mainlog.1"));
            Files.move(live, dir.resolve("exim_mainlog.1"));
            Files.writeString(live, text(HAND_OVER, lines.size()));

            Backfill b = backfill(dir, until, store(ds, "empty-live"));
            assertEquals(dir.resolve("exim_mainlog.2.gz"), b.sources().handOver());
            b.run();
            assertTrue(b.done(), String.join("\n", said));
            Map<String, List<String>> stored = rows(db, "empty-live");
            stored.remove(REJECTIONS);
            assertTrue(stored.size() > 1000, "messages: " + stored.size());
            for (String msgid : stored.keySet()) {
                boolean before = lines.subList(0, ROTATED_END).stream().anyMatch(l -> l.contains(" " + msgid + " "));
                assertTrue(before, msgid + " has no line before the hand-over");
            }
            assertEquals(List.of("exim_mainlog.2.gz " + text(OLDEST_END, ROTATED_END).length(),
                    "exim_mainlog.3 " + text(0, OLDEST_END).length()), imported(db, "empty-live"),
                    "both rotated files were read whole");
        }
    }

    @Test
    void backfill_recordsTheRotatedFilesItReadWhole_andARestartReadsOnlyTheHandOverFile(@TempDir Path dir,
            TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            Map<String, List<String>> expected = reference(dir, db, ds);
            Path run = Files.createDirectories(dir.resolve("run"));
            LogPosition until = firstStart(run);
            DeliveryStore store = store(ds, "restarted");
            backfill(run, until, store).run();
            assertEquals(List.of("exim_mainlog.1 " + Files.size(run.resolve("exim_mainlog.1")),
                    "exim_mainlog.2 " + Files.size(run.resolve("exim_mainlog.2"))),
                    imported(db, "restarted"), "the rotated files, not the live one");

            // Stored rows are gone (as if the first run had written none of its last file's):
            // a restart replays .1 for the messages that go on into the live log, and writes those whole.
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("DELETE d FROM delivery d JOIN server s ON s.id = d.server_id WHERE s.name = 'restarted'");
            }
            said.clear();
            Backfill again = backfill(run, until, store);
            again.run();
            assertTrue(again.done(), String.join("\n", said));
            assertReadOnlyTheHandOverFile(said);
            Map<String, List<String>> stored = rows(db, "restarted");
            assertFalse(stored.isEmpty());
            Set<String> straddling = new HashSet<>();
            assertTrue(expected.get(REJECTIONS).containsAll(stored.remove(REJECTIONS)));
            for (Map.Entry<String, List<String>> m : stored.entrySet()) {
                assertEquals(expected.get(m.getKey()), m.getValue(), "message " + m.getKey() + " is whole");
                if (lines.subList(OLDEST_END, ROTATED_END).stream().anyMatch(l -> l.contains(" " + m.getKey() + " "))) {
                    straddling.add(m.getKey());
                }
            }
            assertFalse(straddling.isEmpty(), "some messages began in .1 and finished in the live log");
        }
    }

    @Test
    void backfill_databaseAwayWhenItLooksUpTheFilesReadBefore_waitsForIt_andStoresTheSameAsAlways(@TempDir Path dir)
            throws Exception {
        // A server of its own, since this test stops it.
        try (MariaDbServer server = MariaDbServer.launch(); TestDatabase db = server.createDatabase();
             HikariDataSource ds = db.pool(2)) {
            Map<String, List<String>> expected = reference(dir, db, ds);
            Path run = Files.createDirectories(dir.resolve("run"));
            LogPosition until = firstStart(run);
            DeliveryStore store = store(ds, "waited");
            said.clear();
            server.stop();
            Backfill backfill = backfill(run, until, store);
            Thread thread = new Thread(backfill, "backfill");
            thread.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (said.stream().noneMatch(l -> l.startsWith("backfill: cannot reach the database ("))) {
                assertTrue(System.nanoTime() < deadline && thread.isAlive(), "no outage line: " + said);
                Thread.sleep(50);
            }
            server.start();
            thread.join(120_000);
            assertFalse(thread.isAlive(), "the backfill went on once the database was back: " + said);
            assertTrue(backfill.done(), String.join("\n", said));
            assertEquals(1, said.stream().filter(l -> l.contains("cannot reach the database")).count(),
                    "one line for the outage, however long: " + said);
            assertTrue(said.contains("backfill: the database is back; going on"), String.join("\n", said));
            assertEquals(expected, rows(db, "waited"));
            assertEquals(2, imported(db, "waited").size(), "both rotated files recorded as read");
        }
    }

    /**
     * Lock waits only the backfill meets (another session holding the rows it writes) are shown by
     * its own trouble, which the daemon's status adds to "backfilling its history", and said once
     * as the backfill's; once the locks go, it goes on and stores the same as always.
     */
    @Test
    void backfill_heldByLockWaits_saysSoInItsTrouble_andGoesOnOnceTheyEnd(@TempDir Path dir, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(4)) {
            Map<String, List<String>> expected = reference(dir, db, ds);
            Path run = Files.createDirectories(dir.resolve("run"));
            LogPosition until = firstStart(run);
            java.util.concurrent.atomic.AtomicBoolean locked = new java.util.concurrent.atomic.AtomicBoolean(true);
            // The writer's connections only: the look-up of the files read before goes through.
            javax.sql.DataSource waiting = InterceptedDataSource.of(ds, () -> {
                if (locked.get() && Thread.currentThread().getName().startsWith("waybill-store-writer")) {
                    throw new SQLException("Lock wait timeout exceeded; try restarting transaction", "HY000", 1205);
                }
            });
            DeliveryStore store = new DeliveryStore(waiting, "locked");
            store.prepare();
            said.clear();
            Backfill backfill = backfill(run, until, store);
            Thread thread = new Thread(backfill, "backfill");
            thread.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            String trouble;
            while ((trouble = backfill.trouble()) == null) {
                assertTrue(System.nanoTime() < deadline && thread.isAlive(), "no trouble shown: " + said);
                Thread.sleep(50);
            }
            assertTrue(trouble.contains("for a lock another database session holds"), trouble);
            assertTrue(said.stream().anyMatch(l -> l.startsWith("backfill: the database keeps refusing the write for a"
                    + " lock")), String.join("\n", said));
            locked.set(false);
            thread.join(120_000);
            assertFalse(thread.isAlive(), "the backfill went on once the locks were gone: " + said);
            assertTrue(backfill.done(), String.join("\n", said));
            assertEquals(null, backfill.trouble());
            assertEquals(expected, rows(db, "locked"));
        }
    }

    private Path config(Path dir, TestDatabase db, String server) throws IOException {
        Path conf = dir.resolve(server + ".conf");
        Files.createDirectories(dir.resolve("cpanel-root"));
        Files.writeString(conf, "db.url = " + db.jdbcUrl() + "\ndb.user = " + db.user() + "\ndb.password = "
                + db.password() + "\ncpanel.root = " + dir.resolve("cpanel-root") + "\nserver.id = " + server
                + "\nlog.timezone = UTC\nretention.days = 3650\n"); // the sample logs are from 2025
        Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return conf;
    }

    private static String[] importing(Path conf, Path... files) {
        List<String> args = new ArrayList<>(List.of("import", "--config", conf.toString()));
        for (Path f : files) {
            args.add(f.toString());
        }
        return args.toArray(String[]::new);
    }

    @Test
    void importAfterBackfill_skipsTheRotatedFilesItRead_evenCompressedSince_andReadsTheGrownLiveLog(
            @TempDir Path dir, TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            LogPosition until = firstStart(dir);
            backfill(dir, until, store(ds, "host1")).run();
            Map<String, List<String>> before = rows(db, "host1");
            Path rotated = dir.resolve("exim_mainlog.2");
            gzip(dir.resolve("exim_mainlog.2.gz"), Files.readString(rotated));
            Files.delete(rotated);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(importing(config(dir, db, "host1"), dir.resolve("exim_mainlog.2.gz"),
                    dir.resolve("exim_mainlog.1"), dir.resolve("exim_mainlog")), new PrintStream(out, true),
                    new PrintStream(err, true));
            String said = err.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, said);
            assertTrue(said.contains("exim_mainlog.2.gz: imported before, skipped"), said);
            assertTrue(said.contains("exim_mainlog.1: imported before, skipped"), said);
            assertFalse(said.contains("exim_mainlog: imported before"), said);
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(
                    String.format("imported 1 file, %,d lines", 18_500 - ROTATED_END)), out.toString());
            Map<String, List<String>> after = rows(db, "host1");
            assertTrue(after.remove(REJECTIONS).containsAll(before.remove(REJECTIONS)));
            for (Map.Entry<String, List<String>> m : before.entrySet()) {
                assertEquals(m.getValue(), after.get(m.getKey()), "message " + m.getKey());
            }
        }
    }

    @Test
    void backfillAfterImport_skipsTheFilesImported_andStoresTheSameAsAlone(@TempDir Path dir, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            Map<String, List<String>> expected = reference(dir, db, ds);
            Path host = Files.createDirectories(dir.resolve("host"));
            LogPosition until = firstStart(host);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, Main.run(importing(config(host, db, "host2"), host.resolve("exim_mainlog.2"),
                    host.resolve("exim_mainlog.1")), new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true)), err.toString());

            said.clear();
            Backfill b = backfill(host, until, store(ds, "host2"));
            b.run();
            assertTrue(b.done(), String.join("\n", said));
            assertReadOnlyTheHandOverFile(said);
            // What the backfill answers for, the messages finished before the hand-over, holds the
            // rows a backfill alone stores. (The import also stored what was open at its end, as it
            // stood: a placeholder row of that may stay beside the finished rows.)
            Map<String, List<String>> stored = rows(db, "host2");
            for (Map.Entry<String, List<String>> m : expected.entrySet()) {
                List<String> have = stored.getOrDefault(m.getKey(), List.of());
                assertTrue(have.containsAll(m.getValue()), "message " + m.getKey() + ": " + have + " lacks "
                        + m.getValue());
            }
        }
    }

    @Test
    void import_aLiveLogImportedWhileShortThenGrown_isImportedAgainEachTime_andSkippedOnceUnchanged(
            @TempDir Path dir, TestDatabase db) throws Exception {
        Path live = dir.resolve("exim_mainlog");
        Path conf = config(dir, db, "host3");
        // Shorter than a fingerprint (a line being written, left for later), then 100 lines, then 2,000.
        String[] contents = {lines.get(0).substring(0, 40), text(0, 100), text(0, 2_000)};
        String[] summaries = {"imported 1 file, 0 lines", "imported 1 file, 100 lines", "imported 1 file, 2,000 lines"};
        for (int i = 0; i < contents.length; i++) {
            Files.writeString(live, contents[i]);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, Main.run(importing(conf, live), new PrintStream(out, true), new PrintStream(err, true)),
                    err.toString());
            assertFalse(err.toString(StandardCharsets.UTF_8).contains("imported before"), err.toString());
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(summaries[i]), out.toString());
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(importing(conf, live), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("exim_mainlog: imported before, skipped"),
                err.toString());
        assertEquals(List.of("exim_mainlog " + text(0, 2_000).length()), imported(db, "host3"),
                "nothing was read of the line being written; the grown file's record grew with it");
    }

    /** The backfill read the live log's part up to the hand-over, and the two rotated files not again. */
    private static void assertReadOnlyTheHandOverFile(List<String> said) {
        String done = said.stream().filter(l -> l.startsWith("backfill done")).findFirst().orElseThrow();
        assertTrue(done.startsWith(String.format("backfill done: %,d lines of 1 file", HAND_OVER - ROTATED_END)), done);
        assertTrue(done.endsWith("; 2 read before, not again"), done);
    }
}
