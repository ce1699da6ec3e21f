package dev.waybill.store;

/**
 * One row of {@code imported_file}: a log file read to its end by {@code waybill import} or by a
 * first start's backfill. The file is known by its fingerprint (the SHA-256 of its first bytes of
 * text, see {@code dev.waybill.ingest.LogHead}), which stays while a live log grows; so the record
 * covers the file only while it holds no more than {@code bytes}.
 *
 * @param fingerprint the file's identity, 32 bytes
 * @param name        where it was read (for people: the fingerprint is what counts)
 * @param bytes       bytes of text read, after decompression
 * @param lines       lines read
 * @param firstTime   its first timestamp, in unix seconds (0 when none)
 * @param lastTime    its last timestamp, in unix seconds (0 when none)
 */
public record ImportedFile(byte[] fingerprint, String name, long bytes, long lines, long firstTime, long lastTime) {

    public ImportedFile {
        fingerprint = fingerprint.clone();
    }
}
