package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import dev.waybill.testing.InterceptedDataSource;
import dev.waybill.testing.PrivateMariaDb;
import dev.waybill.testing.TestDatabase;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PrivateMariaDb.class)
class StoreWriterTest {

    /**
     * A writer thread that dies of something other than a database error (the heap running out
     * on a backlog of huge lines) must not leave the reader blocked on its full queue while the
     * daemon looks healthy: the next submit or flush says the writer stopped, and why.
     */
    @Test
    void aWriterThatDies_isSaidAtTheNextSubmit_neverAHang(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            AtomicBoolean dying = new AtomicBoolean();
            DataSource failing = InterceptedDataSource.of(ds, () -> {
                if (dying.get()) {
                    throw new OutOfMemoryError("Java heap space (in the test)");
                }
            });
            DeliveryStore store = new DeliveryStore(failing, "writer-test");
            store.prepare();
            dying.set(true);
            for (int lanes = 1; lanes <= 2; lanes++) {
                try (StoreWriter writer = new StoreWriter(store, line -> { }, lanes)) {
                    SQLException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                            assertThrows(SQLException.class, () -> {
                                for (int i = 0; i < 20; i++) { // more than the queues hold
                                    RowBatch b = new RowBatch();
                                    b.position("/var/log/exim_mainlog", "v1:1:2:" + i + ":0:0000000000000000",
                                            null);
                                    writer.submit(b);
                                }
                                writer.flush();
                            }), "a hang: the reader waits for a writer that died");
                    assertTrue(e.getMessage().contains("the store writer stopped")
                            && e.getMessage().contains("Java heap space"), e.getMessage());
                }
            }
        }
    }

    /**
     * A write the database does not answer (a lock, a database that stopped answering, before the
     * driver gives up on it) is shown by what a status display asks, once it has lasted; a
     * healthy writer shows nothing.
     */
    @Test
    void aWriteLeftUnanswered_isShownOnceItLasts(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(2)) {
            CountDownLatch answer = new CountDownLatch(1);
            AtomicBoolean silent = new AtomicBoolean();
            DataSource slow = InterceptedDataSource.of(ds, () -> {
                if (silent.get()) {
                    answer.await();
                }
            });
            DeliveryStore store = new DeliveryStore(slow, "writer-test");
            store.prepare();
            try (StoreWriter writer = new StoreWriter(store, line -> { }, () -> true)) {
                RowBatch first = new RowBatch();
                first.position("/var/log/exim_mainlog", "v1:1:2:1:0:0000000000000000", null);
                writer.submit(first);
                writer.flush();
                long later = System.currentTimeMillis() + StoreWriter.SLOW_WRITE_MS + 1_000;
                assertNull(writer.outage(later), "nothing is being written");
                silent.set(true);
                RowBatch held = new RowBatch();
                held.position("/var/log/exim_mainlog", "v1:1:2:2:0:0000000000000000", null);
                writer.submit(held);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String said = null;
                while (said == null && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                    said = writer.outage(System.currentTimeMillis() + StoreWriter.SLOW_WRITE_MS + 1_000);
                }
                assertNotNull(said, "a write held for longer than " + StoreWriter.SLOW_WRITE_MS + " ms is shown");
                assertTrue(said.contains("has not finished a write for"), said);
                assertNull(writer.outage(), "not before it has lasted");
                answer.countDown();
                writer.flush();
                assertNull(writer.outage(System.currentTimeMillis() + StoreWriter.SLOW_WRITE_MS + 1_000));
            }
        }
    }

    /**
     * Lock waits one writer keeps meeting (the backfill, on rows an import beside it holds) are
     * its own: said once with its name, shown by its own status, and not by the other writer
     * sharing the outage state (the live tail, which writes on); an outage of the database is
     * still both writers'.
     */
    @Test
    void lockWaitsOfOneWriter_areItsOwn_notTheOtherWritersTrouble(TestDatabase db) throws Exception {
        try (HikariDataSource ds = db.pool(4)) {
            AtomicBoolean locked = new AtomicBoolean(true);
            DataSource waiting = InterceptedDataSource.of(ds, () -> {
                if (locked.get()) {
                    throw new SQLException("Lock wait timeout exceeded; try restarting transaction", "HY000", 1205);
                }
            });
            DeliveryStore healthy = new DeliveryStore(ds, "writer-test");
            healthy.prepare();
            DeliveryStore blocked = new DeliveryStore(waiting, "writer-test");
            locked.set(false);
            blocked.prepare();
            locked.set(true);
            java.util.List<String> said = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            StoreWriter.Outage shared = new StoreWriter.Outage();
            try (StoreWriter tail = new StoreWriter(healthy, said::add, () -> true, shared);
                 StoreWriter backfill = new StoreWriter(blocked, said::add, () -> true, shared, "backfill: ")) {
                RowBatch held = new RowBatch();
                held.position("backfill:/var/log/exim_mainlog", "v1:1:2:1:0:0000000000000000", null);
                backfill.submit(held);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (backfill.outage() == null && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                String own = backfill.outage();
                assertNotNull(own, "the backfill's lock waits are shown by its status");
                assertTrue(own.contains("for a lock another database session holds"), own);
                RowBatch live = new RowBatch();
                live.position("/var/log/exim_mainlog", "v1:1:2:2:0:0000000000000000", null);
                tail.submit(live);
                tail.flush();
                assertNull(tail.outage(), "the live tail writes on, and says no trouble");
                assertEquals(java.util.List.of("backfill: the database keeps refusing the write for a lock another"
                        + " session holds (Lock wait timeout exceeded; try restarting transaction); holding the batch and"
                        + " retrying every 15 s at most"), said);
                locked.set(false);
                backfill.flush();
                assertNull(backfill.outage());
                assertEquals(2, said.size(), said.toString());
                assertTrue(said.get(1).startsWith("backfill: the write went through after "), said.get(1));
            }
        }
    }

    @Test
    void isTransient_aLostConnection_evenInsideAFailedBatch_butNotARejectedStatement() {
        SQLException lost = new SQLNonTransientConnectionException("Socket error", "08000", 0);
        SQLException rejected = new SQLSyntaxErrorException("You have an error in your SQL syntax", "42000", 1064);
        assertTrue(StoreWriter.isTransient(lost));
        assertTrue(StoreWriter.isTransient(new SQLException("Lock wait timeout exceeded", "HY000", 1205)));
        assertFalse(StoreWriter.isTransient(rejected));
        // What a pipelined batch throws: its own state may be generic, the cause says what happened.
        assertTrue(StoreWriter.isTransient(new BatchUpdateException("batch failed", "HY000", 0, new int[0], lost)));
        assertFalse(StoreWriter.isTransient(new BatchUpdateException("batch failed", "HY000", 0, new int[0], rejected)));
    }

    /**
     * A read-only or full server is waited out like an outage (a failover, a disk an admin frees);
     * a statement over max_allowed_packet is not (the server drops the connection, and the same
     * statement would be refused for ever: the store writes its rows one at a time instead); a
     * deadlock is a lock conflict, retried without being called an outage at once.
     */
    @Test
    void isTransient_readOnlyAndFullAreWaitedOut_anOversizedStatementIsNot() {
        SQLException readOnly = new SQLException(
                "The MariaDB server is running with the --read-only option so it cannot execute this statement",
                "HY000", 1290);
        assertTrue(StoreWriter.isTransient(readOnly));
        assertTrue(StoreWriter.isTransient(new SQLException("The table 'delivery' is full", "HY000", 1114)));
        assertTrue(StoreWriter.isTransient(new SQLException(
                "Got error 28 \"No space left on device\" from storage engine InnoDB", "HY000", 1030)));
        assertFalse(StoreWriter.isTransient(new SQLException(
                "The MariaDB server is running with the --skip-grant-tables option", "HY000", 1290)));
        SQLException tooLarge = new SQLNonTransientConnectionException(
                "(conn=5) Got a packet bigger than 'max_allowed_packet' bytes", "08S01", 1153);
        assertFalse(StoreWriter.isTransient(tooLarge));
        assertFalse(StoreWriter.isTransient(new BatchUpdateException("batch failed", "HY000", 0, new int[0], tooLarge)));
        SQLException deadlock = new SQLException("Deadlock found when trying to get lock", "40001", 1213);
        assertTrue(StoreWriter.isTransient(deadlock));
        assertTrue(StoreWriter.lockConflict(deadlock));
        assertFalse(StoreWriter.lockConflict(readOnly));
        assertEquals("(conn=6) Socket error", StoreWriter.oneLine(new BatchUpdateException(
                "java.sql.SQLNonTransientConnectionException: (conn=6) Socket error", "08000", 0, new int[0])));
    }

    /**
     * What is said when a write starts failing: a lost connection or the pool's wait is "cannot
     * reach the database"; an answer Connector/J does not know (a trigger's SIGNAL SQLSTATE
     * '45000', which it reports as a transient connection error) is the database refusing it.
     */
    @Test
    void outage_saysWhetherTheDatabaseIsAwayOrRefusesTheWrite() {
        List<String> said = new ArrayList<>();
        new StoreWriter.Outage().begins(new SQLNonTransientConnectionException("Socket error", "08000", 0), said::add);
        new StoreWriter.Outage().begins(new java.sql.SQLTransientConnectionException(
                "waybill - Connection is not available, request timed out after 5000ms."), said::add);
        new StoreWriter.Outage().begins(new java.sql.SQLTransientConnectionException(
                "(conn=6) old rows refused here", "45000", 1644), said::add);
        assertTrue(said.get(0).startsWith("cannot reach the database (Socket error)"), said.get(0));
        assertTrue(said.get(1).startsWith("cannot reach the database"), said.get(1));
        assertTrue(said.get(2).startsWith("the database refuses the write ((conn=6) old rows refused here)"), said.get(2));
    }

    @Test
    void waitingOutOutages_retriesWhileTheDatabaseIsAway_givesUpOnARejection() throws Exception {
        int[] calls = {0};
        StoreWriter.waitingOutOutages(() -> true, () -> {
            if (++calls[0] < 3) {
                throw new SQLNonTransientConnectionException("Socket error", "08000", 0);
            }
        }, e -> { });
        assertEquals(3, calls[0], "called until it went through");

        calls[0] = 0;
        SQLException thrown = assertThrows(SQLException.class, () -> StoreWriter.waitingOutOutages(() -> true, () -> {
            calls[0]++;
            throw new SQLSyntaxErrorException("bad", "42000", 1064);
        }, e -> { }));
        assertEquals(1, calls[0], "a rejected statement is not tried again");
        assertEquals("42000", thrown.getSQLState());

        calls[0] = 0;
        assertThrows(SQLException.class, () -> StoreWriter.waitingOutOutages(() -> false, () -> {
            calls[0]++;
            throw new SQLNonTransientConnectionException("Socket error", "08000", 0);
        }, e -> { }));
        assertEquals(1, calls[0], "told to stop: no more tries");
    }
}
