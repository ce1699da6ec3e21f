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
 * The rows of a fresh batch (an import, a backfill) are inserted with plain INSERTs first
 * ({@code DeliveryStore.insertFresh}): what they store must be what the upserts store, and a row
 * stored before, or a value to refuse, must end as the upserts end it.
 */
@ExtendWith(PrivateMariaDb.class)
class FreshBatchTest {

    /** Values a log can put in a row, which every way of writing it must store unchanged. */
    private static final String[] HOSTILE = {
        "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\", "nul\u0000byte",
        "caf\u00e9 \u20ac \ud83d\udce8", "unpaired \ud83d surrogate", "", " leading and trailing ", "\\t\\n",
    };

    /**
     * The rows and owner entries of a fresh batch, inserted, are those the upserts write for the
     * same outcomes one batch per row: every column, byte for byte.
     */
    @Test
    void write_aFreshBatch_isInserted_andStoresWhatTheUpsertsStore(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore inserted = prepared(ds, "inserted");
            DeliveryStore upserted = prepared(ds, "upserted");
            List<Outcome> outcomes = hostileOutcomes();
            long savepoints = status(db, "Com_savepoint");
            assertEquals(DeliveryStore.Written.WHOLE, inserted.write(batchOf(outcomes)));
            assertEquals(savepoints + 2, status(db, "Com_savepoint"), "rows and owner entries: inserted first");
            for (int i = 0; i < outcomes.size(); i++) {
                assertEquals(DeliveryStore.Written.WHOLE, upserted.write(batchOf(outcomes.subList(i, i + 1))));
            }
            assertEquals(savepoints + 2, status(db, "Com_savepoint"), "a row alone is upserted");

            assertEquals(rows(ds, "inserted", DELIVERY), rows(ds, "upserted", DELIVERY));
            assertEquals(rows(ds, "inserted", OWNERS), rows(ds, "upserted", OWNERS));
            assertEquals(rows(ds, "inserted", LINES), rows(ds, "upserted", LINES));
            assertEquals(outcomes.size(), rows(ds, "inserted", DELIVERY).size());
            assertEquals(2 * outcomes.size(), rows(ds, "inserted", OWNERS).size());
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT subject, spamscore, log_lines FROM delivery JOIN server s ON s.id = delivery.server_id"
                            + " JOIN message_log l ON l.msgid = delivery.msgid AND l.server_id = s.id"
                            + " WHERE s.name = 'inserted' ORDER BY delivery.msgid")) {
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
     * A live reading writes a message's rows again at each change, so its batches are upserted
     * (an insert would mostly be undone).
     */
    @Test
    void write_aLiveBatch_isUpserted(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(1)) {
            DeliveryStore store = prepared(ds, "live");
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                outcomes.add(outcome(OutcomeType.DEFER, i, "subject", 1_000, 1));
            }
            RowBatch live = batchOf(outcomes);
            live.fresh(false);
            long savepoints = status(db, "Com_savepoint");
            assertEquals(DeliveryStore.Written.WHOLE, store.write(live));
            assertEquals(savepoints, status(db, "Com_savepoint"), "no insert first");
            assertEquals(20, rows(ds, "live", DELIVERY).size());
            assertEquals(40, rows(ds, "live", OWNERS).size());
            assertEquals(20, rows(ds, "live", LINES).size());
        }
    }

    /**
     * A batch holding a row stored before (the same lines read again, or a later state of a
     * message): the inserts are undone, and the upserts merge the batch as they always did.
     */
    @Test
    void write_aFreshBatchWithRowsStoredBefore_isMergedByTheUpserts(TestDatabase db) throws Exception {
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
            assertEquals(List.of("42", "42"), rows(ds, "merged", "SELECT COUNT(*), SUM(o.type = "
                    + OutcomeType.SUCCESS.ordinal() + ") FROM delivery_owner o JOIN server s ON s.id = o.server_id"
                    + " WHERE s.name = ?").get(0), "one entry per owner and row, each taking its row's later type");
            assertEquals(21, rows(ds, "merged", LINES).size(), "the same lines stored once, the new row's added");
        }
    }

    /**
     * A value the database refuses, in a fresh batch: the inserts are undone, and the batch is
     * written a row at a time, leaving out that row alone, as any batch is.
     */
    @Test
    void write_aFreshBatchWithAValueTheDatabaseRefuses_leavesOutThatRowAlone(TestDatabase db) throws Exception {
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
            assertEquals(1, written.rowsLeftOut(), written.leftOut().toString());
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
     * A message's lines beyond what a chunk keeps (8,000,000 characters) are cut, in a batch of
     * many messages' lines or of one, never inside a character that takes two Java chars.
     */
    @Test
    void write_linesLongerThanAChunkKeeps_areCutBeforeTheCharacterAtTheEdge(TestDatabase db) throws Exception {
        try (Connection root = db.connect(); Statement st = root.createStatement()) {
            st.execute("SET GLOBAL max_allowed_packet = 67108864");
            try (HikariDataSource ds = db.pool(1)) {
                String huge = "x".repeat(7_999_999) + "\ud83d\ude00 and after";
                List<DeliveryStore> stores = List.of(prepared(ds, "cut-many"), prepared(ds, "cut-one"));
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
                    for (String server : List.of("cut-many", "cut-one")) {
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
