/**
 * From log files to lines: the first stage of the daemon's pipeline.
 *
 * <p>{@link dev.waybill.ingest.LogLineReader} splits a byte stream into lines, fast;
 * {@link dev.waybill.ingest.LogFiles} opens a plain or gzip-compressed log; and
 * {@link dev.waybill.ingest.ParsingReader} reads and parses a whole file on threads of its own,
 * for {@code waybill parse}.
 *
 * <p>{@link dev.waybill.ingest.LogFollower} follows the live main log through rotation and hands
 * out each line with the {@link dev.waybill.ingest.LogPosition} after it, which the daemon stores
 * with the rows the line produced; lines that could not be delivered are reported as a
 * {@link dev.waybill.ingest.LogGap}. Behind it, package-private: {@code OpenLog} (one open file,
 * its inode and first bytes), {@code LineCutter} (whole lines out of a growing file),
 * {@code RotatedSiblings} (the rotated generations beside a log) and {@code LineText} (bytes to
 * text, shared with {@code LogLineReader}).
 */
package dev.waybill.ingest;
