package dev.waybill.store;

import dev.waybill.outcome.Outcome;
import java.util.ArrayList;
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

    /** Raw lines of one message read in this batch, joined by newlines, and the first one's time. */
    static final class Chunk {
        final String msgid;
        final long firstTime;
        final StringBuilder lines = new StringBuilder(256);
        int count;

        Chunk(String msgid, long firstTime) {
            this.msgid = msgid;
            this.firstTime = firstTime;
        }
    }

    /** A row to remove, with the owner entries written for it. */
    record Retraction(RowKey key, long sendtime, List<String> owners) {
    }

    /** Where a followed log has been read up to, and where a restart must replay from. */
    record Position(String source, String position, String resume) {
    }

    final Map<RowKey, Row> rows = new LinkedHashMap<>();
    final Map<RowKey, Retraction> retracted = new LinkedHashMap<>();
    final Map<String, Chunk> chunks = new LinkedHashMap<>();
    private int lineCount;
    Position position;
    ImportedFile imported;

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

    /** Adds a raw line (as logged) of message {@code msgid}. */
    public void line(String msgid, long time, String line) {
        Chunk c = chunks.computeIfAbsent(msgid, id -> new Chunk(id, time));
        if (c.lines.length() > 0) {
            c.lines.append('\n');
        }
        c.lines.append(line);
        c.count++;
        lineCount++;
    }

    /** Sets the position this batch brings the reader of {@code source} to. */
    public void position(String source, String position, String resume) {
        this.position = new Position(source, position, resume);
    }

    /** Records that this batch completes the import of a file. */
    public void imported(ImportedFile file) {
        this.imported = file;
    }

    /** Rows, retractions and lines in this batch. */
    public int size() {
        return rows.size() + retracted.size() + lineCount;
    }

    public boolean isEmpty() {
        return size() == 0 && position == null && imported == null;
    }

    /** Whether this batch moves a position or completes a file: what must commit after its rows. */
    public boolean hasMarks() {
        return position != null || imported != null;
    }

    /**
     * Splits the rows and lines into {@code n} batches that can be written concurrently: a row
     * key (and a message's lines) always falls in the same part, so writing each part's batches
     * in order keeps every row's own order. The position and file marks are in no part;
     * {@link #marksOnly()} carries them, to be written once every part is.
     */
    public List<RowBatch> split(int n) {
        List<RowBatch> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parts.add(new RowBatch());
        }
        rows.forEach((k, r) -> parts.get(part(k.hashCode(), n)).rows.put(k, r));
        retracted.forEach((k, r) -> parts.get(part(k.hashCode(), n)).retracted.put(k, r));
        chunks.forEach((id, c) -> {
            RowBatch b = parts.get(part(id.hashCode(), n));
            b.chunks.put(id, c);
            b.lineCount += c.count;
        });
        return parts;
    }

    /** A batch with this one's position and file marks and nothing else. */
    public RowBatch marksOnly() {
        RowBatch b = new RowBatch();
        b.position = position;
        b.imported = imported;
        return b;
    }

    private static int part(int hash, int n) {
        return Math.floorMod(hash ^ (hash >>> 16), n);
    }
}
