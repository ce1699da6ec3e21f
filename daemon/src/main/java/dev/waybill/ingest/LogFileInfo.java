package dev.waybill.ingest;

import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;

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
        byte[] start;
        try (InputStream in = LogFiles.open(path)) {
            start = in.readNBytes(FIRST_TIME_BYTES);
        }
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

    /** The file's identity, as {@code imported_file} records it: {@link LogHead#fingerprint()}. */
    public byte[] fingerprint() {
        return head.fingerprint();
    }
}
