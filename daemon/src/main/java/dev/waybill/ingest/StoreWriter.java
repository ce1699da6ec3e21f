package dev.waybill.ingest;

import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Writes batches on threads of their own, so that the database works on one batch while the next
 * is being assembled, and waits out a database that went away: the batch is kept and retried
 * with a capped backoff, one line is logged when writing stops and one when it resumes, and
 * nothing is lost — the queues in front of it are small, so the reader simply stops advancing.
 * An error that retrying cannot cure (a rejected statement) stops the writer and is thrown to
 * the caller at its next {@link #submit} or {@link #flush}.
 *
 * <p>With two lanes, each batch is split by table ({@link RowBatch#split}) and the parts are
 * written concurrently on their own connections. A table is always written by the same lane, so
 * a row's states are written in order; a batch's position and file marks are written only after
 * both parts of it.
 */
public final class StoreWriter implements AutoCloseable {

    static final long FIRST_RETRY_MS = 250;
    static final long MAX_RETRY_MS = 15_000;
    private static final RowBatch STOP = new RowBatch();

    private final DeliveryStore store;
    private final Consumer<String> log;
    private final BooleanSupplier keepGoing;
    private final List<Lane> lanes = new ArrayList<>();
    private final Object lock = new Object();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong rowsLeftOut = new AtomicLong();
    private final Outage outage;
    /**
     * Lock waits this writer keeps meeting: its own, not the database's — another session (an
     * import beside the daemon) holds the rows it writes, while the other writers may write on.
     */
    private final Outage lockWaits = new Outage();
    /** Put before what is said of {@link #lockWaits}: which writer meets them. */
    private final String who;
    private volatile SQLException failure;
    private volatile Runnable whileHeld = () -> { };
    /** The position of the last batch written that carried one, or null before one. */
    private volatile String committedPosition;

    /** A writer with one lane: batches are written one after the other, each in one transaction. */
    public StoreWriter(DeliveryStore store, Consumer<String> log) {
        this(store, log, 1);
    }

    /**
     * A writer with one lane that waits out a database outage only while {@code keepGoing}: once
     * it says no (the daemon is stopping), a batch held for the database is given up — its lines
     * are read again at the next start, since the position goes with them — and {@link #submit}
     * and {@link #flush} throw the outage's error.
     */
    public StoreWriter(DeliveryStore store, Consumer<String> log, BooleanSupplier keepGoing) {
        this(store, log, 1, keepGoing, new Outage(), "");
    }

    /**
     * The same, saying an outage once with every other writer given the same {@code outage}: the
     * daemon's live tail and its first start's backfill meet the same database.
     */
    StoreWriter(DeliveryStore store, Consumer<String> log, BooleanSupplier keepGoing, Outage outage) {
        this(store, log, 1, keepGoing, outage, "");
    }

    /** The same, saying the lock waits it alone meets with {@code who} before them ("backfill: "). */
    StoreWriter(DeliveryStore store, Consumer<String> log, BooleanSupplier keepGoing, Outage outage, String who) {
        this(store, log, 1, keepGoing, outage, who);
    }

    /**
     * @param lanes 1, or 2 to write each batch as two transactions at once (one connection
     *              each), so a batch is no longer one transaction: use it where replaying is harmless
     */
    public StoreWriter(DeliveryStore store, Consumer<String> log, int lanes) {
        this(store, log, lanes, () -> true, new Outage(), "");
    }

    private StoreWriter(DeliveryStore store, Consumer<String> log, int lanes, BooleanSupplier keepGoing,
                        Outage outage, String who) {
        if (lanes < 1 || lanes > 2) {
            throw new IllegalArgumentException("lanes must be 1 or 2, not " + lanes);
        }
        this.store = store;
        this.log = log;
        this.keepGoing = keepGoing;
        this.outage = outage;
        this.who = who;
        for (int i = 0; i < lanes; i++) {
            this.lanes.add(new Lane("waybill-store-writer" + (lanes == 1 ? "" : "-" + i)));
        }
    }

    /**
     * Runs {@code r} about every 100 ms while {@link #submit} waits for the writer to take a batch
     * (the database slow or away): for a display that says so, with {@link #outage()}.
     */
    public void whileHeld(Runnable r) {
        whileHeld = r;
    }

    /**
     * Where the last batch written brought its reader ({@link RowBatch#positionReached}): what a
     * restart would go on from. Null before the first such batch is committed.
     */
    public String committedPosition() {
        return committedPosition;
    }

    /** Delivery rows stored so far (a row written again counts again). */
    public long rows() {
        return rows.get();
    }

    /** Delivery rows the database refused and that were left out (each said to the log). */
    public long rowsLeftOut() {
        return rowsLeftOut.get();
    }

    /**
     * Queues {@code batch} for writing; blocks while the writer is two batches behind.
     *
     * @throws SQLException if the writer stopped on an error that retrying cannot cure
     */
    public void submit(RowBatch batch) throws InterruptedException, SQLException {
        throwIfFailed();
        if (batch.isEmpty()) {
            return;
        }
        if (lanes.size() == 1) {
            lanes.get(0).put(batch);
            return;
        }
        List<RowBatch> parts = batch.split();
        for (int i = 0; i < parts.size(); i++) {
            if (!parts.get(i).isEmpty()) {
                lanes.get(i).put(parts.get(i));
            }
        }
        if (batch.hasMarks()) {
            flush();
            lanes.get(0).put(batch.marksOnly());
        }
    }

    /** Waits until everything submitted is written. */
    public void flush() throws InterruptedException, SQLException {
        synchronized (lock) {
            while (failure == null && lanes.stream().anyMatch(Lane::behind)) {
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

    /** One writing thread with its queue. */
    private final class Lane {
        final BlockingQueue<RowBatch> queue = new ArrayBlockingQueue<>(2);
        final Thread thread;
        long submitted;
        long written;
        /** When the batch being written was first tried (milliseconds), 0 between batches. */
        volatile long writingSince;

        Lane(String name) {
            thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        }

        void put(RowBatch batch) throws InterruptedException, SQLException {
            synchronized (lock) {
                submitted++;
            }
            while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                throwIfFailed(); // a writer that stopped takes nothing more
                whileHeld.run();
            }
        }

        boolean behind() {
            return written < submitted;
        }

        private void run() {
            try {
                while (true) {
                    RowBatch batch = queue.take();
                    if (batch == STOP) {
                        return;
                    }
                    writingSince = System.currentTimeMillis();
                    try {
                        writeRetrying(batch);
                    } finally {
                        writingSince = 0;
                    }
                    synchronized (lock) {
                        written++;
                        lock.notifyAll();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SQLException e) {
                fail(e);
            } catch (RuntimeException | Error e) {
                // Never a writer that died quietly while the reader waits for it: say it, and stop.
                fail(new SQLException(STOPPED + e, e));
            }
        }

        private void fail(SQLException e) {
            failure = e;
            synchronized (lock) {
                lock.notifyAll();
            }
        }

        void stop() {
            queue.clear();
            if (!queue.offer(STOP)) {
                thread.interrupt();
            }
        }
    }

    private void writeRetrying(RowBatch batch) throws InterruptedException, SQLException {
        boolean[] away = {false};
        boolean[] locked = {false};
        int[] conflicts = {0};
        DeliveryStore.Written[] written = {DeliveryStore.Written.WHOLE};
        Consumer<String> sayLocks = line -> log.accept(who + line);
        waitingOutOutages(keepGoing, () -> written[0] = store.write(batch), e -> {
            // A deadlock or lock wait with another writer (an import beside the daemon) is simply
            // tried again; only one that keeps coming, or the database going away, is said.
            if (lockConflict(e)) {
                if (++conflicts[0] > CONFLICTS_UNSAID) {
                    locked[0] = true;
                    lockWaits.begins(e, sayLocks);
                }
                return;
            }
            away[0] = true;
            outage.begins(e, log);
        });
        written[0].leftOut().forEach(log);
        rows.addAndGet(batch.deliveryRows() - written[0].rowsLeftOut());
        rowsLeftOut.addAndGet(written[0].rowsLeftOut());
        if (batch.positionReached() != null) {
            committedPosition = batch.positionReached();
        }
        if (locked[0]) {
            lockWaits.over(sayLocks);
        }
        if (away[0]) {
            outage.over(log);
        }
    }

    /** A direct call to the database. */
    @FunctionalInterface
    public interface DatabaseCall {
        void run() throws SQLException;
    }

    /**
     * Makes {@code call}, again after each transient failure (the database went away, see
     * {@link #isTransient}) with a capped backoff, for as long as {@code keepGoing}; each such
     * failure goes to {@code onOutage} first.
     *
     * @throws SQLException a failure waiting cannot cure, or the last one when told to stop
     */
    public static void waitingOutOutages(BooleanSupplier keepGoing, DatabaseCall call, Consumer<SQLException> onOutage)
            throws SQLException, InterruptedException {
        long wait = FIRST_RETRY_MS;
        while (true) {
            try {
                call.run();
                return;
            } catch (SQLException e) {
                if (!isTransient(e) || !keepGoing.getAsBoolean()) {
                    throw e;
                }
                onOutage.accept(e);
                // In short naps, so that being told to stop is heeded at once.
                for (long slept = 0; slept < wait && keepGoing.getAsBoolean(); slept += Math.min(wait, 100)) {
                    Thread.sleep(Math.min(wait, 100));
                }
                wait = Math.min(MAX_RETRY_MS, wait * 2);
            }
        }
    }

    /**
     * While batches are held for a database that went away, or a write has waited for the
     * database longer than {@link #SLOW_WRITE_MS}: since when and why, as a sentence for a status
     * display; null while writing works.
     */
    public String outage() {
        return outage(System.currentTimeMillis());
    }

    /** {@link #outage()} as at {@code now} (milliseconds). */
    String outage(long now) {
        String held = outage.describe();
        if (held == null) {
            held = lockWaits.describe();
        }
        if (held != null) {
            return held;
        }
        // Not (yet) an outage, but a write the database has not answered for a while: a lock, a
        // database that stopped answering (said as an outage once the driver gives up on it).
        long since = writingSince();
        long waited = now - since;
        if (since == 0 || waited < SLOW_WRITE_MS) {
            return null;
        }
        return "the database has not finished a write for " + waited / 1000 + " s (since " + clock(since) + ")"
                + HELD;
    }

    /** When the oldest batch being written was first tried (milliseconds since the epoch), 0 when none is. */
    public long writingSince() {
        return lanes.stream().mapToLong(l -> l.writingSince).filter(t -> t != 0).min().orElse(0);
    }

    /** A write unanswered this long is shown by {@link #outage()}. */
    static final long SLOW_WRITE_MS = 10_000;

    private static final String HELD = "; what is read meanwhile is held, nothing is lost";

    private static LocalTime clock(long millis) {
        return LocalTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault()).withNano(0);
    }

    private static final String STOPPED = "the store writer stopped: ";

    /** Whether {@code e} says a writer thread died of something else than the database. */
    public static boolean stoppedWriter(SQLException e) {
        return String.valueOf(e.getMessage()).startsWith(STOPPED);
    }

    /** Tries of a batch that meet a lock conflict before it is said. */
    static final int CONFLICTS_UNSAID = 3;

    /** A deadlock, or a lock wait timeout: another session's locks, not an outage. */
    static boolean lockConflict(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() == 1205 || s.getErrorCode() == 1213
                    || s.getSQLState() != null && s.getSQLState().startsWith("40"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The server read-only (a replica being promoted, a failover) or out of space: it will take
     * writes again once an administrator or the cluster has acted, so the batch is held, as
     * during an outage, rather than the daemon stopping and being restarted over and over.
     */
    static boolean readOnlyOrFull(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                int code = s.getErrorCode();
                String m = String.valueOf(s.getMessage());
                boolean noSpace = m.contains("No space left") || m.contains("rror 28") || m.contains("rrcode: 28");
                if (code == 1836 || code == 1114 || code == 1021 || (code == 1030 || code == 3) && noSpace
                        || code == 1290 && (m.contains("read-only") || m.contains("read_only"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the database is away, shared by the writers that meet the same database, so that
     * each outage is said once: one line when it begins, one when it is over. A writer keeps one
     * of its own for the lock waits it alone meets.
     */
    static final class Outage {
        private long since;
        private String cause;
        private boolean lock;

        synchronized String describe() {
            if (since == 0) {
                return null;
            }
            return (lock ? "waiting since " + clock(since) + " for a lock another database session holds"
                    : "waiting for the database since " + clock(since)) + " (" + cause + ")" + HELD;
        }

        /** Said under the lock, so that two writers' lines never cross ("back" before "away"). */
        synchronized void begins(SQLException e, Consumer<String> log) {
            if (since != 0) {
                return;
            }
            since = System.currentTimeMillis();
            cause = oneLine(e);
            lock = lockConflict(e);
            String what = lock ? "the database keeps refusing the write for a lock another session holds"
                    : readOnlyOrFull(e) ? "the database cannot take writes now"
                    : connectionTrouble(e) ? "cannot reach the database" : "the database refuses the write";
            log.accept(what + " (" + oneLine(e) + "); holding the batch and retrying every " + MAX_RETRY_MS / 1000
                    + " s at most");
        }

        synchronized void over(Consumer<String> log) {
            long was = since;
            since = 0;
            if (was != 0) {
                long seconds = (System.currentTimeMillis() - was) / 1000;
                log.accept(lock ? "the write went through after " + seconds + " s of lock waits; nothing was lost"
                        : "database is back after " + seconds + " s; writing resumed, nothing was lost");
            }
        }
    }

    /**
     * Whether waiting may cure {@code e}: the connection, a timeout, a deadlock, a restart — not
     * a {@link #refusal} of the configured account or database.
     */
    public static boolean isTransient(SQLException e) {
        if (refusal(e) != null || DeliveryStore.packetTooLarge(e)) {
            return false;
        }
        if (readOnlyOrFull(e)) {
            return true;
        }
        // A failed batch (BatchUpdateException) carries what stopped it as its cause.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && transientItself(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code e} is about the connection (or the pool's wait for one), not an answer of the
     * database: Connector/J reports an SQL state it does not know, such as a trigger's
     * {@code SIGNAL SQLSTATE '45000'}, as a transient connection error, which it is not.
     */
    static boolean connectionTrouble(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                int code = s.getErrorCode();
                if (state == null && code == 0 || state != null && (state.startsWith("08") || state.equals("HYT00"))
                        || connectionLost(code)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean transientItself(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException
                || e instanceof SQLNonTransientConnectionException) {
            return true;
        }
        String state = e.getSQLState();
        int code = e.getErrorCode();
        return state != null && (state.startsWith("08") || state.startsWith("40") || state.equals("HYT00"))
                || code == 1205 || code == 1213 || connectionLost(code);
    }

    /** Error codes of a connection gone: server gone away, lost during a query, killed, shut down. */
    private static boolean connectionLost(int code) {
        return code == 2006 || code == 2013 || code == 1927 || code == 1053;
    }

    /**
     * What the database says when it refuses the configured account or database for good, naming
     * the settings to check; null for any other failure. The pool reports a failed connection as
     * a timeout whose cause is the server's answer: that answer is what counts.
     */
    public static String refusal(SQLException e) {
        String refusal = null;
        // The innermost such answer: the server's words, not the pool's.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                int code = s.getErrorCode();
                if (code == 1045 || code == 1698) {
                    refusal = firstLine(s) + " (check db.user and db.password)";
                } else if (code == 1044 || code == 1049) {
                    refusal = firstLine(s) + " (check the database named in db.url, and that db.user may use it)";
                }
            }
        }
        return refusal;
    }

    /**
     * The first line of an exception's message, for a log line: the server's own answer when the
     * pool wrapped it in a timeout of its own, and the settings to check after a {@link #refusal}.
     */
    public static String oneLine(Throwable e) {
        String refused = e instanceof SQLException s ? refusal(s) : null;
        if (refused != null) {
            return refused;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return "the database stopped answering: no reply within the connection's socketTimeout";
            }
        }
        if (e instanceof SQLTransientConnectionException && e.getCause() != null
                && String.valueOf(e.getMessage()).contains("Connection is not available")) {
            return firstLine(e.getCause()) + " (" + firstLine(e) + ")";
        }
        return firstLine(e);
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        // A failed batch's message is its cause's toString(): the class name says nothing to an admin.
        return (nl < 0 ? m : m.substring(0, nl)).replaceFirst("^(?:[a-z]\\w*\\.)+\\w*(?:Exception|Error): ", "");
    }

    /** Stops the writer thread after what is queued (call {@link #flush} first to be sure). */
    @Override
    public void close() {
        lanes.forEach(Lane::stop);
        try {
            for (Lane lane : lanes) {
                lane.thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
