package dev.waybill.ingest;

import dev.waybill.exim.ParsedLine;
import dev.waybill.store.ImportedFile;
import java.io.IOException;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;

/**
 * The lines of one log file as they are fed to an {@link Ingester}: how many, and the times of
 * the first and last, which make the file's {@link ImportedFile} record once it is read whole.
 */
public final class FileFeed {

    private long lines;
    private long firstTime = ParsedLine.NO_TIME;
    private long lastTime = ParsedLine.NO_TIME;

    /** Counts a line fed by the caller. */
    void count(ParsedLine line) {
        lines++;
        if (line.time() != ParsedLine.NO_TIME) {
            firstTime = firstTime == ParsedLine.NO_TIME ? line.time() : firstTime;
            lastTime = line.time();
        }
    }

    /**
     * Feeds what {@code reader} reads to {@code ingester}, while {@code keepGoing}, handing
     * {@code writer} a batch whenever one is {@linkplain Ingester#due due}, and calling
     * {@code afterBlock} after each block of lines. The lines fed so far stay counted if reading
     * fails.
     *
     * @throws IOException if the file cannot be read on
     */
    public void feed(ParsingReader reader, Ingester ingester, StoreWriter writer, int batchLines,
                     BooleanSupplier keepGoing, Runnable afterBlock) throws IOException, InterruptedException, SQLException {
        ParsedLine[] block;
        while (keepGoing.getAsBoolean() && (block = reader.next()) != null) {
            for (ParsedLine p : block) {
                ingester.accept(p, -1);
                count(p);
            }
            if (ingester.due(batchLines)) {
                writer.submit(ingester.takeBatch());
            }
            afterBlock.run();
        }
    }

    /** The time of the last line fed that has one, or {@link ParsedLine#NO_TIME}. */
    public long lastTime() {
        return lastTime;
    }

    /** Lines fed so far. */
    public long lines() {
        return lines;
    }

    /** The record of the file, read whole: {@code bytes} of text, as read at {@code name}. */
    public ImportedFile record(byte[] fingerprint, String name, long bytes) {
        return new ImportedFile(fingerprint, name, bytes, lines, Math.max(0, firstTime), Math.max(0, lastTime));
    }
}
