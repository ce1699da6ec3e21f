package dev.waybill.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import org.junit.jupiter.api.Test;

class StoreWriterTest {

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
