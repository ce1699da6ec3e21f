package dev.waybill.ingest;

import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Arrays;

/**
 * What a run over log files needs to know about one before reading it: when it starts (to read
 * files in time order whatever order they were named in) and its {@link LogHead} (to know a file
 * read before, compressed or not, renamed or not).
 *
 * @param path      the file
 * @param size      its size on disk
 * @param firstTime the first timestamp in its first {@value #FIRST_TIME_BYTES} bytes of text, or
 *                  {@link ParsedLine#NO_TIME}
 * @param head      its first bytes after decompression
 * @param compressed whether it is gzip-compressed
 * @param textSize  about how many bytes of text it holds: its size, or what a compressed file
 *                  says it decompresses to (gzip keeps that, modulo 4 GiB, in its last 4 bytes)
 */
public record LogFileInfo(Path path, long size, long firstTime, LogHead head, boolean compressed, long textSize) {

    /** How far into a file its first timestamp is looked for. */
    public static final int FIRST_TIME_BYTES = 64 * 1024;

    /** Reads the start of {@code path}. */
    public static LogFileInfo of(Path path, ZoneId zone) throws IOException {
        long size = Files.size(path);
        byte[] start = start(path);
        long first = ParsedLine.NO_TIME;
        LineParser parser = new LineParser(zone);
        try (LogLineReader reader = new LogLineReader(new ByteArrayInputStream(start))) {
            String line;
            while (first == ParsedLine.NO_TIME && (line = reader.readLine()) != null) {
                first = parser.parse(line).time();
            }
        }
        boolean compressed = LogFiles.compressed(path);
        return new LogFileInfo(path, size, first, LogHead.of(start, start.length), compressed,
                compressed ? Math.max(size, LogFiles.trailerLength(path)) : size);
    }

    /**
     * The first {@value #FIRST_TIME_BYTES} bytes of text of {@code path}, or as many as it holds. A
     * file damaged before them (a small {@code .gz} cut short) gives those before the damage:
     * reading it stores them, and says what is wrong with it.
     *
     * @throws IOException if it cannot be opened, or gives no text at all before failing
     */
    private static byte[] start(Path path) throws IOException {
        byte[] buffer = new byte[FIRST_TIME_BYTES];
        int n = 0;
        try (InputStream in = LogFiles.open(path)) {
            int r;
            while (n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) >= 0) {
                n += r;
            }
        } catch (IOException e) {
            if (n == 0) {
                throw e;
            }
        }
        return Arrays.copyOf(buffer, n);
    }

    /** The file's identity, as {@code imported_file} records it: {@link LogHead#fingerprint()}. */
    public byte[] fingerprint() {
        return head.fingerprint();
    }
}
