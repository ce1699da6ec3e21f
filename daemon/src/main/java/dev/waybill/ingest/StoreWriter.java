package dev.waybill.ingest;

import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Writes batches on a thread of its own, so that the database works on one batch while the next
 * is being assembled, and waits out a database that went away: the batch is kept and retried
 * with a capped backoff, one line is logged when writing stops and one when it resumes, and
 * nothing is lost — the queue in front of it is small, so the reader simply stops advancing.
 * An error that retrying cannot cure (a rejected statement) stops the writer and is thrown to
 * the caller at its next {@link #submit} or {@link #flush}.
 */
public final class StoreWriter implements AutoCloseable {

    static final long FIRST_RETRY_MS = 250;
    static final long MAX_RETRY_MS = 15_000;
    private static final RowBatch STOP = new RowBatch();

    private final DeliveryStore store;
    private final Consumer<String> log;
    private final BlockingQueue<RowBatch> queue = new ArrayBlockingQueue<>(2);
    private final Thread thread;
    private final Object lock = new Object();
    private long submitted;
    private long written;
    private volatile long rows;
    private volatile SQLException failure;

    public StoreWriter(DeliveryStore store, Consumer<String> log) {
        this.store = store;
        this.log = log;
        this.thread = new Thread(this::run, "waybill-store-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Rows, retractions and lines written so far. */
    public long rows() {
        return rows;
    }

    /**
     * Queues {@code batch} for writing; blocks while two batches are already waiting.
     *
     * @throws SQLException if the writer stopped on an error that retrying cannot cure
     */
    public void submit(RowBatch batch) throws InterruptedException, SQLException {
        throwIfFailed();
        if (batch.isEmpty()) {
            return;
        }
        synchronized (lock) {
            submitted++;
        }
        queue.put(batch);
    }

    /** Waits until everything submitted is written. */
    public void flush() throws InterruptedException, SQLException {
        synchronized (lock) {
            while (written < submitted && failure == null) {
                lock.wait(100);
            }
        }
        throwIfFailed();
    }

    private void throwIfFailed() throws SQLException {
        if (failure != null) {
            throw failure;
        }
    }

    private void run() {
        try {
            while (true) {
                RowBatch batch = queue.take();
                if (batch == STOP) {
                    return;
                }
                writeRetrying(batch);
                synchronized (lock) {
                    written++;
                    lock.notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            failure = e;
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    private void writeRetrying(RowBatch batch) throws InterruptedException, SQLException {
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
                if (!isTransient(e)) {
                    throw e;
                }
                if (failingSince == 0) {
                    failingSince = System.currentTimeMillis();
                    log.accept("cannot reach the database (" + oneLine(e) + "); holding the batch and retrying"
                            + " every " + MAX_RETRY_MS / 1000 + " s at most");
                }
                Thread.sleep(wait);
                wait = Math.min(MAX_RETRY_MS, wait * 2);
            }
        }
    }

    /** Whether waiting may cure {@code e}: the connection, a timeout, a deadlock, a restart. */
    public static boolean isTransient(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException
                || e instanceof SQLNonTransientConnectionException) {
            return true;
        }
        String state = e.getSQLState();
        int code = e.getErrorCode();
        return state != null && (state.startsWith("08") || state.startsWith("40") || state.equals("HYT00"))
                || code == 1205 || code == 1213 || code == 2006 || code == 2013 || code == 1927 || code == 1053;
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

    /** Stops the writer thread after what is queued (call {@link #flush} first to be sure). */
    @Override
    public void close() {
        queue.clear();
        if (!queue.offer(STOP)) {
            thread.interrupt();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
