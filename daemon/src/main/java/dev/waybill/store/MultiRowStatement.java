package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

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

    /**
     * Connector/J keeps a statement prepared on its connection only if its text is shorter than
     * this (8 KiB); a longer one is prepared again at every use, which for a statement of
     * thousands of parameters costs the server nearly as much as inserting its rows.
     */
    static final int DRIVER_CACHED_SQL = 8_192;

    private final String head;
    private final int columns;
    private final String tail;
    private final int chunk;
    private final Map<Integer, String> sql = new ConcurrentHashMap<>();

    /**
     * @param head    {@code INSERT INTO t (a, b) VALUES }
     * @param columns parameters per row
     * @param tail    what follows the rows, e.g. {@code ON DUPLICATE KEY UPDATE ...}, or ""
     * @param maxRows rows per statement at most: as many as keep a statement within about 100 KiB,
     *                since Connector/J grows its packet buffer from 8 KiB to 128 KiB, then to 1 MiB,
     *                and drops it after every statement (a megabyte of garbage per larger one)
     */
    MultiRowStatement(String head, int columns, String tail, int maxRows) {
        this.head = head;
        this.columns = columns;
        this.tail = tail;
        int n = Integer.highestOneBit(maxRows);
        while (n > 1 && sql(n).length() >= DRIVER_CACHED_SQL) {
            n /= 2;
        }
        this.chunk = n;
    }

    /** Rows in a full statement: a power of two whose text the driver keeps prepared. */
    int chunk() {
        return chunk;
    }

    /**
     * Writes {@code rows}: as many full statements of {@link #chunk()} rows as fit, then the rest
     * in statements of a power of two rows each. So a connection only ever prepares a handful of
     * statement shapes, and the driver keeps them prepared. The statements of one shape go as one
     * JDBC batch, which the driver pipelines (see {@link Database}): MariaDB inserts the rows of
     * one while the next is being encoded.
     */
    <T> void execute(Connection c, List<T> rows, Binder<T> binder) throws SQLException {
        execute(c, rows, binder, row -> 0, Long.MAX_VALUE);
    }

    /**
     * {@link #execute(Connection, List, Binder)}, with no statement carrying more than about
     * {@code budget} bytes of values ({@code bytes} of each row, at most): a server's
     * {@code max_allowed_packet} drops the connection of a larger one, as if it had gone away.
     * A statement holds fewer rows where they are large; a row alone may still exceed it.
     */
    <T> void execute(Connection c, List<T> rows, Binder<T> binder, ToLongFunction<T> bytes, long budget)
            throws SQLException {
        // Each row's size once: total[i] is what the rows before row i carry.
        long[] total = new long[rows.size() + 1];
        for (int i = 0; i < rows.size(); i++) {
            total[i + 1] = total[i] + bytes.applyAsLong(rows.get(i));
        }
        int from = 0;
        while (from < rows.size()) {
            int left = rows.size() - from;
            int size = left >= chunk ? chunk : Integer.highestOneBit(left);
            while (size > 1 && total[from + size] - total[from] > budget) {
                size /= 2;
            }
            try (PreparedStatement ps = c.prepareStatement(sql.computeIfAbsent(size, this::sql))) {
                do {
                    bind(ps, rows, from, size, binder);
                    ps.addBatch();
                    from += size;
                } while (rows.size() - from >= size && (size == 1 || total[from + size] - total[from] <= budget));
                ps.executeBatch();
            }
        }
    }

    private <T> void bind(PreparedStatement ps, List<T> rows, int from, int n, Binder<T> binder)
            throws SQLException {
        for (int i = 0; i < n; i++) {
            binder.bind(ps, 1 + i * columns, rows.get(from + i));
        }
    }

    /** The statement text for {@code rows} rows. */
    String sql(int rows) {
        StringBuilder one = new StringBuilder(2 * columns + 1).append('(');
        for (int i = 0; i < columns; i++) {
            one.append(i == 0 ? "?" : ",?");
        }
        one.append(')');
        StringBuilder sb = new StringBuilder(head.length() + tail.length() + rows * (one.length() + 1));
        sb.append(head);
        for (int i = 0; i < rows; i++) {
            sb.append(i == 0 ? "" : ",").append(one);
        }
        return sb.append(tail).toString();
    }
}
