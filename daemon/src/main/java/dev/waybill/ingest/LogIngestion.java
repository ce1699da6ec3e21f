package dev.waybill.ingest;

import dev.waybill.account.AccountFiles;
import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The daemon's main loop: follows the live log into the store, exactly once.
 *
 * <p>Each batch commits the rows it produced together with the position after its last line and
 * the resume position (the first line of the oldest message still open). After a crash the log is
 * read again from the resume position: lines up to the committed position are replayed into the
 * assembler without being written, so that messages straddling the crash come out exactly as if
 * there had been none.
 */
public final class LogIngestion {

    /** A batch is committed at least this often while lines arrive: the freshness bound. */
    static final Duration FLUSH_EVERY = Duration.ofMillis(200);
    static final int FLUSH_ROWS = 5_000;
    /** How often cPanel's account files are checked for changes. */
    static final Duration ACCOUNT_CHECK = Duration.ofSeconds(10);

    private final Path log;
    private final ZoneId zone;
    private final DeliveryStore store;
    private final Consumer<String> say;
    private final AccountFiles accounts;
    private final int retentionDays;
    private volatile boolean running = true;
    /** Files seen this run, numbered, so that a line's start is one growing number. */
    private final List<LogPosition> files = new ArrayList<>();
    private final Map<String, Integer> fileIndex = new HashMap<>();

    public LogIngestion(Path log, ZoneId zone, DeliveryStore store, AccountFiles accounts, int retentionDays,
                        Consumer<String> say) {
        this.log = log;
        this.retentionDays = retentionDays;
        this.zone = zone;
        this.store = store;
        this.accounts = accounts;
        this.say = say;
    }

    /** Asks the loop to commit what it has and return. */
    public void stop() {
        running = false;
    }

    /**
     * Runs until {@link #stop()}.
     *
     * @throws SQLException         if the database refuses a write for good (not a lost connection:
     *                              that is waited out)
     * @throws InterruptedException if interrupted
     */
    public void run() throws SQLException, InterruptedException {
        String source = log.toString();
        String[] committed = store.position(source);
        LogPosition committedAt = committed == null ? null : LogPosition.parse(committed[0]);
        LogPosition start = committed == null ? oldestRotatedWithinRetention()
                : committed[1] != null ? LogPosition.parse(committed[1]) : committedAt;
        boolean replaying = committed != null && committed[1] != null;
        say.accept(committed == null
                ? "first start: following " + log + (start == null ? " from its beginning"
                        : " from the oldest rotated file within " + retentionDays + " days, then the live log")
                : "following " + log + " from " + committedAt + (replaying ? " (replaying open messages from "
                + start + ")" : ""));
        Ingester ingester = new Ingester(store.serverName(), accounts.current(),
                MessageAssembler.DEFAULT_HORIZON_SECONDS);
        long accountsChecked = System.nanoTime();
        LineParser parser = new LineParser(zone);
        LogPosition lineStart = start;
        boolean seenCommittedFile = false;
        long lastFlush = System.nanoTime();
        try (LogFollower follower = new LogFollower(log, start, LogFollower.Options.defaults());
             StoreWriter writer = new StoreWriter(store, say)) {
            LogFollower.State lastState = null;
            while (running) {
                LogFollower.Batch b = follower.next(FLUSH_EVERY);
                for (LogGap gap : b.gaps()) {
                    say.accept(gap.message());
                    replaying = false; // the committed position is not ahead any more
                }
                if (follower.state() != lastState && follower.state() != LogFollower.State.FOLLOWING) {
                    say.accept(follower.detail());
                }
                lastState = follower.state();
                for (LogLine line : b.lines()) {
                    if (lineStart == null || !lineStart.sameInode(line.after())) {
                        lineStart = line.after().withOffset(0);
                    }
                    if (replaying && pastCommitted(line.after(), committedAt, seenCommittedFile)) {
                        replaying = false; // the committed boundary was not met exactly: read on as new
                    }
                    seenCommittedFile |= replaying && line.after().sameInode(committedAt);
                    ParsedLine parsed = parser.parse(line.text());
                    ingester.accept(parsed, globalPosition(lineStart), replaying);
                    if (replaying && line.after().equals(committedAt)) {
                        replaying = false;
                    }
                    lineStart = line.after();
                }
                if (System.nanoTime() - accountsChecked > ACCOUNT_CHECK.toNanos()) {
                    accountsChecked = System.nanoTime();
                    reloadAccounts(ingester);
                }
                boolean due = System.nanoTime() - lastFlush >= FLUSH_EVERY.toNanos() || ingester.pending() >= FLUSH_ROWS;
                if (!replaying && due) {
                    writer.submit(batch(ingester, source, follower.position()));
                    lastFlush = System.nanoTime();
                }
            }
            if (!replaying) {
                writer.submit(batch(ingester, source, follower.position()));
            }
            writer.flush();
        }
    }

    private void reloadAccounts(Ingester ingester) {
        try {
            if (accounts.reloadIfChanged()) {
                ingester.useAccounts(accounts.current());
            }
        } catch (IOException e) {
            say.accept("cannot read cPanel's account files again (" + e.getMessage() + "); keeping the previous ones");
        }
    }

    /**
     * Where a first start begins: the oldest rotated generation of the log that still holds lines
     * within the retention window (plain or gzip), so that its history is backfilled in order and
     * messages straddling the rotations come out whole; null (the live log's beginning) if none.
     */
    private LogPosition oldestRotatedWithinRetention() {
        long cutoffMillis = System.currentTimeMillis() - retentionDays * 86_400_000L;
        try {
            for (RotatedSiblings.Sibling s : RotatedSiblings.of(log)) {
                if (java.nio.file.Files.getLastModifiedTime(s.path()).toMillis() < cutoffMillis) {
                    continue;
                }
                byte[] head;
                try (java.io.InputStream in = LogFiles.open(s.path())) {
                    head = in.readNBytes(LogPosition.HEAD_BYTES);
                }
                FileKey key = s.key();
                return new LogPosition(key.device(), key.inode(), 0, head.length,
                        LogPosition.hashHead(head, head.length));
            }
        } catch (IOException e) {
            say.accept("cannot list the rotated logs beside " + log + " (" + e.getMessage()
                    + "); starting with the live log");
        }
        return null;
    }

    /**
     * Whether a line ending at {@code after} lies beyond the committed position although it never
     * ended exactly there: further into the committed file, or in a file after it.
     */
    static boolean pastCommitted(LogPosition after, LogPosition committed, boolean seenCommittedFile) {
        if (after.sameInode(committed)) {
            return after.offset() > committed.offset();
        }
        return seenCommittedFile;
    }

    private RowBatch batch(Ingester ingester, String source, LogPosition at) {
        RowBatch batch = ingester.takeBatch();
        long resume = ingester.resumePosition();
        String resumeText = null;
        if (resume >= 0) {
            LogPosition file = files.get((int) (resume >>> 40));
            resumeText = file.withOffset(resume & ((1L << 40) - 1)).encode();
        }
        batch.position(source, at.encode(), resumeText);
        return batch;
    }

    /** The file's number this run in the top bits, the offset in the low 40 (a terabyte). */
    private long globalPosition(LogPosition p) {
        String key = p.device() + ":" + p.inode() + ":" + p.headHash();
        Integer index = fileIndex.get(key);
        if (index == null) {
            index = files.size();
            files.add(p.withOffset(0));
            fileIndex.put(key, index);
        }
        return ((long) index << 40) | p.offset();
    }
}
