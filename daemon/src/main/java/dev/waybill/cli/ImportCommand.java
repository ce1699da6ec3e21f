package dev.waybill.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.waybill.account.CpanelAccounts;
import dev.waybill.config.ConfigException;
import dev.waybill.config.WaybillConfig;
import dev.waybill.exim.ParsedLine;
import dev.waybill.ingest.FileFeed;
import dev.waybill.ingest.ImportPlan;
import dev.waybill.ingest.Ingester;
import dev.waybill.ingest.LogFileInfo;
import dev.waybill.ingest.LogHead;
import dev.waybill.ingest.LogFiles;
import dev.waybill.ingest.ParsingReader;
import dev.waybill.ingest.StoreWriter;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.store.Database;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.ImportedFile;
import dev.waybill.store.RowBatch;
import java.io.FilterInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code waybill import}: backfills rotated logs into the database, oldest first, with progress
 * on a terminal and a summary at the end. Safe to run again: rows are keyed by what the log says,
 * so a file read twice lands on the same rows; files already imported are skipped unless forced.
 */
final class ImportCommand {

    static final String USAGE = """
            Usage: waybill import [options] FILE...

            Imports Exim main logs (plain or gzip) into the database, in time order whatever the
            order given. A file read before (by an import, the daemon's first start, or the
            daemon's tail once rotated) is skipped: known by its first bytes, compressed or not,
            unless it has grown since.

            Options:
              --config FILE   configuration file (default /etc/waybill/waybill.conf)
              --force         import files even if they were imported before
              --quiet         no progress line, only the summary
              -h, --help      show this text
            """;

    /** Lines per transaction: large enough to be fast, small enough to keep memory flat. */
    static final int BATCH_LINES = 10_000;

    /**
     * Each batch is written as two transactions at once, on two connections: the delivery rows,
     * and their owner entries with the raw lines (see RowBatch.split). An import may split its
     * transactions, since reading a file again lands on the same rows.
     */
    static final int WRITER_LANES = 2;

