package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class DatabaseTest {

    /**
     * The limits of a question's connection: on MariaDB the statement time and the lock waits;
     * what MySQL sees of the same text (the MariaDB-only comment left out) is a statement of its
     * own that sets the lock waits, so that MySQL does not refuse every connection of the pool.
     */
    @Test
    void queryLimits_boundStatementsOnMariaDb_andLeaveMySqlAValidStatement(TestDatabase db) throws Exception {
        String sql = Database.queryLimits();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
            try (ResultSet rs = st.executeQuery(
                    "SELECT @@max_statement_time, @@lock_wait_timeout, @@innodb_lock_wait_timeout")) {
                assertTrue(rs.next());
                assertEquals(Database.QUERY_SECONDS, rs.getDouble(1));
                assertEquals(Database.QUERY_SECONDS, rs.getLong(2));
                assertEquals(Database.QUERY_SECONDS, rs.getLong(3));
            }
        }
        String mysqlSees = sql.replaceAll("/\\*M!.*?\\*/", "");
        assertTrue(!mysqlSees.contains("max_statement_time"), mysqlSees);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(mysqlSees);
            try (ResultSet rs = st.executeQuery("SELECT @@max_statement_time, @@lock_wait_timeout")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getDouble(1), "left as it was");
                assertEquals(Database.QUERY_SECONDS, rs.getLong(2));
            }
        }
    }
}
