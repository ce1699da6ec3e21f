package dev.waybill.ingest;

import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import java.sql.SQLException;
import java.util.function.Consumer;

/**
 * Writes batches, waiting out a database that went away: the batch is kept and retried with a
 * capped backoff, one line is logged when writing stops and one when it resumes, and nothing is
 * lost — the reader simply does not advance meanwhile.
 */
public final class StoreWriter {

    static final long FIRST_RETRY_MS = 250;
    static final long MAX_RETRY_MS = 15_000;

    private final DeliveryStore store;
    private final Consumer<String> log;
    private long rows;

    public StoreWriter(DeliveryStore store, Consumer<String> log) {
        this.store = store;
        this.log = log;
    }

    /** Rows written so far. */
    public long rows() {
        return rows;
    }

    /**
     * Writes {@code batch}, retrying until it is stored.
     *
     * @throws InterruptedException if interrupted while waiting to retry; the batch is not stored
     */
    public void write(RowBatch batch) throws InterruptedException {
        if (batch.isEmpty()) {
            return;
        }
        long wait = FIRST_RETRY_MS;
        long failingSince = 0;
        while (true) {
            try {
                store.write(batch);
                rows += batch.size();
                if (failingSince != 0) {
                    log.accept("database is back after " + (System.currentTimeMillis() - failingSince) / 1000
                            + " s; writing resumed, nothing was lost");
                }
                return;
            } catch (SQLException e) {
                if (failingSince == 0) {
                    failingSince = System.currentTimeMillis();
                    log.accept("cannot write to the database (" + oneLine(e) + "); holding the batch and retrying"
                            + " every " + MAX_RETRY_MS / 1000 + " s at most");
                }
                Thread.sleep(wait);
                wait = Math.min(MAX_RETRY_MS, wait * 2);
            }
        }
    }

    /** The first line of an exception's message, for a log line. */
    public static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
