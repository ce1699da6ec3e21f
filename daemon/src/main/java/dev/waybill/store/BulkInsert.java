package dev.waybill.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * An {@code INSERT} of one row's values, executed for many rows as one JDBC batch, which
 * Connector/J sends as MariaDB's bulk command ({@code COM_STMT_BULK_EXECUTE}, see {@link Database}):
 * the statement once, then each row's values, which the server inserts as one statement. Against
 * statements of 128 rows' placeholders each, MariaDB spent a tenth less CPU on an import (it binds
 * a statement's few parameters again for each row rather than setting up thousands per statement),
 * and the import itself a little less. Values are bound as parameters, never spliced into the text.
 */
final class BulkInsert {

    /** Binds one row's values starting at parameter index {@code at}. */
    @FunctionalInterface
    interface Binder<T> {
        void bind(PreparedStatement ps, int at, T row) throws SQLException;
    }

    /**
     * What one command carries at most, as the callers weigh rows (4 bytes a character: at most a
     * quarter of it is sent, for text in ASCII, as Exim's logs are). Connector/J encodes a command
     * whole in one buffer, which it grows from 8 KiB to 128 KiB, 1 MiB, then 16 MiB, and replaces
     * with a new 8 KiB one after a command that used less than half of it: commands of half a
     * megabyte to one keep one buffer of 1 MiB, where larger ones made 17 MiB of garbage each and
     * cost the import a fifth more CPU.
     */
    static final long COMMAND_BYTES = 2_400_000;

    private final String sql;

    /**
     * @param head    {@code INSERT INTO t (a, b) VALUES }
     * @param columns parameters per row
     * @param tail    what follows the row, e.g. {@code ON DUPLICATE KEY UPDATE ...}, or ""
     */
    BulkInsert(String head, int columns, String tail) {
        StringBuilder sb = new StringBuilder(head.length() + 2 * columns + tail.length() + 2).append(head).append('(');
        for (int i = 0; i < columns; i++) {
            sb.append(i == 0 ? "?" : ",?");
        }
        this.sql = sb.append(')').append(tail).toString();
    }

    /** The statement's text. */
    String sql() {
        return sql;
    }

    /**
     * Writes {@code rows}, in their order, in as few commands as {@link #COMMAND_BYTES} allows, and
     * none carrying more than {@code budget} bytes of values ({@code bytes} of each row, at most):
     * a server's {@code max_allowed_packet} drops the connection of a larger one, as if it had gone
     * away. A row larger than that still goes, alone.
     */
    <T> void execute(Connection c, List<T> rows, Binder<T> binder, ToLongFunction<T> bytes, long budget)
            throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        long limit = Math.min(COMMAND_BYTES, budget);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
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
}
