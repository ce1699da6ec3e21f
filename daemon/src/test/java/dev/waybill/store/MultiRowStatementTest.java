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
class MultiRowStatementTest {

    private static final int CHUNK = 16;
    private static final MultiRowStatement INSERT =
            new MultiRowStatement("INSERT INTO t (n, label) VALUES ", 2, "", CHUNK);

    @Test
    void chunk_aPowerOfTwoWhoseTextTheDriverKeepsPrepared() {
        for (MultiRowStatement m : List.of(DeliveryStore.UPSERT, DeliveryStore.OWNERS, DeliveryStore.NEW_ROWS,
                DeliveryStore.NEW_OWNERS, DeliveryStore.LINES, INSERT)) {
            int n = m.chunk();
            assertEquals(Integer.bitCount(n), 1, "a power of two: " + n);
            assertTrue(n >= 16, "still many rows per statement: " + n);
            assertTrue(m.sql(n).length() < ListStatement.DRIVER_CACHED_SQL);
        }
        assertEquals("INSERT INTO t (n, label) VALUES (?,?)", INSERT.sql(1));
        // A long tail leaves room for fewer rows: the largest power of two that fits.
        MultiRowStatement wide = new MultiRowStatement("INSERT INTO t VALUES ", 40, " -- " + "x".repeat(4_000), 1024);
        assertTrue(wide.chunk() < 1024);
        assertTrue(wide.sql(wide.chunk()).length() < ListStatement.DRIVER_CACHED_SQL);
        assertTrue(wide.sql(2 * wide.chunk()).length() >= ListStatement.DRIVER_CACHED_SQL);
        assertEquals(16, new MultiRowStatement("INSERT INTO t VALUES ", 2, "", 31).chunk(), "at most maxRows");
    }

    /**
     * Every row once, in bulk commands or in statements of many rows, whatever the count against
     * the chunk and however the rows' weight cuts them: none, one a command, a few, all in one.
     */
    @Test
    void everyRowWrittenOnce_eitherWay_whateverTheCountAndTheCuts(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (n INT PRIMARY KEY, label VARCHAR(20) NOT NULL)");
            int next = 0;
            for (boolean bulk : new boolean[] {true, false}) {
                for (long budget : new long[] {1, 10, 35, 1_000_000}) {
                    // Empty, less than a chunk, one short, exact, one over, several chunks and a ragged rest.
                    for (int count : new int[] {0, 1, 5, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 13}) {
                        List<Integer> rows = new ArrayList<>(IntStream.range(next, next + count).boxed().toList());
                        INSERT.execute(c, bulk, rows, (ps, at, n) -> {
                            ps.setInt(at, n);
                            ps.setString(at + 1, n % 3 == 0 ? "row " + n : "r" + n);
                        }, n -> n % 7 == 0 ? 12 : 3, budget);
                        next += count;
                        try (ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT n), MIN(n), MAX(n),"
                                + " SUM(label = IF(n % 3 = 0, CONCAT('row ', n), CONCAT('r', n))) FROM t")) {
                            rs.next();
                            String what = "rows after writing " + count + " within " + budget + (bulk ? " in bulk" : "");
                            assertEquals(next, rs.getInt(1), what);
                            assertEquals(next, rs.getInt(2), what);
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
}
