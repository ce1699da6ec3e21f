package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class BulkInsertTest {

    private static final BulkInsert INSERT = new BulkInsert("INSERT INTO t (n, label) VALUES ", 2, "");

    @Test
    void sql_oneRowsPlaceholders_shortEnoughForTheDriverToKeepPrepared() {
        assertEquals("INSERT INTO t (n, label) VALUES (?,?)", INSERT.sql());
        for (BulkInsert b : List.of(DeliveryStore.UPSERT, DeliveryStore.OWNERS, DeliveryStore.NEW_ROWS,
                DeliveryStore.NEW_OWNERS, DeliveryStore.LINES)) {
            assertTrue(b.sql().length() < ListStatement.DRIVER_CACHED_SQL, b.sql());
        }
        assertEquals(33, DeliveryStore.UPSERT.sql().chars().filter(ch -> ch == '?').count());
    }

    /**
     * Every row once, whatever the count and however the rows' weight cuts them into commands:
     * none, one a command, a few a command, all in one.
     */
    @Test
    void everyRowWrittenOnce_whateverTheCommandsTheyTake(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (n INT PRIMARY KEY, label VARCHAR(20) NOT NULL)");
            int next = 0;
            for (long budget : new long[] {1, 10, 35, 1_000_000}) {
                for (int count : new int[] {0, 1, 5, 16, 101}) {
                    List<Integer> rows = new ArrayList<>(IntStream.range(next, next + count).boxed().toList());
                    INSERT.execute(c, rows, (ps, at, n) -> {
                        ps.setInt(at, n);
                        ps.setString(at + 1, n % 3 == 0 ? "row " + n : "r" + n);
                    }, n -> n % 7 == 0 ? 12 : 3, budget);
                    next += count;
                    try (ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT n), MIN(n), MAX(n),"
                            + " SUM(label = IF(n % 3 = 0, CONCAT('row ', n), CONCAT('r', n))) FROM t")) {
                        rs.next();
                        assertEquals(next, rs.getInt(1), "rows after writing " + count + " within " + budget);
                        assertEquals(next, rs.getInt(2));
                        if (next > 0) {
                            assertEquals(0, rs.getInt(3));
                            assertEquals(next - 1, rs.getInt(4));
                            assertEquals(next, rs.getInt(5), "each row with its own values");
                        }
                    }
                }
            }
        }
    }
}
