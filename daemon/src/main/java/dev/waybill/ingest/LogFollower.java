package dev.waybill.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows a live log, such as {@code /var/log/exim_mainlog}, the way {@code tail -F} does, but
 * with an exact {@link LogPosition} after every line, so that the caller can store "where I am"
 * in the same transaction as what the lines produced, and start again from there after a crash
 * with nothing lost and nothing read twice.
 *
 * <pre>{@code
 * try (LogFollower follower = new LogFollower(Path.of("/var/log/exim_mainlog"), store.savedPosition(),
 *         LogFollower.Options.defaults())) {
 *     while (running) {
 *         LogFollower.Batch batch = follower.next(Duration.ofSeconds(1));
 *         batch.gaps().forEach(gap -> log.warn(gap.message()));
 *         for (LogLine line : batch.lines()) {
 *             assembler.accept(parser.parse(line.text()));
 *         }
 *         store.commit(rows, follower.position()); // one transaction: rows and position
 *     }
 * }
 * }</pre>
 *
 * <h2>What it does</h2>
 *
 * <ul>
 *   <li>Only whole lines are returned. A line whose {@code \n} has not been written yet waits
 *       (only the last line of a finished rotated file may lack it, and is then returned as it
 *       is). Lines are cut as {@link LogLineReader} cuts them.
 *   <li><b>Rename and create</b> (logrotate's default, and cPanel's): when the path names another
 *       file, the old one is read to its end through the channel still open on it, and is left
 *       only once it has had no new bytes for {@link Options#rotationGrace()}: Exim looks up the
 *       log's name before every write and reopens it when the inode changed ({@code log_write()}
 *       in Exim's {@code src/log.c}), so a process that looked just before the rename may still
 *       append one line to the old file. Then come any rotated files newer than the old one (if
 *       the follower fell more than one rotation behind), then the new file from its first byte
 *       (unless it begins with the old file's first bytes: a copy of the old text, read on from
 *       where the old one ended).
 *       Bytes that reach the old file after it was left are reported as a {@link LogGap}, never
 *       dropped silently; it is watched for {@link Options#lateWriteWatch()}.
 *   <li><b>copytruncate</b>: when the file becomes shorter than what was read, or its first bytes
 *       change, it was truncated. Whatever had not been read yet is in the copy logrotate made
 *       just before truncating, so the follower looks for that copy among the rotated files (by
 *       content: its first bytes) and reads its remainder, then the live file from offset 0.
 *       <em>copytruncate loses lines by design</em>: a line written between logrotate's copy and
 *       its truncate is in neither file, and no reader can see it. Rename rotation has no such
 *       window; prefer it.
 *   <li><b>Resuming</b> from a position: if the path still names that file, reading continues at
 *       the offset. Otherwise the file is looked for among the rotated files beside the log
 *       ({@code exim_mainlog.1}, {@code exim_mainlog-20261128}, {@code .gz} forms; see
 *       {@code RotatedSiblings}): plain ones by inode and first bytes, compressed ones by first
 *       bytes, decompressing up to the offset. Its remainder is read, then every newer rotated
 *       file, then the live file. If it cannot be found, a {@link LogGap} says so and reading
 *       starts at the live file's first byte.
 *   <li>Trouble never throws out of {@link #poll()}: a missing log (Exim not started yet, or
 *       between rename and create), an unreadable one (permissions) and I/O errors each show as a
 *       {@link State} with a {@link #detail()} sentence, and the follower keeps trying, backing
 *       off up to {@link Options#maxRetryInterval()}.
 * </ul>
 *
 * <p>Not handled: rotated files kept in another directory (logrotate's {@code olddir}) or
 * compressed other than with gzip are not found, so resuming into one reports a gap; Exim's
 * date-stamped log names ({@code log_file_path} with {@code %D}) are a new path each day, not a
 * rotation of one path.
 *
 * <p>Reading happens on the caller's thread, inside {@link #poll()}; there is no thread of its
 * own. A follower is not safe for use by several threads at once. Memory is bounded by
 * {@link Options#maxLineBytes()} plus 64 KiB of buffer plus one batch, whatever the file size.
 */
public final class LogFollower implements Closeable {

    /** What the follower is doing, for status displays and for logging changes. */
    public enum State {
        /** Nothing read yet: the first {@link #poll()} decides. */
        STARTING,
        /** Reading the file the path names; caught up or catching up. */
        FOLLOWING,
        /** Finishing a file rotated away from the path, or reading rotated files in order. */
        DRAINING,
        /** Nothing to read: the log does not exist (yet). Tried again at every poll. */
        MISSING,
        /** The log exists but may not be read (permissions). Tried again, backing off. */
        UNREADABLE,
        /** Reading failed with an I/O error. Tried again, backing off. */
        FAILING,
        /** {@link #close()} was called. */
        CLOSED
    }

    /**
     * How a follower behaves.
     *
     * @param pollInterval how long {@link #next} waits between looks when there is nothing new
     * @param rotationGrace how long a rotated-away file must have been quiet before the follower
     *     leaves it for the new one
     * @param lateWriteWatch how long a left file is still watched for late writes, which are
     *     reported as gaps
     * @param maxRetryInterval the longest wait between attempts while the log is unreadable or
     *     failing
     * @param maxBatchLines the most lines one batch holds
     * @param maxBatchBytes roughly the most bytes of lines one batch holds (a line is never split)
     * @param maxLineBytes longer lines keep this many bytes and lose the rest, as in
     *     {@link LogLineReader}
     */
    public record Options(Duration pollInterval, Duration rotationGrace, Duration lateWriteWatch,
            Duration maxRetryInterval, int maxBatchLines, int maxBatchBytes, int maxLineBytes) {

        public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);
        /**
         * Exim reopens the log as soon as it sees the new inode, before its next write; a late
         * line can only come from a process that looked just before the rename.
         */
        public static final Duration DEFAULT_ROTATION_GRACE = Duration.ofMillis(300);
        public static final Duration DEFAULT_LATE_WRITE_WATCH = Duration.ofMinutes(1);
        public static final Duration DEFAULT_MAX_RETRY_INTERVAL = Duration.ofSeconds(5);
        public static final int DEFAULT_MAX_BATCH_LINES = 4096;
        public static final int DEFAULT_MAX_BATCH_BYTES = 4 << 20;

        public Options {
            positive("pollInterval", pollInterval);
            notNegative("rotationGrace", rotationGrace);
            notNegative("lateWriteWatch", lateWriteWatch);
            positive("maxRetryInterval", maxRetryInterval);
            if (maxBatchLines < 1) {
                throw new IllegalArgumentException("maxBatchLines must be at least 1, got " + maxBatchLines);
            }
            if (maxBatchBytes < 1) {
                throw new IllegalArgumentException("maxBatchBytes must be at least 1, got " + maxBatchBytes);
            }
            if (maxLineBytes < 1 || maxLineBytes > 1 << 24) {
                throw new IllegalArgumentException("maxLineBytes must be 1 to 16 MiB, got " + maxLineBytes);
            }
        }

        private static void positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
        }

        private static void notNegative(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + d);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_POLL_INTERVAL, DEFAULT_ROTATION_GRACE, DEFAULT_LATE_WRITE_WATCH,
                    DEFAULT_MAX_RETRY_INTERVAL, DEFAULT_MAX_BATCH_LINES, DEFAULT_MAX_BATCH_BYTES,
                    LogLineReader.DEFAULT_MAX_LINE_BYTES);
        }

        public Options withPollInterval(Duration d) {
            return new Options(d, rotationGrace, lateWriteWatch, maxRetryInterval, maxBatchLines, maxBatchBytes,
                    maxLineBytes);
        }

        public Options withRotationGrace(Duration d) {
            return new Options(pollInterval, d, lateWriteWatch, maxRetryInterval, maxBatchLines, maxBatchBytes,
                    maxLineBytes);
        }

        public Options withLateWriteWatch(Duration d) {
            return new Options(pollInterval, rotationGrace, d, maxRetryInterval, maxBatchLines, maxBatchBytes,
                    maxLineBytes);
        }

        public Options withMaxRetryInterval(Duration d) {
            return new Options(pollInterval, rotationGrace, lateWriteWatch, d, maxBatchLines, maxBatchBytes,
                    maxLineBytes);
        }

        public Options withMaxBatchLines(int n) {
            return new Options(pollInterval, rotationGrace, lateWriteWatch, maxRetryInterval, n, maxBatchBytes,
                    maxLineBytes);
        }

        public Options withMaxBatchBytes(int n) {
            return new Options(pollInterval, rotationGrace, lateWriteWatch, maxRetryInterval, maxBatchLines, n,
                    maxLineBytes);
        }

        public Options withMaxLineBytes(int n) {
            return new Options(pollInterval, rotationGrace, lateWriteWatch, maxRetryInterval, maxBatchLines,
                    maxBatchBytes, n);
        }
    }

    /**
     * What one poll found: gaps first, then lines, in log order. A gap found after some lines is
     * kept for the next batch, so that the order holds.
     */
    public record Batch(List<LogGap> gaps, List<LogLine> lines) {

        public Batch {
            gaps = List.copyOf(gaps);
            lines = List.copyOf(lines);
        }

        public boolean isEmpty() {
            return gaps.isEmpty() && lines.isEmpty();
        }
    }

    /** A file the follower left, still watched for bytes that arrive too late. */
    private static final class Retired {
        final OpenLog log;
        long size;
        final long until;

        Retired(OpenLog log, long size, long until) {
            this.log = log;
            this.size = size;
            this.until = until;
        }
    }

    /** A file to read next and the offset to read it from; live if the path names it. */
    private record Found(OpenLog log, boolean live, long offset) {
    }

    /**
     * The directory changed between listing it and opening a file in it (logrotate renaming
     * {@code .1} to {@code .2}): whatever was decided from the listing must be decided again.
     */
    private static final class DirectoryChanged extends IOException {
        DirectoryChanged(Path file) {
            super(file + " changed while it was being opened");
        }
    }

    /** How often a decision based on a directory listing is retried within one poll. */
    private static final int DIRECTORY_ATTEMPTS = 3;

    private final Path path;
    private final Options options;
    private final LineCutter cutter;
    private final long pollNanos;
    private final long graceNanos;

    /** The start position, until it has been found or given up on. */
    private LogPosition resumeFrom;
    /** The file last finished, while its successor is still to be opened. */
    private LogPosition finished;
    /** The time the first line of the file last finished began with ({@link #stamp}), or null. */
    private String finishedStamp;
    /** The file being read, or null. */
    private OpenLog current;
    /** Whether current is the file the path named when it was opened (else a rotated one). */
    private boolean currentIsLive;
    /** When the last byte was read from current, or it was opened, or seen rotated away. */
    private long lastReadAt;
    /**
     * The largest size the live file was seen to have while it still held what was read of it:
     * what is lost, at least, if it is truncated and no copy is found.
     */
    private long sizeSeen;
    private LogPosition position;
    private final ArrayDeque<LogGap> pendingGaps = new ArrayDeque<>();
    private final List<Retired> retired = new ArrayList<>();
    private State state = State.STARTING;
    private String detail = "not polled yet";
    private long retryAt;
    private long backoffNanos;

    /**
     * Prepares to follow {@code path}; nothing is opened until the first {@link #poll()}.
     *
     * @param start where to begin: a position this class returned earlier, or null for the first
     *     byte of whatever file {@code path} names when the log is first found
     */
    public LogFollower(Path path, LogPosition start, Options options) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("unix")) {
            throw new UnsupportedOperationException("LogFollower needs inode numbers, which this system does not show");
        }
        this.path = Objects.requireNonNull(path, "path");
        this.options = Objects.requireNonNull(options, "options");
        this.resumeFrom = start;
        this.position = start;
        this.cutter = new LineCutter(options.maxLineBytes());
        this.pollNanos = options.pollInterval().toNanos();
        this.graceNanos = options.rotationGrace().toNanos();
        this.retryAt = System.nanoTime();
    }

    /** What the follower is doing now. */
    public State state() {
        return state;
    }

    /** A sentence about the current {@link #state()}, naming the file. */
    public String detail() {
        return detail;
    }

    /**
     * The position after everything returned so far (null only before anything was found, when
     * no start was given). It can move without lines, when a finished file is left for the next:
     * storing it then too keeps a quiet server's position off files that rotation will delete.
     */
    public LogPosition position() {
        return position;
    }

    /** Lines cut at {@link Options#maxLineBytes()} so far. */
    public long truncatedLines() {
        return cutter.truncatedLines();
    }

    /**
     * Waits until there is something to return or {@code timeout} has passed, looking every
     * {@link Options#pollInterval()}.
     *
     * @return the lines and gaps available, empty on timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public Batch next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Batch batch = poll();
            long left = deadline - System.nanoTime();
            if (!batch.isEmpty() || left <= 0 || state == State.CLOSED) {
                return batch;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, pollNanos));
        }
    }

    /** Returns what can be read now, without waiting: up to one batch of lines. */
    public Batch poll() {
        List<LogGap> gaps = new ArrayList<>(0);
        List<LogLine> lines = new ArrayList<>();
        if (state == State.CLOSED) {
            return new Batch(gaps, lines);
        }
        long now = System.nanoTime();
        if (now - retryAt >= 0) {
            try {
                read(gaps, lines);
                backoffNanos = 0;
                if ((state == State.FAILING || state == State.UNREADABLE) && current != null) {
                    state = currentIsLive ? State.FOLLOWING : State.DRAINING;
                    detail = (currentIsLive ? "following " : "reading rotated file ") + current;
                }
            } catch (ClosedChannelException e) {
                // An interrupt closes a FileChannel under its reader (ClosedByInterruptException).
                // The file is found again from the position, as after a restart.
                if (current != null) {
                    resumeFrom = current.position(cutter.lineStart());
                    closeQuietly(current);
                    current = null;
                }
                trouble(State.FAILING, "reading was interrupted (" + e + ")");
            } catch (AccessDeniedException e) {
                trouble(State.UNREADABLE, "permission denied reading " + e.getFile()
                        + "; the daemon needs read access to the log and its directory");
            } catch (IOException e) {
                trouble(State.FAILING, "reading " + (current == null ? path : current) + " failed: " + e);
            }
        }
        watchRetired(now);
        if (lines.isEmpty()) {
            gaps.addAll(pendingGaps);
            pendingGaps.clear();
        }
        return new Batch(gaps, lines);
    }

    /** Ends reading; the follower returns nothing after this. */
    @Override
    public void close() {
        closeQuietly(current);
        current = null;
        for (Retired r : retired) {
            closeQuietly(r.log);
        }
        retired.clear();
        state = State.CLOSED;
        detail = "closed";
    }

    // ---------------------------------------------------------------- reading

    /** Fills a batch, moving from file to file as rotation requires. */
    private void read(List<LogGap> gaps, List<LogLine> lines) throws IOException {
        long bytes = 0;
        boolean lookedForTruncation = false;
        while (true) {
            if (current == null && !openNext()) {
                return;
            }
            if (!pendingGaps.isEmpty()) {
                if (!lines.isEmpty()) {
                    return; // the gap belongs after these lines: next batch
                }
                gaps.addAll(pendingGaps);
                pendingGaps.clear();
            }
            if (currentIsLive && !lookedForTruncation) {
                // Before reading on from where the last poll stopped: a log truncated and written
                // past that offset meanwhile (a caller held up for long) would be read from the
                // middle of its new text, as if it were the rest of the old.
                lookedForTruncation = true;
                if (!intact()) {
                    if (!truncated()) {
                        return; // logrotate is busy in the directory: look again at the next poll
                    }
                    continue;
                }
            }
            long before = cutter.lineStart();
            long readBefore = cutter.readEnd();
            int linesBefore = lines.size();
            int outcome;
            try {
                outcome = cutter.cut(current, lines, options.maxBatchLines(), options.maxBatchBytes() - bytes);
            } catch (IOException e) {
                if (!current.compressed()) {
                    throw e; // try again later, from the same place
                }
                // A damaged compressed file will not read better later: report its rest, move on.
                // Its unfinished last line is part of what is lost, not a line to read.
                gap(current.position(cutter.lineStart()), -1,
                        current + " could not be read past this point (" + e + "); its remaining lines are skipped");
                cutter.reset(cutter.lineStart());
                outcome = LineCutter.ENDED;
            } finally {
                if (lines.size() > linesBefore) {
                    position = lines.get(lines.size() - 1).after();
                }
            }
            bytes += cutter.lineStart() - before;
            if (cutter.readEnd() != readBefore) {
                lastReadAt = System.nanoTime();
            }
            if (outcome == LineCutter.FULL) {
                return;
            }
            if (outcome == LineCutter.ENDED) {
                finish(lines);
                continue;
            }
            // At the end of a plain file, for now.
            if (currentIsLive) {
                if (truncated()) {
                    continue;
                }
                if (!rotatedAway()) {
                    return; // caught up with the live file
                }
            }
            if (!settled()) {
                return; // a writer may still append to the rotated file: look again later
            }
            finish(lines);
        }
    }

    /** Opens what comes next: the start position's file, a finished file's successor, or the log. */
    private boolean openNext() throws IOException {
        if (resumeFrom != null) {
            return resume();
        }
        if (finished != null) {
            return advance();
        }
        OpenLog live = openLive();
        if (live == null) {
            return false;
        }
        switchTo(live, true, 0);
        return true;
    }

    /** Opens the file the path names, or says why not and returns null. */
    private OpenLog openLive() throws IOException {
        try {
            return OpenLog.open(path, false);
        } catch (NoSuchFileException e) {
            state = State.MISSING;
            detail = path + " does not exist (yet); waiting for it";
            return null;
        }
    }

    private void switchTo(OpenLog log, boolean live, long offset) {
        current = log;
        currentIsLive = live;
        lastReadAt = System.nanoTime();
        cutter.reset(offset);
        sizeSeen = offset;
        position = log.position(offset);
        state = live ? State.FOLLOWING : State.DRAINING;
        detail = (live ? "following " : "reading rotated file ") + log;
    }

    /**
     * The date and time a log line begins with ({@code 2026-11-28 12:34:56}), or null if it does
     * not begin with one. Such stamps sort as the times they are, whatever the log's time zone.
     */
    static String stamp(String line) {
        if (line.length() < 19) {
            return null;
        }
        for (int i = 0; i < 19; i++) {
            char c = line.charAt(i);
            boolean ok = switch (i) {
                case 4, 7 -> c == '-';
                case 10 -> c == ' ';
                case 13, 16 -> c == ':';
                default -> c >= '0' && c <= '9';
            };
            if (!ok) {
                return null;
            }
        }
        return line.substring(0, 19);
    }

    /** Finds the start position's file and opens it there. */
    private boolean resume() throws IOException {
        LogPosition from = resumeFrom;
        for (int attempt = 1; attempt <= DIRECTORY_ATTEMPTS; attempt++) {
            OpenLog live = openLive();
            Found found;
            try {
                found = locate(from, live, RotatedSiblings.of(path), true);
            } catch (DirectoryChanged e) {
                closeQuietly(live);
                continue;
            } catch (IOException | RuntimeException e) {
                closeQuietly(live);
                throw e;
            }
            if (found == null && live == null) {
                return false; // decide once there is a log: the rotation may be half done
            }
            resumeFrom = null;
            if (found == null) {
                gap(from, -1, "the file of the saved position is neither " + path
                        + " nor any readable rotated file beside it; reading continues at the start of " + live);
                switchTo(live, true, 0);
            } else {
                if (!found.live()) {
                    closeQuietly(live);
                }
                switchTo(found.log(), found.live(), found.offset());
            }
            return true;
        }
        return false; // logrotate is busy in the directory: look again at the next poll
    }

    /**
     * Opens the file that follows the finished one: the oldest rotated file newer than it, or
     * else the live file.
     *
     * <p>The live file is opened before the directory is listed. Were it the other way round, a
     * rotation in between would make us open a file two generations on and skip the one between.
     * This way, that file shows up in the listing as a rotated file newer than the finished one,
     * and the live file we opened is recognised by its inode when it shows up there too.
     *
     * <p>If there is no live file (renamed, and no writer has created the next one yet), newer
     * rotated files are still read; then the follower waits for the log to appear.
     */
    private boolean advance() throws IOException {
        LogPosition done = finished;
        for (int attempt = 1; attempt <= DIRECTORY_ATTEMPTS; attempt++) {
            OpenLog live = openLive();
            Found next;
            List<LogGap> skips = new ArrayList<>(0);
            try {
                next = successor(done, live, skips);
            } catch (DirectoryChanged e) {
                closeQuietly(live);
                continue;
            } catch (IOException | RuntimeException e) {
                closeQuietly(live);
                throw e;
            }
            pendingGaps.addAll(skips);
            if (next == null) {
                return false; // nothing newer, and no log yet: wait for it
            }
            finished = null;
            if (next.log() != live) {
                closeQuietly(live);
            }
            switchTo(next.log(), next.live(), next.offset());
            return true;
        }
        return false; // logrotate is busy in the directory: look again at the next poll
    }

    /**
     * What comes after {@code done}, or null if only the live file could and there is none now.
     * Gaps for rotated files that cannot be read go to {@code skips}.
     */
    private Found successor(LogPosition done, OpenLog live, List<LogGap> skips) throws IOException {
        Found liveFromStart = live == null ? null : new Found(live, true, 0);
        // The path names it again, or a copy of its text (the log replaced by a copy of itself):
        // go on where it ended, as a restart finds it (locate), rather than read it all again.
        if (live != null && (live.key().names(done) || done.headLength() > 0) && live.startsLike(done)
                && live.seek(done.offset())) {
            return new Found(live, true, done.offset());
        }
        List<RotatedSiblings.Sibling> siblings = RotatedSiblings.of(path);
        int generation = generationOf(done, siblings);
        if (generation < 0) {
            // The finished file is not beside the log any more (deleted by logrotate's rotate
            // count while we were behind, or compressed as something we cannot read). A rotated
            // file that begins later than it began comes after it, oldest first (by its first
            // line, not against the finished file's last: a late write to a file already renamed
            // makes the two overlap); else the live file does.
            Found next = firstNewer(siblings, done, live, skips);
            return next != null ? next : liveFromStart;
        }
        RotatedSiblings.Sibling failed = null;
        for (RotatedSiblings.Sibling s : siblings) {
            if (s.generation() <= generation || live != null && s.key().equals(live.key())) {
                continue;
            }
            try {
                OpenLog next = openListed(s);
                if (failed != null && failed.generation() == s.generation()) {
                    skips.remove(skips.size() - 1); // its other form (plain or .gz) serves
                }
                return new Found(next, false, 0);
            } catch (DirectoryChanged e) {
                throw e;
            } catch (IOException e) {
                skips.add(new LogGap(null, -1, "rotated file " + s.path() + " could not be read (" + e
                        + ") and is skipped"));
                failed = s;
            }
        }
        return liveFromStart;
    }

    /**
     * The oldest rotated file that begins later than the finished file began and is not that file,
     * opened at its start; null if none does, or when the finished file's first time is unknown.
     */
    private Found firstNewer(List<RotatedSiblings.Sibling> siblings, LogPosition done, OpenLog live,
                             List<LogGap> skips) throws IOException {
        if (finishedStamp == null) {
            return null;
        }
        for (RotatedSiblings.Sibling s : siblings) {
            if (live != null && s.key().equals(live.key())) {
                continue;
            }
            OpenLog log = null;
            try {
                log = openListed(s);
                String first = log.firstStamp();
                if (first != null && first.compareTo(finishedStamp) > 0 && !log.startsLike(done)) {
                    OpenLog found = log;
                    log = null;
                    return new Found(found, false, 0);
                }
            } catch (DirectoryChanged e) {
                throw e;
            } catch (IOException e) {
                skips.add(new LogGap(null, -1, "rotated file " + s.path() + " could not be read (" + e
                        + ") and is skipped"));
            } finally {
                closeQuietly(log);
            }
        }
        return null;
    }

    /**
     * Whether the path names another file than the live file being read, because it was renamed
     * away. While the path names nothing, the old file is kept: the new one is not there yet, and
     * anything still written to the old one is better read than reported lost.
     */
    private boolean rotatedAway() throws IOException {
        FileKey now;
        try {
            now = FileKey.of(path);
        } catch (NoSuchFileException e) {
            now = null;
        }
        if (current.key().equals(now)) {
            state = State.FOLLOWING;
            return false;
        }
        state = State.DRAINING;
        if (now == null) {
            // Still the newest file there is: keep treating it as the log, and look again.
            detail = path + " was renamed or removed; reading the rest of " + current + " until a new log appears";
            return false;
        }
        detail = path + " was rotated; reading the rest of " + current;
        currentIsLive = false;
        lastReadAt = System.nanoTime(); // the grace period starts when the new log is seen
        return true;
    }

    /**
     * Whether a rotated plain file at its end is done: no bytes for {@link Options#rotationGrace()},
     * or, if the system says so, not changed (written or renamed: both set its ctime) for that long.
     * The second spares the wait for files rotated long ago, when resuming.
     */
    private boolean settled() {
        if (System.nanoTime() - lastReadAt >= graceNanos) {
            return true;
        }
        try {
            Map<String, Object> a = Files.readAttributes(current.path(), "unix:dev,ino,ctime");
            FileKey key = new FileKey((Long) a.get("dev"), (Long) a.get("ino"));
            Instant changed = ((FileTime) a.get("ctime")).toInstant();
            return key.equals(current.key())
                    && Duration.between(changed, Instant.now()).compareTo(options.rotationGrace()) >= 0;
        } catch (IOException e) {
            return false; // renamed again meanwhile: it has just changed
        }
    }

    /** Whether the live file still holds what was read of it: not shorter, and its first bytes the same. */
    private boolean intact() throws IOException {
        long size = current.size();
        if (size < cutter.readEnd() || !current.headUnchanged()) {
            return false;
        }
        sizeSeen = Math.max(sizeSeen, size);
        return true;
    }

    /**
     * Checks the live file for truncation (copytruncate), and if it was truncated, moves to its
     * copy or to its new start; false, to look again later, while logrotate changes the directory.
     */
    private boolean truncated() throws IOException {
        long read = cutter.readEnd();
        if (intact()) {
            return false;
        }
        LogPosition lost = current.position(cutter.lineStart());
        // Not only the bytes read past the last line: a follower far behind saw the file hold more.
        long unread = Math.max(read, sizeSeen) - cutter.lineStart();
        // Find the copy before letting go of anything, so that a failure here is retried.
        Found copy;
        try {
            copy = locate(lost, null, RotatedSiblings.of(path), true);
        } catch (DirectoryChanged e) {
            return false; // logrotate is busy in the directory: look again at the next poll
        }
        OpenLog old = current;
        current = null;
        closeQuietly(old);
        if (copy != null) {
            switchTo(copy.log(), false, copy.offset());
            return true;
        }
        if (unread > 0) {
            gap(lost, unread, old + " was truncated (copytruncate?) and no rotated copy of it was found;"
                    + " the " + unread + " bytes it held after the last line read are lost");
        }
        finished = null; // the loop opens the live file from its start
        return true;
    }

    /** Done with current: returns its unfinished last line, if any, and watches it for late writes. */
    private void finish(List<LogLine> lines) throws IOException {
        LogLine rest = cutter.takeRest(current);
        if (rest != null) {
            lines.add(rest);
        }
        finished = current.position(cutter.lineStart());
        finishedStamp = current.firstStamp();
        position = finished;
        if (current.compressed() || options.lateWriteWatch().isZero()) {
            closeQuietly(current);
        } else {
            retired.add(new Retired(current, cutter.lineStart(),
                    System.nanoTime() + options.lateWriteWatch().toNanos()));
        }
        current = null;
    }

    /** Reports bytes that reached a file after the follower left it. */
    private void watchRetired(long now) {
        for (Iterator<Retired> it = retired.iterator(); it.hasNext(); ) {
            Retired r = it.next();
            try {
                long size = r.log.size();
                if (size > r.size) {
                    gap(r.log.position(r.size), size - r.size, (size - r.size) + " bytes were appended to "
                            + r.log + ", since rotated away, after the follower had finished it and moved on;"
                            + " a writer kept it open longer than rotationGrace (" + options.rotationGrace() + ")");
                    r.size = size;
                }
            } catch (IOException e) {
                r.size = Long.MAX_VALUE; // cannot tell any more: stop watching
            }
            if (now - r.until >= 0 || r.size == Long.MAX_VALUE) {
                closeQuietly(r.log);
                it.remove();
            }
        }
    }

    // ---------------------------------------------------------------- finding files

    /**
     * Finds the file {@code p} points into, among the live file and its rotated siblings, opened
     * and positioned at {@code p}'s offset; null if none matches.
     *
     * <p>In order of trust: a plain file with {@code p}'s inode and first bytes; a plain file
     * with its first bytes (a copy, or the same file on a renumbered device); a compressed file
     * with its first bytes. A candidate must also be at least as long as the offset. A position
     * with no guard bytes (nothing was ever read from an empty file) can only match by inode.
     *
     * @throws DirectoryChanged if a listed file was renamed before it could be looked at
     */
    private static Found locate(LogPosition p, OpenLog live, List<RotatedSiblings.Sibling> siblings, boolean seek)
            throws IOException {
        if (live != null && live.key().names(p) && live.startsLike(p) && live.seek(p.offset())) {
            return new Found(live, true, p.offset());
        }
        for (RotatedSiblings.Sibling s : siblings) {
            if (!s.compressed() && s.key().names(p)) {
                OpenLog log = matching(s, p, seek);
                if (log != null) {
                    return new Found(log, false, p.offset());
                }
            }
        }
        if (p.headLength() == 0) {
            return null;
        }
        if (live != null && live.startsLike(p) && live.seek(p.offset())) {
            return new Found(live, true, p.offset());
        }
        for (boolean compressed : new boolean[] {false, true}) {
            for (RotatedSiblings.Sibling s : siblings) {
                if (s.compressed() == compressed) {
                    OpenLog log = matching(s, p, seek);
                    if (log != null) {
                        return new Found(log, false, p.offset());
                    }
                }
            }
        }
        return null;
    }

    /**
     * Whether a follower started at {@code p} would find its file now: the log {@code path} names,
     * or a rotated file beside it (plain or gzip), as {@link #poll()} looks for it. True, to let
     * the follower decide, while logrotate keeps changing the directory.
     *
     * @throws IOException if the directory cannot be listed
     */
    static boolean findable(Path path, LogPosition p) throws IOException {
        for (int attempt = 1; attempt <= DIRECTORY_ATTEMPTS; attempt++) {
            OpenLog live = openIfThere(path);
            try {
                Found found = locate(p, live, RotatedSiblings.of(path), true);
                if (found != null && found.log() != live) {
                    closeQuietly(found.log());
                }
                return found != null;
            } catch (DirectoryChanged e) {
                // look again
            } finally {
                closeQuietly(live);
            }
        }
        return true;
    }

    /** The file {@code path} names, opened, or null if there is none (only rotated files, for now). */
    private static OpenLog openIfThere(Path path) throws IOException {
        try {
            return OpenLog.open(path, false);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Hands {@code line} the lines of the file {@code p} points into that come before {@code p},
     * in order: the log {@code path} names or a rotated file beside it, found as {@link #poll()}
     * finds it. False if it is not found (or logrotate kept renaming files meanwhile).
     *
     * @throws IOException if the directory cannot be listed or the file read
     */
    static boolean linesBefore(Path path, LogPosition p, Consumer<String> line)
            throws IOException {
        OpenLog live = openIfThere(path);
        try {
            Found found = locate(p, live, RotatedSiblings.of(path), false);
            if (found == null) {
                return false;
            }
            OpenLog log = found.log();
            try {
                log.seek(0); // a compressed file found without seeking has not been read yet
                try (LogLineReader reader = new LogLineReader(upTo(log, p.offset()))) {
                    String text;
                    while ((text = reader.readLine()) != null) {
                        line.accept(text);
                    }
                }
                return true;
            } finally {
                if (log != live) {
                    closeQuietly(log);
                }
            }
        } catch (DirectoryChanged e) {
            return false;
        } finally {
            closeQuietly(live);
        }
    }

    /** The bytes of {@code log} from where it is up to {@code end}, as a stream that leaves it open. */
    private static InputStream upTo(OpenLog log, long end) {
        return new InputStream() {
            private long at;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (at >= end) {
                    return -1;
                }
                int r = log.read(b, off, (int) Math.min(len, end - at));
                if (r <= 0) {
                    return -1; // shorter than the position: it was checked to be long enough
                }
                at += r;
                return r;
            }
        };
    }

    /**
     * Opens {@code s} if it starts like {@code p} (and reaches its offset, if seeking); else null.
     * A file that cannot be read is not the one.
     */
    private static OpenLog matching(RotatedSiblings.Sibling s, LogPosition p, boolean seek) throws DirectoryChanged {
        OpenLog log = null;
        try {
            log = openListed(s);
            if (log.startsLike(p) && (!seek || log.seek(p.offset()))) {
                OpenLog found = log;
                log = null;
                return found;
            }
            return null;
        } catch (DirectoryChanged e) {
            throw e;
        } catch (IOException e) {
            return null;
        } finally {
            closeQuietly(log);
        }
    }

    /** Opens a listed file, making sure it is still the file that was listed under that name. */
    private static OpenLog openListed(RotatedSiblings.Sibling s) throws IOException {
        OpenLog log;
        try {
            log = OpenLog.open(s.path(), s.compressed());
        } catch (NoSuchFileException e) {
            throw new DirectoryChanged(s.path());
        }
        if (!log.key().equals(s.key())) {
            closeQuietly(log);
            throw new DirectoryChanged(s.path());
        }
        return log;
    }

    /** The generation of the finished file among {@code siblings}, or -1 if it is not there. */
    private static int generationOf(LogPosition done, List<RotatedSiblings.Sibling> siblings) throws IOException {
        for (RotatedSiblings.Sibling s : siblings) {
            if (!s.compressed() && s.key().names(done)) {
                return s.generation();
            }
        }
        if (done.headLength() == 0) {
            return -1;
        }
        for (RotatedSiblings.Sibling s : siblings) {
            OpenLog log = matching(s, done, false);
            if (log != null) {
                closeQuietly(log);
                return s.generation();
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- trouble

    private void gap(LogPosition from, long bytes, String reason) {
        pendingGaps.add(new LogGap(from, bytes, reason));
    }

    private void trouble(State s, String why) {
        state = s;
        detail = why + "; trying again";
        backoffNanos = backoffNanos == 0 ? pollNanos
                : Math.min(backoffNanos * 2, options.maxRetryInterval().toNanos());
        retryAt = System.nanoTime() + backoffNanos;
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing a read-only file loses nothing
        }
    }
}
