package dev.waybill.store;

import dev.waybill.outcome.Outcome;
import dev.waybill.outcome.OutcomeType;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import javax.sql.DataSource;

/**
 * Writes rows to MariaDB: one {@link RowBatch} is one transaction. Rows are upserted by their
 * {@link RowKey} with prepared statements, batched; an update only wins if it is not older than
 * what the row holds ({@code last_time}), so that importing an old rotated log while the daemon
 * runs never turns a newer state back. The rows of a {@linkplain RowBatch#fresh fresh} batch (an
 * import, a backfill), new to the store as a rule, are inserted with plain INSERTs first, which
 * cost MariaDB less than the upsert's weighing: see {@link #insertFresh}.
 */
public final class DeliveryStore {

    /**
     * Whether the incoming state is not older than the stored one: a later last line, or one of
     * the same second that got as far (a final outcome beats a deferral, which beats a recipient
     * not attempted yet), as when two readings of parts of a log meet within a second.
     */
    private static final String NOT_OLDER = "(VALUES(last_time) > last_time OR VALUES(last_time) = last_time"
            + " AND " + progress("VALUES(type)") + " >= " + progress("type") + ")";
    /**
     * The first assignment of the upsert. It works out once per row whether the incoming state is
     * not older ({@link #NOT_OLDER}), into {@code @w}, which every later assignment reads: the
     * condition written into each would make the statement so long that the driver could keep a
     * quarter as many rows per prepared statement. And it sets {@code sendtime}: a row's
     * {@code sendtime} is its arrival's time; a state built without the arrival line (see
     * {@link #updates}) has the time in its id (or its first line's, if earlier) instead, and
     * gives way to the first state that has the arrival. {@code size} tells the two apart: Exim logs {@code S=} on every arrival, and it
     * is assigned after this, so this still sees the stored value. A row that moves so notes its
     * key and former time in {@code @moved}, for {@link #dropMovedEntries}.
     */
    private static final String FIRST_ASSIGNMENT = "sendtime = IF((@w := " + NOT_OLDER + ") IS NULL OR NOT (size IS NULL"
            + " AND VALUES(size) IS NOT NULL) OR sendtime = VALUES(sendtime), sendtime,"
            + " IF((@moved := CONCAT_WS(',', @moved, CONCAT(HEX(row_key), ':', sendtime))) IS NULL, NULL,"
            + " VALUES(sendtime)))";
    private static final String ROW_INSERT = """
            INSERT INTO delivery (row_key, server_id, type, msgid, email, sender, user, domain, size,
              senderhost, senderip, senderauth, spamscore, sendtime, recipient, deliveredto, deliveryuser,
              deliverydomain, router, transport, host, ip, message, actiontime, remote, subject, attempts,
              reply, tls, bounce_msgid, bounce_of, last_time, numbering) VALUES
            """;
    static final MultiRowStatement UPSERT = new MultiRowStatement(ROW_INSERT, 33,
            "\nON DUPLICATE KEY UPDATE\n" + FIRST_ASSIGNMENT + ",\n"
            + updates(false, "recipient", "deliveredto", "deliveryuser", "deliverydomain", "router",
                    "transport", "host", "ip", "message", "actiontime", "remote", "reply", "tls",
                    "bounce_msgid") + ",\n"
            // Attempts only grow; a reading of part of a message's lines (a restart that replays
            // from the oldest rotated file left, an import of one file) counts fewer than were.
            + "attempts = GREATEST(attempts, VALUES(attempts)),\n"
            + updates(true, "email", "sender", "user", "domain", "size", "senderhost", "senderip", "senderauth",
                    "spamscore", "subject", "bounce_of") + ",\n"
            + updates(false, "type")
            + ", last_time = GREATEST(last_time, VALUES(last_time))", 128);
    /** An owner entry written again takes the row's type unless the new state is older. */
    private static final String OWNER_UPDATE = "\nON DUPLICATE KEY UPDATE"
            + " type = IF(" + NOT_OLDER + ", VALUES(type), type),"
            + " last_time = GREATEST(last_time, VALUES(last_time))";
    private static final String OWNER_INSERT =
            "INSERT INTO delivery_owner (server_id, owner, sendtime, row_key, type, last_time) VALUES ";
    /** An owner entry carries the row's type, so that counts by type read the owner index alone. */
    static final MultiRowStatement OWNERS = new MultiRowStatement(OWNER_INSERT, 6, OWNER_UPDATE, 1024);
    /** Rows and owner entries of a fresh batch, inserted first (see {@link #insertFresh}). */
    static final MultiRowStatement NEW_ROWS = new MultiRowStatement(ROW_INSERT, 33, "", 128);
    static final MultiRowStatement NEW_OWNERS = new MultiRowStatement(OWNER_INSERT, 6, "", 1024);
    /** Below this many rows, a fresh batch's savepoint costs more than the insert saves. */
    static final int FRESH_MIN_ROWS = 16;
    static final MultiRowStatement LINES = new MultiRowStatement(
            "INSERT IGNORE INTO message_log (server_id, msgid, first_time, chunk_hash, log_lines) VALUES ", 5, "", 128);

