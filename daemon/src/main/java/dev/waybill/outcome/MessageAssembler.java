package dev.waybill.outcome;

import dev.waybill.account.CpanelAccounts;
import dev.waybill.exim.AttemptKind;
import dev.waybill.exim.LineClass;
import dev.waybill.exim.LogEvent;
import dev.waybill.exim.LogEvent.Arrival;
import dev.waybill.exim.LogEvent.Attempt;
import dev.waybill.exim.LogEvent.QueueChange;
import dev.waybill.exim.LogEvent.Rejection;
import dev.waybill.exim.LogEvent.SenderIdentity;
import dev.waybill.exim.LogEvent.SpamVerdict;
import dev.waybill.exim.ParsedLine;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns parsed lines into outcomes: one per (message, recipient), one per SMTP-time rejection.
 *
 * <p>Rules:
 * <ul>
 *   <li>a deferral later followed by a delivery of the same address is a success, with the number
 *       of attempts;</li>
 *   <li>a delivery to {@code :blackhole:} or {@code /dev/null}, or through {@code **bypassed**},
 *       is filtered;</li>
 *   <li>a message's outcomes are emitted when Exim logs {@code Completed}; whatever is still open
 *       at {@link #finish()} (or when a message has been silent for longer than the horizon) goes
 *       out as it stands: deferred addresses as {@code defer}, recipients never attempted as
 *       {@code inprogress};</li>
 *   <li>a bounce ({@code <= <> R=id}) is linked both ways with the message it reports on;</li>
 *   <li>cPanel's spam-score and sender-identification lines, which Exim writes before the
 *       {@code <=} line, land on their message.</li>
 * </ul>
 *
 * <p>Two ways out. By default ({@code waybill parse}) a message's outcomes go to the sink once,
 * when it is done. In live mode ({@link #live()}, the daemon) every change is kept instead and
 * handed over by {@link #drainChanges}, so that the store can show a message in progress at once
 * and update its rows as lines arrive; rejections still go to the sink. Each outcome carries its
 * row number within the message, derived from its recipient ({@link #rowOf}), so that the same
 * recipient lands on the same row whichever lines of the message were read, in one run or several:
 * a log read in pieces (rotated files imported one at a time, or read after a restart that lost
 * the file with the arrival) addresses the rows a whole reading would.
 *
 * <p>Memory holds open messages only, bounded by the horizon (in log time) and a hard cap.
 * The log time that counts is the assembler's own clock, moved by the lines' times: a line stamped
 * more than a day away from it (a wrong stamp, such as a year in the future) moves nothing, so
 * one such line does not let go every open message; {@value #JUMP_LINES} such lines in a row
 * are a clock that was really set forward or back, and from there on the log's times are read
 * shifted by the jump, which counts as no time passing: the messages open across it are let go
 * once the log has gone on for the horizon after it.
 * Not thread-safe.
 */
public final class MessageAssembler {

    /** Default: a message silent for a week is let go (Exim's default retry gives up after 4 days). */
    public static final long DEFAULT_HORIZON_SECONDS = 7 * 24 * 3600;
    /** Default hard cap on messages held at once. */
    public static final int DEFAULT_MAX_OPEN = 1_000_000;
    /**
     * Row numbers of a message's outcomes are 1 to this minus one: three bytes of a row key,
     * below the numbers kept for rejections after DATA.
     */
    public static final int ROWS = 0xFF_0000;
    /** A line further than this from the assembler's clock is a wrong stamp or a jump, not time passing. */
    static final long LEAP_SECONDS = 24 * 3600;
    /** Lines in a row, each further than a day the same way, that make a jump of the log's clock. */
    static final int JUMP_LINES = 16;

    /**
     * The row of recipient {@code top} (a top-level address, as the arrival lists it; "" for a
     * message listing none) within its message: a hash of the address, case-insensitive, the same
     * in every reading of the log. Two recipients of one message that hash alike take the next
     * free row, in the order they are seen.
     */
    public static int rowOf(String top) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < top.length(); i++) {
            h = (h ^ Character.toLowerCase(top.charAt(i))) * 0x100000001b3L;
        }
        h ^= h >>> 29;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 32;
        return (int) Long.remainderUnsigned(h, ROWS - 1) + 1;
    }

    private final long horizonSeconds;
    private final int maxOpen;
    private final Consumer<Outcome> sink;
    private final LinkedHashMap<String, OpenMessage> open = new LinkedHashMap<>(1024, 0.75f, true);
    private final OutcomeBuilder builder;
    private long messages;
    private long evicted;
    /** The assembler's clock: the latest line time, shifted by {@link #skew}, that a line moved it to. */
    private long now = Long.MIN_VALUE;
    /** Added to a line's time after a jump of the log's clock, so that the jump counts as no time. */
    private long skew;
    /** Lines in a row further than a day from the clock, ahead ({@link #offAhead}) or behind. */
    private int offLines;
    private boolean offAhead;
    /** Live mode: messages changed since the last drain, in the order they changed. */
    private LinkedHashSet<OpenMessage> dirty;
    /** Where a finished message's rows that must go are sent (not in live mode: see {@link Changes}). */
    private Consumer<Outcome> retractions = o -> { };

    /** Where {@link #drainChanges} sends a message's current rows. */
    public interface Changes {
        /** The row's current state; {@link Outcome#row()} says which row of the message it is. */
        void upsert(Outcome row);

        /**
         * A placeholder row (a recipient listed on arrival) that no delivery ever claimed, in the
         * last state it was given to {@link #upsert}.
         */
        void retract(Outcome placeholder);
    }

    public MessageAssembler(CpanelAccounts accounts, long horizonSeconds, int maxOpen, Consumer<Outcome> sink) {
        if (horizonSeconds <= 0) {
            throw new IllegalArgumentException("horizon must be positive, got " + horizonSeconds);
        }
        if (maxOpen <= 0) {
            throw new IllegalArgumentException("maxOpen must be positive, got " + maxOpen);
        }
        this.horizonSeconds = horizonSeconds;
        this.maxOpen = maxOpen;
        this.sink = sink;
        this.builder = new OutcomeBuilder(accounts);
    }

    /** Attributes outcomes built from now on to {@code accounts} (cPanel's files were read again). */
    public void useAccounts(CpanelAccounts accounts) {
        builder.useAccounts(accounts);
    }

    /**
     * Not in live mode: where a finished message's rows that must go are sent — a placeholder
     * (an inprogress row) that an earlier reading of part of the log may have stored, which no
     * row of this reading takes over.
     */
    public MessageAssembler onRetract(Consumer<Outcome> retractions) {
        this.retractions = retractions;
        return this;
    }

    /** Switches to live mode: keep changes for {@link #drainChanges} instead of emitting finals. */
    public MessageAssembler live() {
        dirty = new LinkedHashSet<>();
        return this;
    }

    /**
     * Live mode: hands over the current rows of every message changed since the last call, and
     * forgets the messages that are done.
     */
    public void drainChanges(Changes changes) {
        for (OpenMessage m : dirty) {
            for (Branch b : m.branches) {
                changes.upsert(builder.attempted(m, b, m.done));
            }
            for (Map.Entry<String, Integer> p : m.placeholders.entrySet()) {
                String recipient = p.getKey().isEmpty() ? null : p.getKey();
                Outcome pending = builder.pending(m, recipient, p.getValue());
                Branch same = m.done && recipient != null ? builder.deliveredAs(m, recipient) : null;
                if (same != null) {
                    changes.upsert(builder.attempted(m, same, true, recipient, p.getValue()));
                } else if (m.done && m.removed()) {
                    changes.upsert(builder.abandoned(m, recipient, p.getValue()));
                } else if (m.done) {
                    changes.retract(pending);
                } else {
                    changes.upsert(pending);
                }
            }
            for (Map.Entry<String, Integer> p : m.retired.entrySet()) {
                changes.retract(builder.pending(m, p.getKey().isEmpty() ? null : p.getKey(), p.getValue()));
            }
            m.retired.clear();
        }
        dirty.clear();
    }

    /**
     * Live mode: forgets what changed since the last {@link #drainChanges}, as a drain whose rows
     * go nowhere would, without making them: for lines replayed after a restart, whose rows the
     * store has. Messages done meanwhile are let go, so that memory stays bounded by the open
     * messages however long the replay.
     */
    public void forgetChanges() {
        if (dirty == null) {
            return;
        }
        for (OpenMessage m : dirty) {
            m.retired.clear();
        }
        dirty.clear();
    }

    /** Live mode: how many messages changed since the last drain (0 otherwise). */
    public int changedMessages() {
        return dirty == null ? 0 : dirty.size();
    }

    /**
     * The position (as given to {@link #accept(ParsedLine, long)}) of the first line of the
     * oldest message still open, or -1 when none is: a reader that restarts there and replays
     * rebuilds exactly the state held now.
     */
    public long oldestOpenPosition() {
        long oldest = -1;
        for (OpenMessage m : open.values()) {
            if (m.firstPosition >= 0 && (oldest < 0 || m.firstPosition < oldest)) {
                oldest = m.firstPosition;
            }
        }
        return oldest;
    }

    /** Messages seen so far (distinct ids, counted when first seen). */
    public long messages() {
        return messages;
    }

    /** Messages let go because they were silent past the horizon or the cap was reached. */
    public long evicted() {
        return evicted;
    }

    /** Messages currently held. */
    public int openMessages() {
        return open.size();
    }

    /** Feeds one line. */
    public void accept(ParsedLine line) {
        accept(line, -1);
    }

    /** Feeds one line found at {@code position} (any number that grows along the log). */
    public void accept(ParsedLine line, long position) {
        if (line.time() != ParsedLine.NO_TIME) {
            advanceClock(line.time());
        }
        LogEvent event = line.event();
        String id = line.messageId();
        if (event instanceof Rejection r) {
            rejection(line, r);
            return;
        }
        if (id == null) {
            return;
        }
        OpenMessage m = open.get(id);
        if (line.lineClass() == LineClass.COMPLETED) {
            if (m != null) {
                open.remove(id);
                emit(m, true);
            }
            return;
        }
        if (event == null) {
            return; // context for a message: nothing changes its outcome
        }
        if (m == null) {
            m = new OpenMessage(id, position, line.time());
            open.put(id, m);
            messages++;
        }
        m.lastSeen = line.time();
        m.touched = now;
        changed(m);
        if (event instanceof Arrival a) {
            m.arrival = kept(a);
            m.arrivalTime = line.time();
            m.placeRecipients();
            if (a.bounceOf() != null) {
                OpenMessage original = open.get(a.bounceOf());
                if (original != null && original.reportedBy(id)) {
                    changed(original);
                }
            }
        } else if (event instanceof Attempt at) {
            attempt(m, at, line.time());
        } else if (event instanceof SpamVerdict v) {
            m.spamScore = v.score();
        } else if (event instanceof SenderIdentity si) {
            m.identity = si;
        } else if (event instanceof QueueChange q) {
            m.queueState = q;
        }
        evictSilent();
    }

    /**
     * Live mode: counts every open message as changed, so that the next {@link #drainChanges}
     * hands over the rows of all of them (what a replayed stretch built, when nobody wrote it).
     */
    public void markAllOpenChanged() {
        if (dirty == null) {
            throw new IllegalStateException("only in live mode");
        }
        dirty.addAll(open.values());
    }

    /** {@link #rowOf} {@code top}, or the first row after it that is not {@code taken} in its message. */
    public static int freeRow(String top, java.util.function.IntPredicate taken) {
        int row = rowOf(top);
        while (taken.test(row)) {
            row = row % (ROWS - 1) + 1;
        }
        return row;
    }

    /** Emits everything still open, as it stands. Call at the end of the input. */
    public void finish() {
        Iterator<OpenMessage> it = open.values().iterator();
        while (it.hasNext()) {
            OpenMessage m = it.next();
            it.remove();
            emit(m, false);
        }
    }

    /**
     * Moves the clock by a line stamped {@code time}: forward when it is ahead by up to a day;
     * not at all when it is further off, unless {@link #JUMP_LINES} lines in a row are off the same
     * way: then the log's clock was set, and its times are shifted from here on to read as now.
     */
    private void advanceClock(long time) {
        long t = time + skew;
        if (now == Long.MIN_VALUE) {
            now = t;
            return;
        }
        long ahead = t - now;
        if (ahead <= LEAP_SECONDS && ahead >= -LEAP_SECONDS) {
            now = Math.max(now, t);
            offLines = 0;
            return;
        }
        if (offLines == 0 || offAhead != ahead > 0) {
            offLines = 0;
            offAhead = ahead > 0;
        }
        if (++offLines == JUMP_LINES) {
            skew -= ahead;
            offLines = 0;
        }
    }

    private void evictSilent() {
        Iterator<OpenMessage> it = open.values().iterator();
        while (it.hasNext()) {
            OpenMessage eldest = it.next();
            if (open.size() <= maxOpen && now - eldest.touched <= horizonSeconds) {
                return;
            }
            it.remove();
            evicted++;
            emit(eldest, false);
        }
    }

    /**
     * Characters of a line's free text (a subject, a remote server's answer) an open message keeps:
     * more than the store's columns hold, and small enough that memory stays bounded by the count
     * of open messages when a spam run logs subjects of many kilobytes. The raw line keeps it all.
     */
    static final int KEPT_TEXT = 2_000;

    private static Arrival kept(Arrival a) {
        if (longer(a.subject()) || longer(a.headerId())) {
            return new Arrival(a.sender(), a.host(), a.ident(), a.protocol(), a.authenticator(), a.authId(),
                    a.size(), cut(a.headerId()), cut(a.subject()), a.bounceOf(), a.tls(), a.recipients());
        }
        return a;
    }

    private static Attempt kept(Attempt at) {
        if (longer(at.message()) || longer(at.confirmation())) {
            return new Attempt(at.kind(), at.address(), at.parents(), at.original(), at.router(), at.transport(),
                    at.host(), at.tls(), cut(at.confirmation()), at.errno(), cut(at.message()));
        }
        return at;
    }

    private static boolean longer(String s) {
        return s != null && s.length() > KEPT_TEXT;
    }

    private static String cut(String s) {
        if (!longer(s)) {
            return s;
        }
        return s.substring(0, Character.isHighSurrogate(s.charAt(KEPT_TEXT - 1)) ? KEPT_TEXT - 1 : KEPT_TEXT);
    }

    private void changed(OpenMessage m) {
        if (dirty != null) {
            dirty.add(m);
        }
    }

    private void attempt(OpenMessage m, Attempt at, long time) {
        String top = at.topLevel();
        Branch b = m.branch(top, at.address());
        b.attempts++;
        b.last = kept(at);
        b.lastTime = time;
    }

    private void rejection(ParsedLine line, Rejection r) {
        String id = line.messageId();
        Double spam = null;
        if (id != null) {
            OpenMessage m = open.remove(id); // rejected after DATA: no message was queued
            if (m != null) {
                spam = m.spamScore;
            }
        }
        sink.accept(builder.rejected(id, line.time(), r, spam));
    }

    /** A message is done ({@code completed}) or let go: its outcomes leave, as they stand. */
    private void emit(OpenMessage m, boolean completed) {
        if (dirty != null) {
            // Live mode: its rows were kept up to date; a completed one is finalised at the drain.
            if (completed) {
                m.done = true;
                dirty.add(m);
            }
            return;
        }
        for (Branch b : m.branches) {
            sink.accept(builder.attempted(m, b, completed));
        }
        for (Map.Entry<String, Integer> p : m.retired.entrySet()) {
            retractions.accept(builder.pending(m, p.getKey().isEmpty() ? null : p.getKey(), p.getValue()));
        }
        if (completed) {
            for (Map.Entry<String, Integer> p : m.placeholders.entrySet()) {
                String recipient = p.getKey().isEmpty() ? null : p.getKey();
                Branch same = recipient == null ? null : builder.deliveredAs(m, recipient);
                if (same != null) {
                    // Exim delivered to it once, logged under another recipient whose forwarder led there.
                    sink.accept(builder.attempted(m, same, true, recipient, p.getValue()));
                } else if (m.removed()) {
                    // Removed or cancelled by an administrator before Exim tried it.
                    sink.accept(builder.abandoned(m, recipient, p.getValue()));
                }
            }
            return;
        }
        // Recipients listed on arrival that no attempt mentions yet: still on their way.
        for (Map.Entry<String, Integer> p : m.placeholders.entrySet()) {
            sink.accept(builder.pending(m, p.getKey().isEmpty() ? null : p.getKey(), p.getValue()));
        }
    }

    /** A message not yet completed. */
    static final class OpenMessage {
        final String id;
        final long firstPosition;
        /**
         * When the first line of this message was seen: its time, or its id's if earlier, when the
         * arrival is not in the log.
         */
        final long firstSeen;
        Arrival arrival;
        long arrivalTime = Long.MIN_VALUE;
        long lastSeen;
        /** The assembler's clock when a line of this message was last read: what silence is measured from. */
        long touched;
        Double spamScore;
        SenderIdentity identity;
        QueueChange queueState;
        /** The bounce sent when an administrator gave the message up ({@code exim -Mg}). */
        String givenUpBounce;
        /** In the order first attempted; a handful per message, so a list beats a map. */
        final List<Branch> branches = new ArrayList<>(2);
        /**
         * Recipients listed on arrival that no attempt has claimed yet, with their row numbers;
         * the key "" stands for a message that listed none.
         */
        final Map<String, Integer> placeholders = new LinkedHashMap<>(2);
        /** Placeholders whose row an attempt did not take over, to be removed where stored. */
        final Map<String, Integer> retired = new LinkedHashMap<>(0);
        boolean done;

        OpenMessage(String id, long firstPosition, long firstSeen) {
            this.id = id;
            this.firstPosition = firstPosition;
            this.firstSeen = firstSeen;
        }

        /** Gives each recipient of the arrival line a row, until an attempt claims it. */
        void placeRecipients() {
            for (String rcpt : arrival.recipients()) {
                if (!hasRecipient(rcpt) && !placeholders.containsKey(rcpt)) {
                    placeholders.put(rcpt, freeRow(rcpt));
                }
            }
            if (placeholders.isEmpty() && branches.isEmpty()) {
                placeholders.put("", freeRow(""));
            }
        }

        /**
         * The row of a new branch: its recipient's own row ({@link #rowOf}), where its placeholder
         * was, for the first branch of a recipient; a further branch of it (an alias's second
         * target) has a row from the recipient and the address it went to. So a recipient has the
         * same rows in every reading of the log, whichever of the message's lines it read. A
         * message that listed no recipients had an anonymous placeholder instead, and one whose
         * arrival was not read may have had one stored by an earlier reading: it goes.
         */
        private int claimRow(String top, String address) {
            Integer anonymous = placeholders.remove("");
            if (anonymous != null || arrival == null && branches.isEmpty()) {
                retired.put("", anonymous != null ? anonymous : rowOf(""));
            }
            for (Map.Entry<String, Integer> p : placeholders.entrySet()) {
                if (p.getKey().equalsIgnoreCase(top)) {
                    placeholders.remove(p.getKey());
                    return p.getValue();
                }
            }
            return freeRow(hasRecipient(top) ? top + "\n" + localPart(address) : top);
        }

        private int freeRow(String top) {
            return MessageAssembler.freeRow(top, this::taken);
        }

        private boolean taken(int row) {
            if (placeholders.containsValue(row)) {
                return true;
            }
            for (Branch b : branches) {
                if (b.row == row) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The branch for (top-level address, delivered address). A real Exim may log a deferred
         * local delivery as {@code bob@example.com} and its later success as {@code bob}, so an
         * unfinished branch of the same top-level address and local part is the same branch when
         * one of the two was logged without its domain. Two whole addresses at different domains
         * ({@code info@a.example}, {@code info@b.example}, one forwarder's targets) are two branches.
         */
        Branch branch(String top, String address) {
            for (Branch b : branches) {
                if (b.top.equals(top) && b.last.address().equals(address)) {
                    return b;
                }
            }
            String local = localPart(address);
            boolean whole = address.indexOf('@') >= 0;
            for (Branch other : branches) {
                if (other.top.equalsIgnoreCase(top) && !other.finished()
                        && !(whole && other.last.address().indexOf('@') >= 0
                                && !other.last.address().equalsIgnoreCase(address))
                        && localPart(other.last.address()).equalsIgnoreCase(local)) {
                    return other;
                }
            }
            Branch b = new Branch(top, claimRow(top, address));
            branches.add(b);
            return b;
        }

        /**
         * A message that names this one in {@code R=} arrived: the bounce reporting the failures
         * that no earlier bounce reported. Exim sends one per delivery run that failed addresses;
         * a delay warning names the message too, but comes after no new failure, so it links
         * nothing. After an administrator gave the message up ({@code exim -Mg}), the bounce
         * reports every address not delivered. Whether anything took the id.
         */
        boolean reportedBy(String bounceId) {
            boolean givenUp = removed();
            boolean linked = false;
            for (Branch b : branches) {
                AttemptKind kind = b.last.kind();
                boolean failed = kind == AttemptKind.FAILED || givenUp && kind == AttemptKind.DEFERRED;
                if (failed && b.bounceId == null) {
                    b.bounceId = bounceId;
                    linked = true;
                }
            }
            if (givenUp && givenUpBounce == null) {
                givenUpBounce = bounceId;
                linked = true;
            }
            return linked;
        }

        /** Whether an administrator removed or cancelled the message ({@code removed by}, {@code cancelled by}). */
        boolean removed() {
            return queueState != null && queueState.change() == LineClass.REMOVED;
        }

        boolean hasRecipient(String rcpt) {
            for (Branch b : branches) {
                if (b.top.equalsIgnoreCase(rcpt)) {
                    return true;
                }
            }
            return false;
        }

        private static String localPart(String address) {
            int at = address.lastIndexOf('@');
            return at < 0 ? address : address.substring(0, at);
        }
    }

    /** One delivery path of a message: a top-level recipient and where it ended up. */
    static final class Branch {
        final String top;
        final int row;
        Attempt last;
        long lastTime;
        int attempts;
        /** The bounce that reported this branch's failure. */
        String bounceId;

        Branch(String top, int row) {
            this.top = top;
            this.row = row;
        }

        boolean finished() {
            return last != null && last.kind() != AttemptKind.DEFERRED;
        }
    }
}
