package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class DeliveryStoreTest {

    /**
     * A pool whose connections can be made to break as HikariCP's do: the statement fails with a
     * connection error, and from then on the connection answers only "Connection is closed", with
     * no SQL state.
     */
    static final class BreakingPool implements DataSource {
        final DataSource real;
        volatile boolean breakNext;

        BreakingPool(DataSource real) {
            this.real = real;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = real.getConnection();
            boolean[] broken = {false};
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close")) {
                            c.close();
                            return null;
                        }
                        if (broken[0]) {
                            throw new SQLException("Connection is closed");
                        }
                        if (breakNext && method.getName().equals("prepareStatement")) {
                            breakNext = false;
                            broken[0] = true;
                            throw new SQLNonTransientConnectionException("(conn=9) Socket error", "08000");
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String user, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }

    @Test
    void write_aNewerStateReadWithoutTheArrival_keepsWhatTheArrivalSaid_andTakesTheRest(TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            store.write(batchOf(DEFERRED_WITH_ARRIVAL, "ann", "bob"));
            store.write(batchOf(DELIVERED_WITHOUT_ARRIVAL, "bob"));
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT type, email, user, size, senderip, subject, host, attempts, reply, message, sendtime"
                            + " FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(1_000, rs.getLong("sendtime"), "the arrival's time");
                assertEquals(OutcomeType.SUCCESS.ordinal(), rs.getInt("type"));
                assertEquals("ann@example.com", rs.getString("email"));
                assertEquals("ann", rs.getString("user"));
                assertEquals(2666, rs.getLong("size"));
                assertEquals("192.0.2.7", rs.getString("senderip"));
                assertEquals("Hello", rs.getString("subject"));
                assertEquals("mx2.example.net", rs.getString("host"));
                assertEquals(2, rs.getInt("attempts"));
                assertEquals("250 OK", rs.getString("reply"));
                assertNull(rs.getString("message"), "what the delivery says replaces the deferral's words");
                assertFalse(rs.next());
            }
            // The later state's owner entry is the row's (its sendtime), with the new type.
            assertEquals(List.of("ann 1000 " + OutcomeType.DEFER.ordinal(), "bob 1000 " + OutcomeType.SUCCESS.ordinal()),
                    ownerEntries(ds));
        }
    }

    @Test
    void write_anOlderStateWithTheArrival_fillsInWhatTheRowLacked_andLeavesTheNewerOutcome(TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            // First stored from the later lines alone (the file with its arrival was not read yet) ...
            store.write(batchOf(DELIVERED_WITHOUT_ARRIVAL, "bob"));
            // ... then an import of that older file brings an older state, with the arrival.
            store.write(batchOf(DEFERRED_WITH_ARRIVAL, "ann", "bob"));
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT type, email, size, subject, host, reply, last_time, sendtime FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(1_000, rs.getLong("sendtime"), "the arrival's time, in place of the first line's");
                assertEquals("ann@example.com", rs.getString("email"));
                assertEquals(2666, rs.getLong("size"));
                assertEquals("Hello", rs.getString("subject"));
                assertEquals(OutcomeType.SUCCESS.ordinal(), rs.getInt("type"), "the newer outcome stays");
                assertEquals("mx2.example.net", rs.getString("host"));
                assertEquals("250 OK", rs.getString("reply"));
                assertEquals(3_000, rs.getLong("last_time"));
                assertFalse(rs.next());
            }
            // Both accounts see the row: their entries carry its sendtime now.
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT o.owner FROM delivery_owner o JOIN delivery d ON d.row_key = o.row_key"
                            + " AND d.sendtime = o.sendtime ORDER BY o.owner")) {
                List<String> seeing = new ArrayList<>();
                while (rs.next()) {
                    seeing.add(rs.getString(1));
                }
                assertEquals(List.of("ann", "bob"), seeing);
            }
            // And bob's entry of the first reading, at that reading's time, is gone: counts by type
            // read the entries alone, and would count the row twice.
            assertEquals(List.of("ann 1000 " + OutcomeType.SUCCESS.ordinal(), "bob 1000 " + OutcomeType.SUCCESS.ordinal()),
                    ownerEntries(ds));
        }
    }

    /**
     * The same with the batch split by table, as an import writes it on two connections: the
     * lane that moves the row drops the entries left at its former time, whichever part commits
     * first.
     */
    @Test
    void write_theArrivalReadLaterOnTwoLanes_leavesOneEntryPerOwner(TestDatabase db) throws Exception {
        for (boolean deliveriesFirst : new boolean[] {true, false}) {
            try (HikariDataSource ds = db.pool(2)) {
                DeliveryStore store = prepared(ds);
                try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                    st.execute("DELETE FROM delivery");
                    st.execute("DELETE FROM delivery_owner");
                }
                store.write(batchOf(DELIVERED_WITHOUT_ARRIVAL, "bob"));
                List<RowBatch> parts = batchOf(DELIVERED_WITH_ARRIVAL, "ann", "bob").split();
                store.write(parts.get(deliveriesFirst ? 0 : 1));
                store.write(parts.get(deliveriesFirst ? 1 : 0));
                assertEquals(List.of("ann 1000 " + OutcomeType.SUCCESS.ordinal(),
                        "bob 1000 " + OutcomeType.SUCCESS.ordinal()), ownerEntries(ds),
                        deliveriesFirst ? "deliveries first" : "owners first");
            }
        }
    }

    /** Every owner entry: owner, sendtime, type. */
    private static List<String> ownerEntries(DataSource ds) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT owner, sendtime, type FROM delivery_owner ORDER BY owner, sendtime")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getInt(3));
            }
        }
        return out;
    }

    /** A first attempt deferred, with what the arrival said: sender, size, subject, the sender's host. */
    private static final Outcome DEFERRED_WITH_ARRIVAL = new Outcome(OutcomeType.DEFER, "1toyx8-00000006K6U-293X",
            "ann@example.com", "ann@example.com", "ann", "example.com", 2666, "mail.example.com", "192.0.2.7",
            "dovecot_login", 1.5, 1_000, "bob@example.net", "bob@example.net", null, "example.net", "dnslookup",
            "remote_smtp", "mx.example.net", "198.51.100.2", "451 try later", 1_000, true, "Hello", 1,
            "451 try later", null, null, null, 1);
    /** The same recipient delivered later, as the later lines alone tell it: no sender, size or subject. */
    private static final Outcome DELIVERED_WITHOUT_ARRIVAL = new Outcome(OutcomeType.SUCCESS,
            "1toyx8-00000006K6U-293X", null, null, null, null, -1, null, null, null, null, 2_000, "bob@example.net",
            "bob@example.net", null, "example.net", "dnslookup", "remote_smtp", "mx2.example.net", "198.51.100.3",
            null, 3_000, true, null, 2, "250 OK", "TLS1.3", null, null, 1);

    /** The delivery with what the arrival said, as a reading of the whole log tells it. */
    private static final Outcome DELIVERED_WITH_ARRIVAL = new Outcome(OutcomeType.SUCCESS, "1toyx8-00000006K6U-293X",
            "ann@example.com", "ann@example.com", "ann", "example.com", 2666, "mail.example.com", "192.0.2.7",
            "dovecot_login", 1.5, 1_000, "bob@example.net", "bob@example.net", null, "example.net", "dnslookup",
            "remote_smtp", "mx2.example.net", "198.51.100.3", null, 3_000, true, "Hello", 2, "250 OK", "TLS1.3", null,
            null, 1);

    /** A deferral of bob's at {@code time}, after {@code attempts} attempts, as one reading counted them. */
    private static Outcome deferred(long time, int attempts) {
        return new Outcome(OutcomeType.DEFER, "1toyx8-00000006K6U-293X", "ann@example.com", "ann@example.com", "ann",
                "example.com", 2666, "mail.example.com", "192.0.2.7", "dovecot_login", 1.5, 1_000, "bob@example.net",
                "bob@example.net", null, "example.net", "dnslookup", "remote_smtp", "mx.example.net", "198.51.100.2",
                "451 try later " + time, time, true, "Hello", attempts, "451 try later", null, null, null, 1);
    }

    /**
     * A reading of part of a message's lines (a restart that replays from the oldest rotated file
     * still there) counts fewer attempts than were made: the newer state is taken, but the count
     * never goes down.
     */
    @Test
    void write_aNewerStateCountingFewerAttempts_takesTheStateButKeepsTheCount(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            store.write(batchOf(deferred(5_000, 5), "ann"));
            store.write(batchOf(deferred(6_000, 2), "ann"));
            store.write(batchOf(deferred(2_000, 1), "ann"));
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT attempts, message, actiontime FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(5, rs.getInt("attempts"));
                assertEquals("451 try later 6000", rs.getString("message"), "the newest state");
                assertEquals(6_000, rs.getLong("actiontime"));
            }
            store.write(batchOf(deferred(7_000, 6), "ann"));
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT attempts FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(6, rs.getInt(1), "and grows with the next attempt");
            }
        }
    }

    private static DeliveryStore prepared(DataSource ds) throws SQLException {
        DeliveryStore store = new DeliveryStore(ds, "store-test");
        store.prepare();
        return store;
    }

    /** A batch of one state of the one row these tests write, with its owners. */
    private static RowBatch batchOf(Outcome o, String... owners) {
        RowBatch b = new RowBatch();
        b.row(RowKey.ofMessage(o.msgid(), o.row()), o, List.of(owners));
        return b;
    }

    /**
     * A value the database refuses (here, a subject longer than an altered column holds) would
     * refuse the whole batch at every try: that row is left out and said, the rest is stored with
     * the position. Garbled values the parser passes on — a reply of 30,000 three-byte characters,
     * not printable ASCII where only ASCII goes, a time after 2106 — are stored, cut or clamped.
     */
    @Test
    void write_aValueTheDatabaseRefuses_leavesOnlyThatRowOut_andGarbledValuesAreStored(TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE delivery MODIFY subject VARCHAR(8) NULL");
            }
            RowBatch batch = new RowBatch();
            Outcome refused = withSubject(DEFERRED_WITH_ARRIVAL, "1toyx8-00000006K6U-0001", "far too long a subject");
            Outcome garbled = new Outcome(OutcomeType.SUCCESS, "1toyx8-00000006K6U-0002", "ann@example.com",
                    "ann@example.com", "ann", "example.com", 10, "mail.example.com", "192.0.2.7\u00e9",
                    null, null, 1_000, "bob@example.net", "bob@example.net", null, "example.net", "dnslookup",
                    "remote_smtp", "mx.example.net", "198.51.100.2", null, 253_402_300_799L, true, "Hi", 1,
                    "250 " + "\u20ac".repeat(30_000), "TLS1.3:\u00c4:256", null, null, 1);
            for (Outcome o : List.of(DEFERRED_WITH_ARRIVAL, refused, garbled)) {
                batch.row(RowKey.ofMessage(o.msgid(), o.row()), o, List.of("ann"));
            }
            batch.line(refused.msgid(), 1_000, 0, "a line of the refused row's message");
            batch.position("/var/log/exim_mainlog", "v1:1:2:3:0:0000000000000000", null);
            List<String> leftOut = store.write(batch).leftOut();
            assertEquals(1, leftOut.size(), leftOut.toString());
            assertTrue(leftOut.get(0).startsWith("the row of message 1toyx8-00000006K6U-0001 to bob@example.net"
                    + " could not be stored and was left out (") && leftOut.get(0).contains("subject"), leftOut.get(0));
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT msgid, senderip, tls, CHAR_LENGTH(reply), actiontime FROM delivery ORDER BY msgid")) {
                assertTrue(rs.next());
                assertEquals("1toyx8-00000006K6U-0002", rs.getString(1));
                assertEquals("192.0.2.7?", rs.getString(2));
                assertEquals("TLS1.3:?:256", rs.getString(3));
                assertEquals(4 + (65_535 - 4) / 3, rs.getInt(4), "cut to what a TEXT column holds");
                assertEquals(0xFFFF_FFFFL, rs.getLong(5), "the latest time the column holds");
                assertTrue(rs.next());
                assertEquals(DEFERRED_WITH_ARRIVAL.msgid(), rs.getString(1));
                assertFalse(rs.next());
            }
            assertEquals(2, ownerEntries(ds).size(), "the owner entries of the rows stored");
            assertEquals("v1:1:2:3:0:0000000000000000", store.position("/var/log/exim_mainlog")[0]);
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*) FROM message_log")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "the lines are kept");
            }
        }
    }

    /**
     * A server whose max_allowed_packet is smaller than a batch's statement (1 MB on old servers,
     * here 16 KB): the batch is written a row at a time, and only a row larger than the packet
     * is left out, naming the setting to raise.
     */
    @Test
    void write_aBatchLargerThanTheServersPacket_isWrittenARowAtATime(TestDatabase db) throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement()) {
            st.execute("SET GLOBAL max_allowed_packet = 16384");
            try (HikariDataSource ds = db.pool(1)) {
                DeliveryStore store = prepared(ds);
                RowBatch batch = new RowBatch();
                for (int i = 0; i < 100; i++) {
                    Outcome o = withSubject(DEFERRED_WITH_ARRIVAL, String.format("1toyx8-00000006K6U-%04d", i),
                            "subject " + "x".repeat(400));
                    batch.row(RowKey.ofMessage(o.msgid(), o.row()), o, List.of("ann"));
                }
                Outcome huge = new Outcome(OutcomeType.SUCCESS, "1toyx8-00000006K6U-9999", null, null, null, null,
                        -1, null, null, null, null, 1_000, "bob@example.net", null, null, null, null, null, null,
                        null, null, 1_000, true, null, 1, "250 " + "y".repeat(20_000), null, null, null, 1);
                batch.row(RowKey.ofMessage(huge.msgid(), huge.row()), huge, List.of("ann"));
                List<String> leftOut = store.write(batch).leftOut();
                assertEquals(1, leftOut.size(), leftOut.toString());
                assertTrue(leftOut.get(0).contains("1toyx8-00000006K6U-9999")
                        && leftOut.get(0).contains("max_allowed_packet of 16384; raise it"), leftOut.get(0));
                assertEquals(100, rowCount(ds, "delivery"));
                // Rows that each fit, more than a packet together: statements of fewer rows, no row left out.
                RowBatch fitting = new RowBatch();
                for (int i = 100; i < 300; i++) {
                    Outcome o = withSubject(DEFERRED_WITH_ARRIVAL, String.format("1toyx8-00000006K6U-%04d", i),
                            "subject " + "x".repeat(400));
                    fitting.row(RowKey.ofMessage(o.msgid(), o.row()), o, List.of("ann", "bob"));
                }
                assertEquals(DeliveryStore.Written.WHOLE, store.write(fitting));
                assertEquals(300, rowCount(ds, "delivery"));
                // Lines of many messages, more than a packet together (each value goes on its own).
                RowBatch lines = new RowBatch();
                for (int i = 0; i < 60; i++) {
                    lines.line(String.format("1toyx8-00000006K6U-%04d", i), 1_000, 0, "x".repeat(1_000));
                }
                assertEquals(DeliveryStore.Written.WHOLE, store.write(lines));
                assertEquals(60, rowCount(ds, "message_log"));
            } finally {
                st.execute("SET GLOBAL max_allowed_packet = DEFAULT");
            }
        }
    }

    /**
     * A server whose max_allowed_packet takes {@link DeliveryStore#ROW_BYTES_MAX} takes any row, as
     * the store assumes when it skips weighing each row against the packet: a row with every
     * column longer than it holds, in three-byte characters, goes in one statement.
     */
    @Test
    void write_theLargestRowThereCanBe_fitsAPacketOfRowBytesMax(TestDatabase db) throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement()) {
            long packet = (DeliveryStore.ROW_BYTES_MAX + 4_096 + 1_023) / 1_024 * 1_024;
            st.execute("SET GLOBAL max_allowed_packet = " + packet);
            try (HikariDataSource ds = db.pool(1)) {
                DeliveryStore store = prepared(ds);
                String wide = "\u20ac".repeat(2_000);
                String text = "\u20ac".repeat(30_000);
                String ascii = "a".repeat(2_000);
                Outcome largest = new Outcome(OutcomeType.DEFER, "1toyx8-00000006K6U-0001", wide, wide, wide, wide,
                        1_000, wide, ascii, wide, 5.0, 1_000, wide, wide, wide, wide, wide, wide, wide, ascii, text,
                        1_000, true, wide, 1, text, ascii, ascii, ascii, 1);
                RowBatch batch = new RowBatch();
                batch.row(RowKey.ofMessage(largest.msgid(), largest.row()), largest, List.of("ann"));
                assertEquals(DeliveryStore.Written.WHOLE, store.write(batch));
                try (Connection c = ds.getConnection(); Statement q = c.createStatement();
                     ResultSet rs = q.executeQuery("SELECT LENGTH(message), LENGTH(reply), CHAR_LENGTH(deliveredto)"
                             + " FROM delivery")) {
                    assertTrue(rs.next());
                    assertEquals(65_535, rs.getInt(1));
                    assertEquals(65_535, rs.getInt(2));
                    assertEquals(1_024, rs.getInt(3));
                }
            } finally {
                st.execute("SET GLOBAL max_allowed_packet = DEFAULT");
            }
        }
    }

    /**
     * Regression: upserts (the live tail's every write) went one statement a row, the driver
     * sending INSERT ... ON DUPLICATE KEY UPDATE in bulk only to servers that answer for each row:
     * MariaDB took three times the CPU to store a re-read log. They go as statements of many rows.
     */
    @Test
    void write_upsertsOfManyRows_takeFewStatements(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            RowBatch batch = new RowBatch();
            for (int i = 0; i < 200; i++) {
                Outcome o = withSubject(DEFERRED_WITH_ARRIVAL, String.format("1toyx8-00000006K6U-%04d", i), "s" + i);
                batch.row(RowKey.ofMessage(o.msgid(), o.row()), o, List.of("ann"));
            }
            long before = inserts(ds);
            assertEquals(DeliveryStore.Written.WHOLE, store.write(batch));
            long statements = inserts(ds) - before;
            assertTrue(statements <= 10, statements + " INSERT statements for 200 rows and their owner entries");
            assertEquals(200, rowCount(ds, "delivery"));
            assertEquals(200, rowCount(ds, "delivery_owner"));
        }
    }

    private static long inserts(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Com_insert'")) {
            assertTrue(rs.next());
            return rs.getLong(2);
        }
    }

    /**
     * Regression: a transaction cut short by an Error (the heap running out while a batch was
     * written) was not rolled back, and putting the connection back in autocommit mode committed
     * the part of the batch written so far.
     */
    @Test
    void inTransaction_cutShortByAnError_writesNothing(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            RowBatch first = batchOf(DEFERRED_WITH_ARRIVAL, "ann");
            try (Connection c = ds.getConnection()) {
                OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> DeliveryStore.inTransaction(c,
                        conn -> {
                            try (Statement st = conn.createStatement()) {
                                st.executeUpdate("INSERT INTO server (name) VALUES ('half-written')");
                            }
                            throw new OutOfMemoryError("Java heap space");
                        }));
                assertEquals("Java heap space", thrown.getMessage());
            }
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM server WHERE name = 'half-written'")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1), "the part written before the Error was committed");
            }
            assertEquals(DeliveryStore.Written.WHOLE, store.write(first), "and the store writes on");
        }
    }

    /**
     * Regression: max_allowed_packet lowered while the daemon runs (set, then the server
     * restarted) was still taken as it was at start. A row larger than the new packet was sent
     * whole, the server dropped the connection, and the batch, retried as an outage, was held for
     * good; the row is now left out and said, and the rest of the batch is stored.
     */
    @Test
    void write_afterTheServersPacketWasLoweredWhileRunning_leavesOutOnlyTheRowLargerThanIt(TestDatabase db)
            throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement();
             HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds);
            try {
                st.execute("SET GLOBAL max_allowed_packet = 16384");
                ds.getHikariPoolMXBean().softEvictConnections(); // the next connection has the new packet
                RowBatch batch = new RowBatch();
                Outcome small = withSubject(DEFERRED_WITH_ARRIVAL, "1toyx8-00000006K6U-0001", "small");
                batch.row(RowKey.ofMessage(small.msgid(), small.row()), small, List.of("ann"));
                Outcome huge = withSubject(DEFERRED_WITH_ARRIVAL, "1toyx8-00000006K6U-0002", "z".repeat(5_000));
                huge = new Outcome(huge.type(), huge.msgid(), huge.email(), huge.sender(), huge.user(), huge.domain(),
                        huge.size(), huge.senderhost(), huge.senderip(), huge.senderauth(), huge.spamscore(),
                        huge.sendunixtime(), huge.recipient(), huge.deliveredto(), huge.deliveryuser(),
                        huge.deliverydomain(), huge.router(), huge.transport(), huge.host(), huge.ip(),
                        "451 " + "y".repeat(20_000), huge.actionunixtime(), huge.transportIsRemote(),
                        huge.subject(), huge.attempts(), huge.reply(), huge.tls(), huge.bounceMsgid(),
                        huge.bounceOf(), huge.row());
                batch.row(RowKey.ofMessage(huge.msgid(), huge.row()), huge, List.of("ann"));
                batch.position("/var/log/exim_mainlog", "v1:1:2:9:0:0000000000000000", null);
                List<String> leftOut = store.write(batch).leftOut();
                assertEquals(1, leftOut.size(), leftOut.toString());
                assertTrue(leftOut.get(0).contains("1toyx8-00000006K6U-0002")
                        && leftOut.get(0).contains("max_allowed_packet"), leftOut.get(0));
                assertEquals(1, rowCount(ds, "delivery"), "the row that fits is stored");
                assertEquals("v1:1:2:9:0:0000000000000000", store.position("/var/log/exim_mainlog")[0]);
            } finally {
                st.execute("SET GLOBAL max_allowed_packet = DEFAULT");
            }
        }
    }

    private static int rowCount(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    private static Outcome withSubject(Outcome o, String msgid, String subject) {
        return new Outcome(o.type(), msgid, o.email(), o.sender(), o.user(), o.domain(), o.size(), o.senderhost(),
                o.senderip(), o.senderauth(), o.spamscore(), o.sendunixtime(), o.recipient(), o.deliveredto(),
                o.deliveryuser(), o.deliverydomain(), o.router(), o.transport(), o.host(), o.ip(), o.message(),
                o.actionunixtime(), o.transportIsRemote(), subject, o.attempts(), o.reply(), o.tls(),
                o.bounceMsgid(), o.bounceOf(), o.row());
    }

    @Test
    void write_connectionLostMidBatch_throwsTheConnectionError_notTheBrokenConnectionsComplaint(TestDatabase db)
            throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            BreakingPool pool = new BreakingPool(ds);
            DeliveryStore store = new DeliveryStore(pool, "store-test");
            store.prepare();
            RowBatch batch = new RowBatch();
            batch.position("/var/log/exim_mainlog", "v1:1:2:3:0:0000000000000000", null);
            pool.breakNext = true;
            SQLException e = assertThrows(SQLException.class, () -> store.write(batch));
            assertEquals("08000", e.getSQLState(), "what a writer waits out: " + e);
            store.write(batch); // and the next connection works
            assertEquals("v1:1:2:3:0:0000000000000000", store.position("/var/log/exim_mainlog")[0]);
        }
    }
}
