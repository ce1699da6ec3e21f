package dev.waybill.store;

import dev.waybill.outcome.MessageAssembler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Migration 3: gives the rows of every stored message the numbers this version gives them
 * ({@link MessageAssembler#rowOf}, from the recipient) instead of their order of appearance, so
 * that reading a message's lines again after the upgrade lands on its rows. The old keys are
 * mapped to new ones in a work table ({@code row_renumbering}, left empty), then owner entries and
 * rows are re-keyed in two statements.
 * Safe to run again after an interruption: a row already renumbered maps to itself.
 */
final class Renumbering {

    /** Rows read per query while mapping. */
    private static final int PAGE = 10_000;
    /** Key bytes that name a message on a server: time, message id hash, server. */
    private static final int MESSAGE = 13;

    private Renumbering() {
    }

    private static String localPart(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }

    static void run(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            // Emptied, not dropped, when done: the daemon's database user may not drop tables.
            st.execute("CREATE TABLE IF NOT EXISTS row_renumbering (old_key BINARY(16) NOT NULL PRIMARY KEY,"
                    + " new_key BINARY(16) NOT NULL) ENGINE=InnoDB");
            st.execute("DELETE FROM row_renumbering");
            map(c);
            st.execute("UPDATE IGNORE delivery_owner o JOIN row_renumbering r ON r.old_key = o.row_key"
                    + " SET o.row_key = r.new_key");
            st.execute("UPDATE IGNORE delivery d JOIN row_renumbering r ON r.old_key = d.row_key"
                    + " SET d.row_key = r.new_key");
            st.execute("DELETE FROM row_renumbering");
        }
    }

    /** A stored row of a message: its current number, recipient and delivered-to address. */
    record Row(int number, String recipient, String deliveredTo) {
    }

    /**
     * The new numbers of one message's rows (given in the order of their current numbers), as
     * this version numbers them: a recipient's first row takes the recipient's own number, a
     * further one a number from the recipient and where it went (a row not delivered does not
     * say where: such a row still open at the upgrade may show twice). A new number never equals
     * a current number of another row of the message, so the rows can be re-keyed in any order;
     * and a row already at its recipient's own number counts as the first, so running this again
     * gives every row the number it has.
     */
    static int[] renumber(List<Row> rows) {
        Set<String> firstDone = new HashSet<>();
        Set<Integer> current = new HashSet<>();
        for (Row r : rows) {
            current.add(r.number());
            if (r.number() == MessageAssembler.rowOf(r.recipient())) {
                firstDone.add(r.recipient().toLowerCase(Locale.ROOT));
            }
        }
        Set<String> seen = new HashSet<>();
        Set<Integer> given = new HashSet<>();
        int[] numbers = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String lower = r.recipient().toLowerCase(Locale.ROOT);
            boolean own = r.number() == MessageAssembler.rowOf(r.recipient())
                    || !firstDone.contains(lower) && seen.add(lower);
            String identity = own ? r.recipient()
                    : r.recipient() + "\n" + localPart(r.deliveredTo() == null ? "" : r.deliveredTo());
            int mine = r.number();
            numbers[i] = MessageAssembler.freeRow(identity, n -> given.contains(n) || n != mine && current.contains(n));
            given.add(numbers[i]);
        }
        return numbers;
    }

    /**
     * Walks the message rows in key order, a message (one range of keys) at a time. A page's
     * mappings are written in one transaction: one at a time, a commit each, they took most of an
     * upgrade's time.
     */
    private static void map(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try {
            mapPages(c);
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
                c.setAutoCommit(true);
            } catch (SQLException connectionGone) {
                e.addSuppressed(connectionGone); // never in place of the mapping's own error
            }
            throw e;
        }
        c.setAutoCommit(true);
    }

    private static void mapPages(Connection c) throws SQLException {
        byte[] after = new byte[16];
        List<byte[]> keys = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement page = c.prepareStatement("SELECT row_key, recipient, deliveredto FROM delivery"
                + " WHERE row_key > ? AND msgid IS NOT NULL ORDER BY row_key LIMIT " + PAGE);
             PreparedStatement insert = c.prepareStatement("INSERT IGNORE INTO row_renumbering VALUES (?, ?)")) {
            int read;
            do {
                page.setBytes(1, after);
                read = 0;
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        read++;
                        byte[] key = rs.getBytes(1);
                        after = key;
                        int number = (key[13] & 0xFF) << 16 | (key[14] & 0xFF) << 8 | key[15] & 0xFF;
                        if (number == 0 || number >= MessageAssembler.ROWS) {
                            continue; // a rejection's: numbered by its line, as before
                        }
                        if (!keys.isEmpty() && !Arrays.equals(key, 0, MESSAGE, keys.get(0), 0, MESSAGE)) {
                            mapMessage(keys, rows, insert);
                        }
                        keys.add(key);
                        rows.add(new Row(number, rs.getString(2) == null ? "" : rs.getString(2), rs.getString(3)));
                    }
                }
                insert.executeBatch();
                c.commit();
            } while (read == PAGE);
            mapMessage(keys, rows, insert);
            insert.executeBatch();
            c.commit();
        }
    }

    private static void mapMessage(List<byte[]> keys, List<Row> rows, PreparedStatement insert) throws SQLException {
        int[] numbers = renumber(rows);
        for (int i = 0; i < numbers.length; i++) {
            if (numbers[i] != rows.get(i).number()) {
                byte[] to = keys.get(i).clone();
                to[13] = (byte) (numbers[i] >>> 16);
                to[14] = (byte) (numbers[i] >>> 8);
                to[15] = (byte) numbers[i];
                insert.setBytes(1, keys.get(i));
                insert.setBytes(2, to);
                insert.addBatch();
            }
        }
        keys.clear();
        rows.clear();
    }
}
