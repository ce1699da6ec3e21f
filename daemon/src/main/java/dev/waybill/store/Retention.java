package dev.waybill.store;

import dev.waybill.outcome.MessageAssembler;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Removes one server's messages that have been quiet for the retention window, in small
 * autocommitted slices, so that neither ingest nor queries ever wait behind a long delete.
 *
 * <p>Each server removes only its own rows, by its own {@code retention.days}: servers sharing a
 * database may keep their mail for different times. A message goes as a whole once nothing has
 * happened to it since the cutoff, not when it arrived: a message still being retried keeps its
 * rows and lines, however long ago it came in.
 *
 * <p>The deletes walk the time indexes forwards: each slice starts where the last one ended, so
 * rows that stay (another server's, or a message still active) are read once per pass, not once
 * per slice.
 */
public final class Retention {

    /** Rows per slice: each delete holds its locks for milliseconds. */
    static final int SLICE = 2_000;

    /**
     * This server's rows that arrived before the cutoff and have been quiet since, after a (time,
     * key): the time index's order, so that rows that stay are passed once.
     */
    private static final String QUIET_ROWS = """
            SELECT row_key, sendtime, msgid FROM delivery
            WHERE (sendtime > ? OR sendtime = ? AND row_key > ?) AND sendtime < ? AND server_id = ? AND last_time < ?
            ORDER BY sendtime, row_key LIMIT""" + " " + SLICE;
    /**
     * The messages that have a row on a server active since a time, of those whose key ranges
     * ({@link RowKey#messageRange}) are listed: ranges of the primary key.
     */
    private static final ListStatement ACTIVE = new ListStatement("SELECT DISTINCT msgid FROM delivery WHERE (",
            " OR ", "row_key BETWEEN ? AND ?", ") AND server_id = ? AND last_time >= ?");
    /** The rows of the messages whose key ranges are listed, with their message. */
    private static final ListStatement ROWS = new ListStatement("SELECT msgid, row_key FROM delivery WHERE (",
            " OR ", "row_key BETWEEN ? AND ?", ") AND server_id = ?");
    /** Quiet rows: one written to since it was found quiet stays (the daemon goes on meanwhile). */
    private static final ListStatement DELETE_ROWS = new ListStatement("DELETE FROM delivery WHERE row_key IN (",
            ", ", "?", ") AND last_time < ?");
    /**
     * The chunks of lines of some messages. Ids are matched as bytes too: the column's collation
     * ignores case, and an id differing only in case is another message (see {@code MessageQueries}).
     */
    private static final ListStatement DELETE_LINES = new ListStatement("DELETE FROM message_log WHERE (",
            " OR ", "msgid = ? AND BINARY msgid = ?", ") AND server_id = ? AND first_time < ?");

    /**
     * The owner entries of some owners in a span of send times: those of a slice's rows are among
     * them. {@code delivery_owner} is ordered by server, owner and time: a range of its key each.
     */
    private static final ListStatement OWNED_BETWEEN = new ListStatement(
            "SELECT owner, sendtime, row_key FROM delivery_owner WHERE owner IN (", ", ", "?",
            ") AND server_id = ? AND sendtime BETWEEN ? AND ?");
    /** Owner entries by their key, quiet ones only: one written to since stays with its row. */
    private static final ListStatement DELETE_ENTRIES = new ListStatement("DELETE FROM delivery_owner WHERE (",
            " OR ", "owner = ? AND sendtime = ? AND row_key = ?", ") AND server_id = ? AND last_time < ?");

    /**
     * This server's chunks of lines read before a time, after a (time, message id): the time
     * index's order, so that chunks that stay are passed once.
     */
    private static final String OLD_LINES = """
            SELECT msgid, first_time FROM message_log
            WHERE (first_time > ? OR first_time = ? AND msgid > ?) AND first_time < ? AND server_id = ?
            ORDER BY first_time, msgid LIMIT""" + " " + SLICE;

    private final DataSource dataSource;
    private final String serverName;
    /** The pass running now, its count as it goes; null between passes. */
    private volatile Pass running;
    /** The last pass that ended, well or not; null before one. */
    private volatile Pass last;

    /**
     * A retention pass as an operator is shown it.
     *
     * @param started  when it began (unix seconds)
     * @param finished when it ended (unix seconds), 0 while it runs
     * @param cutoff   what it removes: messages quiet since before this (unix seconds)
     * @param removed  rows it has removed so far, all tables together (each slice commits alone,
     *                 so these are gone whatever becomes of the rest of the pass)
     * @param failure  why it ended before it was done, or null
     */
    public record Pass(long started, long finished, long cutoff, long removed, String failure) {
    }

    /** @param serverName the server whose rows this removes ({@code server.id}) */
    public Retention(DataSource dataSource, String serverName) {
        this(dataSource, serverName, OWNERS_MAX_AGE_NANOS);
    }

    /** As above, reading the owners again once the list is {@code ownersMaxAgeNanos} old. */
    Retention(DataSource dataSource, String serverName, long ownersMaxAgeNanos) {
        this.dataSource = dataSource;
        this.serverName = serverName;
        this.ownersMaxAgeNanos = ownersMaxAgeNanos;
    }

    /**
     * How old the list of owners a pass removes entries of may get before it is read again: an
     * import may give an account entries of old rows while a pass runs (one added since it read
     * that mail), which must go with their rows too. Read for every slice, the list (a scan of
     * the owner index) made a pass 70 % longer; the entries a slice misses meanwhile go at the
     * pass's end ({@link #ownersLeft}).
     */
    static final long OWNERS_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long ownersMaxAgeNanos;

    /** How long a retention statement may go without an answer from the database. */
    static final int PASS_SOCKET_MILLIS = 30 * 60 * 1000;

    /**
     * Deletes this server's messages that nothing has happened to since {@code cutoff} (unix
     * seconds): their rows, owner entries and lines.
     *
     * @return rows deleted, all tables together
     */
    public long purgeBefore(long cutoff) throws SQLException {
        running = new Pass(System.currentTimeMillis() / 1000, 0, cutoff, 0, null);
        try {
            purge(cutoff);
            last = ended(null);
        } catch (SQLException | RuntimeException e) {
            last = ended(String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString()));
            throw e;
        } finally {
            running = null;
        }
        return last.removed();
    }

    /** The pass running now, with what it has removed so far; null when none is. */
    public Pass running() {
        return running;
    }

    /** The last pass that ended (done or failed); null before the first. */
    public Pass last() {
        return last;
    }

    private Pass ended(String failure) {
        Pass p = running;
        return new Pass(p.started(), System.currentTimeMillis() / 1000, p.cutoff(), p.removed(), failure);
    }

    /** Counts {@code n} more rows removed by the running pass. */
    private void removed(long n) {
        Pass p = running;
        running = new Pass(p.started(), 0, p.cutoff(), p.removed() + n, null);
    }

    private void purge(long cutoff) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            // A slice may rightly take minutes on a large store shared by servers of other
            // retention: a far longer bound on waiting for its answers than the pool's 120 s for
            // writes, but a bound, so that a database host gone silent does not keep this
            // connection from the pool for the hours TCP would take to give up.
            c.setNetworkTimeout(Runnable::run, PASS_SOCKET_MILLIS);
            Integer server = serverId(c);
            if (server == null) {
                return;
            }
            deliveries(c, server, cutoff);
            orphanLines(c, server, cutoff);
            ownersLeft(c, server, cutoff);
        }
    }

    private Integer serverId(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM server WHERE name = ?")) {
            ps.setString(1, serverName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    /**
     * This server's quiet rows, a slice at a time; a message goes as a whole, once none of its
     * rows is active (whatever their times: a row stored without its arrival has another). A row's
     * owner entries go with it ({@link #rowsWithEntries}).
     */
    private void deliveries(Connection c, int server, long cutoff) throws SQLException {
        long afterTime = -1;
        byte[] afterKey = new byte[0];
        List<String> owners = null;
        long ownersRead = 0;
        try (PreparedStatement find = c.prepareStatement(QUIET_ROWS)) {
            int found;
            do {
                find.setLong(1, afterTime);
                find.setLong(2, afterTime);
                find.setBytes(3, afterKey);
                find.setLong(4, cutoff);
                find.setInt(5, server);
                find.setLong(6, cutoff);
                List<byte[]> keys = new ArrayList<>();
                List<Long> times = new ArrayList<>();
                List<String> messages = new ArrayList<>();
                try (ResultSet rs = find.executeQuery()) {
                    while (rs.next()) {
                        afterKey = rs.getBytes(1);
                        afterTime = rs.getLong(2);
                        keys.add(afterKey);
                        times.add(afterTime);
                        messages.add(rs.getString(3));
                    }
                }
                found = keys.size();
                Set<String> activeMessages = active(c, new LinkedHashSet<>(messages), server, cutoff);
                List<byte[]> gone = new ArrayList<>();
                for (int i = 0; i < found; i++) {
                    if (messages.get(i) == null || !activeMessages.contains(messages.get(i))) {
                        gone.add(keys.get(i));
                    }
                }
                Set<String> goneMessages = new LinkedHashSet<>();
                for (int i = 0; i < found; i++) {
                    if (messages.get(i) != null && !activeMessages.contains(messages.get(i))) {
                        goneMessages.add(messages.get(i));
                    }
                }
                // The lines first: a pass cut off after them leaves rows the next pass finds
                // again, not lines without a row, which would stay a week longer (orphanLines).
                removed(deleteLines(c, goneMessages, gone, server, cutoff));
                if (!gone.isEmpty()) { // ordered by time: the span is from the first to the last
                    if (owners == null || System.nanoTime() - ownersRead >= ownersMaxAgeNanos) {
                        owners = owners(c, server);
                        ownersRead = System.nanoTime();
                    }
                    removed(rowsWithEntries(c, server, owners, gone, times.get(0), afterTime, cutoff));
                }
            } while (found == SLICE);
        }
    }

    /**
     * Deletes {@code rows} and their owner entries in one transaction (in the order ingest writes
     * them, rows first): an account's counts are read from its entries alone, and never count a
     * row that is gone, nor miss one that is there, whenever they are read and wherever the pass
     * is cut off. A slice's rows are quiet: ingest seldom waits for this.
     */
    private static long rowsWithEntries(Connection c, int server, List<String> owners, List<byte[]> rows, long from,
            long to, long cutoff) throws SQLException {
        return DeliveryStore.inTransaction(c, t -> DELETE_ROWS.update(t, rows, (ps, at, key) -> ps.setBytes(at, key),
                (ps, at) -> ps.setLong(at, cutoff)) + entries(t, server, owners, rows, from, to, cutoff));
    }

    /**
     * Deletes the owner entries of {@code owners} for {@code rows}, sent between {@code from} and
     * {@code to}, that are quiet since {@code cutoff}.
     */
    private static long entries(Connection c, int server, List<String> owners, List<byte[]> rows, long from,
            long to, long cutoff) throws SQLException {
        Set<ByteBuffer> wanted = new HashSet<>();
        for (byte[] key : rows) {
            wanted.add(ByteBuffer.wrap(key));
        }
        List<OwnerEntry> found = new ArrayList<>();
        OWNED_BETWEEN.query(c, owners, (ps, at, owner) -> ps.setString(at, owner), (ps, at) -> {
            ps.setInt(at, server);
            ps.setLong(at + 1, from);
            ps.setLong(at + 2, to);
        }, rs -> {
            byte[] key = rs.getBytes(3);
            if (wanted.contains(ByteBuffer.wrap(key))) {
                found.add(new OwnerEntry(rs.getString(1), rs.getLong(2), key));
            }
        });
        return DELETE_ENTRIES.update(c, found, (ps, at, entry) -> {
            ps.setString(at, entry.owner());
            ps.setLong(at + 1, entry.sendtime());
            ps.setBytes(at + 2, entry.rowKey());
        }, (ps, at) -> {
            ps.setInt(at, server);
            ps.setLong(at + 1, cutoff);
        });
    }

    /** The key of an owner entry on this server. */
    private record OwnerEntry(String owner, long sendtime, byte[] rowKey) {
    }

    /**
     * The chunks read before {@code before} of those of {@code msgids} that have no row left but
     * {@code going} (the row keys about to be removed): a message whose rows other slices hold
     * keeps its lines until the last of them goes.
     */
    private static long deleteLines(Connection c, Set<String> msgids, List<byte[]> going, int server, long before)
            throws SQLException {
        Set<ByteBuffer> leaving = new HashSet<>();
        for (byte[] key : going) {
            leaving.add(ByteBuffer.wrap(key));
        }
        List<String> gone = new ArrayList<>(msgids);
        gone.removeAll(staying(c, new LinkedHashSet<>(msgids), leaving, server));
        return DELETE_LINES.update(c, gone, (ps, at, msgid) -> {
            ps.setString(at, msgid);
            ps.setString(at + 1, msgid);
        }, (ps, at) -> {
            ps.setInt(at, server);
            ps.setLong(at + 1, before);
        });
    }

    /** Which of these messages have a row on {@code server} besides those {@code leaving}. */
    private static Set<String> staying(Connection c, Set<String> msgids, Set<ByteBuffer> leaving, int server)
            throws SQLException {
        msgids.remove(null);
        Set<String> found = new HashSet<>();
        ROWS.query(c, ranges(msgids), (ps, at, range) -> {
            ps.setBytes(at, range[0]);
            ps.setBytes(at + 1, range[1]);
        }, (ps, at) -> ps.setInt(at, server), rs -> {
            if (!leaving.contains(ByteBuffer.wrap(rs.getBytes(2)))) {
                found.add(rs.getString(1));
            }
        });
        found.retainAll(msgids); // a range holds only its message's rows, unless two ids share a hash
        return found;
    }

    /** The primary key's range of each message's rows ({@link RowKey#messageRange}). */
    private static List<byte[][]> ranges(Set<String> msgids) {
        List<byte[][]> ranges = new ArrayList<>();
        for (String msgid : msgids) {
            ranges.add(RowKey.messageRange(msgid));
        }
        return ranges;
    }

    /**
     * Which of these messages have a row on {@code server} active since {@code since}: a range of
     * the primary key each ({@link RowKey#messageRange}), a statement for many.
     */
    private static Set<String> active(Connection c, Set<String> msgids, int server, long since)
            throws SQLException {
        msgids.remove(null);
        Set<String> found = new HashSet<>();
        ACTIVE.query(c, ranges(msgids), (ps, at, range) -> {
            ps.setBytes(at, range[0]);
            ps.setBytes(at + 1, range[1]);
        }, (ps, at) -> {
            ps.setInt(at, server);
            ps.setLong(at + 1, since);
        }, rs -> found.add(rs.getString(1)));
        found.retainAll(msgids); // a range holds only its message's rows, unless two ids share a hash
        return found;
    }

    /**
     * Lines no row claims: a message's lines go with its last row ({@link #deliveries}), but a
     * backfill or an import writes a message's lines as it reads them and its rows only once it
     * ends, up to the horizon later. So lines without a row are left for that long after the
     * cutoff: they may be the first lines of a message that began before it and ends inside the
     * window, whose rows are still to come.
     */
    private void orphanLines(Connection c, int server, long cutoff) throws SQLException {
        long before = cutoff - MessageAssembler.DEFAULT_HORIZON_SECONDS;
        long afterTime = -1;
        String afterId = "";
        try (PreparedStatement find = c.prepareStatement(OLD_LINES)) {
            int found;
            do {
                find.setLong(1, afterTime);
                find.setLong(2, afterTime);
                find.setString(3, afterId);
                find.setLong(4, before);
                find.setInt(5, server);
                Set<String> messages = new LinkedHashSet<>();
                found = 0;
                try (ResultSet rs = find.executeQuery()) {
                    while (rs.next()) {
                        afterId = rs.getString(1);
                        afterTime = rs.getLong(2);
                        messages.add(afterId);
                        found++;
                    }
                }
                removed(deleteLines(c, messages, List.of(), server, before));
            } while (found == SLICE);
        }
    }

    /** The owners that have entries on {@code server}. */
    private static List<String> owners(Connection c, int server) throws SQLException {
        List<String> owners = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT owner FROM delivery_owner WHERE server_id = ?")) {
            ps.setInt(1, server);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    owners.add(rs.getString(1));
                }
            }
        }
        return owners;
    }

    /**
     * The owner entries whose row is gone all the same: a slice removes its rows' entries with
     * them, but an import killed between a batch's entries and its rows (it writes them on two
     * connections) or a pass of an earlier version stopped part way leaves some. An entry quiet since the cutoff only, as its row must be to go: an import
     * writes a batch's entries and its rows on two connections, and the entries of a row active
     * inside the window may commit a moment before the row.
     */
    private void ownersLeft(Connection c, int server, long cutoff) throws SQLException {
        List<String> owners = owners(c, server);
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM delivery_owner WHERE server_id = ? AND owner = ? AND sendtime < ? AND last_time < ?
                  AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.row_key = delivery_owner.row_key)
                LIMIT""" + " " + SLICE)) {
            for (String owner : owners) {
                ps.setInt(1, server);
                ps.setString(2, owner);
                ps.setLong(3, cutoff);
                ps.setLong(4, cutoff);
                int n;
                do {
                    n = ps.executeUpdate();
                    removed(n);
                } while (n == SLICE);
            }
        }
    }
}
