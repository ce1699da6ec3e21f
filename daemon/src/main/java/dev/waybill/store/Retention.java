package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Removes what is older than the retention window, in small autocommitted slices through the
 * time indexes, so that neither ingest nor queries ever wait behind a long delete.
 */
public final class Retention {

    /** Rows per delete statement: each slice holds its locks for milliseconds. */
    static final int SLICE = 2_000;

    private final DataSource dataSource;

    public Retention(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Deletes rows of every server whose message arrived before {@code cutoff} (unix seconds).
     *
     * @return rows deleted, all tables together
     */
    public long purgeBefore(long cutoff) throws SQLException {
        long deleted = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            deleted += sliced(c, "DELETE FROM delivery WHERE sendtime < ? LIMIT " + SLICE, cutoff, null);
            deleted += sliced(c, "DELETE FROM message_log WHERE first_time < ? LIMIT " + SLICE, cutoff, null);
            // delivery_owner is ordered by owner first: walk the owners, each a range of its key.
            List<String> owners = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT owner FROM delivery_owner");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    owners.add(rs.getString(1));
                }
            }
            for (String owner : owners) {
                deleted += sliced(c, "DELETE FROM delivery_owner WHERE owner = ? AND sendtime < ? LIMIT " + SLICE,
                        cutoff, owner);
            }
        }
        return deleted;
    }

    private static long sliced(Connection c, String sql, long cutoff, String owner) throws SQLException {
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (owner != null) {
                ps.setString(i++, owner);
            }
            ps.setLong(i, cutoff);
            int n;
            do {
                n = ps.executeUpdate();
                total += n;
            } while (n == SLICE);
        }
        return total;
    }
}
