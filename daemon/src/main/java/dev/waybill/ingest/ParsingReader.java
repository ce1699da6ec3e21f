package dev.waybill.ingest;

import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads, decompresses, splits and parses one log off the caller's thread, and hands the parsed
 * lines over in batches, in order. Two stages of its own: one thread reads, decompresses and
 * splits lines, another parses them, while the caller assembles outcomes and writes them — three
 * stages of similar weight, which keep two cores busy. The queues between stages are bounded, so
 * a slow consumer holds the reader back instead of filling memory.
 */
public final class ParsingReader implements AutoCloseable {

    private static final int BATCH = 2048;
    /**
     * Batches each queue holds: enough to smooth out the stages' pace. More only keeps more lines
     * alive while a slower consumer (the database) sets the pace, and every line alive at a
     * young collection is copied by it: 8 cost an import about a tenth more CPU than 2.
     */
    private static final int BATCHES_IN_FLIGHT = 2;
    /** Marks the end of the stream (or of a failed read). */
    private static final ParsedLine[] END = new ParsedLine[0];

    /** Marks the end of the raw lines. */
    private static final String[] NO_MORE = new String[0];

    private final BlockingQueue<String[]> raw = new ArrayBlockingQueue<>(BATCHES_IN_FLIGHT);
    private final BlockingQueue<ParsedLine[]> queue = new ArrayBlockingQueue<>(BATCHES_IN_FLIGHT);
    private final Thread reading;
    private final Thread parsing;
    private volatile IOException failure;
    private volatile long bytes;
    private volatile long truncatedLines;
    private volatile long internalErrors;
    private volatile String heldBack;
    private boolean ended;

    /**
     * Starts reading {@code in}, which this reader closes.
     *
     * @param name names the thread, for thread dumps
     */
    public ParsingReader(InputStream in, ZoneId zone, String name) {
        this(in, zone, name, false);
    }

    /**
     * The same, holding back a last line without {@code \n} when {@code wholeLinesOnly}: in a
     * file that may still be written (a live log), such a line is not finished, and what it says
     * so far (an address cut short) would be stored as if it were. It is then {@link #heldBack()}.
     */
    public ParsingReader(InputStream in, ZoneId zone, String name, boolean wholeLinesOnly) {
        reading = new Thread(() -> read(in, wholeLinesOnly), "waybill-read " + name);
        parsing = new Thread(() -> parse(zone), "waybill-parse " + name);
        reading.setDaemon(true);
        parsing.setDaemon(true);
        reading.start();
        parsing.start();
    }

    private void read(InputStream in, boolean wholeLinesOnly) {
        LogLineReader reader = new LogLineReader(in);
        String[] batch = new String[BATCH];
        int n = 0;
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (wholeLinesOnly && reader.unterminated()) {
                    heldBack = line;
                    break;
                }
                batch[n++] = line;
                if (n == BATCH) {
                    raw.put(batch);
                    batch = new String[BATCH];
                    n = 0;
                }
            }
        } catch (IOException e) {
            failure = e; // the whole lines read before it still go out: a damaged .gz keeps what it can
        } catch (InterruptedException e) {
            return; // closed by the consumer: nobody is waiting for the end marker
        } finally {
            // A line held back counts as read: a file that has not grown since holds nothing more
            // (a rotated file whose writer died mid-line never will), and any end of the line
            // grows it, which makes a record of this reading no longer cover it.
            bytes = reader.offset();
            truncatedLines = reader.truncatedLines();
        }
        try {
            if (n > 0) {
                raw.put(Arrays.copyOf(batch, n));
            }
            raw.put(NO_MORE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void parse(ZoneId zone) {
        LineParser parser = new LineParser(zone);
        try {
            String[] lines;
            while ((lines = raw.take()) != NO_MORE) {
                ParsedLine[] batch = new ParsedLine[lines.length];
                for (int i = 0; i < lines.length; i++) {
                    batch[i] = parser.parse(lines[i]);
                }
                queue.put(batch);
            }
            internalErrors = parser.internalErrors();
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closed by the consumer
        }
    }

    /**
     * The next batch of lines, in order, or null at the end.
     *
     * @throws IOException what reading the log failed with, after every line read before it
     */
    public ParsedLine[] next() throws IOException {
        if (ended) {
            return null;
        }
        ParsedLine[] batch;
        try {
            batch = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the log", e);
        }
        if (batch == END) {
            ended = true;
            if (failure != null) {
                throw failure;
            }
            return null;
        }
        return batch;
    }

    /** Bytes read (a line {@linkplain #heldBack() held back} included), once {@link #next()} has returned null or thrown. */
    public long bytes() {
        return bytes;
    }

    /** The unfinished last line held back (see the constructor), once the end is reached; else null. */
    public String heldBack() {
        return heldBack;
    }

    /** Lines cut at the length limit, once the end is reached. */
    public long truncatedLines() {
        return truncatedLines;
    }

    /** Lines the parser's safety net caught, once the end is reached; zero unless there is a bug. */
    public long internalErrors() {
        return internalErrors;
    }

    /** Stops the reading and parsing threads if they are still going. */
    @Override
    public void close() {
        reading.interrupt();
        parsing.interrupt();
        raw.clear();
        queue.clear();
        try {
            reading.join(1000);
            parsing.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
