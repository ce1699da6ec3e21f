package dev.waybill.ingest;

/**
 * Lines a {@link LogFollower} could not deliver: the place they were lost and why. The caller
 * logs {@link #message()} once; the follower has already moved on.
 *
 * @param from the position where the lost bytes begin, or null if not even that is known
 * @param bytes how many bytes were lost, or -1 if unknown
 * @param reason a sentence naming the files involved and what happened
 */
public record LogGap(LogPosition from, long bytes, String reason) {

    /** One line for the daemon's log. */
    public String message() {
        String size = bytes < 0 ? "an unknown number of bytes" : bytes + " bytes";
        return "log lines lost (" + size + (from == null ? "" : " from " + from) + "): " + reason;
    }
}
