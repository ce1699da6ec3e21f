package dev.waybill.ingest;

/**
 * One whole line of a followed log.
 *
 * @param text the line without its {@code \n} (or {@code \r\n}); invalid UTF-8 shows as U+FFFD,
 *     and a line longer than the follower's limit is cut to that many bytes
 * @param after the position just after this line: storing it means "this line is done"
 */
public record LogLine(String text, LogPosition after) {
}
