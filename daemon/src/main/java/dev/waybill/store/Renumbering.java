package dev.waybill.store;

import dev.waybill.outcome.MessageAssembler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Migration 3: gives the rows of every stored message the numbers this version gives them
 * ({@link MessageAssembler#rowOf}, from the recipient) instead of their order of appearance, so
 * that reading a message's lines again after the upgrade lands on its rows. The old keys are
 * mapped to new ones in a work table, then owner entries and rows are re-keyed in two statements.
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
            st.execute("CREATE TABLE IF NOT EXISTS row_renumbering (old_key BINARY(16) NOT NULL PRIMARY KEY,"
                    + " new_key BINARY(16) NOT NULL) ENGINE=InnoDB");
            map(c);
            st.execute("UPDATE IGNORE delivery_owner o JOIN row_renumbering r ON r.old_key = o.row_key"
                    + " SET o.row_key = r.new_key");
            st.execute("UPDATE IGNORE delivery d JOIN row_renumbering r ON r.old_key = d.row_key"
                    + " SET d.row_key = r.new_key");
            st.execute("DROP TABLE row_renumbering");
        }
    }

    /** Walks the message rows in key order (a message's rows are one range, oldest number first). */
    private static void map(Connection c) throws SQLException {
        byte[] after = new byte[16];
        byte[] message = null;
        Set<Integer> taken = new HashSet<>();
        Set<String> recipients = new HashSet<>();
        try (PreparedStatement page = c.prepareStatement("SELECT row_key, recipient, deliveredto FROM delivery"
                + " WHERE row_key > ? AND msgid IS NOT NULL ORDER BY row_key LIMIT " + PAGE);
             PreparedStatement insert = c.prepareStatement("INSERT IGNORE INTO row_renumbering VALUES (?, ?)")) {
            int read;
            do {
                page.setBytes(1, after);
                read = 0;
                int mapped = 0;
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        read++;
                        byte[] key = rs.getBytes(1);
                        after = key;
                        int row = (key[13] & 0xFF) << 16 | (key[14] & 0xFF) << 8 | key[15] & 0xFF;
                        if (row == 0 || row >= MessageAssembler.ROWS) {
                            continue; // a rejection's: numbered by its line, as before
                        }
                        if (message == null || !Arrays.equals(key, 0, MESSAGE, message, 0, MESSAGE)) {
                            message = key;
                            taken.clear();
                            recipients.clear();
                        }
                        String recipient = rs.getString(2) == null ? "" : rs.getString(2);
                        // A recipient's first row is its own; a further one (an alias's second
                        // target) is numbered from where it went, which a row not yet delivered
                        // does not say: such a row still open at the upgrade may show twice.
                        String identity = recipients.add(recipient.toLowerCase(java.util.Locale.ROOT)) ? recipient
                                : recipient + "\n" + localPart(rs.getString(3) == null ? "" : rs.getString(3));
                        int renumbered = MessageAssembler.freeRow(identity, taken::contains);
                        taken.add(renumbered);
                        if (renumbered != row) {
                            byte[] to = key.clone();
                            to[13] = (byte) (renumbered >>> 16);
                            to[14] = (byte) (renumbered >>> 8);
                            to[15] = (byte) renumbered;
                            insert.setBytes(1, key);
                            insert.setBytes(2, to);
                            insert.addBatch();
                            mapped++;
                        }
                    }
                }
                if (mapped > 0) {
                    insert.executeBatch();
                }
            } while (read == PAGE);
        }
    }
}
