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
