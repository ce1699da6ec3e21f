package dev.waybill.ingest;

import dev.waybill.exim.LineParser;
import dev.waybill.exim.ParsedLine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;

/**
 * What an import needs to know about a log before reading it: when it starts (to read files in
 * time order whatever order they were named in) and a fingerprint (to know a file imported
 * before, compressed or not, renamed or not): the SHA-256 of its first 64 KiB of text.
 *
 * @param path        the file
 * @param size        its size on disk
 * @param firstTime   the first timestamp in it, or {@link ParsedLine#NO_TIME}
 * @param fingerprint SHA-256 of the first 64 KiB after decompression
 */
public record LogFileInfo(Path path, long size, long firstTime, byte[] fingerprint) {

    static final int FINGERPRINT_BYTES = 64 * 1024;

    /** Reads the start of {@code path}. */
    public static LogFileInfo of(Path path, ZoneId zone) throws IOException {
        long size = Files.size(path);
        byte[] head;
        try (InputStream in = LogFiles.open(path)) {
            head = in.readNBytes(FINGERPRINT_BYTES);
        }
        long first = ParsedLine.NO_TIME;
        LineParser parser = new LineParser(zone);
        try (LogLineReader reader = new LogLineReader(new java.io.ByteArrayInputStream(head))) {
            String line;
            while (first == ParsedLine.NO_TIME && (line = reader.readLine()) != null) {
                first = parser.parse(line).time();
            }
        }
        try {
            return new LogFileInfo(path, size, first, MessageDigest.getInstance("SHA-256").digest(head));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
