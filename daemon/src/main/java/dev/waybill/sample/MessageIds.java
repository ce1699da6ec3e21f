package dev.waybill.sample;

/**
 * Builds Exim message ids in either of the two formats found in the wild.
 *
 * <p>An id is three base-62 numbers joined by hyphens: the second the message arrived, the id of
 * the receiving process, and a sub-second part that keeps ids unique within one process.
 * <ul>
 *   <li>Exim before 4.97: 6 + 6 + 2 characters, e.g. {@code 1RwtJa-0009RI-07}; the last part is
 *       the microsecond divided by 500 (Linux's id resolution).</li>
 *   <li>Exim 4.97 and later (current cPanel): 6 + 11 + 4 characters, e.g.
 *       {@code 1rAbcD-00000000AbC-0000}; the last part is the microsecond itself.</li>
 * </ul>
 * Source: Exim specification, chapter "Message identification" (section 3.4 in 4.9x manuals).
 */
final class MessageIds {

    static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private MessageIds() {
    }

    /** Length of an id in the given format: 16 or 23. */
    static int length(int width) {
        return width == 16 ? 16 : 23;
    }

    /**
     * Returns the id of a message received at {@code epochSecond} + {@code micros} by process
     * {@code pid}, in the 16- or 23-character format.
     */
    static byte[] make(int width, long epochSecond, int pid, int micros) {
        byte[] id = new byte[length(width)];
        put(id, 0, 6, epochSecond);
        id[6] = '-';
        if (width == 16) {
            put(id, 7, 6, pid);
            id[13] = '-';
            put(id, 14, 2, micros / 500);
        } else {
            put(id, 7, 11, pid);
            id[18] = '-';
            put(id, 19, 4, micros);
        }
        return id;
    }

    private static void put(byte[] into, int at, int digits, long value) {
        for (int i = at + digits - 1; i >= at; i--) {
            into[i] = (byte) BASE62.charAt((int) (value % 62));
            value /= 62;
        }
    }
}
