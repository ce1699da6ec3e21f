package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Batches of new rows go to MariaDB as {@code LOAD DATA LOCAL INFILE} ({@link InfileLoad}): what
 * they store must be exactly what the statements store, and whatever a load cannot do as they
 * would (a row stored before, a value to refuse, a server that takes no local files) must end as
 * the statements end it.
 */
@ExtendWith(PrivateMariaDb.class)
class InfileLoadTest {

    /** Values a log can put in a row that a file of tab-separated text must carry unchanged. */
    private static final String[] HOSTILE = {
        "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\", "nul\u0000byte",
        "caf\u00e9 \u20ac \ud83d\udce8", "unpaired \ud83d surrogate", "", " leading and trailing ", "\\t\\n",
    };

    /**
     * The rows, owner entries and lines of a batch of new rows, loaded, are those the statements
     * write for the same outcomes one batch per row: every column, byte for byte.
     */
    @Test
    void write_aBatchOfNewRows_isLoaded_andStoresWhatTheStatementsStore(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore loaded = prepared(ds, "loaded");
            DeliveryStore stated = prepared(ds, "stated");
            List<Outcome> outcomes = hostileOutcomes();
            long loads = status(db, "Com_load");
            assertEquals(DeliveryStore.Written.WHOLE, loaded.write(batchOf(outcomes)));
            assertEquals(loads + 3, status(db, "Com_load"), "rows, owner entries and lines: one load each");
            for (int i = 0; i < outcomes.size(); i++) {
                assertEquals(DeliveryStore.Written.WHOLE, stated.write(batchOf(outcomes.subList(i, i + 1))));
            }
            assertEquals(loads + 3, status(db, "Com_load"), "a row alone goes by statement");

            assertEquals(rows(ds, "loaded", DELIVERY), rows(ds, "stated", DELIVERY));
            assertEquals(rows(ds, "loaded", OWNERS), rows(ds, "stated", OWNERS));
            assertEquals(rows(ds, "loaded", LINES), rows(ds, "stated", LINES));
            assertEquals(outcomes.size(), rows(ds, "loaded", DELIVERY).size());
            assertEquals(2 * outcomes.size(), rows(ds, "loaded", OWNERS).size());
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT subject, spamscore, log_lines FROM delivery JOIN server s ON s.id = delivery.server_id"
                            + " JOIN message_log l ON l.msgid = delivery.msgid AND l.server_id = s.id"
                            + " WHERE s.name = 'loaded' ORDER BY delivery.msgid")) {
                for (int i = 0; i < outcomes.size(); i++) {
                    assertTrue(rs.next());
                    String expected = HOSTILE[i % HOSTILE.length].replace("\ud83d ", "? ");
                    assertEquals(expected, rs.getString(1), "subject " + i);
                    assertEquals("line of " + outcomes.get(i).msgid() + ": " + expected, rs.getString(3), "line " + i);
                }
            }
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT spamscore FROM delivery WHERE msgid = '" + outcomes.get(1).msgid() + "'")) {
                assertTrue(rs.next());
                assertEquals("-1.235", rs.getBigDecimal(1).toPlainString(), "rounded as MariaDB rounds");
            }
        }
    }

    /**
     * A live reading writes a message's rows again at each change, so its batches go by statement
     * (a load would mostly be rolled back); their lines, which are only ever added, are loaded.
     */
    @Test
    void write_aLiveBatch_upsertsItsRows_andLoadsItsLines(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds, "live");
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                outcomes.add(outcome(OutcomeType.DEFER, i, "subject", 1_000, 1));
            }
            RowBatch live = batchOf(outcomes);
            live.fresh(false);
            long loads = status(db, "Com_load");
            assertEquals(DeliveryStore.Written.WHOLE, store.write(live));
            assertEquals(loads + 1, status(db, "Com_load"), "the lines alone");
            assertEquals(20, rows(ds, "live", DELIVERY).size());
            assertEquals(40, rows(ds, "live", OWNERS).size());
            assertEquals(20, rows(ds, "live", LINES).size());
        }
    }

    /**
     * A batch holding a row stored before (the same lines read again, or a later state of a
     * message): the load is rolled back, and the statements merge the batch as they always did.
     * Lines stored before are simply passed over, as by INSERT IGNORE.
     */
    @Test
    void write_aBatchWithRowsStoredBefore_isMergedByTheStatements(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds, "merged");
            List<Outcome> deferred = new ArrayList<>();
            List<Outcome> delivered = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                deferred.add(outcome(OutcomeType.DEFER, i, "subject", 1_000, 1));
                delivered.add(outcome(OutcomeType.SUCCESS, i, "subject", 2_000, 2));
            }
            delivered.add(outcome(OutcomeType.SUCCESS, 20, "a new row among them", 2_000, 1));
            store.write(batchOf(deferred));
            long rollbacks = status(db, "Com_rollback_to_savepoint");
            assertEquals(DeliveryStore.Written.WHOLE, store.write(batchOf(delivered)));
            assertEquals(rollbacks + 2, status(db, "Com_rollback_to_savepoint"), "rows and owner entries");
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*), SUM(type = " + OutcomeType.SUCCESS.ordinal() + "), SUM(attempts),"
                            + " MIN(last_time) FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(21, rs.getInt(1));
                assertEquals(21, rs.getInt(2), "the later state of each row");
                assertEquals(20 * 2 + 1, rs.getInt(3));
                assertEquals(2_000, rs.getLong(4));
            }
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*), SUM(type = " + OutcomeType.SUCCESS.ordinal() + ") FROM delivery_owner")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1), "one entry per owner and row, never two");
                assertEquals(42, rs.getInt(2), "each taking its row's later type");
            }
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*) FROM message_log")) {
                assertTrue(rs.next());
                assertEquals(21, rs.getInt(1), "the same lines stored once, the new row's added");
            }
        }
    }

    /**
     * LOAD DATA LOCAL turns what a statement refuses into a warning and stores the value adjusted:
     * such a load is rolled back, and the statements leave out that row alone, as they would.
     */
    @Test
    void write_aBatchWithAValueTheStatementsRefuse_leavesOutThatRowAlone(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds, "refusing");
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE delivery MODIFY subject VARCHAR(8) NULL");
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                outcomes.add(outcome(OutcomeType.SUCCESS, i, i == 7 ? "far too long a subject" : "short", 1_000, 1));
            }
            DeliveryStore.Written written = store.write(batchOf(outcomes));
            assertEquals(1, written.rowsLeftOut());
            assertTrue(written.leftOut().get(0).startsWith("the row of message " + outcomes.get(7).msgid()),
                    written.leftOut().toString());
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*), SUM(subject = 'short') FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(19, rs.getInt(1), "no row stored cut short");
                assertEquals(19, rs.getInt(2));
            }
        }
    }

    /**
     * A server that refuses LOAD DATA LOCAL (local_infile off, as on MySQL 8 by default): the
     * statements write every batch, the first and the next.
     */
    @Test
    void write_toAServerThatRefusesLocalFiles_goesByStatement(TestDatabase db) throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement()) {
            st.execute("SET GLOBAL local_infile = 0");
            try (HikariDataSource ds = db.pool(1)) {
                DeliveryStore store = prepared(ds, "no-local-files");
                List<Outcome> first = new ArrayList<>();
                List<Outcome> next = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    first.add(outcome(OutcomeType.SUCCESS, i, "first", 1_000, 1));
                    next.add(outcome(OutcomeType.SUCCESS, 20 + i, "next", 1_000, 1));
                }
                assertEquals(DeliveryStore.Written.WHOLE, store.write(batchOf(first)));
                long loads = status(db, "Com_load");
                assertEquals(DeliveryStore.Written.WHOLE, store.write(batchOf(next)));
                assertEquals(loads, status(db, "Com_load"), "not asked again");
                assertEquals(40, rows(ds, "no-local-files", DELIVERY).size());
                assertEquals(80, rows(ds, "no-local-files", OWNERS).size());
                assertEquals(40, rows(ds, "no-local-files", LINES).size());
            } finally {
                st.execute("SET GLOBAL local_infile = 1");
            }
        }
    }

    /**
     * A server whose sql_mode has NO_BACKSLASH_ESCAPES (which changes how statements read string
     * literals) loads the same values: a load's file is read with its own escapes.
     */
    @Test
    void write_underNoBackslashEscapes_loadsTheSameValues(TestDatabase db) throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement()) {
            String mode;
            try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.sql_mode")) {
                assertTrue(rs.next());
                mode = rs.getString(1);
            }
            st.execute("SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')");
            try (HikariDataSource ds = db.pool(1)) {
                DeliveryStore store = prepared(ds, "no-backslash-escapes");
                List<Outcome> outcomes = hostileOutcomes();
                long loads = status(db, "Com_load");
                assertEquals(DeliveryStore.Written.WHOLE, store.write(batchOf(outcomes)));
                assertEquals(loads + 3, status(db, "Com_load"));
                try (Connection c = ds.getConnection(); Statement q = c.createStatement(); ResultSet rs = q.executeQuery(
                        "SELECT subject FROM delivery ORDER BY msgid")) {
                    for (int i = 0; i < outcomes.size(); i++) {
                        assertTrue(rs.next());
                        assertEquals(HOSTILE[i % HOSTILE.length].replace("\ud83d ", "? "), rs.getString(1));
                    }
                }
            } finally {
                try (java.sql.PreparedStatement ps = root.prepareStatement("SET GLOBAL sql_mode = ?")) {
                    ps.setString(1, mode);
                    ps.execute();
                }
            }
        }
    }

    /**
     * A message's lines beyond what a chunk keeps (8,000,000 characters) are cut, loaded or not,
     * and never inside a character that takes two Java chars.
     */
    @Test
    void write_linesLongerThanAChunkKeeps_areCutBeforeTheCharacterAtTheEdge(TestDatabase db) throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement()) {
            st.execute("SET GLOBAL max_allowed_packet = 67108864");
            try (HikariDataSource ds = db.pool(1)) {
                String huge = "x".repeat(7_999_999) + "\ud83d\ude00 and after";
                List<DeliveryStore> stores = List.of(prepared(ds, "cut-loaded"), prepared(ds, "cut-stated"));
                for (DeliveryStore store : stores) {
                    RowBatch b = new RowBatch();
                    int lines = store == stores.get(0) ? 20 : 1;
                    for (int i = 0; i < lines; i++) {
                        b.line(String.format("1toyx8-0000000%04d-0001", i), 1_000, 0, i == 0 ? huge : "short");
                    }
                    assertEquals(DeliveryStore.Written.WHOLE, store.write(b));
                }
                try (Connection c = ds.getConnection(); Statement q = c.createStatement(); ResultSet rs = q.executeQuery(
                        "SELECT s.name, CHAR_LENGTH(l.log_lines), RIGHT(l.log_lines, 1) FROM message_log l"
                                + " JOIN server s ON s.id = l.server_id WHERE l.msgid = '1toyx8-00000000000-0001'"
                                + " ORDER BY s.name")) {
                    for (String server : List.of("cut-loaded", "cut-stated")) {
                        assertTrue(rs.next());
                        assertEquals(server, rs.getString(1));
                        assertEquals(7_999_999, rs.getInt(2), server);
                        assertEquals("x", rs.getString(3), server);
                    }
                }
            } finally {
                st.execute("SET GLOBAL max_allowed_packet = DEFAULT");
            }
        }
    }

    private static final String DELIVERY = """
            SELECT HEX(SUBSTR(d.row_key, 1, 11)), HEX(SUBSTR(d.row_key, 14)), d.type, d.msgid, d.email, d.sender,
              d.user, d.domain, d.size, d.senderhost, d.senderip, d.senderauth, d.spamscore, d.sendtime, d.recipient,
              d.deliveredto, d.deliveryuser, d.deliverydomain, d.router, d.transport, d.host, d.ip, HEX(d.message),
              d.actiontime, d.remote, HEX(d.subject), d.attempts, HEX(d.reply), d.tls, d.bounce_msgid, d.bounce_of,
              d.last_time, d.numbering
            FROM delivery d JOIN server s ON s.id = d.server_id WHERE s.name = ? ORDER BY d.row_key""";
    private static final String OWNERS = """
            SELECT o.owner, o.sendtime, HEX(SUBSTR(o.row_key, 1, 11)), HEX(SUBSTR(o.row_key, 14)), o.type, o.last_time
            FROM delivery_owner o JOIN server s ON s.id = o.server_id WHERE s.name = ?
            ORDER BY o.owner, o.sendtime, o.row_key""";
    private static final String LINES = """
            SELECT l.msgid, l.first_time, HEX(l.chunk_hash), HEX(l.log_lines)
            FROM message_log l JOIN server s ON s.id = l.server_id WHERE s.name = ? ORDER BY l.msgid, l.chunk_hash""";

    /** Every row {@code query} finds of {@code server}, each as a list of its columns' text. */
    private static List<List<String>> rows(DataSource ds, String server, String query) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, server);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    /** One of the server's status counters. */
    private static long status(TestDatabase db, String name) throws SQLException {
        try (Connection c = db.connect(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), name);
                return rs.getLong(1);
            }
        }
    }

    /** As many outcomes as there are hostile values twice over, each hostile in every text column it can be. */
    private static List<Outcome> hostileOutcomes() {
        List<Outcome> out = new ArrayList<>();
        Double[] scores = {1.5, -1.2345, 12_345.0, null, 9_999.9996, 0.0005};
        for (int i = 0; i < 2 * HOSTILE.length; i++) {
            String h = HOSTILE[i % HOSTILE.length];
            String msgid = String.format("1toyx8-0000000%04d-0001", i);
            boolean arrival = i % 3 != 0;
            out.add(new Outcome(OutcomeType.values()[i % OutcomeType.values().length], msgid,
                    arrival ? "ann" + h + "@example.com" : null, "ann" + h + "@example.com", arrival ? "ann" : null,
                    "example.com", arrival ? 2_666 + i : -1, "mail" + h + ".example.com", "192.0.2." + h,
                    "dovecot" + h, scores[i % scores.length], 1_000 + i, "bob" + h + "@example.net",
                    "bob" + h + "@example.net", i % 2 == 0 ? null : "bob", "example.net", "dnslookup" + h,
                    "remote_smtp", "mx" + h + ".example.net", "198.51.100." + h, "451 " + h,
                    i == 5 ? 253_402_300_799L : 2_000 + i, i % 2 == 0, h,
                    i == 3 ? 70_000 : i, i == 4 ? "250 " + "\u20ac".repeat(30_000) + h : "250 " + h, "TLS1.3:" + h,
                    i == 6 ? "1toyx8-0000000000-0002" : null, i == 7 ? "1toyx8-0000000000-0003" : null, 1));
        }
        return out;
    }

    /** A state of row {@code n} of this test's messages. */
    private static Outcome outcome(OutcomeType type, int n, String subject, long time, int attempts) {
        return new Outcome(type, String.format("1toyx8-0000000%04d-0001", n), "ann@example.com", "ann@example.com",
                "ann", "example.com", 2_666, "mail.example.com", "192.0.2.7", null, null, 1_000, "bob@example.net",
                "bob@example.net", "bob", "example.net", "dnslookup", "remote_smtp", "mx.example.net", "198.51.100.2",
                null, time, true, subject, attempts, "250 OK", null, null, null, 1);
    }

    /** One fresh batch of {@code outcomes}, owned by ann and bob, each with a line naming it. */
    private static RowBatch batchOf(List<Outcome> outcomes) {
        RowBatch b = new RowBatch();
        b.fresh(true);
        for (Outcome o : outcomes) {
            b.row(RowKey.ofMessage(o.msgid(), o.row()), o, List.of("ann", "bob"));
            b.line(o.msgid(), o.sendunixtime(), 0, "line of " + o.msgid() + ": " + o.subject());
        }
        return b;
    }

    private static DeliveryStore prepared(DataSource ds, String server) throws SQLException {
        DeliveryStore store = new DeliveryStore(ds, server);
        store.prepare();
        return store;
    }
}
