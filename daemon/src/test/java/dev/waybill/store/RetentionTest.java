package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.LineParser;
import dev.waybill.ingest.Ingester;
import dev.waybill.query.DeliveryQueries;
import dev.waybill.query.SearchPage;
import dev.waybill.query.SearchParams;
import dev.waybill.query.Viewer;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PrivateMariaDb.class)
class RetentionTest {

    private static HikariDataSource pool(TestDatabase db) {
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(db.jdbcUrl());
        h.setUsername(db.user());
        h.setPassword(db.password());
        h.setMaximumPoolSize(2);
        return new HikariDataSource(h);
    }

    private static long count(HikariDataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Stores a day of one server's mail: the real Exim fixture, all of it on 2026-11-28. */
    private static void store(HikariDataSource ds, Path root) throws SQLException, IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n");
        DeliveryStore store = new DeliveryStore(ds, "retention-test");
        store.prepare();
        Ingester ingester = new Ingester("retention-test", CpanelAccounts.read(root), 7 * 86400);
        LineParser parser = new LineParser(ZoneOffset.UTC);
        try (InputStream in = RetentionTest.class.getResourceAsStream("/fixtures/exim496-cpanel-like.log")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                ingester.accept(parser.parse(line), -1);
            }
        }
        store.write(ingester.takeBatch());
    }

    @Test
    void purgeBefore_removesOnlyWhatIsOlder(@TempDir Path root, TestDatabase db) throws Exception {
        try (HikariDataSource ds = pool(db)) {
            store(ds, root);
            long rows = count(ds, "delivery");
            long owners = count(ds, "delivery_owner");
            assertTrue(rows > 20 && owners > 20 && count(ds, "message_log") > 10);
            Retention retention = new Retention(ds, "retention-test");
            long dayBefore = 1795737600L; // 2026-11-27 00:00 UTC
            assertEquals(0, retention.purgeBefore(dayBefore));
            assertEquals(rows, count(ds, "delivery"));
            long dayAfter = 1795910400L; // 2026-11-29 00:00 UTC
            assertTrue(retention.purgeBefore(dayAfter) >= rows + owners);
            assertEquals(0, count(ds, "delivery"));
            assertEquals(0, count(ds, "delivery_owner"));
            assertEquals(0, count(ds, "message_log"));
        }
    }

    /**
     * A retention pass is not cut short by the writer pool's bound on answers: a slice held up
     * (here 3 s by a lock, where the pool allows 1 s) finishes, and removes what it should.
     */
    @Test
    void purgeBefore_aSliceSlowerThanThePoolsSocketTimeout_finishes(@TempDir Path root, TestDatabase db)
            throws Exception {
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?") + "socketTimeout=1000");
        h.setUsername(db.user());
        h.setPassword(db.password());
        h.setMaximumPoolSize(2);
        try (HikariDataSource ds = new HikariDataSource(h)) {
            store(ds, root);
            try (Connection locker = db.connect(); Statement st = locker.createStatement()) {
                st.execute("LOCK TABLES delivery WRITE");
                Thread unlock = new Thread(() -> {
                    try {
                        Thread.sleep(3_000);
                        st.execute("UNLOCK TABLES");
                    } catch (InterruptedException | SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                unlock.start();
                long deleted = new Retention(ds, "retention-test").purgeBefore(1795910400L);
                unlock.join();
                assertTrue(deleted > 20, "deleted " + deleted);
            }
            assertEquals(0, count(ds, "delivery"));
        }
    }

    /**
     * A backfill or an import (an ingester that stores a message once it ends) writes a message's
     * lines as it reads them, and its rows when it ends: a retention pass between the two keeps
     * the lines of a message that began before the cutoff and ends inside the window.
     */
    @Test
    void purgeBefore_betweenAMessagesFirstLinesAndItsEnd_keepsItsLines(@TempDir Path root, TestDatabase db)
            throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n");
        String id = "1xX9eC-0000L2-1t";
        String arrival = "2026-11-20 10:00:00 " + id + " <= alice@example.com H=(laptop) [192.0.2.1]:41482"
                + " P=esmtpa A=dovecot_plain:alice@example.com S=1000 id=a@example.com T=\"queued\"";
        try (HikariDataSource ds = pool(db)) {
            DeliveryStore store = new DeliveryStore(ds, "web1");
            store.prepare();
            Ingester ingester = Ingester.finishedOnly("web1", CpanelAccounts.read(root), 7 * 86400);
            LineParser parser = new LineParser(ZoneOffset.UTC);
            for (String line : List.of(arrival, "2026-11-20 10:00:02 " + id + " == carol@remote.test"
                    + " R=dkim_lookuphost T=dkim_remote_smtp defer (-44): SMTP error from remote mail server after"
                    + " RCPT TO:<carol@remote.test>: 451 try later")) {
                ingester.accept(parser.parse(line), -1);
            }
            store.write(ingester.takeBatch());
            long nov25 = 1795564800L;
            new Retention(ds, "web1").purgeBefore(nov25);
            for (String line : List.of("2026-11-26 10:00:00 " + id + " => carol@remote.test R=dkim_lookuphost"
                    + " T=dkim_remote_smtp H=mx.remote.test [192.0.2.9] X=TLS1.3 C=\"250 OK\"",
                    "2026-11-26 10:00:00 " + id + " Completed")) {
                ingester.accept(parser.parse(line), -1);
            }
            store.write(ingester.takeBatch());
            assertEquals(1, count(ds, "delivery"), "delivered inside the window: the row stays");
            StringBuilder lines = new StringBuilder();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT log_lines FROM message_log ORDER BY first_time")) {
                while (rs.next()) {
                    lines.append(rs.getString(1)).append('\n');
                }
            }
            assertTrue(lines.toString().contains(arrival), "its arrival line is kept: " + lines);
            assertEquals(0, new Retention(ds, "web1").purgeBefore(nov25), "and stays at the next pass");
        }
    }

    /**
     * An import writes each batch on two connections at once: the rows on one, their owner entries
     * and lines on the other, which may commit first. A retention pass in between keeps the owner
     * entries of a row still to come that is active inside the window (else its account never sees it).
     */
    @Test
    void purgeBefore_betweenAnImportsOwnerEntriesAndItsRows_keepsTheEntriesOfAnActiveRow(@TempDir Path root,
            TestDatabase db) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n");
        String id = "1xX9eC-0000L2-1t";
        try (HikariDataSource ds = pool(db)) {
            DeliveryStore store = new DeliveryStore(ds, "web1");
            store.prepare();
            Ingester ingester = Ingester.finishedOnly("web1", CpanelAccounts.read(root), 7 * 86400);
            LineParser parser = new LineParser(ZoneOffset.UTC);
            for (String line : List.of("2026-11-20 10:00:00 " + id + " <= alice@example.com H=(laptop)"
                    + " [192.0.2.1]:41482 P=esmtpa A=dovecot_plain:alice@example.com S=1000 id=a@example.com",
                    "2026-11-20 10:00:02 " + id + " == carol@remote.test R=dkim_lookuphost T=dkim_remote_smtp"
                    + " defer (-44): SMTP error from remote mail server after RCPT TO:<carol@remote.test>: 451 later",
                    "2026-11-26 10:00:00 " + id + " => carol@remote.test R=dkim_lookuphost T=dkim_remote_smtp"
                    + " H=mx.remote.test [192.0.2.9] C=\"250 OK\"",
                    "2026-11-26 10:00:00 " + id + " Completed")) {
                ingester.accept(parser.parse(line), -1);
            }
            List<RowBatch> parts = ingester.takeBatch().split();
            store.write(parts.get(1)); // the owner entries and lines first
            long nov25 = 1795564800L;
            new Retention(ds, "web1").purgeBefore(nov25);
            store.write(parts.get(0));
            assertEquals(1, count(ds, "delivery"));
            assertEquals(1, count(ds, "delivery_owner"), "the sender's account still sees its row");
            assertEquals(0, new Retention(ds, "web1").purgeBefore(nov25));
            assertEquals(1, count(ds, "delivery_owner"));
        }
    }

    /**
     * A pass is shown as it goes: while it is held (here waiting for rows another session holds,
     * after it removed their lines) it is running, with what it has removed so far; once it ends
     * it is the last pass, with when it ran and all it removed.
     */
    @Test
    void purgeBefore_heldMidway_isShownRunningWithWhatItRemovedSoFar_thenAsTheLastPass(@TempDir Path root,
            TestDatabase db) throws Exception {
        try (HikariDataSource ds = pool(db)) {
            store(ds, root);
            long rows = count(ds, "delivery");
            long owners = count(ds, "delivery_owner");
            long lines = count(ds, "message_log");
            Retention retention = new Retention(ds, "retention-test");
            assertNull(retention.running());
            assertNull(retention.last());
            try (Connection locker = db.connect()) {
                Thread pass = heldPass(ds, locker, "rows", retention);
                Retention.Pass running = retention.running();
                assertNotNull(running);
                assertEquals(0, running.finished());
                assertEquals(lines - count(ds, "message_log"), running.removed(), "the lines so far");
                assertTrue(running.removed() > 0);
                assertNull(retention.last(), "no pass has ended yet");
                locker.rollback();
                pass.join(30_000);
            }
            assertNull(retention.running());
            Retention.Pass last = retention.last();
            assertNotNull(last);
            assertEquals(rows + owners + lines, last.removed());
            assertTrue(last.finished() >= last.started() && last.started() > 0);
            assertEquals(1795910400L, last.cutoff());
            assertNull(last.failure());
        }
    }

    /**
     * A pass cut off by the database (its connection killed, as a restart of the database or a
     * failover does) is shown as the last pass with why it failed and what it removed before: each
     * slice commits alone.
     */
    @Test
    void purgeBefore_connectionLostMidway_isShownFailed_withWhatItRemoved(@TempDir Path root, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = pool(db)) {
            store(ds, root);
            long lines = count(ds, "message_log");
            Retention retention = new Retention(ds, "retention-test");
            try (Connection locker = db.connect()) {
                Thread pass = heldPass(ds, locker, "rows", retention);
                kill(ds, locker, "rows");
                pass.join(30_000);
                locker.rollback();
            }
            Retention.Pass last = retention.last();
            assertNotNull(last);
            assertNotNull(last.failure());
            assertEquals(lines - count(ds, "message_log"), last.removed(), "the lines it removed before");
            assertTrue(last.removed() > 0);
        }
    }

    /**
     * A pass cut off part way (its connection killed, as a database restart or a kill of the
     * daemon ends it) leaves nothing the next pass does not remove: wherever it is cut, the next
     * pass at the same cutoff leaves no row, owner entry or line of the messages past it. (Cut
     * after a slice's rows, their lines stayed a week longer.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"lines", "rows", "owner entries"})
    void purgeBefore_cutOffPartWay_theNextPassLeavesNothing(String at, @TempDir Path root, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = pool(db)) {
            store(ds, root);
            Retention retention = new Retention(ds, "retention-test");
            try (Connection locker = db.connect()) {
                Thread pass = heldPass(ds, locker, at, retention);
                kill(ds, locker, at);
                pass.join(30_000);
                release(locker, at);
            }
            assertNotNull(retention.last().failure(), "cut off");
            retention.purgeBefore(1795910400L);
            assertNull(retention.last().failure());
            assertEquals(List.of(0L, 0L, 0L), List.of(count(ds, "delivery"), count(ds, "delivery_owner"),
                    count(ds, "message_log")), "rows, owner entries, lines");
        }
    }

    /**
     * An account's counts by type are read from its owner entries alone: while a pass is held at
     * the rows or the owner entries of its slice, and after it is cut off there, they count the
     * rows still stored. (The entries went at the end of the pass: until then they counted
     * removed rows.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"rows", "owner entries"})
    void purgeBefore_heldMidSlice_anAccountsCountsMatchItsRows(String at, @TempDir Path root, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = pool(db)) {
            store(ds, root);
            DeliveryQueries queries = new DeliveryQueries(ds, "retention-test");
            assertTrue(counted(queries, "exampleco") > 10);
            Retention retention = new Retention(ds, "retention-test");
            try (Connection locker = db.connect()) {
                Thread pass = heldPass(ds, locker, at, retention);
                assertCountsMatchRows(queries, "held at the " + at);
                kill(ds, locker, at);
                pass.join(30_000);
                locker.rollback();
            }
            assertCountsMatchRows(queries, "cut off");
            retention.purgeBefore(1795910400L);
            assertEquals(0, counted(queries, "exampleco"));
        }
    }

    /**
     * Regression: a pass removed the owner entries of the owners that had entries when it began.
     * Those of an account given entries of old rows while it ran (an import reading old mail, with
     * an account added since) stayed after their rows until the pass's end, counted by the account
     * for rows that were gone: here while the pass is held after its slice, at the lines no row
     * claims. (A pass reads its owners again once their list is 10 s old; here at every slice.)
     */
    @Test
    void purgeBefore_anOwnerNewDuringThePass_itsCountsMatchItsRowsWhileItRuns(@TempDir Path root, TestDatabase db)
            throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n");
        try (HikariDataSource ds = pool(db)) {
            DeliveryStore store = new DeliveryStore(ds, "web1");
            store.prepare();
            Ingester ingester = new Ingester("web1", CpanelAccounts.read(root), 7 * 86400);
            LineParser parser = new LineParser(ZoneOffset.UTC);
            for (String to : List.of("nosuch", "nowhere")) { // rejections: rows without lines
                ingester.accept(parser.parse("2026-11-28 04:02:51 H=(mx.outside.test) [127.0.0.1]:54798"
                        + " F=<stranger@outside.test> rejected RCPT <" + to + "@example.com>: Unrouteable address"), -1);
            }
            store.write(ingester.takeBatch());
            DeliveryQueries queries = new DeliveryQueries(ds, "web1");
            Retention retention = new Retention(ds, "web1", 0);
            try (Connection rows = db.connect(); Connection lines = db.connect();
                 Statement rowLock = rows.createStatement(); Statement lineLock = lines.createStatement()) {
                rowLock.execute("LOCK TABLES delivery WRITE");
                lineLock.execute("LOCK TABLES message_log WRITE");
                Thread pass = new Thread(() -> {
                    try {
                        retention.purgeBefore(1795910400L);
                    } catch (SQLException e) {
                        // retention.last() says why
                    }
                });
                pass.start();
                awaitStatement(ds, "SELECT row_key, sendtime, msgid FROM delivery%"); // it knows its owners
                try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO delivery_owner (server_id, owner, sendtime, row_key, type, last_time)"
                            + " SELECT server_id, 'newco', sendtime, row_key, type, last_time FROM delivery_owner"
                            + " WHERE owner = 'exampleco'");
                }
                try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM delivery_owner WHERE owner = 'newco'")) {
                    rs.next();
                    assertEquals(2, rs.getLong(1));
                }
                rowLock.execute("UNLOCK TABLES");
                awaitStatement(ds, "SELECT msgid, first_time FROM message_log%"); // past the slice
                assertEquals(0, count(ds, "delivery"));
                assertEquals(0, counted(queries, "newco"), "no row is left for the new account to count");
                lineLock.execute("UNLOCK TABLES");
                pass.join(30_000);
            }
            assertNull(retention.last().failure());
            assertEquals(0, count(ds, "delivery_owner"));
        }
    }

    /** Waits until another session runs a statement like {@code pattern} (held up, as a test holds it). */
    private static void awaitStatement(HikariDataSource ds, String pattern) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE ? AND id <> CONNECTION_ID()")) {
            ps.setString(1, pattern);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < deadline, "no session came to " + pattern);
                Thread.sleep(20);
            }
        }
    }

    private static void assertCountsMatchRows(DeliveryQueries queries, String when) throws SQLException {
        for (String account : List.of("exampleco", "shopuser")) {
            SearchPage page = queries.search(Viewer.account(account), SearchParams.all(), true);
            assertEquals(page.rows().size(), counted(queries, account), account + " " + when + ": " + page.counts());
        }
    }

    private static long counted(DeliveryQueries queries, String account) throws SQLException {
        return queries.search(Viewer.account(account), SearchParams.all(), true).counts().values().stream()
                .mapToLong(Long::longValue).sum();
    }

    /**
     * Starts a pass (cutoff 2026-11-29) that {@code locker} holds up at {@code at} ("lines": a
     * table lock; "rows", "owner entries": every row locked in a transaction), and returns once the
     * pass waits there.
     */
    private static Thread heldPass(HikariDataSource ds, Connection locker, String at, Retention retention)
            throws Exception {
        try (Statement st = locker.createStatement()) {
            if (at.equals("lines")) {
                st.execute("LOCK TABLES message_log WRITE");
            } else {
                locker.setAutoCommit(false);
                st.executeQuery("SELECT row_key FROM " + table(at) + " FOR UPDATE").close();
            }
        }
        Thread pass = new Thread(() -> {
            try {
                retention.purgeBefore(1795910400L);
            } catch (SQLException e) {
                // cut off: retention.last() says why
            }
        });
        pass.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (session(ds, at) == 0) {
            assertTrue(System.nanoTime() < deadline, "the pass never waited at the " + at);
            Thread.sleep(20);
        }
        return pass;
    }

    /** Kills the connection of the pass {@link #heldPass} holds up. */
    private static void kill(HikariDataSource ds, Connection locker, String at) throws SQLException {
        try (Statement st = locker.createStatement()) {
            st.execute("KILL " + session(ds, at));
        }
    }

    private static void release(Connection locker, String at) throws SQLException {
        if (at.equals("lines")) {
            try (Statement st = locker.createStatement()) {
                st.execute("UNLOCK TABLES");
            }
        } else {
            locker.rollback();
        }
    }

    private static String table(String at) {
        return switch (at) {
            case "lines" -> "message_log";
            case "rows" -> "delivery";
            default -> "delivery_owner";
        };
    }

    /** The id of the session deleting from the table of {@code at}, or 0 when none is. */
    private static long session(HikariDataSource ds, String at) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM information_schema.processlist"
                     + " WHERE info LIKE ? AND id <> CONNECTION_ID()")) {
            ps.setString(1, "DELETE FROM " + table(at) + " WHERE%");
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
