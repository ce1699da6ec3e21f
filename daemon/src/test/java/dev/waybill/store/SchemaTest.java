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

    /**
     * A daemon migrating a large store holds the schema lock for minutes: another one waits for
     * it while its session is at work (here a statement of 4 s, with turns of 1 s), and takes the
     * lock once it is let go; a holder that sits idle is said to be stuck.
     */
    @Test
    void takeLock_waitsOutAHolderAtWork_notAnIdleOne(TestDatabase db) throws Exception {
        try (Connection holder = db.connect(); Statement hs = holder.createStatement();
             Connection waiter = db.connect(); Statement ws = waiter.createStatement()) {
            try (ResultSet rs = hs.executeQuery("SELECT GET_LOCK('" + Schema.LOCK + "', 0)")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
            Thread working = new Thread(() -> {
                try {
                    hs.execute("DO SLEEP(4)");
                    hs.execute("DO RELEASE_LOCK('" + Schema.LOCK + "')");
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            working.start();
            long t0 = System.nanoTime();
            Schema.takeLock(ws, 1, 600);
            assertTrue(System.nanoTime() - t0 > 3_000_000_000L, "it waited for the holder");
            working.join();
            // Now the waiter holds it, and sits idle: the next one gives up and says why.
            try (Connection third = db.connect(); Statement ts = third.createStatement()) {
                Thread.sleep(1_100);
                Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                        () -> Schema.takeLock(ts, 1, 1));
                assertTrue(e.getMessage().startsWith("another Waybill daemon has held the schema lock for 1 s and done"
                        + " nothing for "), e.getMessage());
            }
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

    /**
     * A daemon of an older build that started before another server migrated the shared database
     * keeps running with the statements of its schema: rows it writes after migration 3 carry the
     * old numbering, which nothing renumbers again (a message it had open shows twice). Its writes
     * must be refused from the start of migration 3, as a build of schema 1's are from migration 2
     * on (it then stops, and refuses to start on the newer schema).
     */
    @Test
    void migrate_aBuildOfSchema2StillWriting_isRefusedFromMigration3On(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            Schema.migrate(c, Schema.MIGRATIONS.subList(0, 2));
            String schema2Row = "INSERT INTO delivery (row_key, server_id, type, msgid, email, sender, user, domain, size,"
                    + " senderhost, senderip, senderauth, spamscore, sendtime, recipient, deliveredto, deliveryuser,"
                    + " deliverydomain, router, transport, host, ip, message, actiontime, remote, subject, attempts,"
                    + " reply, tls, bounce_msgid, bounce_of, last_time) VALUES (%s, 1, 0, '1xX9eC-000000-aa', NULL,"
                    + " NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL, 1000000, 'a@example.com', NULL, NULL, NULL, NULL,"
                    + " NULL, NULL, NULL, NULL, 1000000, 0, NULL, 1, NULL, NULL, NULL, NULL, 1000000)";
            st.execute(String.format(schema2Row, "UNHEX('00000001000000000000000001000001')"));
            Schema.migrate(c);
            java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> st.execute(String.format(schema2Row, "UNHEX('00000001000000000000000001000002')")));
            assertTrue(refused.getMessage().contains("numbering"), refused.getMessage());
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM delivery")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the row from before the upgrade stays, the late one is refused");
            }
        }
    }

    /**
     * A store migrated to 3 before migration 3 refused older writers gets the same column
     * (migration 4), with a default: daemons of schema 3 number rows by recipient as this build
     * does, so their rows are still taken, and marked so.
     */
    @Test
    void migrate_aStoreAtVersion3WithoutTheNumberingColumn_getsIt_andSchema3DaemonsWriteOn(TestDatabase db)
            throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            Schema.migrate(c);
            st.execute("ALTER TABLE delivery DROP COLUMN numbering");
            st.execute("DELETE FROM schema_version WHERE version > 3");
            assertEquals(Schema.currentVersion() - 3, Schema.migrate(c));
            String schema3Row = "INSERT INTO delivery (row_key, server_id, type, msgid, email, sender, user, domain, size,"
                    + " senderhost, senderip, senderauth, spamscore, sendtime, recipient, deliveredto, deliveryuser,"
                    + " deliverydomain, router, transport, host, ip, message, actiontime, remote, subject, attempts,"
                    + " reply, tls, bounce_msgid, bounce_of, last_time) VALUES (UNHEX('00000001000000000000000001000003'),"
                    + " 1, 0, '1xX9eC-000000-aa', NULL, NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL, 1000000,"
                    + " 'a@example.com', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1000000, 0, NULL, 1, NULL, NULL,"
                    + " NULL, NULL, 1000000)";
            st.execute(schema3Row);
            try (ResultSet rs = st.executeQuery("SELECT numbering FROM delivery")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
        }
    }
}
