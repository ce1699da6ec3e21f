package dev.waybill.ingest;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A first start's history: the rotated logs within retention, oldest first, then the file the
 * live tail took over in, up to where it did ({@code until}) — written on a thread of its own
 * while the live tail goes on. It stores only messages that finished before {@code until}; those
 * still open there are the live tail's, which replayed them and writes them itself, so the two
 * never write the same row. Pending until done (recorded in the store), so a restart finishes it.
 *
 * <p>Files are known by their {@link LogHead}, as {@code waybill import} knows them: a rotated
 * file read to its end is recorded in {@code imported_file} with the rows of its last batch, and
 * a rotated file recorded there (by an import, or by this backfill before a restart) is not read
 * again ({@link ImportPlan}). The hand-over file is found the same way, by its first bytes, so
 * that a rotation while the daemon was down — the file renamed, perhaps compressed into a new
 * inode — cannot make the backfill read past the hand-over, where the tail writes.
 */
final class Backfill implements Runnable {

    static final int BATCH_LINES = 10_000;

    /** An {@code until} offset that means the whole file: a rotated file, which will not grow. */
    static final long WHOLE_FILE = Long.MAX_VALUE;

    private final Path log;
    private final LogPosition until;
    private final ZoneId zone;
    private final DeliveryStore store;
    private final CpanelAccounts accounts;
    private final int retentionDays;
    private final Consumer<String> say;
    private final StoreWriter.Outage outage;
    private volatile boolean running = true;
    private volatile boolean done;
    /** Why the backfill stopped short while the daemon runs on, once it did; else null. */
    private volatile String stopped;
    /** The backfill's writer while it runs. */
    private volatile StoreWriter writer;

    Backfill(Path log, LogPosition until, ZoneId zone, DeliveryStore store, CpanelAccounts accounts, int retentionDays,
             Consumer<String> say) {
        this(log, until, zone, store, accounts, retentionDays, say, new StoreWriter.Outage());
    }

    /** The same, saying an outage of the database once with the live tail, which shares {@code outage}. */
    Backfill(Path log, LogPosition until, ZoneId zone, DeliveryStore store, CpanelAccounts accounts, int retentionDays,
             Consumer<String> say, StoreWriter.Outage outage) {
        this.outage = outage;
        this.log = log;
        this.until = until;
        this.zone = zone;
        this.store = store;
        this.accounts = accounts;
        this.retentionDays = retentionDays;
        this.say = say;
    }

    /**
     * Where the backfill of a first start ends, given where the live log ends ({@code liveEnd}, the
     * tail's hand-over): there, when the live log has any bytes — it is found again by them, even
     * once rotated and compressed. An empty live log has none to be found by; then the backfill
     * ends with the whole of the newest rotated generation that has some ({@link #WHOLE_FILE}),
     * which is what came before the hand-over all the same. Null when there is no history at all.
     *
     * @throws IOException if the rotated files cannot be listed
     */
    static LogPosition until(Path log, LogPosition liveEnd) throws IOException {
        if (liveEnd.headLength() > 0) {
            return liveEnd;
        }
        List<RotatedSiblings.Sibling> siblings = RotatedSiblings.of(log);
        for (int i = siblings.size() - 1; i >= 0; i--) {
            RotatedSiblings.Sibling s = siblings.get(i);
            LogHead head;
            try {
                head = LogHead.read(s.path());
            } catch (IOException e) {
                continue; // renamed meanwhile, or unreadable: an older generation will do
            }
            if (head.length() > 0) {
                return LogPosition.at(s.key(), WHOLE_FILE, head);
            }
        }
        return null;
    }

    /** Asks the backfill to stop after the batch at hand; a restart finishes it. */
    void stop() {
        running = false;
    }

    boolean done() {
        return done;
    }

    /**
     * What holds the backfill's writes (lock waits only it meets, or an outage of the database,
     * which the live tail says too), as a sentence; null while it writes.
     */
    String trouble() {
        StoreWriter w = writer;
        return w == null ? null : w.outage();
    }

    /**
     * Why the backfill stopped before it was done (the history it had yet to store is stored at
     * the next start), as a sentence; null while it runs, once it is done, or when none ran.
     */
    String stopped() {
        return stopped;
    }

    /** Says that the backfill stopped short, why, and what then; keeps the why for {@link #stopped()}. */
    private void stop(String why, String then) {
        stopped = why;
        say.accept("backfill stopped: " + why + "; " + then);
    }

    /** The files to read: older rotated ones, oldest first, and the hand-over file (null when it is gone). */
    record Sources(List<Path> older, Path handOver) {
    }

