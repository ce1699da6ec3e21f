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

    /** A rotated log now wholly imported. */
    record ImportedFile(byte[] fingerprint, String name, long lines, long firstTime, long lastTime) {
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
        lineCount++;
    }

    /** Sets the position this batch brings the reader of {@code source} to. */
    public void position(String source, String position, String resume) {
        this.position = new Position(source, position, resume);
    }

    /** Records that this batch completes the import of a file. */
    public void imported(byte[] fingerprint, String name, long lines, long firstTime, long lastTime) {
        this.imported = new ImportedFile(fingerprint.clone(), name, lines, firstTime, lastTime);
    }

    /** Rows, retractions and lines in this batch. */
    public int size() {
        return rows.size() + retracted.size() + lineCount;
    }

    public boolean isEmpty() {
        return size() == 0 && position == null && imported == null;
    }
}
