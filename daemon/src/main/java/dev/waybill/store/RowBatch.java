package dev.waybill.store;

import dev.waybill.outcome.Outcome;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one transaction writes: rows (the latest state of each, once), retracted placeholder
 * rows, raw message lines, and optionally the log position those lines end at — committed
 * together, so that a crash leaves either all of it or none.
 */
public final class RowBatch {

    /** A row to insert or update, with the accounts (and resellers) who may see it. */
    record Row(RowKey key, Outcome outcome, List<String> owners) {
    }

    /**
     * Raw lines of one message read in this batch, and the first one's time, joined by newlines
     * as they come: one growing text, not a string per line kept until the batch is written, which
     * the collector would copy at every pass meanwhile. Identified within their message by the
     * first line's place among the message's lines of its second, then a hash of the lines taken
     * as they come: reading the same lines again makes the same chunk, which the store keeps once,
     * and a message's chunks that begin in the same second (the live tail commits several times a
     * second) sort by their id in the log's order.
     */
    static final class Chunk {
        /** The order of {@code message_log}'s primary key: the id as its collation compares it, then the time. */
        static final Comparator<Chunk> KEY_ORDER = Comparator.comparing((Chunk c) -> c.msgid, String.CASE_INSENSITIVE_ORDER)
                .thenComparingLong(c -> c.firstTime);

        final String msgid;
        final long firstTime;
        /** Lines of the message the reading saw in {@link #firstTime}'s second before this chunk's first. */
        final int ordinal;
        private final StringBuilder text = new StringBuilder(256);
        int lineCount;
        private long hash = 0xcbf29ce484222325L;

        Chunk(String msgid, long firstTime, int ordinal) {
            this.msgid = msgid;
            this.firstTime = firstTime;
            this.ordinal = ordinal;
        }

        void add(String line) {
            if (lineCount++ > 0) {
                text.append('\n');
            }
            text.append(line);
            // Each line's own hash and length, folded in: no second pass over the text.
            hash = (hash ^ line.hashCode()) * 0x100000001b3L;
            hash = (hash ^ line.length()) * 0x100000001b3L;
        }

        /** Characters of the lines, newlines included. */
        long chars() {
            return text.length();
        }

        String text() {
            return text.toString();
        }


        /**
         * Eight bytes naming this chunk among its message's (not a digest: nothing trusts it): the
         * ordinal in the first two, big-endian so that ids sort by it, and the hash in the rest.
         */
        byte[] id() {
            long h = hash;
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            byte[] b = new byte[8];
            for (int i = 7; i >= 2; i--) {
                b[i] = (byte) h;
                h >>>= 8;
            }
            int place = Math.min(ordinal, 0xFFFF);
            b[0] = (byte) (place >>> 8);
            b[1] = (byte) place;
            return b;
        }
    }

    /**
     * Who may see a row with these stored columns: the accounts rule of the reading that made the
     * batch, for rows that reading knows only part of (see {@link DeliveryStore}).
     */
    public interface Owners {
        List<String> of(String user, String deliveryuser, String recipient);
    }

    /** A row to remove, with the owner entries written for it. */
    record Retraction(RowKey key, long sendtime, List<String> owners) {
    }

    /** Where a followed log has been read up to, and where a restart must replay from. */
    record Position(String source, String position, String resume) {
    }

    /** The tables a batch writes: all of them, or one side of a {@link #split}. */
    enum Tables {
        ALL, DELIVERIES, OWNERS_AND_LINES;

        boolean deliveries() {
            return this != OWNERS_AND_LINES;
        }

        boolean ownersAndLines() {
            return this != DELIVERIES;
        }
    }

    // Not final: the parts of a split share them (see split()).
    Map<RowKey, Row> rows = new LinkedHashMap<>();
    Map<RowKey, Retraction> retracted = new LinkedHashMap<>();
    Map<String, Chunk> chunks = new LinkedHashMap<>();
    private int lineCount;
    private long lineChars;
    Position position;
    ImportedFile imported;
    Tables tables = Tables.ALL;
    /** Whether its rows are expected to be new to the store: see {@link #fresh(boolean)}. */
    boolean fresh;
    Owners ownersFrom = (user, deliveryuser, recipient) -> List.of();

