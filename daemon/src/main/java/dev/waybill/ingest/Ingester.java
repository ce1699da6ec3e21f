package dev.waybill.ingest;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.ParsedLine;
import dev.waybill.outcome.MessageAssembler;
import dev.waybill.outcome.Outcome;
import dev.waybill.store.DeliveryStore;
import dev.waybill.store.RowBatch;
import dev.waybill.store.RowKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns parsed lines into batches for the store: the assembler in live mode keeps every
 * message's rows current, and each batch carries the rows changed since the last one, the raw
 * lines of messages, and (for a followed log) the position reached — all committed together.
 *
 * <p>Replay: after a restart the reader starts again at the first line of the oldest message
 * that was still open, so that the assembler rebuilds what it held; lines up to the committed
 * position are fed as replayed: they rebuild that state and are not written again.
 */
public final class Ingester {

    private final String server;
    private CpanelAccounts accounts;
    private final MessageAssembler assembler;
    private final boolean live;
    private RowBatch batch;
    private boolean replaying;
    private ParsedLine current;
    /** The line being fed, replayed or not. */
    private ParsedLine fed;
    /** The second of the last rejection, and how many times each rejection line came in it. */
    private long rejectionSecond = Long.MIN_VALUE;
    private final Map<String, Integer> rejectionsInSecond = new HashMap<>();
    /** The second of the last line fed, and how many lines of each message came in it. */
    private long lineSecond = Long.MIN_VALUE;
    private final Map<String, Integer> linesInSecond = new HashMap<>();
    private long lines;

    public Ingester(String server, CpanelAccounts accounts, long horizonSeconds) {
        this(server, accounts, horizonSeconds, true);
    }

    private Ingester(String server, CpanelAccounts accounts, long horizonSeconds, boolean live) {
        this.server = server;
        this.accounts = accounts;
        MessageAssembler a = new MessageAssembler(accounts, horizonSeconds, MessageAssembler.DEFAULT_MAX_OPEN,
                live ? this::rejection : this::finished);
        this.assembler = live ? a.live() : a.onRetract(this::retract);
        this.live = live;
        this.batch = newBatch();
    }

    /** A batch of this reading: fresh if it writes each message once (see {@link RowBatch#fresh}). */
    private RowBatch newBatch() {
        RowBatch b = new RowBatch();
        b.fresh(!live);
        return b;
    }

    /**
     * An ingester that stores a message only once it is finished (completed, or silent past the
     * horizon), so each row is written once, not again at every batch its lines span. What is
     * still open at the end stays unwritten unless {@link #finishOpen} is called: a backfill that
     * stops where the live tail takes over leaves those to the tail; an import writes them last.
     */
    public static Ingester finishedOnly(String server, CpanelAccounts accounts, long horizonSeconds) {
        return new Ingester(server, accounts, horizonSeconds, false);
    }

    /** Finished-only: adds the messages still open, as they stand, to the current batch. */
    public void finishOpen() {
        if (live) {
            throw new IllegalStateException("a live ingester writes open messages at every batch");
        }
        assembler.finish();
    }

    /** A finished message's row, or a rejection (row 0). */
    private void finished(Outcome o) {
        if (o.row() == 0) {
            rejection(o);
        } else {
            batch.row(RowKey.ofMessage(o.msgid(), o.row()), o, owners(o));
        }
    }

    /** A placeholder row an earlier reading may have stored, which no row of this one takes over. */
    private void retract(Outcome placeholder) {
        batch.retract(RowKey.ofMessage(placeholder.msgid(), placeholder.row()), placeholder.sendunixtime(),
                owners(placeholder));
    }

    /**
     * Ends a replayed stretch before the next line comes: what it changed is not written. With
     * {@code writeOpen}, every message open now is written with the next batch — for a first
     * start, whose replayed stretch nobody else writes the open messages of.
     */
    public void endReplay(boolean writeOpen) {
        if (replaying) {
            assembler.forgetChanges();
            replaying = false;
        }
        if (writeOpen) {
            assembler.markAllOpenChanged();
        }
    }

    /** Uses {@code newAccounts} for what is stored from now on (cPanel's files changed). */
    public void useAccounts(CpanelAccounts newAccounts) {
        this.accounts = newAccounts;
        assembler.useAccounts(newAccounts);
    }

    /** Feeds one new line; {@code position} grows along the stream (or is -1 when not tracked). */
    public void accept(ParsedLine line, long position) {
        accept(line, position, false);
    }

    /**
     * Feeds one line. A {@code replayed} line was written before the restart: it only rebuilds
     * the assembler's state. Replayed lines come first, then new ones.
     */
    public void accept(ParsedLine line, long position, boolean replayed) {
        if (replaying && !replayed) {
            // Past the replayed part: what it changed is already in the store.
            assembler.forgetChanges();
        }
        replaying = replayed;
        current = replaying ? null : line;
        fed = line;
        int ordinal = ordinalInSecond(line);
        assembler.accept(line, position);
        if (replaying) {
            if (live) {
                // A replay may re-read days of log (from the oldest message open at the stop):
                // what it changes is in the store, and holding it until the first new line
                // would hold every message it finishes.
                assembler.forgetChanges();
            }
            return;
        }
        lines++;
        if (line.messageId() != null) {
            batch.line(line.messageId(), line.time(), ordinal, line.text());
        }
    }