    private ImportCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path configFile = null;
        boolean force = false;
        boolean quiet = false;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--force" -> force = true;
                case "--quiet" -> quiet = true;
                case "--config" -> {
                    if (++i >= args.length) {
                        err.println("waybill import: --config needs a value");
                        return 2;
                    }
                    configFile = Path.of(args[i]);
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        err.println("waybill import: unknown option '" + args[i] + "'");
                        return 2;
                    }
                    files.add(Path.of(args[i]));
                }
            }
        }
        if (files.isEmpty()) {
            err.println("waybill import: no log file given");
            return 2;
        }
        WaybillConfig config;
        try {
            config = WaybillConfig.load(configFile).requireDatabase();
        } catch (ConfigException e) {
            err.println("waybill import: " + e.getMessage());
            return 2;
        }
        config.warnings().forEach(w -> err.println("waybill import: warning: " + w));
        if (config.serverIdNote() != null) {
            err.println("waybill import: warning: " + config.serverIdNote());
        }
        HikariDataSource pool;
        try {
            pool = Database.open(config, "waybill-import");
        } catch (ConfigException e) {
            err.println("waybill import: " + e.getMessage());
            return 2;
        }
        try (HikariDataSource ds = pool) {
            DeliveryStore store = new DeliveryStore(ds, config.serverId());
            try {
                store.prepare();
            } catch (SQLException e) {
                err.println("waybill import: cannot use the database at " + config.dbUrl() + ": "
                        + StoreWriter.oneLine(e));
                return 1;
            }
            return new Run(config, store, force, quiet, out, err).importAll(files);
        }
    }

    /** One import run. */
    private static final class Run {
        final WaybillConfig config;
        final DeliveryStore store;
        final boolean force;
        final PrintStream out;
        final PrintStream err;
        final Progress progress;
        int status;
        /** The record of the file read last, not yet submitted: see {@link #recordHeld}. */
        ImportedFile lastRecord;

        Run(WaybillConfig config, DeliveryStore store, boolean force, boolean quiet, PrintStream out, PrintStream err) {
            this.config = config;
            this.store = store;
            this.force = force;
            this.out = out;
            this.err = err;
            this.progress = Progress.onTerminal(err, !quiet);
        }

        int importAll(List<Path> paths) {
            // Stopped (Ctrl-C, SIGTERM): end the progress line, and say what stays.
            java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
            Thread stopped = new Thread(() -> {
                if (!finished.get()) {
                    progress.clear();
                    err.println("waybill import: stopped before the end; what was committed stays, run the same"
                            + " import again to finish (files read to their end are skipped)");
                }
            }, "waybill-import-stopped");
            Runtime.getRuntime().addShutdownHook(stopped);
            try {
                return importAll(paths, finished);
            } finally {
                finished.set(true);
                try {
                    Runtime.getRuntime().removeShutdownHook(stopped);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs, and says nothing since the import finished
                }
            }
        }

        private int importAll(List<Path> paths, java.util.concurrent.atomic.AtomicBoolean finished) {
            List<LogFileInfo> infos = new ArrayList<>();
            Map<Path, Long> modified = new HashMap<>();
            Map<Path, Path> named = new HashMap<>();
            for (Path p : paths) {
                try {
                    Path first = named.putIfAbsent(p.toRealPath(), p);
                    if (first != null) {
                        err.println("waybill import: " + p + ": the same file as " + first + "; read once");
                        continue;
                    }
                    if (!Files.isRegularFile(p) && !Files.isDirectory(p)) {
                        // A pipe would be read up to its end by the first look at it, and then
                        // waited on for ever; a device is no log.
                        err.println("waybill import: " + p + ": not a regular file (a pipe or a device); skipped"
                                + " (save it to a file first)");
                        status = 1;
                        continue;
                    }
                    long lastWritten = Files.getLastModifiedTime(p).toMillis();
                    if (Files.isRegularFile(p) && lastWritten / 1000 < retentionCutoff() - HORIZON) {
                        // Written to last before the retention window, by more than a message may
                        // stay open: every row it holds would be removed by the daemon's next
                        // retention pass, and no message in the window began in it (a file
                        // closer to the window is read, or replayed, for those). A directory, however
                        // old, is said to be one below.
                        err.println("waybill import: " + p + ": " + olderThanRetention() + "; skipped");
                        continue;
                    }
                    LogFileInfo info = LogFileInfo.of(p, config.logTimezone());
                    if (info.firstTime() != ParsedLine.NO_TIME) {
                        infos.add(info);
                        modified.put(p, lastWritten);
                    } else if (info.head().length() == 0) {
                        err.println("waybill import: " + p + ": empty, nothing to import");
                    } else {
                        err.println("waybill import: " + p + ": not an Exim main log (no line of its first "
                                + LogFileInfo.FIRST_TIME_BYTES / 1024 + " KB begins with a date and time); skipped");
                        status = 1;
                    }
                } catch (IOException e) {
                    err.println("waybill import: " + p + ": " + ParseCommand.describe(e) + "; skipped");
                    status = 1;
                }
            }
            // Oldest first, so that a message straddling two files is assembled as one. Of files
            // that begin in the same second (a log rotated within the second it began), the one
            // written to last earlier first: the newer began after it. Of files that begin alike
            // (a log and an earlier copy of it), which are placed together, the one with the most
            // text first: the others, which it holds, are then passed over as its text, not read
            // again into the same messages, whose attempts would count twice.
            Map<LogHead, Long> written = new HashMap<>();
            for (LogFileInfo f : infos) {
                written.merge(f.head(), modified.get(f.path()), Math::min);
            }
            infos.sort(Comparator.comparingLong(LogFileInfo::firstTime)
                    .thenComparingLong(f -> written.get(f.head()))
                    .thenComparing(Comparator.comparingLong(LogFileInfo::textSize).reversed()));
            CpanelAccounts accounts;
            try {
                accounts = CpanelAccounts.read(config.cpanelRoot());
            } catch (IOException e) {
                err.println("waybill import: cannot read cPanel account files under " + config.cpanelRoot() + ": " + e);
                return 1;
            }
            // A message's rows are written when it finishes, once; those still open at the end, last.
            Ingester ingester = Ingester.finishedOnly(store.serverName(), accounts,
                    MessageAssembler.DEFAULT_HORIZON_SECONDS);
            long started = System.nanoTime();
            int imported = 0;
            int partly = 0;
            int skipped = 0;
            try (StoreWriter writer = new StoreWriter(store, line -> {
                progress.clear();
                err.println("waybill import: " + line);
            }, Math.min(WRITER_LANES, config.dbPoolSize()))) {
                writer.whileHeld(() -> progress.held(writer.outage() != null ? writer.writingSince() : 0));
                // Files read before (by an import or the daemon's first-start backfill) are skipped,
                // the last of them replayed for the messages that go on into the next file. Forced,
                // no file was read before; the same text twice in this run is still read once.
                ImportPlan.Records records = force ? fingerprint -> null : store::importedFile;
                List<ImportPlan.Step> steps = ImportPlan.of(infos, null, records, MessageAssembler.DEFAULT_HORIZON_SECONDS);
                long replayed = 0;
                long toRead = 0;
                for (int i = 0; i < infos.size(); i++) {
                    toRead += steps.get(i) == ImportPlan.Step.READ ? infos.get(i).textSize() : 0;
                }
                progress.total(toRead);
                boolean reading = false;
                for (int i = 0; i < infos.size(); i++) {
                    LogFileInfo f = infos.get(i);
                    ImportPlan.Step step = steps.get(i);
                    if (step == ImportPlan.Step.SKIP && reading) {
                        // Past the first file read, only the same text as a file of this run is passed over.
                        progress.clear();
                        err.println("waybill import: " + f.path() + ": the same text as " + sameText(infos, i)
                                + "; read once");
                        continue;
                    }
                    if (step != ImportPlan.Step.READ) {
                        progress.clear();
                        err.println("waybill import: " + f.path() + ": imported before, skipped (use --force to read it again)");
                        skipped++;
                        if (step == ImportPlan.Step.REPLAY) {
                            progress.replaying(i + 1, infos.size(), f);
                            replayed += replay(f, ingester, writer);
                        }
                        continue;
                    }
                    reading = true;
                    recordHeld(writer);
                    progress.file(i + 1, infos.size(), f);
                    Read read = importOne(f, ingester, writer);
                    if (read == Read.WHOLE) {
                        imported++;
                    } else {
                        partly += read == Read.PART ? 1 : 0;
                        status = 1;
                    }
                }
                ingester.finishOpen();
                RowBatch last = ingester.takeBatch();
                if (lastRecord != null) {
                    last.imported(lastRecord);
                }
                writer.submit(last);
                writer.flush();
                finished.set(true);
                progress.clear();
                double seconds = (System.nanoTime() - started) / 1e9;
                out.printf("imported %s, %s, %s in %.1f s (%,.0f lines/s)%s%n", files(imported, partly),
                        counted(ingester.lines() - replayed, "line"), rows(writer), seconds,
                        seconds > 0 ? (ingester.lines() - replayed) / seconds : 0.0,
                        skipped > 0 ? "; " + skipped + " already imported" : "");
                // Rows left out are missing until the database takes them and the file is read again (--force).
                return writer.rowsLeftOut() > 0 ? 1 : status;
            } catch (SQLException e) {
                progress.clear();
                err.println("waybill import: the database refused a write: " + StoreWriter.oneLine(e)
                        + "; what was committed before stays");
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("waybill import: interrupted; what was committed stays, run it again to finish");
                return 1;
            }
        }

        /** The earlier file of the run that begins as file {@code i} does. */
        private static Path sameText(List<LogFileInfo> infos, int i) {
            for (int j = 0; j < i; j++) {
                if (infos.get(j).head().equals(infos.get(i).head())) {
                    return infos.get(j).path();
                }
            }
            return infos.get(i).path();
        }

        /** Why a file whose mail is all past {@code retention.days} is not (or not recorded as) imported. */
        private String olderThanRetention() {
            return "all of its mail is older than retention.days (" + config.retentionDays() + " days, and the "
                    + HORIZON / 86_400 + " days a message may stay open), so the daemon's retention would remove it"
                    + " at once; raise retention.days to keep older mail";
        }

        /** How long a message may stay open: a file this much older than the window may still start one in it. */
        private static final long HORIZON = MessageAssembler.DEFAULT_HORIZON_SECONDS;

        /** Epoch seconds before which rows are past {@code retention.days}. */
        private long retentionCutoff() {
            return System.currentTimeMillis() / 1000 - config.retentionDays() * 86_400L;
        }

        /** "223,940 rows", or "223,938 rows stored and 2 left out (said above)": what the summary says was written. */
        private static String rows(StoreWriter writer) {
            String stored = counted(writer.rows(), "row");
            return writer.rowsLeftOut() == 0 ? stored
                    : String.format("%s stored and %,d left out (said above)", stored, writer.rowsLeftOut());
        }

        /** "1 row", "2 rows": {@code n} of {@code what}, in the plural unless one. */
        private static String counted(long n, String what) {
            return String.format("%,d %s%s", n, what, n == 1 ? "" : "s");
        }

        /** "2 files", "part of 1 file", "2 files and part of 1 more": what the summary says was read. */
        private static String files(int whole, int partly) {
            String wholeFiles = whole + (whole == 1 ? " file" : " files");
            if (partly == 0) {
                return wholeFiles;
            }
            return whole == 0 ? "part of " + partly + (partly == 1 ? " file" : " files")
                    : wholeFiles + " and part of " + partly + " more";
        }

        private Read importOne(LogFileInfo f, Ingester ingester, StoreWriter writer)
                throws InterruptedException, SQLException {
            AtomicLong consumed = new AtomicLong();
            AtomicLong textRead = new AtomicLong();
            try (FileChannel file = FileChannel.open(f.path());
                 InputStream raw = new CountingStream(Channels.newInputStream(file), consumed, false);
                 InputStream text = new BufferedInputStream(
                         new CountingStream(LogFiles.decompressing(raw), textRead, true), LogHead.BYTES)) {
                if (!LogHead.peek(text).equals(f.head())) {
                    // Renamed over by logrotate since the run began: its record would name other text.
                    err.println("waybill import: " + f.path() + ": no longer begins as it did when the import began"
                            + " (rotated meanwhile?); not read, run the import again");
                    return Read.NONE;
                }
                return read(f, file, text, consumed, textRead, ingester, writer);
            } catch (IOException e) {
                progress.clear();
                err.println("waybill import: " + f.path() + ": " + ParseCommand.describe(e));
                return Read.NONE;
            }
        }

        private Read read(LogFileInfo f, FileChannel file, InputStream text, AtomicLong consumed, AtomicLong textRead,
                          Ingester ingester, StoreWriter writer) throws InterruptedException, SQLException {
            FileFeed feed = new FileFeed();
            // A plain file may be a log still being written: its last line, until it ends, is not one.
            try (ParsingReader reader = new ParsingReader(text, config.logTimezone(), f.path().getFileName().toString(),
                    !f.compressed())) {
                feed.feed(reader, ingester, writer, BATCH_LINES, () -> true,
                        () -> progress.update(ingester.lines(), consumed.get(), textRead.get()));
                RowBatch end = ingester.takeBatch();
                // The size of the file read, whatever its name is now: logrotate may have renamed
                // it meanwhile (nothing lost), or emptied it after copying it (copytruncate).
                long now = sizeNow(file);
                if (now >= 0 && now < consumed.get()) {
                    // Emptied while read (logrotate's copytruncate): what was read is stored, but
                    // the file is not the one read any more, and its copy holds the rest.
                    writer.submit(end);
                    progress.clear();
                    err.println("waybill import: " + f.path() + " was emptied while being read (logrotate's"
                            + " copytruncate?): " + feed.lines() + " lines were imported; import its rotated copy and"
                            + " this file again for the rest");
                    return Read.partly(feed);
                }
                if (reader.heldBack() != null) {
                    progress.clear();
                    err.println("waybill import: " + f.path() + ": its last line has no newline yet (still being"
                            + " written, or cut short) and was left out; a later import reads the file again once it"
                            + " has grown (and a live log's line is stored by the daemon once it ends)");
                }
                if (feed.lastTime() != ParsedLine.NO_TIME && feed.lastTime() < retentionCutoff() - HORIZON) {
                    // Not recorded as read: once retention.days is raised, importing it again stores it.
                    writer.submit(end);
                    progress.clear();
                    err.println("waybill import: " + f.path() + ": " + olderThanRetention());
                    return Read.WHOLE;
                }
                if (feed.lines() > 0) { // nothing recorded of a file of one line still being written
                    lastRecord = feed.record(f.fingerprint(), f.path().toString(), reader.bytes());
                }
                writer.submit(end);
                return Read.WHOLE;
            } catch (IOException e) {
                progress.clear();
                err.println("waybill import: " + f.path() + ": " + ParseCommand.describe(e) + " after " + feed.lines()
                        + " lines; those were imported, the rest of the file was not");
                writer.submit(ingester.takeBatch());
                return Read.partly(feed);
            }
        }

        /**
         * Records the file read last, once the next is to be read: a run again replays it for the
         * messages still open at its end. The last file's record goes with those messages' rows,
         * written at the end: recorded before them, a run stopped between would skip the file the
         * next time, and nothing would write them.
         */
        private void recordHeld(StoreWriter writer) throws InterruptedException, SQLException {
            if (lastRecord != null) {
                RowBatch marks = new RowBatch();
                marks.imported(lastRecord);
                lastRecord = null;
                writer.submit(marks);
            }
        }

        /** Feeds a file imported before through, writing nothing: the lines fed (0 if it cannot be read). */
        private long replay(LogFileInfo f, Ingester ingester, StoreWriter writer)
                throws InterruptedException, SQLException {
            try {
                return ImportPlan.replay(f.path(), config.logTimezone(), ingester, writer, () -> {
                    progress.replayed();
                    return true;
                });
            } catch (IOException e) {
                err.println("waybill import: " + f.path() + ": " + ParseCommand.describe(e)
                        + "; messages going on from it into the next file may lack their start");
                return 0;
            }
        }
    }

    /** How much of a file an import stored: all of it, the lines before it failed, or nothing. */
    private enum Read {
        WHOLE, PART, NONE;

        static Read partly(FileFeed feed) {
            return feed.lines() > 0 ? PART : NONE;
        }
    }

    /** The open file's size now, or -1 if it cannot be had. */
    private static long sizeNow(FileChannel file) {
        try {
            return file.size();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Counts the bytes read from a file, or of the text it holds, for the progress line. Counting
     * a file, closing it leaves the file open: the readers on top close what they read when they
     * end, and the file's own size is asked after.
     */
    private static final class CountingStream extends FilterInputStream {
        private final AtomicLong count;
        private final boolean closes;

        CountingStream(InputStream in, AtomicLong count, boolean closes) {
            super(in);
            this.count = count;
            this.closes = closes;
        }

        @Override
        public void close() throws IOException {
            if (closes) {
                super.close();
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count.addAndGet(n);
            }
            return n;
        }
    }

    /**
     * The progress line on a terminal: the file being read, and for the whole import how much is
     * read (by bytes of text, of the files to be read: a compressed file weighs what it holds,
     * not its size on disk), lines per second and the time left. What a compressed file holds is
     * first taken from its gzip trailer, which keeps it only modulo 4 GiB; once it is being read,
     * from how much text each byte of it has given so far.
     */
    static final class Progress {
        /** File names are cut to this, so that the line fits a terminal of 80 columns. */
        private static final int NAME_WIDTH = 36;

        /** The line's longest text besides the file name: "[12/345] " and " 100%  1,234,567 lines/s  ETA 12:34". */
        private static final int REST_WIDTH = 43;

        /** A progress line on standard error if it is a terminal and {@code wanted}, as wide as the terminal. */
        static Progress onTerminal(PrintStream err, boolean wanted) {
            boolean enabled = wanted && terminal();
            return new Progress(err, enabled, enabled ? columns() : 80);
        }

        /** How wide the terminal of standard error is, as {@code stty} says; 80 if it cannot say. */
        private static int columns() {
            try {
                Path tty = Files.readSymbolicLink(Path.of("/proc/self/fd/2"));
                Process stty = new ProcessBuilder("stty", "size").redirectInput(tty.toFile())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String[] size = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                        .trim().split(" ");
                if (stty.waitFor() == 0 && size.length == 2 && Integer.parseInt(size[1]) > 0) {
                    return Integer.parseInt(size[1]);
                }
            } catch (IOException | RuntimeException e) {
                // no stty, or no size from it: the usual width
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 80;
        }

        /**
         * Whether standard error, where the line is drawn, is a terminal: {@code System.console()}
         * asks of standard input and output, which a redirection of either changes.
         */
        static boolean terminal() {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return System.console() != null; // no /proc: the best guess there is
            }
        }

        private final PrintStream err;
        private final boolean enabled;
        private final long started = System.nanoTime();
        private long total = 1;
        private long before;
        private long fileSize;
        private long fileText;
        private long text;
        private String label = "";
        private long lastPrint;
        private boolean shown;
        private double share;
        private int width;
        private final int columns;

        /** {@code columns}: the terminal's width; the line is kept to one less, so that it never wraps. */
        Progress(PrintStream err, boolean enabled, int columns) {
            this.err = err;
            this.enabled = enabled;
            this.columns = Math.max(2, columns);
        }

        /** The bytes of text, as far as they are known before reading, of every file the import will read. */
        void total(long bytes) {
            total = Math.max(1, bytes);
        }

        /**
         * A file read before, read again without writing for the messages going on from it into
         * the next: it is no part of the share done, but a week of them may take minutes.
         */
        void replaying(int index, int count, LogFileInfo f) {
            label(index, count, f);
            lastPrint = 0;
        }

        /** Says that the file of {@link #replaying} is being read. */
        void replayed() {
            long now = System.nanoTime();
            if (!enabled || now - lastPrint < 250_000_000L) {
                return;
            }
            lastPrint = now;
            print(label + "  read before, replaying it");
        }

        void file(int index, int count, LogFileInfo f) {
            // The file before is done: what was read of it stands for what it was thought to hold.
            before += text;
            total = Math.max(1, total + text - fileText);
            text = 0;
            fileSize = Math.max(1, f.size());
            fileText = Math.max(0, f.textSize());
            label(index, count, f);
        }

        private void label(int index, int count, LogFileInfo f) {
            String name = f.path().getFileName().toString();
            int nameWidth = Math.max(8, Math.min(NAME_WIDTH, columns - 1 - REST_WIDTH));
            if (name.length() > nameWidth) {
                name = "…" + name.substring(name.length() - nameWidth + 1);
            }
            label = "[" + index + "/" + count + "] " + name;
        }

        /** {@code bytes} of the file read so far, which gave {@code text} bytes of text. */
        void update(long lines, long bytes, long text) {
            this.text = text;
            if (!enabled) {
                return;
            }
            long now = System.nanoTime();
            if (now - lastPrint < 250_000_000L) {
                return;
            }
            lastPrint = now;
            double seconds = Math.max(1e-3, (now - started) / 1e9);
            // What the file holds, as far as the text its bytes read so far gave tells.
            double part = Math.min(1.0, bytes / (double) fileSize);
            double holds = part > 0 && text > 0 ? text / part : fileText;
            share = Math.min(1.0, (before + text) / Math.max(1.0, total - fileText + holds));
            long rate = Math.round(lines / seconds);
            long left = share > 0 ? Math.round(seconds / share - seconds) : 0;
            print(String.format("%s %3.0f%%  %,d lines/s  ETA %d:%02d", label, share * 100, rate, left / 60,
                    left % 60));
        }

        /**
         * While the writer holds the import back: once the database is slow or away (see
         * {@link StoreWriter#outage()}; {@code since}, in milliseconds since the epoch, when the
         * write it waits for began, else 0), the line says so and for how long, in place of a
         * rate and a time left that mean nothing then.
         */
        void held(long since) {
            long now = System.nanoTime();
            if (!enabled || since == 0 || now - lastPrint < 250_000_000L) {
                return;
            }
            lastPrint = now;
            print(String.format("%s %3.0f%%  waiting for the database, %d s", label, share * 100,
                    Math.max(0, System.currentTimeMillis() - since) / 1000));
        }

        private void print(String line) {
            // A line that wrapped would leave a row behind at each redraw, \r going back only to
            // the start of its last row.
            line = line.substring(0, Math.min(line.length(), columns - 1));
            // Padded to the longest line shown, so that a shorter one leaves nothing behind.
            width = Math.max(width, line.length());
            err.print("\r" + line + " ".repeat(width - line.length()));
            shown = true;
        }

        void clear() {
            if (shown) {
                err.print("\r" + " ".repeat(width) + "\r");
                shown = false;
            }
        }
    }
}
