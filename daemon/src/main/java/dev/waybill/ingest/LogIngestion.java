package dev.waybill.ingest;

import dev.waybill.account.AccountFiles;
import dev.waybill.exim.LineParser;
import dev.waybill.exim.LogClock;
import dev.waybill.exim.ParsedLine;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.ImportedFile;
import dev.waybill.store.RowBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
    /** How often cPanel's account files are checked for changes at the least (and before every lines read). */
    static final Duration ACCOUNT_CHECK = Duration.ofSeconds(10);
    /** How often a restart that must start over at the live log's end looks for the log. */
    static final Duration LOG_WAIT = Duration.ofSeconds(1);
    /** How many listings of the rotated logs a replay start is looked for in while logrotate renames them. */
    private static final int LISTINGS = 3;

    private final Path log;
    private final ZoneId zone;
    private final DeliveryStore store;
    private final Consumer<String> say;
    private final AccountFiles accounts;
    private final int retentionDays;
    private volatile boolean running = true;
    private volatile Backfill backfill;
    /** What a restart that must start over waits for, while it does; else null. */
    private volatile String waiting;
    /** The tail's writer while it runs, for {@link #trouble()}. */
    private volatile StoreWriter writer;
    /** The log's time of the last line the tail read past its replay; {@link ParsedLine#NO_TIME} before one. */
    private volatile long lastLineTime = ParsedLine.NO_TIME;
    /** The database's outages, said once by the tail's writer and the backfill's together. */
    private final StoreWriter.Outage outage = new StoreWriter.Outage();
    /** The position the store held when the tail began, for {@link #lagBytes} until it commits one. */
    private volatile LogPosition committedAtStart;
    /** The follower's state when it cannot read the log (missing, unreadable, failing), else null. */
    private volatile String followerTrouble;
    private Thread backfillThread;
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

    /** Whether {@link #stop()} was called. */
    public boolean stopping() {
        return !running;
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
        Start s = start(source);
        if (s == null) {
            return; // stopped before there was a log to follow
        }
        if (s.backfillUntil() != null) {
            startBackfill(LogPosition.parse(s.backfillUntil()));
        }
        try {
            follow(source, s.from(), s.committedAt(), s.replaying(), s.firstStart());
        } finally {
            Backfill b = backfill;
            if (b != null) {
                b.stop();
                backfillThread.join(30_000);
            }
        }
    }

    /**
     * Where the tail begins: reading from {@code from}, replaying (without writing) up to
     * {@code committedAt} if {@code replaying}; after a first start's hand-over if
     * {@code firstStart}; with a backfill up to {@code backfillUntil} pending, if not null.
     */
    private record Start(LogPosition from, LogPosition committedAt, boolean replaying, boolean firstStart,
                         String backfillUntil) {
    }

    /**
     * Decides where the tail begins, from what the store says was committed and what the log's
     * directory holds now, and says so. Null if stopped while waiting for a log.
     */
    private Start start(String source) throws SQLException, InterruptedException {
        String[] committed = waitedOut(() -> store.position(source));
        LogPosition committedAt = committed == null ? null : LogPosition.parse(committed[0]);
        LogPosition start = committed == null ? null
                : committed[1] != null ? LogPosition.parse(committed[1]) : committedAt;
        boolean replaying = committed != null && committed[1] != null;
        String pending = waitedOut(() -> store.backfillUntil(source));
        // Rotations while the daemon was down can take away the files its positions are in.
        String lost = null;
        if (committed != null && !findable(committedAt)) {
            // What came after that file is in the rotated files left, unread: start over, as a
            // first start does (files the tail recorded as read are not read again).
            lost = "the file of the saved position (" + committedAt + ") is gone from beside " + log
                    + " (deleted by log rotation, or unreadable)";
        } else if (replaying && !findable(start)) {
            LogPosition instead = oldestRotatedSince(MessageAssembler.DEFAULT_HORIZON_SECONDS * 1000, committedAt);
            say.accept("the file where the messages open at the saved position began (" + start + ") is gone"
                    + " (deleted by log rotation, or unreadable); they are replayed from "
                    + instead + " on, and may lack their first lines");
            start = instead;
        }
        boolean firstStart = false;
        if (committed == null || lost != null) {
            // A first start takes the live tail from here at once and leaves the history to a
            // backfill: the live log up to its end now, and the rotated logs before it. The tail
            // replays (without writing) what the horizon may hold open, from the oldest rotated
            // file within it, so that messages open at the hand-over come out whole; it writes
            // those itself, and the backfill only messages that finished before.
            LogPosition handOver = liveEnd(lost == null);
            if (handOver == null && lost != null) {
                waiting = "waiting for " + log + " to be there and readable, to start over at its end";
                say.accept(lost + "; " + waiting);
                try {
                    while (running && (handOver = liveEnd(false)) == null) {
                        Thread.sleep(LOG_WAIT.toMillis());
                    }
                } finally {
                    waiting = null;
                }
                if (!running) {
                    return null;
                }
            }
            if (handOver != null) {
                firstStart = true;
                committedAt = handOver;
                start = oldestRotatedSince(MessageAssembler.DEFAULT_HORIZON_SECONDS * 1000, null);
                replaying = start != null || handOver.offset() > 0;
                LogPosition backfillUntil = backfillUntil(handOver);
                if (backfillUntil != null) {
                    pending = backfillUntil.encode();
                    String until = pending;
                    waitedOut(() -> {
                        store.backfillPending(source, until);
                        return null;
                    });
                }
            }
        }
        say.accept(firstStart
                ? (lost == null ? "first start" : lost) + ": following " + log + " from its end; " + (pending == null
                        ? "there is no history beside it to backfill"
                        : "backfilling " + (lost == null ? "its history" : "the rotated logs not read yet") + " within "
                        + retentionDays + " days meanwhile")
                : committed == null ? "first start: following " + log + " from its beginning"
                : "following " + log + " from " + committedAt + (replaying ? " (replaying open messages from "
                + start + ")" : ""));
        return new Start(start, committedAt, replaying, firstStart, pending);
    }

    /** A look-up in the store. */
    @FunctionalInterface
    private interface Lookup<T> {
        T get() throws SQLException;
    }

    /**
     * {@code lookup}, again after each failure that waiting may cure (the database restarting, a
     * lock another session holds), as the writes are: at start-up too, such a failure is not the
     * database refusing for good. The first one is said; given up once the daemon is stopped.
     */
    private <T> T waitedOut(Lookup<T> lookup) throws SQLException, InterruptedException {
        List<T> result = new ArrayList<>(1);
        boolean[] said = {false};
        StoreWriter.waitingOutOutages(() -> running, () -> result.add(lookup.get()), e -> {
            if (!said[0]) {
                say.accept("waiting for the database (" + StoreWriter.oneLine(e) + ")");
                said[0] = true;
            }
        });
        return result.get(0);
    }

    private void startBackfill(LogPosition until) {
        Backfill b = new Backfill(log, until, zone, store, accounts.current(), retentionDays, say, outage);
        Thread t = new Thread(b, "waybill-backfill");
        t.setDaemon(true);
        backfillThread = t;
        backfill = b; // published last: whoever sees it sees its thread
        t.start();
    }

    /** What the loop waits for before it can follow the log, or null when it does not wait. */
    public String waiting() {
        return waiting;
    }

    /**
     * What keeps the daemon from storing what Exim writes now, as a sentence: the database away,
     * or the log missing or unreadable; null while it follows the log and stores what it reads.
     */
    public String trouble() {
        StoreWriter w = writer;
        String outage = w == null ? null : w.outage();
        return outage != null ? outage : followerTrouble;
    }

    /**
     * What holds the backfill of a first start while it runs (see {@link Backfill#trouble}), null
     * when nothing does or there is no backfill.
     */
    public String backfillTrouble() {
        Backfill b = backfill;
        return b == null || !backfilling() ? null : b.trouble();
    }

    /**
     * Why the backfill of a first start stopped before it was done while the daemon runs on (the
     * history it had yet to store waits for the next start), null when it did not.
     */
    public String backfillStopped() {
        Backfill b = backfill;
        return b == null || !running || backfilling() ? null : b.stopped();
    }

    /**
     * The time the log gives the last line the tail read (unix seconds): how far the store has
     * come. {@link ParsedLine#NO_TIME} before the first new line.
     */
    public long lastLineTime() {
        return lastLineTime;
    }

    /**
     * How far the store is behind the log.
     *
     * @param bytes        how many bytes of the log lie past the position the store has committed:
     *                     what Exim wrote that a restart now would read again. Counts what is left
     *                     of a rotated file the committed position is still in, and all of the live
     *                     log after it.
     * @param oldestUnread the log's time of the first line past that position (unix seconds), or
     *                     {@link ParsedLine#NO_TIME} when there is none or it has no time
     */
    public record Lag(long bytes, long oldestUnread) {
    }

    /**
     * How far the store is behind the log, so that a tail (or a database) falling behind shows as
     * numbers that grow; null while unknown: before the tail begins, with no log, or when the file
     * of the committed position is no longer beside the log. A few stat calls, and one read of the
     * first line past the committed position when there is one, at most once a second: health
     * may be asked by every local user as often as they like.
     */
    public Lag lag() {
        long now = System.nanoTime();
        Lag known = lastLag;
        if (known != null && now - lastLagAt < LAG_NANOS) {
            return known;
        }
        Lag lag = measureLag();
        lastLagAt = now;
        lastLag = lag;
        return lag;
    }

    /** How long a measured {@link #lag()} is answered again. */
    private static final long LAG_NANOS = 1_000_000_000L;
    private volatile Lag lastLag;
    private volatile long lastLagAt;

    private Lag measureLag() {
        StoreWriter w = writer;
        String text = w == null ? null : w.committedPosition();
        LogPosition committed = text != null ? LogPosition.parse(text) : committedAtStart;
        if (committed == null) {
            return null;
        }
        try {
            Map<String, Object> live = Files.readAttributes(log, "unix:dev,ino,size");
            long size = (Long) live.get("size");
            Path file = log;
            long bytes;
            if (new FileKey((Long) live.get("dev"), (Long) live.get("ino")).names(committed)) {
                bytes = Math.max(0, size - committed.offset());
            } else {
                file = besideLog(committed); // rare: only until the tail has read past a rotation
                if (file == null) {
                    return null;
                }
                bytes = Math.max(0, Files.size(file) - committed.offset()) + size;
            }
            return new Lag(bytes, bytes == 0 ? ParsedLine.NO_TIME : timeAt(file, committed.offset()));
        } catch (IOException e) {
            return null;
        }
    }

    /** The log's time of the line that starts at {@code offset} of {@code file}, or NO_TIME. */
    private long timeAt(Path file, long offset) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64); // a timestamp, with milliseconds and a zone
        try (FileChannel ch = FileChannel.open(file)) {
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                // a short read: ask again until the buffer is full or the file ends
            }
        }
        return new LogClock(zone).read(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
    }

    /** Rows the tail has stored since the daemon started. */
    public long rowsStored() {
        StoreWriter w = writer;
        return w == null ? 0 : w.rows();
    }

    /** Whether the backfill of a first start is still running (false when there is none). */
    public boolean backfilling() {
        Backfill b = backfill;
        return b != null && !b.done() && backfillThread.isAlive();
    }

    private void follow(String source, LogPosition start, LogPosition committedAt, boolean replayingAtStart,
                        boolean firstStart) throws SQLException, InterruptedException {
        boolean replaying = replayingAtStart;
        Ingester ingester = new Ingester(store.serverName(), accounts.current(),
                MessageAssembler.DEFAULT_HORIZON_SECONDS);
        long accountsChecked = System.nanoTime();
        LineParser parser = new LineParser(zone);
        // Reading from part way through a file: its lines before may be needed to read the times.
        boolean firstLine = start != null && start.offset() > 0;
        LogPosition lineStart = start;
        boolean seenCommittedFile = false;
        long lastFlush = System.nanoTime();
        try (LogFollower follower = new LogFollower(log, start, LogFollower.Options.defaults());
             StoreWriter writer = new StoreWriter(store, say, () -> running, outage)) {
            this.committedAtStart = committedAt;
            this.writer = writer;
            LogFollower.State lastState = null;
            FileFeed tailed = new FileFeed();
            // How far lines are handled: replayed up to the committed position, written after it.
            // A commit never goes back behind it, whatever ended the replay.
            LogPosition handled = committedAt;
            LogPosition file = null; // the file the last line came from
            boolean inCommittedFile = false; // ... and whether it holds the committed position
            while (running) {
                LogFollower.Batch b = follower.next(FLUSH_EVERY);
                for (LogGap gap : b.gaps()) {
                    firstLine = false; // not read from the start position
                    say.accept(gap.message());
                    if (gap.from() != null) {
                        gaps.add(gap.from());
                    }
                    if (replaying) {
                        replaying = false; // the committed position is not ahead any more
                        ingester.endReplay(firstStart);
                    }
                }
                if (follower.state() != lastState && follower.state() != LogFollower.State.FOLLOWING) {
                    say.accept(follower.detail());
                }
                lastState = follower.state();
                followerTrouble = switch (lastState) {
                    case MISSING, UNREADABLE, FAILING -> follower.detail();
                    default -> null;
                };
                if (!b.lines().isEmpty()) {
                    // Before the lines: what they name is owned as the files stand now (a few
                    // stat calls), not as they stood seconds ago — a row stored without an
                    // account that existed when its lines were read stays without it.
                    reloadAccounts(ingester);
                }
                for (LogLine line : b.lines()) {
                    if (lineStart == null || !lineStart.sameInode(line.after())) {
                        if (tailed.lines() > 0 && !replaying) {
                            // Read to its end: its rows and, if it was read whole, its record go together.
                            // (Not a file this run only started at the end of: it was finished before.)
                            RowBatch done = batch(ingester, source, committable(null, handled));
                            done.imported(finished(tailed, lineStart));
                            writer.submit(done);
                            lastFlush = System.nanoTime();
                        }
                        lineStart = line.after().withOffset(0);
                        tailed = new FileFeed();
                        // A file's times are read from its own lines, as an import of it alone reads them.
                        parser = new LineParser(zone);
                    }
                    if (firstLine) {
                        firstLine = false;
                        if (parser.inRepeatedHour(line.text())) {
                            showLinesBefore(start, parser);
                        }
                    }
                    if (replaying && (file == null || !file.sameInode(line.after()))) {
                        file = line.after();
                        inCommittedFile = holdsCommitted(file, committedAt);
                    }
                    if (replaying && pastCommitted(line.after(), committedAt, inCommittedFile, seenCommittedFile)) {
                        replaying = false; // the committed boundary was not met exactly: read on as new
                        ingester.endReplay(firstStart);
                    }
                    seenCommittedFile |= replaying && inCommittedFile;
                    ParsedLine parsed = parser.parse(line.text());
                    ingester.accept(parsed, globalPosition(lineStart), replaying);
                    if (!replaying && parsed.time() != ParsedLine.NO_TIME) {
                        lastLineTime = parsed.time();
                    }
                    tailed.count(parsed);
                    if (replaying && inCommittedFile && line.after().offset() == committedAt.offset()) {
                        replaying = false;
                        ingester.endReplay(firstStart);
                    }
                    lineStart = line.after();
                    if (!replaying) {
                        handled = line.after();
                    }
                }
                LogPosition at = follower.position(); // null until the log exists
                if (replaying && firstStart && at != null && at.sameInode(committedAt)
                        && at.offset() >= committedAt.offset()) {
                    replaying = false; // caught up with the hand-over, and nothing new yet
                    ingester.endReplay(true);
                }
                if (replaying && !firstStart && b.isEmpty() && follower.state() == LogFollower.State.FOLLOWING
                        && !seenCommittedFile && !inCommittedFile && at != null && !at.sameInode(committedAt)) {
                    // Caught up with the live log, and the committed position was never met (its
                    // file went while the replay read others): a replay goes no further. The messages
                    // open now are written as they stand; those that ended in what was replayed are not.
                    say.accept("the replay reached the end of " + log + " without meeting the saved position "
                            + committedAt + "; messages that ended in what it read are not stored, the rest is");
                    replaying = false;
                    ingester.endReplay(true);
                }
                if (System.nanoTime() - accountsChecked > ACCOUNT_CHECK.toNanos()) {
                    accountsChecked = System.nanoTime();
                    reloadAccounts(ingester); // forwarders, which no stat tells of, while the log is quiet
                }
                boolean due = System.nanoTime() - lastFlush >= FLUSH_EVERY.toNanos() || ingester.due(FLUSH_ROWS);
                LogPosition commit = committable(follower.position(), handled);
                if (!replaying && due && commit != null) {
                    writer.submit(batch(ingester, source, commit));
                    lastFlush = System.nanoTime();
                }
            }
            LogPosition commit = committable(follower.position(), handled);
            if (!replaying && commit != null) {
                writer.submit(batch(ingester, source, commit));
            }
            writer.flush();
        }
    }

    /**
     * The position to commit: where the follower is, unless that is in a file with no text yet —
     * a new log logrotate created, which a restart could not know again by its first bytes once
     * it has some (and perhaps been rotated and compressed too). Then how far lines are handled
     * (the committed position, or the end of the last line written), unless that too has no first
     * bytes (a start on an empty log); null when there is nothing to commit.
     */
    private static LogPosition committable(LogPosition follower, LogPosition handled) {
        if (follower != null && follower.headLength() > 0) {
            return follower;
        }
        return handled != null && handled.headLength() > 0 ? handled : null;
    }

    /**
     * Shows {@code parser} the lines of the file before {@code start}, where reading starts in an
     * hour that happens twice (the clocks went back), so that the hour is read as a reading of
     * the whole file reads it: a restart inside that hour replays from the first line of the oldest
     * open message, which may be in the hour's second pass. If they cannot be read, the lines are
     * read as the hour's first pass until the log shows the second: in order, perhaps an hour early.
     */
    private void showLinesBefore(LogPosition start, LineParser parser) {
        try {
            if (LogFollower.linesBefore(log, start, parser::skip)) {
                return;
            }
        } catch (IOException e) {
            // said below
        }
        say.accept("cannot read the lines before " + start + " to tell which pass of the hour that happens twice"
                + " it is in; its times are read as the first pass until the log shows the second");
    }

    /** Where the follower reported lines lost, until the file they are in is finished. */
    private final List<LogPosition> gaps = new ArrayList<>();

    /**
     * The record of a rotated file the tail has just read to its end ({@code end}), so that
     * {@code waybill import} of it later (plain or compressed) knows it read before and passes
     * over it; null when the tail cannot vouch for all of it: lines were lost in it, a first
     * start's backfill (which stores its beginning) is not done, or it is no longer beside the log
     * (the same inode, whose first bytes are the ones the tail saw, moments after it read the last
     * line). Counts and times are those of the lines this run read of it.
     */
    private ImportedFile finished(FileFeed tailed, LogPosition end) {
        boolean lost = gaps.removeIf(g -> g.sameInode(end));
        Backfill b = backfill;
        if (lost || b != null && !b.done()) {
            return null;
        }
        try {
            Path f = besideLog(end);
            if (f == null || f.equals(log)) {
                return null; // not a rotated file any more (or not yet)
            }
            LogHead head = LogHead.read(f);
            return end.startsLike(head)
                    ? tailed.record(head.fingerprint(), f.toString(), end.offset())
                    : null;
        } catch (IOException e) {
            return null; // gone or unreadable already: an import reads it again, which is only slower
        }
    }

    /** The live log or the rotated file beside it that {@code p} is a position in (its inode), or null. */
    private Path besideLog(LogPosition p) throws IOException {
        try {
            if (FileKey.of(log).names(p)) {
                return log;
            }
        } catch (IOException e) {
            // no live log right now
        }
        for (RotatedSiblings.Sibling s : RotatedSiblings.of(log)) {
            if (s.key().names(p)) {
                return s.path();
            }
        }
        return null;
    }

    private void reloadAccounts(Ingester ingester) {
        try {
            if (accounts.reloadIfChanged()) {
                ingester.useAccounts(accounts.current());
            }
            accountsFailing = false;
        } catch (IOException e) {
            if (!accountsFailing) { // said once, not at every batch of lines until it is mended
                say.accept("cannot read cPanel's account files again (" + e.getMessage() + "); keeping the previous ones");
                accountsFailing = true;
            }
        }
    }

    /** Whether the last reading of the account files failed (and was said). */
    private boolean accountsFailing;

    /**
     * Where the live log ends now, at its last complete line (a line being written is the tail's):
     * a first start's hand-over from backfill to tail. Null when there is no live log yet, or it
     * cannot be read (said, if {@code sayIfUnreadable}).
     */
    private LogPosition liveEnd(boolean sayIfUnreadable) {
        try (FileChannel ch = FileChannel.open(log)) {
            FileKey key = FileKey.of(log);
            long end = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (end > 0) {
                long from = Math.max(0, end - buf.capacity());
                buf.clear().limit((int) (end - from));
                ch.read(buf, from);
                int i = buf.position() - 1;
                while (i >= 0 && buf.get(i) != '\n') {
                    i--;
                }
                if (i >= 0) {
                    end = from + i + 1;
                    break;
                }
                end = from;
            }
            ByteBuffer head = ByteBuffer.allocate(LogHead.BYTES);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // a short read: ask again until the head is full or the file ends
            }
            return LogPosition.at(key, end, LogHead.of(head.array(), head.position()));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (sayIfUnreadable) {
                say.accept("cannot read " + log + " (" + e.getMessage() + "); following it from its beginning");
            }
            return null;
        }
    }

    /** Whether a follower started at {@code p} finds its file now (if the directory cannot be read, let it try). */
    private boolean findable(LogPosition p) {
        try {
            return LogFollower.findable(log, p);
        } catch (IOException e) {
            return true;
        }
    }

    /** Where a first start's backfill ends ({@link Backfill#until}), or null for none. */
    private LogPosition backfillUntil(LogPosition handOver) {
        try {
            return Backfill.until(log, handOver);
        } catch (IOException e) {
            say.accept("cannot list the rotated logs beside " + log + " (" + e.getMessage()
                    + "); no history is backfilled");
            return null;
        }
    }

    /**
     * The start of the oldest rotated generation of the log written to within {@code millis}
     * (plain or gzip, not empty), or of the file {@code notAfter} is in if that comes first; null
     * (the live log's beginning) if none. While logrotate keeps renaming files, or when the file
     * with {@code notAfter}'s inode cannot be read, the safe answer: {@code notAfter}'s file, or
     * null. Other files that cannot be read are passed over.
     */
    private LogPosition oldestRotatedSince(long millis, LogPosition notAfter) {
        long cutoffMillis = System.currentTimeMillis() - millis;
        LogPosition safe = notAfter == null ? null : notAfter.withOffset(0);
        try {
            listing:
            for (int attempt = 1; attempt <= LISTINGS; attempt++) {
                for (RotatedSiblings.Sibling s : RotatedSiblings.of(log)) {
                    boolean holdsNotAfter = notAfter != null && s.key().names(notAfter);
                    boolean byHead = notAfter != null && notAfter.headLength() > 0;
                    LogHead head;
                    boolean recent;
                    try {
                        recent = Files.getLastModifiedTime(s.path()).toMillis() >= cutoffMillis;
                        if (!recent && !holdsNotAfter && !byHead) {
                            continue;
                        }
                        head = LogHead.read(s.path());
                        if (!FileKey.of(s.path()).equals(s.key())) {
                            continue listing; // renamed meanwhile: look again
                        }
                    } catch (NoSuchFileException e) {
                        continue listing;
                    } catch (IOException e) {
                        if (holdsNotAfter) {
                            return safe;
                        }
                        continue; // unreadable: nothing to replay from it
                    }
                    if (holdsNotAfter || byHead && notAfter.startsLike(head)) {
                        return safe;
                    }
                    if (recent && head.length() > 0) { // an empty file has nothing to replay, nor first bytes to be found by
                        return LogPosition.at(s.key(), 0, head);
                    }
                }
                return safe;
            }
        } catch (IOException e) {
            say.accept("cannot list the rotated logs beside " + log + " (" + e.getMessage() + "); replaying from "
                    + (safe == null ? "the live log's beginning" : safe));
        }
        return safe;
    }

    /**
     * Whether a line ending at {@code after} lies beyond the committed position although it never
     * ended exactly there: further into the committed file ({@code inCommittedFile}: the line is
     * from it), or in a file after it.
     */
    static boolean pastCommitted(LogPosition after, LogPosition committed, boolean inCommittedFile,
                                 boolean seenCommittedFile) {
        if (inCommittedFile) {
            return after.offset() > committed.offset();
        }
        return seenCommittedFile;
    }

    /**
     * Whether the file that {@code p} is a position in holds the committed position: that file, or
     * a copy of its text, known by its first bytes — the follower reads the copy when logrotate
     * renamed and compressed the file while the daemon was down, and without this the replay
     * would wait for the committed file forever and nothing would be written again. An inode
     * alone does not tell: a deleted file's number is soon given to a new one.
     */
    private boolean holdsCommitted(LogPosition p, LogPosition committed) {
        if (committed == null) {
            return false;
        }
        if (committed.headLength() == 0) {
            return p.sameInode(committed); // an empty file has no text to be known by
        }
        if (p.headLength() == committed.headLength()) {
            return p.headHash() == committed.headHash(); // both heads taken over the same bytes
        }
        // Heads of different lengths (a file first seen while shorter): look at the file itself.
        try {
            Path f = besideLog(p);
            if (f != null) {
                return committed.startsLike(LogHead.read(f));
            }
        } catch (IOException e) {
            say.accept("cannot look at the logs beside " + log + " (" + e.getMessage() + ")");
        }
        return p.sameInode(committed);
    }

    /** The rows ready to write, with the position {@code at} (none if null) and the resume position. */
    private RowBatch batch(Ingester ingester, String source, LogPosition at) {
        RowBatch batch = ingester.takeBatch();
        long resume = ingester.resumePosition();
        String resumeText = null;
        if (resume >= 0) {
            LogPosition file = files.get((int) (resume >>> 40));
            resumeText = file.withOffset(resume & ((1L << 40) - 1)).encode();
        }
        if (at != null) {
            batch.position(source, at.encode(), resumeText);
        }
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
