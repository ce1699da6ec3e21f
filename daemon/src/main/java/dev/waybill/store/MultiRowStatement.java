package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * An {@code INSERT ... VALUES (...), (...), ...} written for many rows at once: one round trip
 * and one statement for the server to parse per chunk instead of per row, which is what makes
 * bulk ingest fast. Values are still bound as parameters, never spliced into the text.
 */
final class MultiRowStatement {

    /** Binds one row's values starting at parameter index {@code at}. */
    @FunctionalInterface
    interface Binder<T> {
        void bind(PreparedStatement ps, int at, T row) throws SQLException;
    }

    private final String head;
    private final int columns;
    private final String tail;

    /**
     * @param head    {@code INSERT INTO t (a, b) VALUES }
     * @param columns parameters per row
     * @param tail    what follows the rows, e.g. {@code ON DUPLICATE KEY UPDATE ...}, or ""
     */
    MultiRowStatement(String head, int columns, String tail) {
        this.head = head;
        this.columns = columns;
        this.tail = tail;
    }

    /** Writes {@code rows}, {@code chunk} rows per statement. */
    <T> void execute(Connection c, List<T> rows, int chunk, Binder<T> binder) throws SQLException {
        String full = null;
        for (int from = 0; from < rows.size(); from += chunk) {
            int n = Math.min(chunk, rows.size() - from);
            String sql = n == chunk ? (full != null ? full : (full = sql(n))) : sql(n);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < n; i++) {
                    binder.bind(ps, 1 + i * columns, rows.get(from + i));
                }
                ps.executeUpdate();
            }
        }
    }

    private String sql(int rows) {
        StringBuilder one = new StringBuilder("(");
        for (int i = 0; i < columns; i++) {
            one.append(i == 0 ? "?" : ", ?");
        }
        one.append(')');
        StringBuilder sb = new StringBuilder(head.length() + tail.length() + rows * (one.length() + 2));
        sb.append(head);
        for (int i = 0; i < rows; i++) {
            sb.append(i == 0 ? "" : ",\n").append(one);
        }
        return sb.append(tail).toString();
    }
}
