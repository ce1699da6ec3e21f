package dev.waybill.ingest;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.ParsedLine;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.store.DeliveryStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A first start's history: the rotated logs within retention, oldest first, then the live log
 * up to where the live tail took over ({@code until}) — written on a thread of its own while the
 * live tail goes on. It stores only messages that finished before {@code until}; those still open
 * there are the live tail's, which replayed them and writes them itself, so the two never write
 * the same row. Pending until done (recorded in the store), so a restart finishes it; reading a
 * file again lands on the same rows.
 */
final class Backfill implements Runnable {

    static final int BATCH_LINES = 10_000;

    private final Path log;
    private final LogPosition until;
    private final ZoneId zone;
    private final DeliveryStore store;
    private final CpanelAccounts accounts;
    private final int retentionDays;
    private final Consumer<String> say;
    private volatile boolean running = true;
    private volatile boolean done;

    Backfill(Path log, LogPosition until, ZoneId zone, DeliveryStore store, CpanelAccounts accounts, int retentionDays,
             Consumer<String> say) {
        this.log = log;
        this.until = until;
        this.zone = zone;
        this.store = store;
        this.accounts = accounts;
        this.retentionDays = retentionDays;
        this.say = say;
    }

    /** Asks the backfill to stop after the batch at hand; a restart finishes it. */
    void stop() {
        running = false;
    }

    boolean done() {
        return done;
    }

    @Override
    public void run() {
        String source = log.toString();
        long started = System.nanoTime();
        Ingester ingester = Ingester.finishedOnly(store.serverName(), accounts, MessageAssembler.DEFAULT_HORIZON_SECONDS);
        try (StoreWriter writer = new StoreWriter(store, say)) {
            List<Source> files = sources();
            for (Source src : files) {
                if (!running) {
                    break;
                }
                Path f = src.path();
                try (InputStream in = src.open();
                     ParsingReader reader = new ParsingReader(in, zone, f.getFileName().toString())) {
                    ParsedLine[] lines;
                    while (running && (lines = reader.next()) != null) {
                        for (ParsedLine p : lines) {
                            ingester.accept(p, -1);
                        }
                        if (ingester.pending() >= BATCH_LINES) {
                            writer.submit(ingester.takeBatch());
                        }
                    }
                } catch (IOException e) {
                    say.accept("backfill: " + f + ": " + e.getMessage() + "; the rest of that file is skipped");
                }
            }
            writer.submit(ingester.takeBatch());
            writer.flush();
            if (running) {
                store.backfillDone(source);
                done = true;
                say.accept(String.format("backfill done: %,d lines of %d file%s in %.0f s", ingester.lines(),
                        files.size(), files.size() == 1 ? "" : "s", (System.nanoTime() - started) / 1e9));
            }
        } catch (SQLException e) {
            say.accept("backfill stopped: the database refused a write (" + StoreWriter.oneLine(e)
                    + "); the next start finishes it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            say.accept("backfill stopped: " + e.getMessage() + "; the next start finishes it");
        }
    }

    /** A file to read, whole ({@code limit} -1) or up to {@code limit} bytes of its (uncompressed) text. */
    record Source(Path path, long limit) {

        InputStream open() throws IOException {
            InputStream in = LogFiles.open(path);
            return limit < 0 ? in : new FilterInputStream(in) {
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

    /**
     * The rotated generations within retention, oldest first, up to the one holding {@code until}
     * — the live log, unless it was rotated since (and perhaps compressed: then it is known by its
     * first bytes, as the follower knows it) — which is read only up to {@code until}.
     */
    List<Source> sources() throws IOException {
        long cutoff = System.currentTimeMillis() - retentionDays * 86_400_000L;
        List<Source> files = new ArrayList<>();
        for (RotatedSiblings.Sibling s : RotatedSiblings.of(log)) {
            if (isHandOver(s.path())) {
                files.add(new Source(s.path(), until.offset()));
                return files;
            }
            if (Files.getLastModifiedTime(s.path()).toMillis() >= cutoff) {
                files.add(new Source(s.path(), -1));
            }
        }
        // The live log, if it is still the hand-over file; if that file is gone, nothing past it is read.
        if (Files.exists(log) && isHandOver(log)) {
            files.add(new Source(log, until.offset()));
        }
        return files;
    }

    /**
     * Whether {@code f} is the file the hand-over position is in: its first bytes say so (an inode
     * alone does not, since a deleted file's number is soon given to a new one).
     */
    private boolean isHandOver(Path f) throws IOException {
        if (until.headLength() == 0) {
            // Handed over while still empty: only its own inode can tell (and nothing is read).
            FileKey key = FileKey.of(f);
            return key.inode() == until.inode() && key.device() == until.device();
        }
        try (InputStream in = LogFiles.open(f)) {
            byte[] head = in.readNBytes(until.headLength());
            return head.length == until.headLength()
                    && LogPosition.hashHead(head, head.length) == until.headHash();
        }
    }
}
