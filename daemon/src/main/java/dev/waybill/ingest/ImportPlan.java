package dev.waybill.ingest;

import dev.waybill.exim.ParsedLine;
import dev.waybill.store.ImportedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Which of a run's log files to read, knowing which were read before: by {@code waybill import}
 * or by a first start's backfill, each of which records the files it read to their end in
 * {@code imported_file}. Both decide here, the same way.
 *
 * <ul>
 *   <li>The leading files that a record covers — the same {@linkplain LogHead#fingerprint()
 *       fingerprint}, and no more text than was read then — are not read again. Once one file must
 *       be read, so must every later one: a message's lines straddle files, and its later lines
 *       read without the earlier ones would make rows of their own.</li>
 *   <li>The last of the files passed over are {@linkplain Step#REPLAY replayed} (read, nothing
 *       written) so that the messages open at their end go on whole into the first file read:
 *       every file whose last line is within the assembler's horizon of that file's first line
 *       (in log time), as the live tail replays the rotated files within the horizon at a first
 *       start. What an older file left open was let go before.</li>
 *   <li>A file with the fingerprint of one before it in this run and no more text is that text
 *       again (a rotated file and its {@code .gz}, or one file named twice): passed over, and
 *       not replayed either, which would feed its lines twice.</li>
 * </ul>
 */
public final class ImportPlan {

    /** What to do with one file. */
    public enum Step {
        /** Read it and write what it holds. */
        READ,
        /** Read before: feed it through without writing, for the messages still open at its end. */
        REPLAY,
        /** Read before (or the same text as a file before it): leave it. */
        SKIP
    }

    /** The store's records of files read before. */
    @FunctionalInterface
    public interface Records {
        /** The record of the file with this fingerprint, or null. */
        ImportedFile find(byte[] fingerprint) throws SQLException;
    }

    /** Lines a replay holds before dropping what they produced: it is in the store already. */
    private static final int REPLAY_BATCH = 10_000;

    private ImportPlan() {
    }

    /**
     * The step for each of {@code files}.
     *
     * @param files          the files of the run, oldest first
     * @param next           the file the run reads after these, whatever the records say (a
     *                       backfill's hand-over file), or null
     * @param horizonSeconds how long the assembler keeps a silent message open
     * @throws SQLException if the records cannot be read
     */
    public static List<Step> of(List<LogFileInfo> files, LogFileInfo next, Records records, long horizonSeconds)
            throws SQLException {
        int n = files.size();
        Step[] steps = new Step[n];
        long[] lastTimes = new long[n];
        int firstRead = n;
        for (int i = 0; i < n; i++) {
            ImportedFile record = records.find(files.get(i).fingerprint());
            if (record == null || !covers(record, files.get(i).path())) {
                firstRead = i;
                break;
            }
            steps[i] = Step.SKIP;
            lastTimes[i] = record.lastTime() > 0 ? record.lastTime() : ParsedLine.NO_TIME;
        }
        for (int i = firstRead; i < n; i++) {
            steps[i] = repeatsAnEarlierFile(files, i) ? Step.SKIP : Step.READ;
        }
        LogFileInfo after = firstRead < n ? files.get(firstRead) : next;
        if (after != null) {
            long start = after.firstTime();
            for (int i = firstRead - 1; i >= 0; i--) {
                boolean unknown = start == ParsedLine.NO_TIME || lastTimes[i] == ParsedLine.NO_TIME;
                if (!unknown && lastTimes[i] < start - horizonSeconds) {
                    break; // what was open at its end was let go before the file read after it; older files' too
                }
                // The same text as a file before it (a rotated file and its .gz) is replayed once:
                // twice, its lines would count twice in the messages going on into the next file.
                steps[i] = repeatsAnEarlierFile(files, i) ? Step.SKIP : Step.REPLAY;
            }
        }
        return List.of(steps);
    }

    /** Whether {@code record} says all of {@code file} was read; a file that cannot be measured was not. */
    private static boolean covers(ImportedFile record, Path file) {
        try {
            return LogFiles.holdsAtMost(file, record.bytes());
        } catch (IOException e) {
            return false; // reading it will say what is wrong with it
        }
    }

    private static boolean repeatsAnEarlierFile(List<LogFileInfo> files, int i) {
        LogFileInfo f = files.get(i);
        for (int j = 0; j < i; j++) {
            LogFileInfo earlier = files.get(j);
            if (earlier.head().equals(f.head())) {
                try {
                    if (LogFiles.holdsAtMost(f.path(), LogFiles.textLength(earlier.path()))) {
                        return true;
                    }
                } catch (IOException e) {
                    return false; // reading it will say what is wrong with it
                }
            }
        }
        return false;
    }

    /**
     * Carries out a {@link Step#REPLAY}: feeds every line of {@code file} to {@code ingester} and
     * writes none of what it makes of them, which is in the store already; what the messages open
     * at the end become in the next file is written as usual. What the ingester held before is
     * submitted first.
     *
     * @param keepGoing asked between batches of lines; false stops the replay
     * @return the lines fed
     * @throws IOException if the file cannot be read (what it made so far is dropped)
     */
    public static long replay(Path file, ZoneId zone, Ingester ingester, StoreWriter writer, BooleanSupplier keepGoing)
            throws IOException, InterruptedException, SQLException {
        writer.submit(ingester.takeBatch());
        long lines = 0;
        try (ParsingReader reader = new ParsingReader(LogFiles.open(file), zone, file.getFileName().toString())) {
            ParsedLine[] batch;
            while (keepGoing.getAsBoolean() && (batch = reader.next()) != null) {
                for (ParsedLine p : batch) {
                    ingester.accept(p, -1);
                }
                lines += batch.length;
                if (ingester.due(REPLAY_BATCH)) {
                    ingester.takeBatch(); // dropped: stored when the file was first read
                }
            }
        } finally {
            ingester.takeBatch();
        }
        return lines;
    }
}
