package dev.waybill.exim;

/**
 * One classified line.
 *
 * @param lineClass what the line is
 * @param time      unix seconds, or {@link Long#MIN_VALUE} for a line without a timestamp
 * @param messageId the Exim message id, or null
 * @param event     what the line says about a message, or null for context lines
 * @param text      the line itself
 */
public record ParsedLine(LineClass lineClass, long time, String messageId, LogEvent event,
                         String text) {

    /** Marks a line that carries no timestamp. */
    public static final long NO_TIME = Long.MIN_VALUE;
}
