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
            List<Path> files = files();
            for (Path f : files) {
                if (!running) {
                    break;
                }
                try (InputStream in = open(f);
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

    /**
     * The rotated generations within retention, oldest first, up to the one holding {@code until}
     * (the live log, unless it was rotated since), which is read only up to {@code until}.
     */
    private List<Path> files() throws IOException {
        long cutoff = System.currentTimeMillis() - retentionDays * 86_400_000L;
        List<Path> files = new ArrayList<>();
        for (RotatedSiblings.Sibling s : RotatedSiblings.of(log)) {
            if (s.key().inode() == until.inode() && s.key().device() == until.device()) {
                files.add(s.path());
                return files;
            }
            if (Files.getLastModifiedTime(s.path()).toMillis() >= cutoff) {
                files.add(s.path());
            }
        }
        files.add(log);
        return files;
    }

    private InputStream open(Path f) throws IOException {
        FileKey key = FileKey.of(f);
        if (key.inode() != until.inode() || key.device() != until.device()) {
            return LogFiles.open(f);
        }
        return new FilterInputStream(Files.newInputStream(f)) {
            private long left = until.offset();

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
