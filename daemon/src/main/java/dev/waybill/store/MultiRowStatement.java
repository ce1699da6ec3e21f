package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * An {@code INSERT} written for many rows at once, in one of two ways. As MariaDB's bulk command
 * ({@code COM_STMT_BULK_EXECUTE}, see {@link Database}): a statement of one row's placeholders,
 * then each row's values, which the server inserts as one statement, binding the few parameters
 * again for each row. Or as statements of many rows' placeholders ({@code VALUES (...), (...)}),
 * sent pipelined: for a server without the bulk command (MySQL), and for an upsert
 * ({@code ON DUPLICATE KEY UPDATE}), which Connector/J sends in bulk only to a server that answers
 * for each row, and otherwise as one statement per row. On a plain INSERT the bulk command spent a
 * tenth less of MariaDB's CPU; on an upsert, statements of one row cost it three times more.
 * Values are bound as parameters, never spliced into the text.
 */
final class MultiRowStatement {

    /** Binds one row's values starting at parameter index {@code at}. */
    @FunctionalInterface
    interface Binder<T> {
        void bind(PreparedStatement ps, int at, T row) throws SQLException;
    }

    /**
     * What one bulk command carries at most, as the callers weigh rows (4 bytes a character: at
     * most a quarter of it is sent, for text in ASCII, as Exim's logs are). Connector/J encodes a
     * command whole in one buffer, which it grows from 8 KiB to 128 KiB, 1 MiB, then 16 MiB, and
     * replaces with a new 8 KiB one after a command that used less than half of it: commands of
     * half a megabyte to one keep one buffer of 1 MiB, where larger ones made 17 MiB of garbage
     * each and cost the import a fifth more CPU.
     */
    static final long COMMAND_BYTES = 2_400_000;

    private final String head;
    private final int columns;
    private final String tail;
    private final int chunk;
    private final Map<Integer, String> sql = new ConcurrentHashMap<>();

    /**
     * @param head    {@code INSERT INTO t (a, b) VALUES }
     * @param columns parameters per row
     * @param tail    what follows the rows, e.g. {@code ON DUPLICATE KEY UPDATE ...}, or ""
     * @param maxRows rows per statement of many rows at most: as many as keep one within about
     *                100 KiB (the driver's buffer, as above)
     */
    MultiRowStatement(String head, int columns, String tail, int maxRows) {
        this.head = head;
        this.columns = columns;
        this.tail = tail;
        int n = Integer.highestOneBit(maxRows);
        while (n > 1 && sql(n).length() >= ListStatement.DRIVER_CACHED_SQL) {
            n /= 2;
        }
        this.chunk = n;
    }

    /** Rows in a full statement of many rows: a power of two whose text the driver keeps prepared. */
    int chunk() {
        return chunk;
    }

    /**
     * Writes {@code rows}, in their order, with no command carrying more than {@code budget} bytes
     * of values ({@code bytes} of each row, at most): a server's {@code max_allowed_packet} drops
     * the connection of a larger one, as if it had gone away. A row larger than that still goes,
     * alone.
     *
     * @param bulk as bulk commands (the server has them, and this is no upsert), each within
     *             {@link #COMMAND_BYTES} too; else as statements of {@link #chunk()} rows, then the
     *             rest in statements of a power of two rows each, so that a connection only ever
     *             prepares a handful of shapes, and those of one shape go as one pipelined batch
     */
    <T> void execute(Connection c, boolean bulk, List<T> rows, Binder<T> binder, ToLongFunction<T> bytes,
            long budget) throws SQLException {
        if (bulk) {
            executeBulk(c, rows, binder, bytes, Math.min(COMMAND_BYTES, budget));
        } else {
            executeManyRows(c, rows, binder, bytes, budget);
        }
    }

    private <T> void executeBulk(Connection c, List<T> rows, Binder<T> binder, ToLongFunction<T> bytes, long limit)
            throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql(1))) {
            long carried = 0;
            int pending = 0;
            for (T row : rows) {
                long size = bytes.applyAsLong(row);
                if (pending > 0 && carried + size > limit) {
                    ps.executeBatch();
                    carried = 0;
                    pending = 0;
                }
                binder.bind(ps, 1, row);
                ps.addBatch();
                carried += size;
                pending++;
            }
            ps.executeBatch();
        }
    }

    private <T> void executeManyRows(Connection c, List<T> rows, Binder<T> binder, ToLongFunction<T> bytes,
            long budget) throws SQLException {
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
                    for (int i = 0; i < size; i++) {
                        binder.bind(ps, 1 + i * columns, rows.get(from + i));
                    }
                    ps.addBatch();
                    from += size;
                } while (rows.size() - from >= size && (size == 1 || total[from + size] - total[from] <= budget));
                ps.executeBatch();
            }
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