    /** Characters of one message's lines a chunk keeps at most (a MEDIUMTEXT holds 16 MiB). */
    private static final int LINES_MAX = 8_000_000;

    /** Row keys as MariaDB's HEX() spells them. */
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** {@code delivery.numbering} of the rows this build writes (see {@link Schema}). */
    static final int NUMBERED_BY_RECIPIENT = 1;

    /** The {@code log_position} source of a pending backfill: this prefix and the log's path. */
    private static final String BACKFILL = "backfill:";

    private final DataSource dataSource;
    /** As configured until {@link #prepare()}, then as table {@code server} spells it. */
    private volatile String serverName;
    private volatile int serverId = -1;
    /** The server's max_allowed_packet, read at {@link #prepare()} and again when a statement exceeds it. */
    private volatile long maxPacket = Long.MAX_VALUE;
    /** Whether the server has MariaDB's bulk command (see {@link MultiRowStatement}); MySQL has not. */
    private volatile boolean bulk;

    public DeliveryStore(DataSource dataSource, String serverName) {
        this.dataSource = dataSource;
        this.serverName = serverName;
    }

    /**
     * Each column takes the new value only if the new state is not older than the stored one. What
     * the arrival line says ({@code arrival}) is the same in every state of a message, but unknown
     * in states built from lines read without it (its file lost to rotation, or not imported yet):
     * an unknown value never replaces a known one, and a known one fills an unknown one whatever
     * the state's age, so importing the file with the arrival later completes the row.
     */
    private static String updates(boolean arrival, String... columns) {
        StringBuilder sb = new StringBuilder();
        for (String c : columns) {
            if (sb.length() > 0) {
                sb.append(",\n");
            }
            String newer = arrival ? "COALESCE(VALUES(" + c + "), " + c + ")" : "VALUES(" + c + ")";
            String older = arrival ? "COALESCE(" + c + ", VALUES(" + c + "))" : c;
            sb.append(c).append(" = IF(@w, ").append(newer).append(", ").append(older).append(')');
        }
        return sb.toString();
    }

    /** Whether a state's owner entries are weighed against the stored row (see {@link #writeOwners}). */
    private static boolean weighed(Outcome o) {
        return o.msgid() != null && (o.size() < 0 || progress(o.type().ordinal()) < 2);
    }

    /** What {@link #writeOwners} reads of a stored row. */
    private record Stored(long sendtime, int type, long lastTime, String user, String deliveryuser, String recipient) {
    }

    /** The stored rows of some keys, a statement for many. */
    private static final ListStatement STORED = new ListStatement(
            "SELECT row_key, sendtime, type, last_time, user, deliveryuser, recipient FROM delivery WHERE row_key IN (",
            ", ", "?", ")");

    /** {@link #NOT_OLDER} for a state and a stored row. */
    private static boolean notOlder(long last, int type, long storedLast, int storedType) {
        return last > storedLast || last == storedLast && progress(type) >= progress(storedType);
    }

    /** How far an outcome of type code {@code type} got: 0, 1 or 2, as {@link #progress(String)}. */
    private static int progress(int type) {
        return type == OutcomeType.INPROGRESS.ordinal() ? 0 : type == OutcomeType.DEFER.ordinal() ? 1 : 2;
    }

    private static List<String> union(List<String> a, List<String> b) {
        if (b.isEmpty() || a.containsAll(b)) {
            return a;
        }
        List<String> all = new ArrayList<>(a);
        for (String s : b) {
            if (!all.contains(s)) {
                all.add(s);
            }
        }
        return all;
    }

    /** How far an outcome of type code {@code type} (an SQL expression) got: 0, 1 or 2. */
    private static String progress(String type) {
        return "CASE " + type + " WHEN " + OutcomeType.INPROGRESS.ordinal() + " THEN 0 WHEN "
                + OutcomeType.DEFER.ordinal() + " THEN 1 ELSE 2 END";
    }

    /**
     * This server's name, as on every row: after {@link #prepare()}, spelt as table {@code server}
     * has it. Names are compared there without regard to case, so {@code WEB3}, registered by an
     * older version that kept the configured case, is the server {@code web3} configures now; a
     * rejection's key holds a hash of the name, and the stored spelling keeps it what it was.
     */
    public String serverName() {
        return serverName;
    }

