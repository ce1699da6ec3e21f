package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.StoredLog;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two servers writing one database: their rows, ids, upgrade and retention stay apart. */
@ExtendWith(PrivateMariaDb.class)
class ManyServersStoreTest {

    /** The same log on both servers: the same message ids, the same account names. */
    private static void storeBoth(HikariDataSource ds, Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n");
        StoredLog.store(new DeliveryStore(ds, "web1"), root, StoredLog.fixture());
        StoredLog.store(new DeliveryStore(ds, "web2"), root, StoredLog.fixture());
    }

    private static long count(HikariDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> dump(HikariDataSource ds, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                rows.add(sb.toString());
            }
        }
        return rows;
    }

    private static final String DELIVERIES = "SELECT HEX(row_key), server_id, type, msgid, recipient, sendtime, last_time"
            + " FROM delivery ORDER BY row_key";
    private static final String OWNERS = "SELECT server_id, owner, sendtime, HEX(row_key), type, last_time"
            + " FROM delivery_owner ORDER BY server_id, owner, sendtime, row_key";

    @Test
    void sameMessageIdsOnTwoServers_neverShareARow(@TempDir Path root, TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            storeBoth(ds, root);
            long web1 = count(ds, "SELECT COUNT(*) FROM delivery d JOIN server s ON s.id = d.server_id AND s.name = 'web1'");
            assertTrue(web1 > 20);
            assertEquals(web1, count(ds,
                    "SELECT COUNT(*) FROM delivery d JOIN server s ON s.id = d.server_id AND s.name = 'web2'"));
            // Every owner entry names its server and joins its own row.
            assertEquals(count(ds, "SELECT COUNT(*) FROM delivery_owner"), count(ds, "SELECT COUNT(*) FROM delivery_owner o"
                    + " JOIN delivery d ON d.row_key = o.row_key AND d.sendtime = o.sendtime AND d.server_id = o.server_id"));
        }
    }

    @Test
    void startingAgain_takesNoNewServerId(@TempDir Path root, TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            for (int i = 0; i < 5; i++) {
                new DeliveryStore(ds, "web1").prepare();
            }
            new DeliveryStore(ds, "web2").prepare();
            assertEquals(List.of("1|web1|", "2|web2|"), dump(ds, "SELECT id, name FROM server ORDER BY id"));
        }
    }

    /**
     * Regression: table server compares names without regard to case, so WEB3 (as an older
     * version registered a server.id written in upper case) and web3 (as the configuration gives
     * it now) are one server; it keeps its stored spelling, and with it the keys of its rows,
     * rejections included (theirs hash the name), so reading the same lines again adds nothing.
     */
    @Test
    void serverNamesDifferingOnlyInCase_areOneServer_writingTheSameRows(@TempDir Path root, TestDatabase db)
            throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\nshop.test: shopuser\n");
        try (HikariDataSource ds = db.pool(2)) {
            StoredLog.store(new DeliveryStore(ds, "WEB3"), root, StoredLog.fixture());
            List<String> before = dump(ds, DELIVERIES);
            assertTrue(count(ds, "SELECT COUNT(*) FROM delivery WHERE type = " + OutcomeType.REJECTED.ordinal()) > 0,
                    "the fixture has rejections");
            DeliveryStore lower = new DeliveryStore(ds, "web3");
            StoredLog.store(lower, root, StoredLog.fixture());
            assertEquals("WEB3", lower.serverName());
            assertEquals(List.of("1|WEB3|"), dump(ds, "SELECT id, name FROM server ORDER BY id"));
            assertEquals(before, dump(ds, DELIVERIES));
        }
    }

    /**
     * A store written before owner entries named their server, and when message keys held a hash
     * of the server's name: made from today's by undoing what migration 2 does, which must then
     * give back exactly what was there.
     */
    @Test
    void migration2_upgradesAStoreOfTwoServers_toWhatThisVersionWrites(@TempDir Path root, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            storeBoth(ds, root);
            List<String> deliveries = dump(ds, DELIVERIES);
            List<String> owners = dump(ds, OWNERS);
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                for (String server : List.of("web1", "web2")) {
                    String old = String.format("%04X", RowKey.hash64(server) & 0xFFFF);
                    String id = "(SELECT id FROM server WHERE name = '" + server + "')";
                    st.execute("UPDATE delivery_owner SET row_key = INSERT(row_key, 12, 2, UNHEX('" + old + "'))"
                            + " WHERE server_id = " + id + " AND row_key IN (SELECT row_key FROM delivery WHERE msgid IS NOT NULL)");
                    st.execute("UPDATE delivery SET row_key = INSERT(row_key, 12, 2, UNHEX('" + old + "'))"
                            + " WHERE server_id = " + id + " AND msgid IS NOT NULL");
                }
                st.execute("ALTER TABLE delivery_owner DROP PRIMARY KEY, DROP COLUMN server_id,"
                        + " ADD PRIMARY KEY (owner, sendtime, row_key)");
                st.execute("DELETE FROM schema_version WHERE version >= 2");
                assertNotEquals(deliveries, dump(ds, DELIVERIES), "the keys were those of version 1");
                assertEquals(Schema.MIGRATIONS.size() - 1, Schema.migrate(c));
            }
            assertEquals(deliveries, dump(ds, DELIVERIES));
            assertEquals(owners, dump(ds, OWNERS));
            // The same lines read again after the upgrade land on the same rows.
            StoredLog.store(new DeliveryStore(ds, "web1"), root, StoredLog.fixture());
            assertEquals(deliveries, dump(ds, DELIVERIES));
            assertEquals(owners, dump(ds, OWNERS));
        }
    }

    /**
     * A store whose messages' rows were numbered in the order they were seen (before version 3):
     * made from today's by numbering each message's rows 1, 2, 3..., which migration 3 must turn
     * back into exactly what this version writes, owner entries included.
     */
    @Test
    void migration3_renumbersEachMessagesRows_toWhatThisVersionWrites(@TempDir Path root, TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            storeBoth(ds, root);
            List<String> deliveries = dump(ds, DELIVERIES);
            List<String> owners = dump(ds, OWNERS);
            List<String[]> renumber = new ArrayList<>();
            String message = "";
            int n = 0;
            for (String row : dump(ds, "SELECT HEX(row_key) FROM delivery WHERE msgid IS NOT NULL ORDER BY row_key")) {
                String key = row.substring(0, 32);
                if (key.substring(26).compareTo("FF0000") >= 0) {
                    continue; // rejections after DATA keep their numbers
                }
                n = key.startsWith(message) ? n + 1 : 1;
                message = key.substring(0, 26);
                renumber.add(new String[] {key, message + String.format("%06X", n)});
            }
            assertTrue(renumber.size() > 20);
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                for (String[] r : renumber) {
                    st.execute("UPDATE delivery_owner SET row_key = UNHEX('" + r[1] + "') WHERE row_key = UNHEX('" + r[0] + "')");
                    st.execute("UPDATE delivery SET row_key = UNHEX('" + r[1] + "') WHERE row_key = UNHEX('" + r[0] + "')");
                }
                st.execute("DELETE FROM schema_version WHERE version >= 3");
                assertNotEquals(deliveries, dump(ds, DELIVERIES), "numbered in order");
                assertEquals(Schema.currentVersion() - 2, Schema.migrate(c));
            }
            assertEquals(deliveries, dump(ds, DELIVERIES));
            assertEquals(owners, dump(ds, OWNERS));
            assertEquals(0, count(ds, "SELECT COUNT(*) FROM row_renumbering"), "the work table is left empty");
            StoredLog.store(new DeliveryStore(ds, "web1"), root, StoredLog.fixture());
            assertEquals(deliveries, dump(ds, DELIVERIES));
        }
    }

    @Test
    void retention_removesOnlyItsOwnServersRows(@TempDir Path root, TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            storeBoth(ds, root);
            List<String> web2Rows = dump(ds, DELIVERIES.replace("FROM delivery", "FROM delivery WHERE server_id = 2"));
            List<String> web2Owners = dump(ds, OWNERS.replace("FROM delivery_owner", "FROM delivery_owner WHERE server_id = 2"));
            long web2Lines = count(ds, "SELECT COUNT(*) FROM message_log WHERE server_id = 2");
            long dayAfter = 1795910400L; // 2026-11-29 00:00 UTC
            assertTrue(new Retention(ds, "web1").purgeBefore(dayAfter) > 0);
            for (String table : List.of("delivery", "delivery_owner", "message_log")) {
                assertEquals(0, count(ds, "SELECT COUNT(*) FROM " + table + " WHERE server_id = 1"), table);
            }
            assertEquals(web2Rows, dump(ds, DELIVERIES));
            assertEquals(web2Owners, dump(ds, OWNERS));
            assertEquals(web2Lines, count(ds, "SELECT COUNT(*) FROM message_log"));
            assertEquals(0, new Retention(ds, "web3").purgeBefore(dayAfter), "a server that never wrote");
        }
    }

    /** A message that came in long ago and is still being retried is kept whole, lines and all. */
    @Test
    void retention_keepsAMessageStillBeingRetried(@TempDir Path root, TestDatabase db) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/userdomains"), "example.com: exampleco\n");
        String id = "1xX9eC-0000L2-1t";
        List<String> lines = List.of(
                "2026-11-20 10:00:00 " + id + " <= alice@example.com H=(laptop) [192.0.2.1]:41482 P=esmtpa"
                        + " A=dovecot_plain:alice@example.com S=1000 id=a@example.com T=\"queued\"",
                "2026-11-20 10:00:01 " + id + " => bob@example.com R=virtual_user T=virtual_userdelivery",
                "2026-11-20 10:00:02 " + id + " == carol@remote.test R=dkim_lookuphost T=dkim_remote_smtp defer (-44):"
                        + " SMTP error from remote mail server after RCPT TO:<carol@remote.test>: 451 try later",
                "2026-11-26 10:00:00 " + id + " == carol@remote.test R=dkim_lookuphost T=dkim_remote_smtp defer (-44):"
                        + " SMTP error from remote mail server after RCPT TO:<carol@remote.test>: 451 try later");
        try (HikariDataSource ds = db.pool(2)) {
            StoredLog.store(new DeliveryStore(ds, "web1"), root, lines);
            List<String> rows = dump(ds, DELIVERIES);
            List<String> owners = dump(ds, OWNERS);
            assertEquals(2, rows.size(), rows.toString());
            long chunks = count(ds, "SELECT COUNT(*) FROM message_log");
            Retention retention = new Retention(ds, "web1");
            long nov25 = 1795564800L;
            assertEquals(0, retention.purgeBefore(nov25), "retried on the 26th: nothing of it goes");
            assertEquals(rows, dump(ds, DELIVERIES));
            assertEquals(owners, dump(ds, OWNERS));
            assertEquals(chunks, count(ds, "SELECT COUNT(*) FROM message_log"));
            long nov27 = nov25 + 2 * 86400;
            assertTrue(retention.purgeBefore(nov27) > 0);
            for (String table : List.of("delivery", "delivery_owner", "message_log")) {
                assertEquals(0, count(ds, "SELECT COUNT(*) FROM " + table), table);
            }
        }
    }

    /**
     * A message goes as a whole or not at all, whatever its rows' times (a row stored without its
     * arrival has its first line's): more than a slice of quiet rows, all of one second, whose
     * messages each have a row still active at another time, all stay — and the pass ends.
     */
    @Test
    void retention_keepsEveryRowOfAnActiveMessage_whateverItsTime(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            new DeliveryStore(ds, "web1").prepare();
            int messages = Retention.SLICE + 10;
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO delivery (row_key, server_id, type, msgid, sendtime, actiontime, remote, attempts,"
                            + " last_time, numbering) VALUES (?, 1, ?, ?, ?, ?, 0, 0, ?, 1)")) {
                for (int i = 0; i < messages; i++) {
                    String id = String.format("1xX9eC-%06d-aa", i);
                    // Delivered long ago, at the arrival's second...
                    ps.setBytes(1, RowKey.ofMessage(id, 1).bytes(1));
                    ps.setInt(2, 0);
                    ps.setString(3, id);
                    ps.setLong(4, 1_000_000);
                    ps.setLong(5, 1_000_000);
                    ps.setLong(6, 1_000_000);
                    ps.addBatch();
                    // ...and another recipient still deferred, stored at its own first line's time.
                    ps.setBytes(1, RowKey.ofMessage(id, 2).bytes(1));
                    ps.setInt(2, 3);
                    ps.setString(3, id);
                    ps.setLong(4, 1_000_500);
                    ps.setLong(5, 3_000_000);
                    ps.setLong(6, 3_000_000);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            long deleted = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> new Retention(ds, "web1").purgeBefore(2_000_000));
            assertEquals(0, deleted);
            assertEquals(2L * messages, count(ds, "SELECT COUNT(*) FROM delivery"));
        }
    }

    /** Retention walks forwards: more rows than one slice, interleaved with another server's, all go. */
    @Test
    void retention_manySlices_interleavedWithAnotherServer(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            new DeliveryStore(ds, "web1").prepare();
            new DeliveryStore(ds, "web2").prepare();
            int n = Retention.SLICE * 2 + 123;
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO delivery (row_key, server_id, type, msgid, sendtime, actiontime, remote, attempts,"
                            + " last_time, numbering) VALUES (?, ?, 0, ?, ?, ?, 0, 0, ?, 1)")) {
                for (int i = 0; i < 2 * n; i++) {
                    ps.setBytes(1, RowKey.ofMessage(String.format("1xX9eC-%06d-aa", i), 1).bytes(1 + i % 2));
                    ps.setInt(2, 1 + i % 2);
                    ps.setString(3, String.format("1xX9eC-%06d-aa", i));
                    ps.setLong(4, 1_000_000 + i / 7);
                    ps.setLong(5, 1_000_000 + i / 7);
                    ps.setLong(6, 1_000_000 + i / 7);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            assertEquals(n, new Retention(ds, "web1").purgeBefore(2_000_000));
            assertEquals(0, count(ds, "SELECT COUNT(*) FROM delivery WHERE server_id = 1"));
            assertEquals(n, count(ds, "SELECT COUNT(*) FROM delivery WHERE server_id = 2"));
        }
    }
}
