package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class SchemaTest {

    @Test
    void migrate_twice_isANoOpTheSecondTime(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            assertEquals(Schema.MIGRATIONS.size(), Schema.migrate(c));
            assertEquals(0, Schema.migrate(c));
            try (Statement st = c.createStatement()) {
                assertEquals(Schema.currentVersion(), Schema.installedVersion(st));
            }
        }
    }

    @Test
    void migrate_fromFourDaemonsAtOnce_appliesEachVersionOnce(TestDatabase db) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Integer> migrate = () -> {
                    try (Connection c = db.connect()) {
                        return Schema.migrate(c);
                    }
                };
                runs.add(pool.submit(migrate));
            }
            int applied = 0;
            for (Future<Integer> f : runs) {
                applied += f.get();
            }
            assertEquals(Schema.MIGRATIONS.size(), applied, "exactly one of them did the work");
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version")) {
            rs.next();
            assertEquals(rs.getInt(1), rs.getInt(2));
            assertEquals(Schema.MIGRATIONS.size(), rs.getInt(1));
        }
    }

    @Test
    void migrate_databaseNewerThanThisBuild_refuses(TestDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Schema.migrate(c);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO schema_version (version, description) VALUES (999, 'from the future')");
            }
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> Schema.migrate(c));
            assertTrue(e.getMessage().contains("newer than this Waybill"), e.getMessage());
        }
    }
}
