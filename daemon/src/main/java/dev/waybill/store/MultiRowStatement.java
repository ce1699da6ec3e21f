package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
    private final int chunk;
    private final Map<Integer, String> sql = new ConcurrentHashMap<>();

    /**
     * @param head    {@code INSERT INTO t (a, b) VALUES }
     * @param columns parameters per row
     * @param tail    what follows the rows, e.g. {@code ON DUPLICATE KEY UPDATE ...}, or ""
     * @param chunk   rows per statement: as many as keep a statement within about 100 KiB, since
     *                Connector/J grows its packet buffer from 8 KiB to 128 KiB, then to 1 MiB, and
     *                drops it after every statement (a megabyte of garbage per larger statement)
     */
    MultiRowStatement(String head, int columns, String tail, int chunk) {
        this.head = head;
        this.columns = columns;
        this.tail = tail;
        this.chunk = chunk;
    }

    /**
     * Writes {@code rows}: as many full statements of {@code chunk} rows as fit, then the rest in
     * statements of a power of two rows each. So a connection only ever prepares a handful of
     * statement shapes, which the driver keeps prepared: preparing a statement of thousands of
     * parameters costs the server nearly as much as inserting its rows.
     */
    <T> void execute(Connection c, List<T> rows, Binder<T> binder) throws SQLException {
        int from = 0;
        while (from < rows.size()) {
            int left = rows.size() - from;
            int size = left >= chunk ? chunk : Integer.highestOneBit(left);
            try (PreparedStatement ps = c.prepareStatement(sql.computeIfAbsent(size, this::sql))) {
                do {
                    bind(ps, rows, from, size, binder);
                    ps.executeUpdate();
                    from += size;
                } while (rows.size() - from >= size);
            }
        }
    }

    private <T> void bind(PreparedStatement ps, List<T> rows, int from, int n, Binder<T> binder)
            throws SQLException {
        for (int i = 0; i < n; i++) {
            binder.bind(ps, 1 + i * columns, rows.get(from + i));
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