    /** Adds or replaces a row; the last state given for a key is the one written. */
    public void row(RowKey key, Outcome outcome, List<String> owners) {
        retracted.remove(key);
        rows.put(key, new Row(key, outcome, owners));
    }

    /** Removes a row (a placeholder no delivery claimed) and its owner entries. */
    public void retract(RowKey key, long sendtime, List<String> owners) {
        rows.remove(key);
        retracted.put(key, new Retraction(key, sendtime, List.copyOf(owners)));
    }

    /**
     * Adds a raw line (as logged) of message {@code msgid}, the {@code ordinal}-th (from 0) of the
     * message's lines in its second.
     */
    public void line(String msgid, long time, int ordinal, String line) {
        Chunk c = chunks.get(msgid);
        if (c == null) {
            c = new Chunk(msgid, time, ordinal);
            chunks.put(msgid, c);
        }
        c.add(line);
        lineCount++;
        lineChars += line.length();
    }

    /** Characters of raw lines in this batch: what bounds its memory when lines are long. */
    public long lineChars() {
        return lineChars;
    }

    /**
     * Says whether this batch's rows are expected to be new to the store, as a reading that writes
     * each message once, when it is finished (an import, a backfill), writes them: the store then
     * inserts them, and only falls back to its upserts if one is there after all. A live reading
     * writes a message's rows again at each change, so its batches are not fresh.
     */
    public void fresh(boolean fresh) {
        this.fresh = fresh;
    }

    /** See {@link #fresh(boolean)}. */
    public boolean isFresh() {
        return fresh;
    }

    /** Sets who may see a row from its stored columns (by default: nobody more than the batch says). */
    public void ownersFrom(Owners rule) {
        this.ownersFrom = rule;
    }

    /** The position this batch brings its reader to (as {@link #position} was given it), or null. */
    public String positionReached() {
        return position == null ? null : position.position();
    }

    /** Sets the position this batch brings the reader of {@code source} to. */
    public void position(String source, String position, String resume) {
        this.position = new Position(source, position, resume);
    }

    /** Records that this batch completes the import of a file. */
    public void imported(ImportedFile file) {
        this.imported = file;
    }

    /** Rows, retractions and lines in this batch (a split part counts its own). */
    public int size() {
        return (tables.deliveries() ? rows.size() + retracted.size() : 0)
                + (tables.ownersAndLines() ? lineCount : 0);
    }

    /** Delivery rows this batch writes (a row written again counts again). */
    public int deliveryRows() {
        return tables.deliveries() ? rows.size() : 0;
    }

    public boolean isEmpty() {
        return rows.isEmpty() && retracted.isEmpty() && chunks.isEmpty() && position == null && imported == null;
    }

    /** Whether this batch moves a position or completes a file: what must commit after its rows. */
    public boolean hasMarks() {
        return position != null || imported != null;
    }

    /**
     * Splits the batch in two that can be written concurrently, by table: the delivery rows in
     * one, their owner entries and the raw lines in the other. Two writers on the same table
     * meet at its newest pages (keys begin with the time), which cost MariaDB a fifth more CPU
     * for the same rows when batches were split by key; on different tables they never meet. Each
     * table is still written by one part, batch after batch, so every row's states keep their
     * order (but for the owner entries a row moved by its arrival leaves at its former time, which
     * the delivery part drops: the other part never writes there again). The position and file
     * marks are in neither; {@link #marksOnly()} carries them, to be written once both parts are.
     * The parts share this batch's rows and lines, not copies: neither it nor they may be added
     * to after the split.
     */
    public List<RowBatch> split() {
        RowBatch deliveries = new RowBatch();
        deliveries.tables = Tables.DELIVERIES;
        RowBatch side = new RowBatch();
        side.tables = Tables.OWNERS_AND_LINES;
        for (RowBatch part : List.of(deliveries, side)) {
            part.rows = rows;
            part.retracted = retracted;
        }
        deliveries.fresh = fresh;
        side.fresh = fresh;
        side.ownersFrom = ownersFrom;
        side.chunks = chunks;
        side.lineCount = lineCount;
        return List.of(deliveries, side);
    }

    /** A batch with this one's position and file marks and nothing else. */
    public RowBatch marksOnly() {
        RowBatch b = new RowBatch();
        b.position = position;
        b.imported = imported;
        return b;
    }
}
