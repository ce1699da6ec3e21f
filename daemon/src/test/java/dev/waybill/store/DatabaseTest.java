package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * A connection of either pool gives up on a database that stopped answering, the writer's
     * later than any lock wait it allows; {@code socketTimeout} in {@code db.url} wins.
     */
    @Test
    void pools_boundTheWaitForEachAnswer_andTheWritersLockWaitsBelowIt(TestDatabase db, @TempDir Path dir)
            throws Exception {
        WaybillConfig config = config(dir, db, "");
        try (HikariDataSource writes = Database.open(config, "t-writes");
             Connection c = writes.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@lock_wait_timeout, @@innodb_lock_wait_timeout")) {
            assertEquals(Database.WRITE_SOCKET_SECONDS * 1000, c.getNetworkTimeout());
            assertTrue(rs.next());
            assertEquals(Database.WRITE_LOCK_SECONDS, rs.getLong(1));
            assertEquals(Database.WRITE_LOCK_SECONDS, rs.getLong(2));
            assertTrue(Database.WRITE_LOCK_SECONDS < Database.WRITE_SOCKET_SECONDS);
        }
        try (HikariDataSource queries = Database.openForQueries(config, "t-queries");
             Connection c = queries.getConnection()) {
            assertTrue(c.getNetworkTimeout() > Database.QUERY_SECONDS * 1000, "after the statement's own bound");
        }
        WaybillConfig own = config(dir, db, (db.jdbcUrl().contains("?") ? "&" : "?") + "socketTimeout=4321");
        try (HikariDataSource writes = Database.open(own, "t-own"); Connection c = writes.getConnection()) {
            assertEquals(4321, c.getNetworkTimeout());
        }
    }

    /**
     * A migration may take longer than the writer's bounds: none on answers, and the server's own
     * on lock waits, while it runs; the pool's after.
     */
    @Test
    void migrate_liftsTheBoundOnAnswers_andPutsItBack(TestDatabase db, @TempDir Path dir) throws Exception {
        try (HikariDataSource writes = Database.open(config(dir, db, ""), "t-migrate");
             Connection c = writes.getConnection()) {
            int[] during = {-1};
            long[] lockWaits = {-1, -1};
            Schema.Migration probe = new Schema.Migration(Schema.currentVersion() + 1, "probe", List.of(), conn -> {
                during[0] = conn.getNetworkTimeout();
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT @@SESSION.lock_wait_timeout = @@GLOBAL.lock_wait_timeout,"
                                + " @@SESSION.innodb_lock_wait_timeout = @@GLOBAL.innodb_lock_wait_timeout")) {
                    rs.next();
                    lockWaits[0] = rs.getLong(1);
                    lockWaits[1] = rs.getLong(2);
                }
            });
            List<Schema.Migration> all = new ArrayList<>(Schema.MIGRATIONS);
            all.add(probe);
            assertEquals(all.size(), Schema.migrate(c, all));
            assertEquals(0, during[0]);
            assertEquals(1, lockWaits[0], "the server's own lock waits while it migrates");
            assertEquals(1, lockWaits[1]);
            assertEquals(Database.WRITE_SOCKET_SECONDS * 1000, c.getNetworkTimeout());
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT @@SESSION.lock_wait_timeout, @@SESSION.innodb_lock_wait_timeout")) {
                rs.next();
                assertEquals(Database.WRITE_LOCK_SECONDS, rs.getLong(1), "the writer's bound again after");
                assertEquals(Database.WRITE_LOCK_SECONDS, rs.getLong(2));
            }
        }
    }

    /**
     * Making a pool connects to nothing, so what fails there is the configuration: one line naming
     * db.url and the reason, never the pool's stack trace (as jdbc:mysql: gave before the
     * configuration refused it). No driver registered stands for any URL no driver takes.
     */
    @Test
    void open_urlNoDriverTakes_isOneLineNamingDbUrl(TestDatabase db, @TempDir Path dir) throws Exception {
        WaybillConfig config = config(dir, db, "");
        List<Driver> drivers = Collections.list(DriverManager.getDrivers());
        for (Driver d : drivers) {
            DriverManager.deregisterDriver(d);
        }
        try {
            for (boolean forQueries : new boolean[] {false, true}) {
                ConfigException e = assertThrows(ConfigException.class, () -> {
                    try (HikariDataSource ds = forQueries ? Database.openForQueries(config, "t-nodriver")
                            : Database.open(config, "t-nodriver")) {
                        fail("a pool without a driver: " + ds);
                    }
                });
                assertEquals(config.source() + ": db.url = '" + db.jdbcUrl() + "' cannot be used: No suitable driver",
                        e.getMessage());
            }
        } finally {
            for (Driver d : drivers) {
                DriverManager.registerDriver(d);
            }
        }
    }

    private static WaybillConfig config(Path dir, TestDatabase db, String urlTail) throws Exception {
        Path f = dir.resolve("c" + urlTail.hashCode() + ".conf");
        Files.writeString(f, "db.url = " + db.jdbcUrl() + urlTail + "\ndb.user = " + db.user() + "\ndb.password = "
                + db.password() + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return WaybillConfig.read(f);
    }
}
