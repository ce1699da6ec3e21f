package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * A statement about many items at once — {@code DELETE ... WHERE k IN (?, ?, ...)}, or ranges
 * OR-ed together — where a statement per item would cost a round trip each. A list is cut into
 * statements of a power of two items, so that a connection prepares a handful of texts, each short
 * enough for the driver to keep prepared.
 */
final class ListStatement {

    /**
     * Connector/J keeps a statement prepared on its connection only if its text is shorter than
     * this (8 KiB); a longer one is prepared again at every use, which for a statement of
     * thousands of parameters costs the server nearly as much as running it.
     */
    static final int DRIVER_CACHED_SQL = 8_192;

    /** Binds what follows the items (their common conditions), starting at parameter {@code at}. */
    @FunctionalInterface
    interface Tail {
        void bind(PreparedStatement ps, int at) throws SQLException;
    }

    /** Takes one row of a query's result. */
    @FunctionalInterface
    interface Row {
        void take(ResultSet rs) throws SQLException;
    }

    private final String head;
    private final String separator;
    private final String item;
    private final int itemParameters;
    private final String tail;
    private final int maxItems;

    /**
     * @param head      the text before the first item, e.g. {@code DELETE FROM t WHERE k IN (}
     * @param separator between items, e.g. {@code ", "} or {@code " OR "}
     * @param item      one item, e.g. {@code ?} or {@code k BETWEEN ? AND ?}
     * @param tail      the text after the last item, e.g. {@code ) AND server_id = ?}
     */
    ListStatement(String head, String separator, String item, String tail) {
        this.head = head;
        this.separator = separator;
        this.item = item;
        this.itemParameters = (int) item.chars().filter(ch -> ch == '?').count();
        this.tail = tail;
        int n = 1024;
        while (n > 1 && sql(n).length() >= DRIVER_CACHED_SQL) {
            n /= 2;
        }
        this.maxItems = n;
    }

    /** Runs the statement over {@code items}: the rows it changed. */
    <T> long update(Connection c, List<T> items, MultiRowStatement.Binder<T> binder, Tail tailBinder)
            throws SQLException {
        long changed = 0;
        for (int from = 0, size; from < items.size(); from += size) {
            size = size(items.size() - from);
            try (PreparedStatement ps = c.prepareStatement(sql(size))) {
                bind(ps, items, from, size, binder, tailBinder);
                changed += ps.executeUpdate();
            }
        }
        return changed;
    }

    /** Runs the query over {@code items}, handing each row of its results to {@code row}. */
    <T> void query(Connection c, List<T> items, MultiRowStatement.Binder<T> binder, Tail tailBinder, Row row)
            throws SQLException {
        for (int from = 0, size; from < items.size(); from += size) {
            size = size(items.size() - from);
            try (PreparedStatement ps = c.prepareStatement(sql(size))) {
                bind(ps, items, from, size, binder, tailBinder);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        row.take(rs);
                    }
                }
            }
        }
    }

    private int size(int left) {
        return left >= maxItems ? maxItems : Integer.highestOneBit(left);
    }

    private <T> void bind(PreparedStatement ps, List<T> items, int from, int n, MultiRowStatement.Binder<T> binder,
                          Tail tailBinder) throws SQLException {
        for (int i = 0; i < n; i++) {
            binder.bind(ps, 1 + i * itemParameters, items.get(from + i));
        }
        tailBinder.bind(ps, 1 + n * itemParameters);
    }

    private String sql(int items) {
        StringBuilder sb = new StringBuilder(head.length() + tail.length() + items * (item.length() + separator.length()));
        sb.append(head);
        for (int i = 0; i < items; i++) {
            sb.append(i == 0 ? "" : separator).append(item);
        }
        return sb.append(tail).toString();
    }
}