    /**
     * How many lines of {@code line}'s message came before it in its second: what orders the
     * message's chunks of lines that begin in the same second, which the tail commits apart. The
     * count goes on through a replay, so that a restart numbers them as one reading does.
     */
    private int ordinalInSecond(ParsedLine line) {
        if (line.messageId() == null) {
            return 0;
        }
        if (line.time() > lineSecond) {
            lineSecond = line.time();
            linesInSecond.clear();
        }
        return linesInSecond.merge(line.messageId(), 1, Integer::sum) - 1;
    }

    private void rejection(Outcome o) {
        // The same rejection twice in one second (a client repeating a refused command) is two
        // rows, as parse reports it: the second and later take their number into their key. The
        // count goes on through a replay, so a restart numbers them as one reading does (unless
        // it resumes between two of them).
        if (fed.time() != rejectionSecond) {
            rejectionSecond = fed.time();
            rejectionsInSecond.clear();
        }
        int n = rejectionsInSecond.merge(fed.text(), 1, Integer::sum);
        if (current != null) {
            batch.row(RowKey.ofRejection(server, o.msgid(), current.time(),
                    n == 1 ? current.text() : current.text() + "\n" + n), o, owners(o));
        }
    }

    /**
     * Characters of raw lines a batch holds at most before it is due, whatever its count of lines:
     * a backlog of lines tens of kilobytes long would otherwise make batches of hundreds of
     * megabytes, several of them in flight at once, and run the heap out.
     */
    static final long BATCH_CHARS = 4L << 20;

    /** Lines taken into the current batch so far. */
    public int pending() {
        return batch.size();
    }

    /** Whether the current batch is due for writing: {@code maxLines} lines, or {@link #BATCH_CHARS} of them. */
    public boolean due(int maxLines) {
        return batch.size() >= maxLines || batch.lineChars() >= BATCH_CHARS;
    }

    /** Lines fed (not counting replayed ones). */
    public long lines() {
        return lines;
    }

    /**
     * Closes the current batch: the rows changed since the last one (nothing of the replayed part),
     * and hands it over. The caller writes it, with a position if it follows a log.
     */
    public RowBatch takeBatch() {
        // A finished-only ingester added each message as it finished: nothing to drain.
        if (live && replaying) {
            assembler.forgetChanges(); // the store has all of this already
        } else if (live) {
            assembler.drainChanges(new MessageAssembler.Changes() {
                @Override
                public void upsert(Outcome row) {
                    batch.row(RowKey.ofMessage(row.msgid(), row.row()), row, owners(row));
                }

                @Override
                public void retract(Outcome placeholder) {
                    Ingester.this.retract(placeholder);
                }
            });
        }
        RowBatch done = batch;
        CpanelAccounts now = accounts;
        done.ownersFrom((user, deliveryuser, recipient) -> owners(now, user, deliveryuser, recipient));
        batch = newBatch();
        return done;
    }

    /** Messages changed since the last batch, held for it. */
    int heldChanges() {
        return assembler.changedMessages();
    }

    /** Where a restart must begin to rebuild the open messages, or -1 when none is open. */
    public long resumePosition() {
        return assembler.oldestOpenPosition();
    }

    /**
     * Who may see a row: the sender's account, the mailbox's, the account of the address written
     * to (a forwarder's owner), and the reseller of each ("@" + reseller). Only cPanel accounts:
     * system users such as {@code mailnull} (bounces) own nothing, since nobody signs in as them.
     */
    List<String> owners(Outcome o) {
        return owners(accounts, o.user(), o.deliveryuser(), o.recipient());
    }

    private static List<String> owners(CpanelAccounts accounts, String user, String deliveryuser, String recipient) {
        List<String> owners = new ArrayList<>(4);
        addAccount(accounts, owners, user);
        addAccount(accounts, owners, deliveryuser);
        addOwner(owners, accounts.ownerOfAddress(recipient));
        int users = owners.size();
        for (int i = 0; i < users; i++) {
            String reseller = accounts.ownerOfUser(owners.get(i));
            if (reseller != null && !reseller.equals("root") && !reseller.equals(owners.get(i))) {
                addOwner(owners, "@" + reseller);
            }
        }
        return owners;
    }

    private static void addAccount(CpanelAccounts accounts, List<String> owners, String user) {
        if (user != null && accounts.isUser(user)) {
            addOwner(owners, user);
        }
    }

    private static void addOwner(List<String> owners, String user) {
        if (user != null && !user.isEmpty() && !user.startsWith("-") && user.length() <= 64 && !owners.contains(user)) {
            owners.add(user);
        }
    }
}