    /** Creates or migrates the schema and registers this server. */
    public void prepare() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            Schema.migrate(c);
            serverId = serverId(c);
            readMaxPacket(c);
            bulk = "MariaDB".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
        }
    }

    /**
     * Reads the server's max_allowed_packet: the smaller of this connection's and the one new
     * connections get, since the pool holds connections of both ages once it was changed.
     */
    private void readMaxPacket(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT LEAST(@@SESSION.max_allowed_packet, @@GLOBAL.max_allowed_packet)")) {
            maxPacket = rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
        }
    }

    /**
     * This server's id, registering it the first time. Looked up before inserting: every insert
     * takes an AUTO_INCREMENT value even when the name is there, and ids are 16 bits, so an
     * insert at each start would run a fleet out of them.
     */
    private int serverId(Connection c) throws SQLException {
        try (PreparedStatement sel = c.prepareStatement("SELECT id, name FROM server WHERE name = ?")) {
            sel.setString(1, serverName);
            for (int attempt = 0; attempt < 2; attempt++) {
                try (ResultSet rs = sel.executeQuery()) {
                    if (rs.next()) {
                        serverName = rs.getString(2);
                        return rs.getInt(1);
                    }
                }
                try (PreparedStatement ins = c.prepareStatement("INSERT IGNORE INTO server (name) VALUES (?)")) {
                    ins.setString(1, serverName);
                    ins.executeUpdate();
                }
            }
        }
        throw new SQLException("server '" + serverName + "' cannot be registered in table server"
                + " (are its 65,535 ids used up?)");
    }

    /**
     * Writes {@code batch} in one transaction. A row or chunk of lines the database refuses as
     * data (a value it cannot hold) would refuse the whole batch at every try, and stop ingest at
     * that line for good: then the batch is written again a row at a time, leaving out what is
     * refused, and what was left out is returned, one sentence each, for the caller to log.
     *
     * @return what could not be stored, {@link Written#WHOLE} when everything was
     * @throws SQLException if anything else fails; nothing of the batch is then stored
     */
    public Written write(RowBatch batch) throws SQLException {
        if (serverId < 0) {
            throw new IllegalStateException("prepare() first");
        }
        // A row larger than the server's max_allowed_packet makes it drop the connection, which
        // looks like an outage and would be retried for ever: such a batch goes a row at a time.
        if (!oversized(batch)) {
            try {
                inTransaction(c -> writeAll(c, batch, null));
                return Written.WHOLE;
            } catch (SQLException e) {
                if (!refusedAsData(e)) {
                    throw e;
                }
                if (packetTooLarge(e)) {
                    // Lowered since it was read (set, then the server restarted): with the value
                    // read at start, the rows written one by one would be sent as large as before,
                    // and the dropped connection retried as an outage for good.
                    try (Connection c = dataSource.getConnection()) {
                        readMaxPacket(c);
                    }
                }
            }
        }
        List<String> leftOut = new ArrayList<>();
        int rowsLeftOut = inTransaction(c -> writeAll(c, batch, leftOut));
        return new Written(List.copyOf(leftOut), rowsLeftOut);
    }

    /**
     * What {@link #write} could not store.
     *
     * @param leftOut     one sentence for each row or chunk of lines left out, for the log
     * @param rowsLeftOut how many of the batch's delivery rows were left out
     */
    public record Written(List<String> leftOut, int rowsLeftOut) {
        /** Everything stored. */
        public static final Written WHOLE = new Written(List.of(), 0);
    }

    /** A call on a connection, such as {@link #apart}'s. */
    @FunctionalInterface
    private interface Work {
        void run(Connection c) throws SQLException;
    }

    /** A call in a transaction of its own, and what it found. */
    @FunctionalInterface
    interface Transaction<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(Transaction<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return inTransaction(c, work);
        }
    }

    /**
     * Runs {@code work} on {@code c} in one transaction: committed if it returns, rolled back if it
     * throws anything, an Error too (the heap running out): autocommit, restored afterwards,
     * would otherwise commit what it had written so far.
     */
    static <T> T inTransaction(Connection c, Transaction<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            try {
                c.rollback();
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
            }
            throw e;
        } finally {
            restoreAutoCommit(c);
        }
    }

    /**
     * Everything of {@code batch}; with {@code leftOut}, a row (with its owner entries) and a chunk
     * of lines at a time, each behind a savepoint, leaving out and noting what is refused as data.
     *
     * @return how many delivery rows were left out
     */
    private int writeAll(Connection c, RowBatch batch, List<String> leftOut) throws SQLException {
        int rowsLeftOut = 0;
        // In the order of each table's primary key: InnoDB then fills its pages one after another,
        // where rows in the order messages finished land amid those just written and split pages
        // in half (MariaDB spent a tenth less CPU on an import, and its delivery table took a
        // fifth less space).
        List<RowBatch.Row> rows = new ArrayList<>(batch.rows.values());
        rows.sort(Comparator.comparing(RowBatch.Row::key));
        List<RowBatch.Chunk> chunks = new ArrayList<>(batch.chunks.values());
        chunks.sort(RowBatch.Chunk.KEY_ORDER);
        if (leftOut == null) {
            writeRows(c, batch, rows);
            writeLines(c, batch, chunks);
        } else {
            for (RowBatch.Row r : rows) {
                Outcome o = r.outcome();
                String what = "the row of " + (o.msgid() != null ? "message " + o.msgid() : "a rejection")
                        + (o.recipient() != null ? " to " + o.recipient() : "");
                // Owner entries alone (the other lane writes the row) are small whatever the row holds.
                boolean stored = (!batch.tables.deliveries() || fits(leftOut, what, textBytes(o)))
                        && apart(c, leftOut, conn -> writeRows(conn, batch, List.of(r)), what);
                rowsLeftOut += stored || !batch.tables.deliveries() ? 0 : 1;
            }
            for (RowBatch.Chunk chunk : chunks) {
                String what = chunk.lineCount + " log lines of message " + chunk.msgid;
                if (fits(leftOut, what, chunkBytes(chunk))) {
                    apart(c, leftOut, conn -> writeLines(conn, batch, List.of(chunk)), what);
                }
            }
        }
        if (batch.tables.deliveries()) {
            retractDeliveries(c, batch);
        }
        if (batch.tables.ownersAndLines()) {
            retractOwners(c, batch);
        }
        if (batch.position != null) {
            writePosition(c, batch.position);
        }
        if (batch.imported != null) {
            writeImported(c, batch.imported);
        }
        return rowsLeftOut;
    }

    /**
     * Whether a statement carrying about {@code bytes} of text can go to the server: one larger
     * than its {@code max_allowed_packet} makes it drop the connection, and the transaction with
     * it, so it is left out (and noted) before it is sent.
     */
    private boolean fits(List<String> leftOut, String what, long bytes) {
        if (bytes + 4_096 <= maxPacket) {
            return true;
        }
        leftOut.add(what + " could not be stored and was left out (about " + bytes + " bytes, more than the"
                + " server's max_allowed_packet of " + maxPacket + "; raise it)");
        return false;
    }

    /** Whether a row or a chunk of lines of {@code batch} is larger than the server takes. */
    private boolean oversized(RowBatch batch) {
        // A packet that takes the largest row there can be takes every row: none is weighed.
        if (maxPacket < ROW_BYTES_MAX + 4_096) {
            for (RowBatch.Row r : batch.rows.values()) {
                if (textBytes(r.outcome()) + 4_096 > maxPacket) {
                    return true;
                }
            }
        }
        for (RowBatch.Chunk chunk : batch.chunks.values()) {
            if (chunkBytes(chunk) + 4_096 > maxPacket) {
                return true;
            }
        }
        return false;
    }

    private static long chunkBytes(RowBatch.Chunk chunk) {
        return 4L * chunk.chars();
    }

    /**
     * At most the bytes of UTF-8 any row's text takes as bound ({@link #bindRow}: each column cut
     * to its length, the two TEXT columns to 65,535 bytes, 3 bytes a UTF-16 unit at most): a
     * server that takes a statement this large takes every row.
     */
    static final long ROW_BYTES_MAX = 2 * 65_535 + 3L * (3 * 23 + 3 * 320 + 5 * 64 + 4 * 255 + 2 * 45
            + 1_024 + 1_000 + 128);

    /** At most the bytes of UTF-8 the text of {@code o} takes (4 a character). */
    private static long textBytes(Outcome o) {
        long chars = length(o.email()) + length(o.sender()) + length(o.user()) + length(o.domain())
                + length(o.senderhost()) + length(o.senderip()) + length(o.senderauth()) + length(o.recipient())
                + length(o.deliveredto()) + length(o.deliveryuser()) + length(o.deliverydomain()) + length(o.router())
                + length(o.transport()) + length(o.host()) + length(o.ip()) + length(o.message()) + length(o.subject())
                + length(o.reply()) + length(o.tls()) + length(o.bounceMsgid()) + length(o.bounceOf());
        return 4 * chars;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private void writeRows(Connection c, RowBatch batch, List<RowBatch.Row> rows) throws SQLException {
        MultiRowStatement.Binder<RowBatch.Row> binder = (ps, at, r) -> bindRow(ps, at, r.key().bytes(serverId),
                r.outcome());
        ToLongFunction<RowBatch.Row> bytes = r -> textBytes(r.outcome()) + 300;
        if (batch.tables.deliveries() && !insertFresh(c, batch, NEW_ROWS, rows, binder, bytes)) {
            try (Statement st = c.createStatement()) {
                st.execute("SET @moved = NULL");
            }
            UPSERT.execute(c, false, rows, binder, bytes, statementBudget());
            dropMovedEntries(c, rows);
        }
        if (batch.tables.ownersAndLines()) {
            writeOwners(c, batch, rows);
        }
    }

    /**
     * The owner entries a row leaves behind when its arrival is read after its later lines: those
     * were keyed by the time in its id (or the first line's), and the upsert moved the row to its
     * arrival's second ({@link #FIRST_ASSIGNMENT} notes each such row in {@code @moved}). Left
     * there, they would count the row twice in its owners' counts by type. In a reading of whole
     * files nothing moves, and this costs a read of one empty variable per batch.
     */
    private void dropMovedEntries(Connection c, List<RowBatch.Row> rows) throws SQLException {
        String moved;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @moved")) {
            moved = rs.next() ? rs.getString(1) : null;
        }
        if (moved == null) {
            return;
        }
        Map<String, RowBatch.Row> byKey = new HashMap<>();
        for (RowBatch.Row r : rows) {
            byKey.put(HEX.formatHex(r.key().bytes(serverId)), r);
        }
        try (PreparedStatement del = c.prepareStatement(
                "DELETE FROM delivery_owner WHERE server_id = ? AND owner = ? AND sendtime = ? AND row_key = ?")) {
            for (String entry : moved.split(",")) {
                int colon = entry.indexOf(':');
                RowBatch.Row r = byKey.get(entry.substring(0, colon));
                if (r == null) {
                    continue;
                }
                for (String owner : r.owners()) {
                    del.setInt(1, serverId);
                    del.setString(2, owner);
                    del.setLong(3, Long.parseLong(entry.substring(colon + 1)));
                    del.setBytes(4, r.key().bytes(serverId));
                    del.addBatch();
                }
            }
            del.executeBatch();
        }
    }

    /**
     * Runs {@code work} behind a savepoint: if the database refuses it as data, it is undone and
     * noted. Returns whether it was stored.
     */
    private static boolean apart(Connection c, List<String> leftOut, Work work, String what)
            throws SQLException {
        Savepoint before = c.setSavepoint();
        try {
            work.run(c);
            c.releaseSavepoint(before);
            return true;
        } catch (SQLException e) {
            if (!refusedAsData(e)) {
                throw e;
            }
            c.rollback(before);
            leftOut.add(what + " could not be stored and was left out (" + firstLine(e.getMessage()) + ")");
            return false;
        }
    }

    /**
     * Whether the database refused a value (SQL state class 22: too long, out of range, a string
     * its column's character set cannot hold...), or a statement larger than its
     * {@code max_allowed_packet}: what no retry cures.
     */
    static boolean refusedAsData(SQLException e) {
        if (packetTooLarge(e)) {
            return true; // a statement of many rows too large for the server: a row at a time may fit
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getSQLState() != null && s.getSQLState().startsWith("22")
                    || s.getErrorCode() == 1366 || s.getErrorCode() == 1292)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A statement larger than the server's {@code max_allowed_packet}: the server answers and
     * drops the connection, which otherwise looks like an outage, retried for ever. The store
     * writes such a batch a row at a time instead ({@link #write}).
     */
    public static boolean packetTooLarge(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() == 1153
                    || String.valueOf(s.getMessage()).contains("max_allowed_packet"))) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no reason given";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Puts a connection back in autocommit mode, quietly: after a connection error the pool has
     * swapped it for one that only answers "Connection is closed" (no SQL state), which thrown from
     * a finally block would hide the write's own error, telling a lost connection, which a writer
     * waits out, from a rejected statement, which it does not. The pool discards such a connection.
     */
    static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            // broken: the write's own outcome stands
        }
    }

    /**
     * The owner entries of the batch's rows. An entry carries its row's type, so that counts by
     * type read the owner index alone: it must hold the type its row ends up with. A final state
     * read with its arrival is the row's own. Any other state — a message still open where its
     * reading stopped, or lines read without the arrival (an earlier file not read yet, or read
     * by another run) — is weighed against the stored row as the upsert weighs them, and the
     * entries take the newer state's type; a state read without the arrival is keyed by the
     * stored row's sendtime (its arrival's, if a state had it), so that its entries stay the
     * row's, and also rewrites the entries of the owners the stored row names (the sender's
     * account, which lines without the arrival cannot know), so that theirs take a newer type
     * too. The stored rows are read by plain SELECTs (a statement for many), consistent reads that
     * lock nothing: a subquery in the INSERT would hold a shared lock on the row, or on the gap
     * where it goes, until this transaction ends, and the other writer inserts there. Whether a
     * read sees the row as it was before this batch's upsert or after, the newer of the two states
     * is the same (a third writer committing between may leave an entry a state behind).
     */
    private void writeOwners(Connection c, RowBatch batch, List<RowBatch.Row> rows) throws SQLException {
        List<byte[]> keys = new ArrayList<>(rows.size());
        List<byte[]> weighed = new ArrayList<>();
        for (RowBatch.Row r : rows) {
            byte[] key = r.key().bytes(serverId);
            keys.add(key);
            if (weighed(r.outcome())) {
                weighed.add(key);
            }
        }
        Map<ByteBuffer, Stored> stored = new HashMap<>();
        STORED.query(c, weighed, (ps, at, key) -> ps.setBytes(at, key), (ps, at) -> { },
                rs -> stored.put(ByteBuffer.wrap(rs.getBytes(1)), new Stored(rs.getLong(2), rs.getInt(3),
                        rs.getLong(4), rs.getString(5), rs.getString(6), rs.getString(7))));
        List<Object[]> owners = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            RowBatch.Row r = rows.get(i);
            Outcome o = r.outcome();
            List<String> who = r.owners();
            long sendtime = unixTime(o.sendunixtime());
            int type = o.type().ordinal();
            long last = unixTime(o.actionunixtime());
            Stored st = weighed(o) ? stored.get(ByteBuffer.wrap(keys.get(i))) : null;
            if (st != null) {
                if (o.size() < 0) {
                    sendtime = st.sendtime();
                    who = union(who, batch.ownersFrom.of(st.user(), st.deliveryuser(), st.recipient()));
                }
                if (!notOlder(last, type, st.lastTime(), st.type())) {
                    type = st.type();
                }
                last = Math.max(last, st.lastTime());
            }
            for (String owner : who) {
                owners.add(new Object[] {owner, sendtime, keys.get(i), type, last});
            }
        }
        owners.sort(OWNER_ORDER);
        MultiRowStatement.Binder<Object[]> binder = (ps, at, o) -> {
            ps.setInt(at, serverId);
            ps.setString(at + 1, (String) o[0]);
            ps.setLong(at + 2, (Long) o[1]);
            ps.setBytes(at + 3, (byte[]) o[2]);
            ps.setInt(at + 4, (Integer) o[3]);
            ps.setLong(at + 5, (Long) o[4]);
        };
        ToLongFunction<Object[]> bytes = o -> 4L * ((String) o[0]).length() + 60;
        if (!insertFresh(c, batch, NEW_OWNERS, owners, binder, bytes)) {
            OWNERS.execute(c, false, owners, binder, bytes, statementBudget());
        }
    }

    /** Owner entries ({owner, sendtime, row key, ...}) in the order of their primary key. */
    private static final Comparator<Object[]> OWNER_ORDER = Comparator.comparing((Object[] o) -> (String) o[0])
            .thenComparingLong(o -> (Long) o[1])
            .thenComparing(o -> (byte[]) o[2], Arrays::compareUnsigned);

    private void bindRow(PreparedStatement ps, int at, byte[] key, Outcome o) throws SQLException {
        int i = at;
        ps.setBytes(i++, key);
        ps.setInt(i++, serverId);
        ps.setInt(i++, o.type().ordinal());
        ps.setString(i++, o.msgid());
        ps.setString(i++, cut(o.email(), 320));
        ps.setString(i++, cut(o.sender(), 320));
        ps.setString(i++, cut(o.user(), 64));
        ps.setString(i++, cut(o.domain(), 255));
        if (o.size() < 0) {
            ps.setNull(i++, Types.BIGINT);
        } else {
            ps.setLong(i++, o.size());
        }
        ps.setString(i++, cut(o.senderhost(), 255));
        ps.setString(i++, ascii(o.senderip(), 45));
        ps.setString(i++, cut(o.senderauth(), 64));
        BigDecimal spamscore = spamscore(o);
        if (spamscore == null) {
            ps.setNull(i++, Types.DECIMAL);
        } else {
            ps.setBigDecimal(i++, spamscore);
        }
        ps.setLong(i++, unixTime(o.sendunixtime()));
        ps.setString(i++, cut(o.recipient(), 320));
        ps.setString(i++, cut(o.deliveredto(), 1024));
        ps.setString(i++, cut(o.deliveryuser(), 64));
        ps.setString(i++, cut(o.deliverydomain(), 255));
        ps.setString(i++, cut(o.router(), 64));
        ps.setString(i++, cut(o.transport(), 64));
        ps.setString(i++, cut(o.host(), 255));
        ps.setString(i++, ascii(o.ip(), 45));
        ps.setString(i++, text(o.message()));
        ps.setLong(i++, unixTime(o.actionunixtime()));
        ps.setBoolean(i++, o.transportIsRemote());
        ps.setString(i++, cut(o.subject(), 1000));
        ps.setInt(i++, Math.min(o.attempts(), 65_535));
        ps.setString(i++, text(o.reply()));
        ps.setString(i++, ascii(o.tls(), 128));
        ps.setString(i++, ascii(o.bounceMsgid(), 23));
        ps.setString(i++, ascii(o.bounceOf(), 23));
        ps.setLong(i++, unixTime(o.actionunixtime()));
        ps.setInt(i, NUMBERED_BY_RECIPIENT);
    }

    /**
     * The spam score as its DECIMAL(7,3) column holds it, rounded as MariaDB rounds; null if
     * there is none or it does not fit.
     */
    private static BigDecimal spamscore(Outcome o) {
        if (o.spamscore() == null || o.spamscore().isNaN() || Math.abs(o.spamscore()) >= 9_999.9995) {
            return null;
        }
        return BigDecimal.valueOf(o.spamscore()).setScale(3, java.math.RoundingMode.HALF_UP);
    }

    /**
     * Writes a fresh batch's rows (or owner entries) with plain INSERTs, behind a savepoint: the
     * upsert weighs every column of every row against a stored row that a reading writing each
     * message once almost never meets. If one is there after all (a file imported again, or read
     * before in part), the INSERTs are undone and the caller upserts the rows as always.
     *
     * @return whether the rows were written; false if they are still to be upserted
     * @throws SQLException as the INSERTs throw it, but for a key stored already; nothing of the
     *                      rows is then written
     */
    private <T> boolean insertFresh(Connection c, RowBatch batch, MultiRowStatement insert, List<T> rows,
            MultiRowStatement.Binder<T> binder, ToLongFunction<T> bytes) throws SQLException {
        if (!batch.fresh || rows.size() < FRESH_MIN_ROWS) {
            return false;
        }
        Savepoint before = c.setSavepoint();
        try {
            insert.execute(c, bulk, rows, binder, bytes, statementBudget());
        } catch (SQLException e) {
            try {
                c.rollback(before);
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
                throw e;
            }
            if (duplicateKey(e)) {
                return false;
            }
            throw e;
        }
        c.releaseSavepoint(before);
        return true;
    }

    /** Whether a statement failed on a key stored already (ER_DUP_ENTRY). */
    private static boolean duplicateKey(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getErrorCode() == 1062) {
                return true;
            }
        }
        return false;
    }

    private void retractDeliveries(Connection c, RowBatch batch) throws SQLException {
        if (batch.retracted.isEmpty()) {
            return;
        }
        // Only ever a placeholder: a row that no attempt reached, which an earlier reading of part
        // of the log may have stored where this reading's rows are otherwise numbered.
        try (PreparedStatement del = c.prepareStatement(
                "DELETE FROM delivery WHERE row_key = ? AND type = " + OutcomeType.INPROGRESS.ordinal())) {
            for (RowBatch.Retraction r : batch.retracted.values()) {
                del.setBytes(1, r.key().bytes(serverId));
                del.addBatch();
            }
            del.executeBatch();
        }
    }

    private void retractOwners(Connection c, RowBatch batch) throws SQLException {
        if (batch.retracted.isEmpty()) {
            return;
        }
        try (PreparedStatement del = c.prepareStatement(
                "DELETE FROM delivery_owner WHERE server_id = ? AND owner = ? AND sendtime = ? AND row_key = ? AND type = "
                        + OutcomeType.INPROGRESS.ordinal())) {
            for (RowBatch.Retraction r : batch.retracted.values()) {
                for (String owner : r.owners()) {
                    del.setInt(1, serverId);
                    del.setString(2, owner);
                    del.setLong(3, unixTime(r.sendtime()));
                    del.setBytes(4, r.key().bytes(serverId));
                    del.addBatch();
                }
            }
            del.executeBatch();
        }
    }

    private void writeLines(Connection c, RowBatch batch, List<RowBatch.Chunk> chunks) throws SQLException {
        if (!batch.tables.ownersAndLines()) {
            return;
        }
        LINES.execute(c, bulk, chunks, (ps, at, chunk) -> {
            ps.setInt(at, serverId);
            ps.setString(at + 1, chunk.msgid);
            ps.setLong(at + 2, unixTime(chunk.firstTime));
            ps.setBytes(at + 3, chunk.id());
            ps.setString(at + 4, cut(chunk.text(), LINES_MAX));
        }, chunk -> chunkBytes(chunk) + 100, statementBudget());
    }

    /** Bytes of values a statement may carry: half the server's max_allowed_packet, for what else it holds. */
    private long statementBudget() {
        return maxPacket / 2;
    }

    private void writePosition(Connection c, RowBatch.Position p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO log_position (server_id, source, position, resume) VALUES (?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE position = VALUES(position), resume = VALUES(resume)
                """)) {
            ps.setInt(1, serverId);
            ps.setString(2, p.source());
            ps.setString(3, p.position());
            ps.setString(4, p.resume());
            ps.executeUpdate();
        }
    }

    private void writeImported(Connection c, ImportedFile f) throws SQLException {
        // The longest read of a file is the one kept: a live log imported again once it has grown
        // replaces its shorter record, and never the reverse. byte_count goes last, so that every
        // IF before it still sees the stored value.
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO imported_file (server_id, fingerprint, name, byte_count, line_count, first_time, last_time)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE
                  name = IF(VALUES(byte_count) >= byte_count, VALUES(name), name),
                  line_count = IF(VALUES(byte_count) >= byte_count, VALUES(line_count), line_count),
                  first_time = IF(VALUES(byte_count) >= byte_count, VALUES(first_time), first_time),
                  last_time = IF(VALUES(byte_count) >= byte_count, VALUES(last_time), last_time),
                  imported_at = IF(VALUES(byte_count) >= byte_count, CURRENT_TIMESTAMP, imported_at),
                  byte_count = GREATEST(byte_count, VALUES(byte_count))
                """)) {
            ps.setInt(1, serverId);
            ps.setBytes(2, f.fingerprint());
            ps.setString(3, cut(f.name(), 1024));
            ps.setLong(4, f.bytes());
            ps.setLong(5, f.lines());
            ps.setLong(6, unixTime(f.firstTime()));
            ps.setLong(7, unixTime(f.lastTime()));
            ps.executeUpdate();
        }
    }

    /** What this server recorded of the file with this fingerprint, or null if it never read one. */
    public ImportedFile importedFile(byte[] fingerprint) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name, byte_count, line_count, first_time, last_time"
                     + " FROM imported_file WHERE server_id = ? AND fingerprint = ?")) {
            ps.setInt(1, serverId);
            ps.setBytes(2, fingerprint);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new ImportedFile(fingerprint, rs.getString(1), rs.getLong(2), rs.getLong(3),
                        rs.getLong(4), rs.getLong(5)) : null;
            }
        }
    }

    /**
     * The position committed for {@code source}: {@code [position, resume]}, or null when this
     * server never read it.
     */
    public String[] position(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT position, resume FROM log_position WHERE server_id = ? AND source = ?")) {
            ps.setInt(1, serverId);
            ps.setString(2, source);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
            }
        }
    }

    /**
     * Records that {@code source} is being backfilled up to {@code until} (a position), so that a
     * restart finishes the backfill; {@link #backfillDone} clears it.
     */
    public void backfillPending(String source, String until) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO log_position (server_id, source, position, resume) VALUES (?, ?, ?, NULL)
                     ON DUPLICATE KEY UPDATE position = VALUES(position)
                     """)) {
            ps.setInt(1, serverId);
            ps.setString(2, BACKFILL + source);
            ps.setString(3, until);
            ps.executeUpdate();
        }
    }

    /** Where an unfinished backfill of {@code source} stops, or null when none is pending. */
    public String backfillUntil(String source) throws SQLException {
        String[] p = position(BACKFILL + source);
        return p == null ? null : p[0];
    }

    /** Clears the pending backfill of {@code source}. */
    public void backfillDone(String source) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM log_position WHERE server_id = ? AND source = ?")) {
            ps.setInt(1, serverId);
            ps.setString(2, BACKFILL + source);
            ps.executeUpdate();
        }
    }

    /**
     * A time as its INT UNSIGNED columns hold it: a line stamped before 1970 or after early 2106
     * (a garbled or hostile line) gets the nearest time they can hold, never a refused write,
     * which would stop ingest at that line for good. {@link RowKey} clamps its time the same way.
     */
    static long unixTime(long t) {
        return Math.max(0, Math.min(0xFFFF_FFFFL, t));
    }

    /**
     * Text for an ASCII column (addresses, TLS ciphers, message ids): what a garbled line puts
     * there that is not printable ASCII becomes '?', and it is cut to the column.
     */
    static String ascii(String s, int max) {
        if (s == null) {
            return null;
        }
        String cut = s.length() > max ? s.substring(0, max) : s;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                StringBuilder b = new StringBuilder(cut.length());
                cut.codePoints().limit(max).forEach(cp -> b.append(cp >= 0x20 && cp <= 0x7E ? (char) cp : '?'));
                return b.toString();
            }
        }
        return cut;
    }

    /**
     * Text for a TEXT column, which holds 65,535 bytes: cut at a character boundary so that its
     * UTF-8 fits (up to 16,383 characters always do).
     */
    static String text(String s) {
        if (s == null || s.length() <= 16_383) {
            return s;
        }
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes > 65_535) {
                return s.substring(0, i);
            }
            i += Character.charCount(cp);
        }
        return s;
    }

    /** Text longer than its column is cut, never refused: a log line is evidence. */
    private static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