    @Override
    public void run() {
        long started = System.nanoTime();
        Ingester ingester = Ingester.finishedOnly(store.serverName(), accounts, MessageAssembler.DEFAULT_HORIZON_SECONDS);
        try (StoreWriter writer = new StoreWriter(store, say, () -> running, outage, "backfill: ")) {
            this.writer = writer;
            Sources sources = sources();
            List<LogFileInfo> older = new ArrayList<>();
            for (Path f : sources.older()) {
                try {
                    older.add(LogFileInfo.of(f, zone));
                } catch (IOException e) {
                    say.accept("backfill: " + f + ": " + e.getMessage() + "; that file is skipped");
                }
            }
            LogFileInfo handOver = null;
            if (sources.handOver() == null) {
                say.accept("backfill: the file the live tail took over in (" + until + ") is no longer beside "
                        + log + "; the files there now came after it and are the tail's, so the backfill reads none");
            } else {
                handOver = LogFileInfo.of(sources.handOver(), zone);
            }
            List<ImportPlan.Step> steps = plan(older, handOver);
            int read = 0;
            int skipped = 0;
            long replayed = 0;
            for (int i = 0; i < older.size() && running; i++) {
                LogFileInfo f = older.get(i);
                switch (steps.get(i)) {
                    case READ -> {
                        read(f, WHOLE_FILE, head -> Arrays.equals(head.fingerprint(), f.fingerprint()), ingester, writer);
                        read++;
                    }
                    case REPLAY -> {
                        try {
                            replayed += ImportPlan.replay(f.path(), zone, ingester, writer, () -> running);
                        } catch (IOException e) {
                            say.accept("backfill: " + f.path() + ": " + e.getMessage()
                                    + "; read before, it was to be replayed for the messages open at its end");
                        }
                        skipped++;
                    }
                    case SKIP -> skipped++;
                }
            }
            boolean handOverWhole = true;
            if (handOver != null && running) {
                handOverWhole = read(handOver, until.offset(), until::startsLike, ingester, writer);
                read++;
            }
            writer.submit(ingester.takeBatch());
            writer.flush();
            if (!handOverWhole) {
                // Its beginning is the backfill's alone: pending, the next start reads it again.
                stop("the file the live tail took over in was not read whole", "the next start reads it again");
            } else if (running) {
                // The rows are in; an outage now is waited out, not left for the next start.
                StoreWriter.waitingOutOutages(() -> running, () -> store.backfillDone(log.toString()), e -> { });
                done = true;
                say.accept(String.format("backfill done: %,d lines of %d file%s in %.0f s%s",
                        ingester.lines() - replayed, read, read == 1 ? "" : "s", (System.nanoTime() - started) / 1e9,
                        skipped == 0 ? "" : "; " + skipped + " read before, not again"));
            }
        } catch (SQLException e) {
            // An outage ends up here only when the daemon stops while waiting it out.
            String why = StoreWriter.isTransient(e) ? "cannot reach the database" : "the database refused a statement";
            stop(why + " (" + StoreWriter.oneLine(e) + ")", "the next start finishes it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            stop(String.valueOf(e), "the next start finishes it");
        }
    }

    /**
     * Which files to read, from the store's records of files read before: an outage here is waited
     * out (one line when it begins, one when it ends), as the writes are, rather than leaving the
     * backfill to the next start.
     */
    private List<ImportPlan.Step> plan(List<LogFileInfo> older, LogFileInfo handOver)
            throws SQLException, InterruptedException {
        List<List<ImportPlan.Step>> plan = new ArrayList<>(1);
        boolean[] away = {false};
        StoreWriter.waitingOutOutages(() -> running,
                () -> plan.add(ImportPlan.of(older, handOver, store::importedFile, MessageAssembler.DEFAULT_HORIZON_SECONDS)),
                e -> {
                    if (!away[0]) {
                        away[0] = true;
                        say.accept("backfill: cannot reach the database (" + StoreWriter.oneLine(e)
                                + "); waiting for it to learn which files were read before");
                    }
                });
        if (away[0]) {
            say.accept("backfill: the database is back; going on");
        }
        return plan.get(0);
    }

    /**
     * Reads {@code f} up to {@code limit} bytes of text ({@link #WHOLE_FILE}: to its end, and then
     * records it as read). The file read is the one planned, known by its first bytes ({@code isIt}):
     * if logrotate renamed it since, it is found again beside the log. A file that fails part way
     * keeps what was read of it.
     *
     * @return whether it was read up to {@code limit}, unless told to stop
     */
    private boolean read(LogFileInfo f, long limit, Predicate<LogHead> isIt, Ingester ingester, StoreWriter writer)
            throws InterruptedException, SQLException {
        Path path = f.path();
        Opened opened;
        try {
            opened = open(path, isIt);
        } catch (IOException e) {
            say.accept("backfill: " + path + ": " + e.getMessage() + "; that file is skipped");
            return false;
        }
        path = opened.path();
        try (ParsingReader reader = new ParsingReader(limited(opened.text(), limit), zone,
                path.getFileName().toString())) {
            FileFeed feed = new FileFeed();
            feed.feed(reader, ingester, writer, BATCH_LINES, () -> running, () -> { });
            if (running && limit == WHOLE_FILE) {
                RowBatch end = ingester.takeBatch();
                end.imported(feed.record(f.fingerprint(), path.toString(), reader.bytes()));
                writer.submit(end);
                return true;
            }
            if (running && reader.bytes() < limit) {
                say.accept("backfill: " + path + " ends at byte " + reader.bytes() + ", before the hand-over at "
                        + limit + " (truncated?)");
                return false;
            }
            return true;
        } catch (IOException e) {
            say.accept("backfill: " + path + ": " + e.getMessage() + "; the rest of that file is skipped");
            return false;
        }
    }

    /** A file opened for reading, and the text it holds (decompressed). */
    private record Opened(Path path, InputStream text) {
    }

    /**
     * Opens the file that begins as {@code isIt} says, judged by what the opened file holds:
     * {@code planned} if it still does, else the one beside the log that does now (logrotate may
     * run while older files are read).
     *
     * @throws IOException if none does, or {@code planned} cannot be read
     */
    private Opened open(Path planned, Predicate<LogHead> isIt) throws IOException {
        try {
            InputStream in = openIf(planned, isIt);
            if (in != null) {
                return new Opened(planned, in);
            }
        } catch (NoSuchFileException e) {
            // renamed meanwhile: look for it beside the log
        }
        List<Path> candidates = new ArrayList<>();
        for (RotatedSiblings.Sibling s : RotatedSiblings.of(log)) {
            candidates.add(s.path());
        }
        candidates.add(log);
        for (Path p : candidates) {
            try {
                InputStream in = openIf(p, isIt);
                if (in != null) {
                    Opened found = new Opened(p, in);
                    try {
                        say.accept("backfill: " + planned + " was rotated to " + p + " meanwhile; reading it there");
                    } catch (RuntimeException e) {
                        in.close();
                        throw e;
                    }
                    return found;
                }
            } catch (IOException e) {
                // gone or unreadable: not this one
            }
        }
        throw new IOException("no longer beside " + log + " with the first bytes it had (rotated away meanwhile?)");
    }

    /** {@code file} opened, if it begins as {@code isIt} says; else null. */
    private static InputStream openIf(Path file, Predicate<LogHead> isIt) throws IOException {
        InputStream in = new BufferedInputStream(LogFiles.open(file), LogHead.BYTES);
        try {
            if (isIt.test(LogHead.peek(in))) {
                return in;
            }
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        in.close();
        return null;
    }

    /**
     * The rotated generations within retention, oldest first, up to the hand-over file, found by
     * its first bytes: the live log, unless it was rotated since — renamed, copied, or compressed.
     * One file per generation (the plain one while logrotate compresses it). If the hand-over file
     * is nowhere, the files there came after it: none is read.
     */
    Sources sources() throws IOException {
        List<RotatedSiblings.Sibling> siblings = RotatedSiblings.of(log);
        Path handOver = null;
        int handOverGeneration = Integer.MAX_VALUE;
        List<Path> candidates = new ArrayList<>();
        for (RotatedSiblings.Sibling s : siblings) {
            candidates.add(s.path());
        }
        candidates.add(log);
        // Its own inode and first bytes first; then its first bytes anywhere (a copy, or compressed).
        for (boolean byInode : new boolean[] {true, false}) {
            for (int i = 0; i < candidates.size() && handOver == null; i++) {
                if (isHandOver(candidates.get(i), byInode)) {
                    handOver = candidates.get(i);
                    handOverGeneration = i < siblings.size() ? siblings.get(i).generation() : Integer.MAX_VALUE;
                }
            }
        }
        if (handOver == null) {
            return new Sources(List.of(), null);
        }
        // The window, and the horizon before it: a file just before the window may start messages
        // that end inside it (as `waybill import` reads it too).
        long cutoff = System.currentTimeMillis() - retentionDays * 86_400_000L
                - MessageAssembler.DEFAULT_HORIZON_SECONDS * 1000;
        List<Path> older = new ArrayList<>();
        int generation = 0;
        for (RotatedSiblings.Sibling s : siblings) {
            if (s.generation() >= handOverGeneration) {
                break;
            }
            if (s.generation() != generation && Files.getLastModifiedTime(s.path()).toMillis() >= cutoff) {
                older.add(s.path());
                generation = s.generation();
            }
        }
        return new Sources(older, handOver);
    }

    /**
     * Whether {@code f} is the file {@code until} points into: its first bytes say so (an inode
     * alone does not, since a deleted file's number is soon given to a new one). A position taken
     * in an empty file has no first bytes: then only its own inode can tell. A file that cannot be
     * read is not it.
     */
    private boolean isHandOver(Path f, boolean byInode) {
        try {
            boolean sameInode = FileKey.of(f).names(until);
            if (until.headLength() == 0) {
                return byInode && sameInode;
            }
            return (sameInode || !byInode) && until.startsLike(LogHead.read(f));
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code in}, ending after {@code limit} bytes ({@link #WHOLE_FILE}: where it ends). */
    private static InputStream limited(InputStream in, long limit) {
        if (limit == WHOLE_FILE) {
            return in;
        }
        return new FilterInputStream(in) {
            private long left = limit;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                left -= b < 0 ? 0 : 1;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                left -= Math.max(n, 0);
                return n;
            }
        };
    }
}
